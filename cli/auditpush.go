package cli

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lockwarden/lockwarden/audit"
	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/model"
)

func newAuditPushCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "push",
		Short: "Copy this machine's audit file into the team's shared audit log",
		Long: `Copy every record of this machine's audit file (audit_file) that belongs to
this context — written in it before there was a shared log, or to this log
— into the shared audit log (audit: s3://BUCKET/PREFIX), so that the team
starts from the history it already has. Each record is put only where none is: a record
already there is left as it is, and running push again writes nothing new.
A different record under a record's key is reported, never replaced.`,
		Example: `  lockwarden audit push --context prod
  lockwarden audit push --audit s3://acme-lockwarden-audit/prod`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			shared, s, err := sharedLog(cmd, env, "push to")
			if err != nil {
				return err
			}
			recs, err := shared.Local.Read()
			if errors.Is(err, audit.ErrNoLog) {
				fmt.Fprintf(env.Stdout, "Nothing to push: %s holds no records.\n", s.AuditFile)
				return nil
			}
			if err != nil {
				return err
			}
			// One audit file serves every context: only this one's
			// records go to its log.
			mine := slices.DeleteFunc(slices.Clone(recs), func(r audit.Record) bool { return !shared.Owns(r) })
			if other := len(recs) - len(mine); other > 0 {
				fmt.Fprintf(env.Stdout, "%d %s of other contexts (or their shared logs) left out.\n", other, model.Plural(other, "record", "records"))
			}
			return pushRecords(env, shared, mine)
		},
	}
}

// pushRecords puts each record into the shared log and says what came of
// it; a record the log holds otherwise, or one it did not take, fails the
// push after the others are tried.
func pushRecords(env *Env, shared *audit.Shared, recs []audit.Record) error {
	var stored, there int
	var differ []string
	var failed error
	for _, r := range recs {
		ok, err := shared.Push(r)
		switch {
		case errors.Is(err, audit.ErrRecordExists):
			differ = append(differ, r.RecordID+" ("+r.Phase+")")
		case err != nil:
			failed = err
		case ok:
			stored++
		default:
			there++
		}
		if failed != nil {
			break
		}
	}
	fmt.Fprintf(env.Stdout, "Pushed %d %s to %s; %d %s there already.\n", stored, model.Plural(stored, "record", "records"), shared.Where(), there, model.Plural(there, "was", "were"))
	switch {
	case failed != nil:
		return fmt.Errorf("push stopped: %w", failed)
	case len(differ) > 0:
		return fmt.Errorf("%d %s differ from what the shared log holds under the same key, left as the log has them: %s", len(differ), model.Plural(len(differ), "record", "records"), strings.Join(differ, ", "))
	}
	return nil
}

// sharedLog opens the team's shared audit log of the command's context,
// for a command that works on it alone: without one, it says there is
// nothing to do that to (what: "push to").
func sharedLog(cmd *cobra.Command, env *Env, what string) (*audit.Shared, config.Settings, error) {
	s, err := config.Load(cmd.Flags())
	if err != nil {
		return nil, s, err
	}
	if s.Audit == "" {
		return nil, s, usagef("no shared audit log to %s: set audit: s3://BUCKET/PREFIX in the config, or pass --audit", what)
	}
	d, err := dial(cmd.Context(), s)
	if err != nil {
		return nil, s, err
	}
	shared, err := d.shared(cmd.Context(), env, nil)
	return shared, s, err
}
