package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/sanitize"
)

func newDemoCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Open lockwarden on its embedded sandbox, with a simulated team at work",
		Long: `Start the sandbox on free loopback ports, let a simulated team take and
release locks every few seconds, and open lockwarden on it. No AWS account
is needed and nothing leaves this machine.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			sb, s, err := startDemoSandbox(ctx, env, func(string, ...any) {})
			if err != nil {
				return err
			}
			defer sb.Close()
			logf, closeLog, err := openLog(cmd)
			if err != nil {
				return err
			}
			defer closeLog()
			if !env.IsTerminal(env.Stdout) {
				// Piped or captured: a refreshing table instead of the UI.
				return runRefreshingList(cmd, env, s)
			}
			return openUI(ctx, env, s, logf, nil)
		},
	}
	cmd.Flags().String("log-file", "", "write debug logs to this file")
	return cmd
}

// runRefreshingList redraws the list table every poll interval until
// interrupted.
func runRefreshingList(cmd *cobra.Command, env *Env, s Settings) error {
	ctx := cmd.Context()
	cfg, err := lwaws.LoadConfig(ctx, s.Connection())
	if err != nil {
		return err
	}
	lt := &lwaws.LockTable{Client: lwaws.NewDynamoDB(cfg, s.Endpoint), Table: s.Table, Region: cfg.Region, Endpoint: s.Endpoint, Segments: s.Segments}
	tick := time.NewTicker(s.PollInterval)
	defer tick.Stop()
	for {
		snap, err := lt.Scan(ctx, false)
		if ctx.Err() != nil {
			return nil
		}
		now := env.Now()
		fmt.Fprint(env.Stdout, "\x1b[H\x1b[2J")
		fmt.Fprintf(env.Stdout, "lockwarden demo — table %s at %s — %s — Ctrl+C to quit\n\n", sanitize.Text(s.Table), sanitize.Text(s.Endpoint), now.Format("15:04:05"))
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
