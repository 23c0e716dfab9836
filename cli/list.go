package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

func newListCmd(env *Env) *cobra.Command {
	var output string
	var staleOnly, all, exitCode bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the locks in the lock table and the watched buckets",
		Long: `List every lock in the table and the watched buckets' lock files: state
path, operation, holder, age, version and lock ID. Stale locks are marked
with '!', malformed items with '?'. On a terminal, stderr also says what
the read cost (read capacity, S3 LIST and GET requests).

With several contexts (--context a,b or --all-contexts) they are read at
once, each with its own settings; a CONTEXT column (JSON: "context") says
where each lock is. A context that cannot be read does not hide the others:
they are listed, stderr names the one that failed and why, and the exit
code is 1.

Exit codes: 0 success; 1 error (with several contexts: at least one could
not be read); 2 usage error; 3 with --exit-code when at least one lock is
listed (for monitors and cron).`,
		Example: `  lockwarden list --table terraform-locks --region eu-west-1
  lockwarden list --context prod -o json --stale
  lockwarden list --stale --exit-code   # exit 3 if a stale lock exists
  lockwarden list --all-contexts        # every configured context, a CONTEXT column`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			fleet, err := LoadFleet(cmd.Flags())
			if err != nil {
				return err
			}
			limitMemory()
			if len(fleet) > 1 {
				return listFleet(cmd, env, fleet, listOptions{output: output, staleOnly: staleOnly, all: all, exitCode: exitCode})
			}
			s := fleet[0]
			snap, err := scanTable(cmd, s, all)
			if err != nil {
				return err
			}
			now := env.Now()
			entries := selectEntries(snap.Entries, now, s.StaleAfter, staleOnly)
			if output == "json" {
				err = writeJSON(env.Stdout, entries, func(*model.Entry) *Settings { return &s }, now)
			} else {
				err = writeTable(env.Stdout, entries, snap, s, now, staleOnly)
			}
			if err != nil {
				return err
			}
			if env.IsTerminal(env.Stderr) {
				// For a person, not a script: what this read cost.
				fmt.Fprintln(env.Stderr, pollCost(snap, s))
			}
			if exitCode && countLocks(entries) > 0 {
				return &exitError{code: ExitListed, err: fmt.Errorf("")}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	cmd.Flags().BoolVar(&staleOnly, "stale", false, "show only stale locks")
	cmd.Flags().BoolVar(&all, "all", false, "also list digest (-md5) items")
	cmd.Flags().BoolVar(&exitCode, "exit-code", false, "exit 3 when at least one lock is listed")
	return cmd
}

// listMemoryLimit is a soft heap limit for one-shot list runs. Monitors and
// cron jobs run list often, so it should stay light; the Go runtime only
// collects garbage sooner as the heap nears it and never fails for it.
const listMemoryLimit = 24 << 20

func plural1(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// checkOutput accepts the two output formats every listing command has.
func checkOutput(output string) error {
	if output != "table" && output != "json" {
		return usagef("--output must be table or json, not %q", output)
	}
	return nil
}

// selectEntries orders entries oldest first and applies --stale.
func selectEntries(entries []model.Entry, now time.Time, staleAfter time.Duration, staleOnly bool) []model.Entry {
	sorted := model.Sort(entries, model.SortAge)
	if !staleOnly {
		return sorted
	}
	out := sorted[:0:0]
	for _, e := range sorted {
		if e.StaleAt(now, staleAfter) {
			out = append(out, e)
		}
	}
	return out
}

// countLocks counts what blocks Terraform: locks and malformed lock items.
func countLocks(entries []model.Entry) int {
	n := 0
	for _, e := range entries {
		if e.Kind != model.KindDigest {
			n++
		}
	}
	return n
}

func writeTable(w io.Writer, entries []model.Entry, snap lwaws.Snapshot, s Settings, now time.Time, staleOnly bool) error {
	// The source column appears only when lock files are watched.
	src := func(e model.Entry) string { return "" }
	srcHead := ""
	if len(s.Buckets) > 0 {
		src = func(e model.Entry) string { return e.Label() + "\t" }
		srcHead = "SOURCE\t"
	}
	var locks, stale, malformed int
	for _, e := range entries {
		switch {
		case e.Kind == model.KindLock:
			locks++
			if e.StaleAt(now, s.StaleAfter) {
				stale++
			}
		case e.Kind == model.KindMalformed:
			malformed++
		}
	}
	if len(entries) == 0 {
		what := "No locks"
		if staleOnly {
			what = "No stale locks"
		}
		if s.Table == "" {
			// Lock files alone: there are no digests to count.
			_, err := fmt.Fprintf(w, "%s in %s.\n", what, sanitize.Text(s.Watched()))
			return err
		}
		_, err := fmt.Fprintf(w, "%s in %s (%s).\n", what, sanitize.Text(s.Watched()), digestNote(snap.Digests))
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  STATE\t"+srcHead+"OPERATION\tWHO\tAGE\tVERSION\tLOCK ID")
	for _, e := range entries {
		switch e.Kind {
		case model.KindLock:
			marker := " "
			if e.StaleAt(now, s.StaleAfter) {
				marker = "!"
			}
			if e.Warning != "" {
				marker = "≠"
			}
			fmt.Fprintf(tw, "%s %s\t%s%s\t%s\t%s\t%s\t%s\n", marker, sanitize.Text(e.Path()), src(e),
				sanitize.Text(model.OperationWord(e.Info.Operation)), sanitize.Text(sanitize.OrDash(e.Info.Who)),
				e.AgeAt(now), sanitize.Text(sanitize.OrDash(e.Info.Version)), sanitize.Text(e.ShortID()))
		case model.KindDigest:
			fmt.Fprintf(tw, "  %s\t%sdigest\t%s\t—\t—\t—\n", sanitize.Text(e.Path()), src(e), sanitize.Text(e.Digest))
		default:
			fmt.Fprintf(tw, "? %s\t%smalformed\t—\t—\t—\t—\n", sanitize.Text(sanitize.OrDash(e.LockID)), src(e))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var warned []model.Entry
	for _, e := range entries {
		if e.Warning != "" {
			warned = append(warned, e)
		}
	}
	if len(warned) > 0 {
		fmt.Fprintln(w, "\nLocks whose two places disagree (marked ≠):")
		for _, e := range warned {
			fmt.Fprintf(w, "≠ %s: %s\n", sanitize.Text(e.LockID), sanitize.Text(e.Warning))
		}
	}
	if malformed > 0 {
		fmt.Fprintln(w, "\nMalformed items (neither a readable lock nor a digest):")
		for _, e := range entries {
			if e.Kind == model.KindMalformed {
				fmt.Fprintf(w, "? %s: %s\n", sanitize.Text(sanitize.OrDash(e.LockID)), sanitize.Text(e.Problem))
			}
		}
	}
	// What was read comes first: a table, a bucket, or both.
	watched := s.Watched()
	summary := fmt.Sprintf("\n%s: %d lock%s", sanitize.Text(strings.ToUpper(watched[:1])+watched[1:]), locks, plural(locks))
	if stale > 0 {
		summary += fmt.Sprintf(" (%d stale: held %s or longer, marked !)", stale, model.FormatThreshold(s.StaleAfter))
	}
	if malformed > 0 {
		summary += fmt.Sprintf(", %d malformed item%s (marked ?)", malformed, plural(malformed))
	}
	if s.Table != "" {
		summary += ", " + digestNote(snap.Digests)
	}
	summary += ".\n"
	_, err := io.WriteString(w, summary)
	return err
}

func digestNote(n int) string {
	return fmt.Sprintf("%d digest item%s", n, plural(n))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// baseRecord holds the fields every JSON entry has.
type baseRecord struct {
	// Context is the configured context the entry was read in.
	Context string `json:"context,omitempty"`
	Source  string `json:"source"`
	// ObjectKey and ETag are the S3 lock file's, when there is one.
	ObjectKey string `json:"object_key,omitempty"`
	ETag      string `json:"etag,omitempty"`
	Warning   string `json:"warning,omitempty"`
	Kind      string `json:"kind"`
	Table     string `json:"table"`
	LockID    string `json:"lock_id"`
	Path      string `json:"path"`
	Bucket    string `json:"bucket"`
	Key       string `json:"key"`
	Workspace string `json:"workspace"`
}

type lockRecord struct {
	baseRecord
	ID         string `json:"id"`
	Operation  string `json:"operation"`
	Who        string `json:"who"`
	Version    string `json:"version"`
	Info       string `json:"info"`
	Created    string `json:"created"`
	AgeSeconds *int64 `json:"age_seconds"`
	ClockAhead bool   `json:"clock_ahead"`
	Stale      bool   `json:"stale"`
}

type digestRecord struct {
	baseRecord
	Digest string `json:"digest"`
}

type malformedRecord struct {
	baseRecord
	Malformed bool            `json:"malformed"`
	Problem   string          `json:"problem"`
	Item      json.RawMessage `json:"item"`
}

// writeJSON writes entries as one JSON array; settingsOf gives the
// settings of the context an entry was read in.
func writeJSON(w io.Writer, entries []model.Entry, settingsOf func(*model.Entry) *Settings, now time.Time) error {
	out := make([]any, 0, len(entries))
	for i := range entries {
		e, s := entries[i], settingsOf(&entries[i])
		base := baseRecord{Context: s.Context, Source: e.Source.String(), Kind: e.Kind.String(), Table: s.Table, LockID: e.LockID,
			Path: e.Path(), Bucket: e.Bucket, Key: e.Key, Workspace: e.Workspace, Warning: e.Warning}
		if e.File != nil {
			base.ObjectKey, base.ETag = e.File.Key, e.File.ETag
		}
		switch e.Kind {
		case model.KindLock:
			r := lockRecord{baseRecord: base, ID: e.Info.ID, Operation: e.Info.Operation, Who: e.Info.Who,
				Version: e.Info.Version, Info: e.Info.Info, Stale: e.StaleAt(now, s.StaleAfter)}
			if !e.Info.Created.IsZero() {
				r.Created = e.Info.Created.Format(time.RFC3339Nano)
			}
			if age := e.AgeAt(now); age.Known && !age.ClockAhead {
				secs := int64(age.Held / time.Second)
				r.AgeSeconds = &secs
			} else {
				r.ClockAhead = age.ClockAhead
			}
			out = append(out, r)
		case model.KindDigest:
			out = append(out, digestRecord{baseRecord: base, Digest: e.Digest})
		default:
			raw := json.RawMessage(e.Item.JSON())
			if e.Item == nil && e.File != nil {
				// A malformed lock file: its body is the raw content.
				raw, _ = json.Marshal(map[string]string{"body": e.File.Body})
			}
			out = append(out, malformedRecord{baseRecord: base, Malformed: true, Problem: e.Problem, Item: raw})
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
