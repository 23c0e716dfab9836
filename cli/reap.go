package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/sync/errgroup"

	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/guard"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/reap"
	"github.com/lockwarden/lockwarden/sanitize"
)

// This file is `lockwarden reap`: an unattended run that releases
// abandoned locks by a policy, through the one guarded write path, and
// says for every lock what it did or why it kept it.

// reapFlags are reap's own flags; a flag given overrides the config.
type reapFlags struct {
	olderThan, operations, output string
	requireNoStateWrite           bool
	maxPerRun                     int
	apply                         bool
}

// policyFor is a context's policy: its config with the flags given over it.
func (f reapFlags) policyFor(flags *pflag.FlagSet, s config.Settings) (model.ReapPolicy, error) {
	p := s.Reap
	p.Operations = append([]string(nil), p.Operations...)
	if flags.Changed("older-than") {
		d, err := model.ParseDuration(f.olderThan)
		if err != nil || d <= 0 {
			return p, usagef("--older-than must be a positive duration such as 90m, 2h or 3d4h, not %q", f.olderThan)
		}
		p.OlderThan = d
	}
	if flags.Changed("operations") {
		ops, err := model.ParseReapOperations([]string{f.operations})
		if err != nil {
			return p, usagef("--operations: %v", err)
		}
		p.Operations = ops
	}
	if flags.Changed("require-no-state-write") {
		p.RequireNoStateWrite = f.requireNoStateWrite
	}
	if flags.Changed("max-per-run") {
		if f.maxPerRun < 1 {
			return p, usagef("--max-per-run must be at least 1, not %d", f.maxPerRun)
		}
		p.MaxPerRun = f.maxPerRun
	}
	if p.OlderThan == 0 {
		where := "the config"
		if s.Context != "" {
			where = "context " + s.Context
		}
		return p, usagef("reap needs older_than: no lock is released without a threshold; give --older-than DURATION or set reap: older_than in %s", where)
	}
	if p.OlderThan < s.StaleAfter {
		// The reaper releases unattended what a person would be asked
		// to confirm: never a lock lockwarden does not call stale.
		where := "stale_after"
		if s.Context != "" {
			where = "context " + s.Context + "'s stale_after"
		}
		return p, usagef("older_than %s is under %s %s: the reaper releases only stale locks; raise older_than, or lower stale_after (--stale-after)",
			model.FormatThreshold(p.OlderThan), where, model.FormatThreshold(s.StaleAfter))
	}
	return p, nil
}

// reapLong is reap's help.
const reapLong = `Release the locks that crashed or killed runs left behind, by a policy, for a
scheduler to run (cron, a Kubernetes CronJob). Without --apply it is a dry
run: it lists each lock it would release with its evidence, and each lock
it keeps and why, and writes nothing.

The policy comes from reap: in the config (per context, or for the whole
file) and the flags, a flag over the config:

  older_than              a lock must be held at least this long (required:
                          no default ever releases anything; at least the
                          context's stale_after)
  operations              the operations it may touch (default plan,
                          refresh); apply only when listed
  require_no_state_write  release only when the state object was read and
                          was not written after the lock was taken: no sign
                          of life from the holder (default true; a state
                          that cannot be read keeps its lock). A sign of
                          life, not proof of death: an apply creating one
                          slow resource writes nothing meanwhile, and a plan
                          never does; older_than must exceed the longest
                          run you would not want interrupted
  max_per_run             more candidates than this in a context: release
                          none at all, say so, exit 3 (default 3); a dry
                          run says the same and exits 3 too

Every release takes the guarded path of 'lockwarden unlock': never a digest
(-md5) row, never a malformed item, never a lock flagged ≠, a delete only
if the lock is still exactly as read, an audit record per lock with the
actor reaper@HOST, the policy and the evidence, undone with 'lockwarden
restore RECORD_ID'. A read-only context is never reaped, --write
notwithstanding, nor a context that could not be wholly read. With
--apply no terminal is needed: the policy is the confirmation. -o json
writes one JSON line per decision.

With several contexts (--context a,b or --all-contexts) each is judged by
its own policy; max_per_run exceeded in any context releases nothing in
any.

Exit codes: 0 nothing to do, or every release done (a lock that changed
or went meanwhile is kept, not an error); 1 error (a context, a lock or
a required state could not be read, a release failed); 2 usage (no older_than, an unknown
operation or config key); 3 refused by max_per_run: nothing released;
5 released, but an audit outcome could not be written (it wins over 6);
6 a lock not released because its intent record could not be stored.`

