package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/guard"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

func newDigestCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "digest",
		Short: "Check and repair state digests (the -md5 items)",
		Long: `After every state write Terraform stores the MD5 of the state object in a
"-md5" item of the lock table, and on every read it compares. A run killed
between the two writes, a hand-edited or rolled-back state object leaves
them apart, and Terraform then stops with "state data in S3 does not have
the expected content". 'digest check' finds those states; 'digest repair'
sets the digest to the object's current MD5, guarded and audited.`,
	}
	cmd.AddCommand(newDigestCheckCmd(env), newDigestRepairCmd(env))
	return cmd
}

func newDigestCheckCmd(env *Env) *cobra.Command {
	var output string
	var exitCode bool
	cmd := &cobra.Command{
		Use:   "check [STATE_PATH…]",
		Short: "Compare each digest with its state object",
		Long: `For each digest item (or each STATE_PATH given, as 'list' shows it:
bucket/key; in a Terraform working directory, without one, its state),
read the state object, compute its MD5 and compare. Outcomes:
ok; mismatch; digest without state object; state without digest (states in
watched buckets that have no digest item); invalid digest value. The state's
serial, lineage, size and last write are shown so a person can judge it.

Exit codes: 0; 1 error; 2 usage; 3 with --exit-code when a digest is not ok.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			s, err := requireTable(config.Load(cmd.Flags()))
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			d, err := dial(ctx, s)
			if err != nil {
				return err
			}
			paths := args
			switch {
			case len(paths) == 0 && s.Workdir != nil:
				// In a working directory: its state's digest.
				paths = []string{s.Workdir.State()}
			case len(paths) == 0:
				if paths, err = allDigestPaths(ctx, cmd, d); err != nil {
					return err
				}
			}
			reports := checkAll(ctx, d.writer(), d.states(), paths)
			if output == "json" {
				err = writeDigestJSON(env.Stdout, reports)
			} else {
				err = writeDigestTable(env.Stdout, reports)
			}
			if err != nil {
				return err
			}
			for _, r := range reports {
				if r.Err != nil {
					return fmt.Errorf("%s: %v", r.Path, r.Err)
				}
				if exitCode && r.Status != model.DigestOK {
					return &exitError{code: ExitListed, err: fmt.Errorf("")}
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	cmd.Flags().BoolVar(&exitCode, "exit-code", false, "exit 3 when a digest is not ok")
	return cmd
}

// allDigestPaths lists every state with a digest item, plus every state
// object in the watched buckets (to find states without a digest).
func allDigestPaths(ctx context.Context, cmd *cobra.Command, d *dialled) ([]string, error) {
	snap, err := d.tableOnly().Scan(ctx, true)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, e := range snap.Entries {
		if model.IsDigestKey(e.LockID) {
			seen[e.Path()] = true
		}
	}
	c := d.states()
	for _, bp := range d.BucketPrefixes() {
		p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: sdkaws.String(bp.Bucket), Prefix: sdkaws.String(bp.Prefix)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "lockwarden: warning: states in bucket %s not listed: %v\n", sanitize.Text(bp.Bucket), sanitize.Text(sanitize.OneLine(err.Error())))
				break
			}
			for _, o := range page.Contents {
				if k := sdkaws.ToString(o.Key); strings.HasSuffix(k, ".tfstate") {
					seen[bp.Bucket+"/"+k] = true
				}
			}
		}
	}
	paths := make([]string, 0, len(seen))
	for p := range seen {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	return paths, nil
}

// checkAll checks digests model.DigestChecks at a time, keeping the
// paths' order. A check reports its failure in its report: the group only
// bounds and waits.
func checkAll(ctx context.Context, w *lwaws.LockWriter, c lwaws.S3API, paths []string) []model.DigestReport {
	out := make([]model.DigestReport, len(paths))
	var g errgroup.Group
	g.SetLimit(model.DigestChecks)
	for i, p := range paths {
		g.Go(func() error {
			out[i] = lwaws.CheckDigest(ctx, w, c, p)
			return nil
		})
	}
	_ = g.Wait()
	return out
}

func writeDigestTable(w io.Writer, reports []model.DigestReport) error {
	if len(reports) == 0 {
		_, err := fmt.Fprintln(w, "No digest items, and no state objects in watched buckets.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  STATE\tDIGEST\tSTORED\tSTATE MD5\tSERIAL\tLINEAGE\tSIZE\tWRITTEN (UTC)")
	bad := 0
	for _, r := range reports {
		marker := " "
		if r.Status != model.DigestOK && r.Status != model.DigestNone {
			marker, bad = "✗", bad+1
		}
		serial, written, size, sum := "—", "—", "—", "—"
		if r.State.Exists {
			if r.State.Serial != nil {
				serial = r.State.SerialText()
			}
			written, size, sum = r.State.LastModified.UTC().Format("2006-01-02 15:04:05"), fmt.Sprint(r.State.Size), r.State.MD5
		}
		fmt.Fprintf(tw, "%s %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", marker, sanitize.Text(r.Path), r.Status, sanitize.Text(sanitize.OrDash(r.Stored)),
			sum, serial, sanitize.Text(sanitize.OrDash(r.State.Lineage)), size, written)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if bad > 0 {
		_, err := fmt.Fprintf(w, "\n%d of %d digests need attention (marked ✗). Check the state object first (serial, lineage, last write), then 'lockwarden digest repair STATE'.\n", bad, len(reports))
		return err
	}
	none := 0
	for _, r := range reports {
		if r.Status == model.DigestNone {
			none++
		}
	}
	if none > 0 {
		_, err := fmt.Fprintf(w, "\n%d digests match their state objects; %d states have neither a digest item nor a state object (nothing to check).\n", len(reports)-none, none)
		return err
	}
	_, err := fmt.Fprintf(w, "\nAll %d digests match their state objects.\n", len(reports))
	return err
}

type digestCheckRecord struct {
	Path         string     `json:"path"`
	Status       string     `json:"status"`
	Stored       string     `json:"stored"`
	StateExists  bool       `json:"state_exists"`
	StateMD5     string     `json:"state_md5,omitempty"`
	Serial       *int64     `json:"serial,omitempty"`
	Lineage      string     `json:"lineage,omitempty"`
	Size         int64      `json:"size,omitempty"`
	LastModified *time.Time `json:"last_modified,omitempty"`
	Error        string     `json:"error,omitempty"`
}

func writeDigestJSON(w io.Writer, reports []model.DigestReport) error {
	out := make([]digestCheckRecord, 0, len(reports))
	for _, r := range reports {
		rec := digestCheckRecord{Path: r.Path, Status: string(r.Status), Stored: r.Stored, StateExists: r.State.Exists}
		if r.State.Exists {
			lm := r.State.LastModified.UTC()
			rec.StateMD5, rec.Serial, rec.Lineage, rec.Size, rec.LastModified = r.State.MD5, r.State.Serial, r.State.Lineage, r.State.Size, &lm
		}
		if r.Err != nil {
			rec.Error = r.Err.Error()
		}
		out = append(out, rec)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func newDigestRepairCmd(env *Env) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "repair STATE_PATH",
		Short: "Set a digest to its state object's current MD5, guarded and audited",
		Long: `Set the Digest of STATE_PATH (bucket/key, as 'list' shows it) to the MD5 of
the state object as it is now — what Terraform's error message asks for.

Check the state object itself first: after the repair Terraform accepts
whatever the object holds, even a truncated or rolled-back state. The write
is conditioned on the digest being unchanged since it was read, recorded
in the audit log first, and undone by 'lockwarden restore RECORD_ID'.

Exit codes: 0 repaired; 1 error; 2 usage; 3 refused (read-only, not
confirmed, changed since read); 5 repaired, but the audit outcome could not
be written; 6 nothing written: its intent record could not be stored.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := strings.TrimSuffix(args[0], model.DigestSuffix)
			s, err := requireTable(config.Load(cmd.Flags()))
			if err != nil {
				return err
			}
			if s.ReadOnly {
				return readOnlyRefusal(s)
			}
			ctx := cmd.Context()
			d, err := dial(ctx, s)
			if err != nil {
				return err
			}
			svc, err := d.service(ctx, env, nil)
			if err != nil {
				return err
			}
			r := lwaws.CheckDigest(ctx, svc.Writer, d.states(), path)
			if r.Err != nil {
				return r.Err
			}
			if err := writeDigestTable(env.Stdout, []model.DigestReport{r}); err != nil {
				return err
			}
			if r.Status == model.DigestOK {
				fmt.Fprintln(env.Stdout, "Nothing to repair.")
				return nil
			}
			// Refuse before asking: a prompt for a repair that cannot
			// happen wastes the operator's attention.
			if err := guard.CheckRepair(r); err != nil {
				return &exitError{code: ExitRefused, err: err}
			}
			fmt.Fprintf(env.Stdout, "\nBefore repairing, check that the state object is the state you want (serial %s, lineage %s,\nwritten %s): after the repair Terraform accepts it as it is.\n",
				r.State.SerialText(), sanitize.Text(sanitize.OrDash(r.State.Lineage)), r.State.LastModified.UTC().Format("2006-01-02 15:04:05 UTC"))
			if !yes {
				c := model.RepairConfirmation(r.State.MD5)
				if err := confirmTyped(env, c.Want, c.Ask(sanitize.Text), "not repaired"); err != nil {
					return err
				}
			}
			res, err := svc.RepairDigest(ctx, r, fmt.Sprintf("digest %s, state object MD5 %s", sanitize.OrDash(r.Stored), r.State.MD5))
			var unrecorded *guard.UnrecordedError
			if errors.As(err, &unrecorded) {
				fmt.Fprintf(env.Stdout, "\nDigest of %s set to %s.\nTo undo: lockwarden restore %s%s\n", sanitize.Text(path), r.State.MD5, res.RecordID, s.CopyArgs())
				return &exitError{code: ExitUnrecorded, err: err}
			}
			var refusal *model.Refusal
			if errors.As(err, &refusal) {
				return &exitError{code: ExitRefused, err: err}
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "\nDigest of %s set to %s.\nAudit record %s. To undo: lockwarden restore %s%s\n", sanitize.Text(path), r.State.MD5, res.RecordID, res.RecordID, s.CopyArgs())
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for the typed confirmation")
	return cmd
}
