package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/sanitize"
)

func newDemoCmd(env *Env) *cobra.Command {
	var lockFilesOnly bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Open lockwarden on its embedded sandbox, with a simulated team at work",
		Long: `Start the sandbox on free loopback ports, let a simulated team take and
release locks every few seconds, and open lockwarden on it. No AWS account
is needed and nothing leaves this machine.

--lock-files-only shows a team that locks with S3 lock files alone
(use_lockfile): a bucket, no lock table. It prints the backend block and
the lockwarden command line of that setup first.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			sb, s, err := startDemoSandboxWith(ctx, env, func(string, ...any) {}, lockFilesOnly)
			if err != nil {
				return err
			}
			defer sb.Close()
			if lockFilesOnly {
				fmt.Fprintf(env.Stdout, "Lock files only: a bucket and no lock table, as this backend block sets it up:\n\n%s\nThe same from another terminal:\n\n  %s\n\n",
					sb.BackendBlocks("my-service/terraform.tfstate"), sb.InspectCommand(""))
			}
			logf, closeLog, err := openLog(cmd)
			if err != nil {
				return err
			}
			defer closeLog()
			if !env.IsTerminal(env.Stdout) {
				// Piped or captured: a refreshing table instead of the UI.
				return runRefreshingList(cmd, env, s)
			}
			return openUI(ctx, env, s, logf, nil, nil)
		},
	}
	cmd.Flags().String("log-file", "", "write debug logs to this file")
	cmd.Flags().BoolVar(&lockFilesOnly, "lock-files-only", false, "a bucket and no lock table: the team locks with S3 lock files (use_lockfile)")
	return cmd
}

// runRefreshingList redraws the list table every poll interval until
// interrupted.
func runRefreshingList(cmd *cobra.Command, env *Env, s config.Settings) error {
	ctx := cmd.Context()
	d, err := dial(ctx, s)
	if err != nil {
		return err
	}
	locks := d.locks()
	tick := time.NewTicker(s.PollInterval)
	defer tick.Stop()
	for {
		snap, err := locks.Scan(ctx, false)
		if ctx.Err() != nil {
			return nil
		}
		now := env.Now()
		fmt.Fprint(env.Stdout, "\x1b[H\x1b[2J")
		fmt.Fprintf(env.Stdout, "lockwarden demo — %s — %s — Ctrl+C to quit\n\n", sanitize.Text(s.Watched()), now.Format("15:04:05"))
		if err != nil {
			fmt.Fprintf(env.Stdout, "refresh failed: %s\n", sanitize.Text(err.Error()))
		} else if err := writeTable(env.Stdout, selectEntries(snap.Entries, now, s.StaleAfter, false), snap, s, now, false); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