func newReapCmd(env *Env) *cobra.Command {
	var f reapFlags
	cmd := &cobra.Command{
		Use:   "reap",
		Short: "Release abandoned locks by a policy, unattended (dry run unless --apply)",
		Long:  reapLong,
		Example: `  lockwarden reap --context prod --older-than 4h                  # dry run
  lockwarden reap --context prod --older-than 4h --apply
  lockwarden reap --all-contexts --apply -o json                  # policies from the config
  lockwarden reap --context ci --older-than 2h --operations plan,refresh,apply --max-per-run 5 --apply`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(f.output); err != nil {
				return err
			}
			fleet, err := config.LoadFleet(cmd.Flags())
			if err != nil {
				return err
			}
			policies := make([]model.ReapPolicy, len(fleet))
			for i, s := range fleet {
				if policies[i], err = f.policyFor(cmd.Flags(), s); err != nil {
					return err
				}
			}
			return runReap(cmd.Context(), env, fleet, policies, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.olderThan, "older-than", "", "release only locks held at least this long (reap: older_than; required)")
	fl.StringVar(&f.operations, "operations", "", "operations it may release, comma-separated, as lockwarden shows them (default plan,refresh)")
	fl.BoolVar(&f.requireNoStateWrite, "require-no-state-write", true, "release only when the state object was read and not written since the lock was taken")
	fl.IntVar(&f.maxPerRun, "max-per-run", model.DefaultReapMaxPerRun, "release nothing when more locks than this would go (exit 3)")
	fl.BoolVar(&f.apply, "apply", false, "release; without it, a dry run that writes nothing")
	fl.StringVarP(&f.output, "output", "o", "table", "output format: table, or json (one line per decision)")
	_ = cmd.RegisterFlagCompletionFunc("operations", completeOperations)
	return cmd
}

// completeOperations offers the operation words for --operations, after
// those already typed (comma-separated), written with - for a space so
// that the shell needs no quotes: state-rm is "state rm".
func completeOperations(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	typed, partial := "", toComplete
	if i := strings.LastIndex(toComplete, ","); i >= 0 {
		typed, partial = toComplete[:i+1], toComplete[i+1:]
	}
	done := strings.Split(strings.TrimSuffix(typed, ","), ",")
	var out []cobra.Completion
	for _, w := range model.ReapOperationWords {
		word := strings.ReplaceAll(w, " ", "-")
		if strings.HasPrefix(word, partial) && !slices.Contains(done, word) && !slices.Contains(done, w) {
			out = append(out, typed+word)
		}
	}
	return out, noCompletions
}

// reaperActor is who the audit says released a reaped lock.
func reaperActor() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	return model.ReaperActor(host)
}

