package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/lockwarden/lockwarden/audit"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

func newAuditVerifyCmd(env *Env) *cobra.Command {
	var since string
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check the team's shared audit log: every record whole, none replaced, protected",
		Long: `Read the shared audit log (audit: s3://BUCKET/PREFIX), the whole of it or
--since a time, and report what cannot be trusted in it: objects that are not
lockwarden's records (garbage, hostile bytes, another record's copy), records
with more than one version (replaced or deleted since written), outcomes
with no intent, actions with no outcome (a crash between intent and outcome,
or a write still running: restore works from the intent), and whether S3
Object Lock keeps the records from being replaced or removed.

Exit codes: 0 all is well; 1 only warnings (actions with no outcome, records
not protected); 3 something was found that should not be there (objects not
lockwarden's, records replaced, outcomes with no intent).`,
		Example: `  lockwarden audit verify --context prod
  lockwarden audit verify --since 30d`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var from time.Time
			if since != "" {
				var err error
				if from, err = parseSince(since, env.Now()); err != nil {
					return err
				}
			}
			shared, _, err := sharedLog(cmd, env, "verify")
			if err != nil {
				return err
			}
			rep, err := shared.Verify(from)
			if err != nil {
				return err
			}
			return printVerify(env, rep, from)
		},
	}
	cmd.Flags().StringVar(&since, "since", "", "only records since this long ago (30d) or this time (2026-11-26)")
	return cmd
}

// printVerify prints the report, one line per finding, and exits by the
// worst.
func printVerify(env *Env, rep audit.VerifyReport, from time.Time) error {
	span := "all of it"
	if !from.IsZero() {
		span = "since " + from.UTC().Format("2006-01-02 15:04 UTC")
	}
	fmt.Fprintf(env.Stdout, "Shared audit log %s, %s:\n", sanitize.Text(rep.Where), span)
	lines, worst := rep.Findings()
	for _, l := range lines {
		fmt.Fprintln(env.Stdout, "  "+sanitize.Text(l))
	}
	switch worst {
	case model.Unsafe:
		return &exitError{code: ExitRefused, err: errors.New("the shared audit log holds what it should not: see above")}
	case model.Warning:
		return &exitError{code: ExitError, err: errors.New("")}
	}
	return nil
}
