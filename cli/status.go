package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/guard"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// ExitLocked is status's exit code when the state is locked (as list
// --exit-code's when a lock is listed); 0 is not locked, 1 cannot tell.
const ExitLocked = ExitListed

func newStatusCmd(env *Env) *cobra.Command {
	var output string
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "status [STATE]",
		Short: "Say whether one state is locked, by whom, and what to do next",
		Long: `Say whether one state is locked: where (the lock-table item, the S3 lock file,
both, or two that disagree), by whom, which operation, for how long, whether
it is stale, and the exact next command.

Run in a Terraform or OpenTofu working directory (after terraform init) it
needs no argument: the state is the directory's, in its workspace, read from
.terraform/terraform.tfstate (or $TF_DATA_DIR) and .terraform/environment
(or $TF_WORKSPACE). Elsewhere, name the state: bucket/key, s3://bucket/key,
or a key in a watched bucket.

--wait DURATION waits until the lock is released, reading it again at the
poll interval, for CI jobs that would otherwise retry blindly.

Exit codes: 0 not locked (or released within --wait); 3 locked (at the
deadline, with --wait); 1 cannot tell (the lock could not be read); 2 usage.`,
		Example: `  cd infra/app && lockwarden status
  lockwarden status tfstate/app/terraform.tfstate --table terraform-locks
  lockwarden status --wait 10m && terraform apply
  lockwarden status -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			if wait < 0 {
				return usagef("--wait must be a positive duration such as 30s or 10m")
			}
			return runStatus(cmd, env, args, output, wait)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json (the fields of list -o json; [] when not locked)")
	cmd.Flags().DurationVar(&wait, "wait", 0, "wait up to this long for the lock to be released (30s, 10m)")
	return cmd
}

// runStatus reads the state's lock, and again at the poll interval while
// --wait allows, and says what it found.
func runStatus(cmd *cobra.Command, env *Env, args []string, output string, wait time.Duration) error {
	s, err := settingsFor(cmd)
	if err != nil {
		return err
	}
	state, err := statusState(args, s)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	d, err := dial(ctx, s)
	if err != nil {
		return err
	}
	reader := &guard.Service{Writer: d.writer(), Files: d.files()}
	deadline := env.Now().Add(wait)
	start := env.Now()
	announced := false
	for {
		e, held, err := readState(ctx, reader, state, s)
		if err != nil {
			return err // cannot tell: exit 1
		}
		if !held || !env.Now().Before(deadline) {
			if wait > 0 && env.IsTerminal(env.Stderr) {
				fmt.Fprint(env.Stderr, "\r\033[K")
			}
			return printStatus(env, s, state, e, held, output)
		}
		switch {
		case env.IsTerminal(env.Stderr):
			fmt.Fprintf(env.Stderr, "\r\033[Kwaiting for %s: held by %s (%s) for %s · %s of %s",
				sanitize.Text(state), sanitize.Text(e.Info.Who), sanitize.Text(model.OperationWord(e.Info.Operation)),
				e.AgeAt(env.Now()), model.FormatDuration(env.Now().Sub(start).Round(time.Second)), waitWords(wait))
		case !announced:
			// A log, not a terminal: one line, so that a CI job is not
			// silent while it waits.
			fmt.Fprintf(env.Stderr, "lockwarden: waiting up to %s for %s: held by %s (%s)\n", waitWords(wait),
				sanitize.Text(state), sanitize.Text(e.Info.Who), sanitize.Text(model.OperationWord(e.Info.Operation)))
		}
		announced = true
		select {
		case <-ctx.Done():
			return &exitError{code: ExitLocked, err: fmt.Errorf("stopped while waiting: %s was still locked", state)}
		case <-time.After(min(s.PollInterval, deadline.Sub(env.Now()))):
		}
	}
}

// statusState is the state status reads: the argument, or the working
// directory's.
func statusState(args []string, s config.Settings) (string, error) {
	switch {
	case len(args) == 1 && lockIDLike(args[0]):
		return "", usagef("status takes a state (bucket/key), not a lock ID: 'lockwarden list' finds a lock by its ID")
	case len(args) == 1:
		return args[0], nil
	case s.Workdir != nil:
		return "s3://" + s.Workdir.State(), nil // exactly this state
	}
	if s.WorkdirNote != "" {
		return "", usagef("%s: name the state, or pass --context to choose", s.WorkdirNote)
	}
	return "", usagef("name a state (bucket/key, s3://bucket/key), or run in the Terraform working directory whose state it is")
}

// readState reads the lock on state as it is now: each place the state
// may name, one consistent read each.
func readState(ctx context.Context, reader *guard.Service, state string, s config.Settings) (model.Entry, bool, error) {
	var found []model.Entry
	cands := stateCandidates(state, s.BucketPrefixes())
	for _, c := range cands {
		e, ok, err := reader.Get(ctx, c)
		if err != nil {
			return model.Entry{}, false, fmt.Errorf("cannot tell whether %s is locked: %w", state, err)
		}
		if ok {
			found = append(found, e)
		}
	}
	switch len(found) {
	case 0:
		return model.Entry{LockID: cands[0]}, false, nil
	case 1:
		return found[0], true, nil
	}
	return model.Entry{}, false, errors.New(state + " is ambiguous: locks are held on " + paths(found) + "; give the full state (bucket/key)")
}

// printStatus says what was found, and ends with status's exit code.
func printStatus(env *Env, s config.Settings, state string, e model.Entry, held bool, output string) error {
	now := env.Now()
	if output == "json" {
		var entries []model.Entry
		if held {
			entries = []model.Entry{e}
		}
		if err := writeJSON(env.Stdout, entries, func(*model.Entry) *config.Settings { return &s }, now); err != nil {
			return err
		}
	} else if !held {
		fmt.Fprintf(env.Stdout, "%s is not locked (%s).\n", sanitize.Text(state), sanitize.Text(s.Watched()))
	} else {
		if s.Workdir != nil && e.LockID == s.Workdir.State() {
			fmt.Fprintf(env.Stdout, "%s (%s)\n", sanitize.Text(s.Workdir.Describe()), sanitize.Text(s.Workdir.Dir))
		}
		fmt.Fprintf(env.Stdout, "%s is LOCKED\n", sanitize.Text(e.LockID))
		lockDetails(env.Stdout, e, now, s.StaleAfter, "")
		fmt.Fprintf(env.Stdout, "\nNext: %s\n", nextStep(e, s, now))
	}
	if held {
		return &exitError{code: ExitLocked, err: errors.New("")}
	}
	return nil
}

// nextStep is the command to run next: release a stale lock, or wait for
// a fresh one.
func nextStep(e model.Entry, s config.Settings, now time.Time) string {
	here := s.Workdir != nil && e.LockID == s.Workdir.State() // keys are case-sensitive
	if e.Kind == model.KindLock && !e.StaleAt(now, s.StaleAfter) {
		wait := "lockwarden status --wait 10m" + s.CopyArgs()
		if here {
			wait = "lockwarden status --wait 10m (in this directory)"
		}
		return fmt.Sprintf("wait: it is held %s, under stale_after %s — %s", e.AgeAt(now), model.FormatThreshold(s.StaleAfter), sanitize.Text(wait))
	}
	if here {
		return "lockwarden unlock (in this directory; it asks for the first 8 characters of the lock ID)"
	}
	id := e.Info.ID
	if e.Kind == model.KindMalformed {
		id = e.LockID
	}
	return sanitize.Text("lockwarden unlock " + config.ShellWord(e.LockID) + " --id " + config.ShellWord(id) + s.CopyArgs())
}

// waitWords says a --wait: 10m, 90s, or 300ms under a second.
func waitWords(d time.Duration) string {
	if d < time.Second {
		return d.String()
	}
	return model.FormatDuration(d)
}
