package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/model"
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
code is 1. So is it when a watched bucket could not be read while the rest
was: the listing names it NOT READ, and never counts it as holding no locks.

Exit codes: 0 success; 1 error (a context, or a watched bucket of one,
could not be read); 2 usage error; 3 with --exit-code when at least one lock is
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
			fleet, err := config.LoadFleet(cmd.Flags())
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
				err = writeJSON(env.Stdout, entries, func(*model.Entry) *config.Settings { return &s }, now)
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
			if snap.Partial() {
				return partlyRead(snap)
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
	var t model.Tally
	for i := range entries {
		t.Add(&entries[i], time.Time{}, 0)
	}
	return t.Locks + t.Malformed
}