// runReap judges every context, then — with --apply, and only when no
// context has more candidates than its max_per_run — releases.
func runReap(ctx context.Context, env *Env, fleet []config.Settings, policies []model.ReapPolicy, f reapFlags) error {
	now := env.Now()
	// Contexts are judged at once (a few at a time), so a slow or dead
	// one does not hold the others up; they are released one by one.
	runs := make([]*contextRun, len(fleet))
	var g errgroup.Group
	g.SetLimit(model.ContextReads)
	for i, s := range fleet {
		g.Go(func() error {
			runs[i] = judgeContext(ctx, env, s, policies[i], now)
			return nil
		})
	}
	_ = g.Wait()
	var over []string
	for _, r := range runs {
		if len(r.Candidates) > r.Policy.MaxPerRun {
			over = append(over, fmt.Sprintf("%s%d locks would be released, max_per_run is %d", contextPrefix(r.s), len(r.Candidates), r.Policy.MaxPerRun))
		}
	}
	var res reapResult
	switch {
	case len(over) > 0:
		for _, r := range runs {
			for _, i := range r.Candidates {
				d := &r.Decisions[i]
				d.Action, d.Why = reap.Keep, fmt.Sprintf("max_per_run exceeded (%s), nothing released — %s", strings.Join(over, "; "), d.Why)
			}
		}
	case f.apply:
		res = releaseCandidates(ctx, runs, now)
	}
	failed := res.failed
	if len(runs) == 1 && len(runs[0].Errs) > 0 && len(runs[0].Decisions) == 0 {
		// One context, not read: its error is the whole story.
		return runs[0].Errs[0]
	}
	var all []reap.Decision
	for _, r := range runs {
		all = append(all, r.Decisions...)
	}
	if err := writeDecisions(env, all, f.output, now, len(fleet) > 1); err != nil {
		return err
	}
	if f.output != "json" {
		fmt.Fprintln(env.Stdout, reapSummary(all, f.apply, len(over) > 0))
	}
	for _, r := range runs {
		for _, err := range r.Errs {
			failed = true
			fmt.Fprintf(env.Stderr, "lockwarden: %s%s\n", contextPrefix(r.s), sanitize.Text(sanitize.OneLine(err.Error())))
		}
	}
	for _, d := range all {
		if d.Action == reap.Failed {
			fmt.Fprintf(env.Stderr, "lockwarden: %s%s: %s\n", contextPrefix(config.Settings{Context: d.Context}), sanitize.Text(d.Entry.LockID), sanitize.Text(sanitize.OneLine(d.Why)))
		}
	}
	switch {
	case len(over) > 0:
		return refused("nothing released: %s. A mass expiry is an incident, not a chore: look at them (lockwarden list) before raising max_per_run", strings.Join(over, "; "))
	case failed:
		return &exitError{code: ExitError, err: errors.New("not every lock could be judged or released: see above")}
	case res.unrecorded != nil:
		// A write was made: that it is not fully recorded is told first.
		if res.notRecorded != nil {
			return &exitError{code: ExitUnrecorded, err: fmt.Errorf("%w; and not every lock was released: the audit log did not take their intent records (see above)", res.unrecorded)}
		}
		return &exitError{code: ExitUnrecorded, err: res.unrecorded}
	case res.notRecorded != nil:
		return &exitError{code: ExitNotRecorded, err: errors.New("not every lock was released: the audit log did not take their records, so nothing was written for them (see above)")}
	}
	return nil
}

// reapResult is what releasing the candidates came to: a release failed;
// the last release made whose outcome could not be recorded; the last
// not made because its intent could not be.
type reapResult struct {
	failed                  bool
	unrecorded, notRecorded error
}

// releaseCandidates releases every context's candidates, one by one.
func releaseCandidates(ctx context.Context, runs []*contextRun, now time.Time) reapResult {
	var res reapResult
	for _, r := range runs {
		for _, i := range r.Candidates {
			switch err := r.Release(ctx, &r.Decisions[i], now); {
			case errors.As(err, new(*guard.UnrecordedError)):
				res.unrecorded = err
			case errors.As(err, new(*guard.NotRecordedError)):
				res.notRecorded = err
			case err != nil:
				res.failed = true
			}
		}
	}
	return res
}

func contextPrefix(s config.Settings) string {
	if s.Context == "" {
		return ""
	}
	return "context " + s.Context + ": "
}

// judgeContext reads one context and has package reap decide each of its
// locks. Nothing is written; candidates are marked would-release.
func judgeContext(ctx context.Context, env *Env, s config.Settings, p model.ReapPolicy, now time.Time) *contextRun {
	r := &contextRun{s: s, Run: reap.Run{Context: s.Context, Policy: p}}
	d, err := dial(ctx, s)
	if err != nil {
		r.Errs = append(r.Errs, err)
		return r
	}
	snap, err := d.locks().Scan(ctx, false)
	if err != nil {
		r.Errs = append(r.Errs, err)
		return r
	}
	svc, err := d.service(ctx, env, nil)
	if err != nil {
		r.Errs = append(r.Errs, err)
		return r
	}
	// Never lifted for a reaper: --write is for a person at a terminal.
	svc.Actor, svc.Policy, svc.ReadOnly = reaperActor(), p.String(), s.ReadOnly || s.WriteLifted
	r.Service, r.States = svc, d.states()
	r.Judge(ctx, snap, now)
	return r
}

// contextRun is one context's part of a run, with its settings.
type contextRun struct {
	reap.Run
	s config.Settings
}
