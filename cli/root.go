// Package cli is lockwarden's command line: cobra commands that resolve
// their flags, environment and config file with the config package.
// It is the top of the tree: it wires every other package (wire.go), and
// only main and the tools under internal (bench, man) import it.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/lockwarden/lockwarden/buildinfo"
	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/guard"
	"github.com/lockwarden/lockwarden/sanitize"
)

// Exit codes shared by every command.
const (
	ExitOK      = 0
	ExitError   = 1
	ExitUsage   = 2
	ExitListed  = 3 // list --exit-code found locks
	ExitRefused = 3 // a guard refused a write
	// ExitNotFound: unlock found no such lock held.
	ExitNotFound = 4
	// ExitUnrecorded: the write happened, but its audit outcome could not
	// be appended (the intent record holds what was changed).
	ExitUnrecorded = 5
	// ExitNotRecorded: nothing was written, because the write's intent
	// record could not be stored (the audit file, or the shared audit
	// log: unreachable, denied, or the record's key taken).
	ExitNotRecorded = 6
)

// Env is what a command touches of the outside world, injectable for tests.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Now            func() time.Time
	// IsTerminal reports whether a stream is a terminal (default: a
	// character device); tests stand in for a person at a prompt.
	IsTerminal func(any) bool
}

// exitError carries a specific exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

// Main runs lockwarden with args and returns the process exit code.
func Main(args []string, env Env) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return mainContext(ctx, args, env)
}

// mainContext is Main until ctx ends: a signal, or a test that stops a
// command that runs until interrupted (the exporter, the sandbox).
func mainContext(ctx context.Context, args []string, env Env) int {
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.IsTerminal == nil {
		env.IsTerminal = isTerminal
	}
	root := newRoot(&env)
	root.SetArgs(args)
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.err.Error() != "" {
			fmt.Fprintln(env.Stderr, "lockwarden: "+sanitize.Text(ee.err.Error()))
		}
		return ee.code
	}
	fmt.Fprintln(env.Stderr, "lockwarden: "+sanitize.Text(sanitize.OneLine(err.Error())))
	if errors.As(err, new(*guard.NotRecordedError)) {
		return ExitNotRecorded
	}
	var ue *usageError
	if errors.As(err, &ue) || isCobraUsage(err) {
		if !errors.As(err, &ue) {
			fmt.Fprintln(env.Stderr, "Run 'lockwarden --help' for usage.")
		}
		return ExitUsage
	}
	return ExitError
}

// Command returns lockwarden's command tree as Main runs it, with cobra's
// completion command, for tools that document it (the man pages).
func Command() *cobra.Command {
	root := newRoot(&Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Now: time.Now, IsTerminal: isTerminal})
	root.InitDefaultCompletionCmd()
	return root
}

// isCobraUsage recognises cobra's and pflag's own argument errors, which
// have no type of their own.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, s := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "flag needs an argument", "invalid argument", "accepts ", "requires at least", "requires exactly", "arg(s)"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

func newRoot(env *Env) *cobra.Command {
	root := &cobra.Command{
		Use:   "lockwarden",
		Short: "See and safely release Terraform/OpenTofu state locks",
		Long: `lockwarden shows the S3 backend's locks live — the DynamoDB lock table, the
S3 lock files (use_lockfile), or both: who holds each lock, which operation,
since when, and whether it looks stale.

Without a command it opens the terminal UI. Point it at a table with --table
and --region, at state buckets with --bucket (no table needed when Terraform
locks with lock files alone), or at a context in the config file; or try it
on the embedded sandbox with 'lockwarden demo'.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if v, _ := cmd.Flags().GetBool("version"); v {
				_, err := fmt.Fprintln(env.Stdout, buildinfo.Read().String())
				return err
			}
			return runTUI(cmd, env)
		},
	}
	// Declared and answered here, not left to cobra: for its help line;
	// with no -v, which people expect to mean verbose; and because cobra
	// prints its version through text/template, whose reflection keeps
	// every exported method in the binary (+12 MB, +5 MiB RSS for every
	// command — list's memory target was missed by it).
	root.Flags().Bool("version", false, "print the version on one line ('lockwarden version' says more)")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &usageError{Msg: fmt.Sprintf("%v (see '%s --help')", err, cmd.CommandPath())}
	})
	config.AddFlags(root.PersistentFlags())
	root.Flags().String("log-file", "", "write debug logs to this file (the UI never prints to the terminal)")
	root.Flags().String("poll-interval", "", "how often the UI re-reads the table (default 5s)")
	root.Flags().String("s3-poll-interval", "", "how often the UI re-lists the buckets' lock files (default 60s; each poll costs LIST requests)")

	root.AddCommand(newListCmd(env), newUnlockCmd(env), newRestoreCmd(env), newAuditCmd(env), newDigestCmd(env), newSandboxCmd(env), newDemoCmd(env), newExporterCmd(env), newReapCmd(env), newStatusCmd(env), newDoctorCmd(env), newIAMPolicyCmd(env), newLockfilesCmd(env), newConfigCmd(env), newVersionCmd(env))
	registerCompletions(root)
	strictBoolCommands(root)
	return root
}

// strictBoolCommands makes every boolean flag of cmd and its subcommands
// read its value as the config does (strictBool).
func strictBoolCommands(cmd *cobra.Command) {
	config.StrictBools(cmd.Flags())
	config.StrictBools(cmd.PersistentFlags())
	for _, sub := range cmd.Commands() {
		strictBoolCommands(sub)
	}
}

// settingsFor resolves settings and checks that something is watched.
func settingsFor(cmd *cobra.Command) (config.Settings, error) {
	return config.RequirePlace(config.Load(cmd.Flags()))
}

// requireTable passes s on when it names a lock table: digests live only
// there.
func requireTable(s config.Settings, err error) (config.Settings, error) {
	if s, err = config.RequirePlace(s, err); err != nil {
		return s, err
	}
	if s.Table == "" {
		return s, usagef("digests live in a DynamoDB lock table, and none is configured (only bucket %s): lock files have no digest to check or repair; give --table NAME to check a table's digests", strings.Join(s.Buckets, ", "))
	}
	return s, nil
}
