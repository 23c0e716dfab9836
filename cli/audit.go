package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/spf13/cobra"

	"github.com/lockwarden/lockwarden/audit"
	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

func newAuditCmd(env *Env) *cobra.Command {
	var f auditFilter
	var output string
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "List the writes lockwarden has made (force-unlocks, restores, digest repairs)",
		Long: `List the writes recorded in the audit log, one line per action: when, what,
its outcome, the state, who held the lock, where it lived (the lock table,
the S3 lock file, or both), the context and who acted. -o json prints every
record, intent and outcome, exactly as stored.

With a shared audit log (audit: s3://BUCKET/PREFIX in the config, or
--audit), the team's records are read from it — only the days in range are
listed — merged with this machine's copy. A record only this machine holds
says so ("not in the shared log"); when the shared log cannot be read, this
machine's copy is shown, the reason is said, and the exit code is 1.`,
		Example: `  lockwarden audit --since 1d
  lockwarden audit --state tfstate/app/terraform.tfstate
  lockwarden audit --actor alice --since 7d
  lockwarden audit --since 2026-11-26 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			s, err := config.Load(cmd.Flags())
			if err != nil {
				return err
			}
			if f.from, err = f.sinceTime(env.Now()); err != nil {
				return err
			}
			trail, err := openTrail(cmd.Context(), env, s)
			if err != nil {
				return err
			}
			recs, err := trail.Since(f.from)
			var serr *audit.StoreError
			switch {
			case errors.Is(err, audit.ErrNoLog):
				if output == "json" {
					fmt.Fprintln(env.Stdout, "[]")
					return nil
				}
				fmt.Fprintf(env.Stdout, "No writes recorded yet (%s).\n", s.AuditFile)
				return nil
			case errors.As(err, &serr):
				stderrWarn(env)(fmt.Sprintf("%v; showing this machine's copy (%s), its records marked \"unconfirmed\"", err, s.AuditFile))
			case err != nil:
				return err
			}
			recs = f.keep(recs, s)
			switch {
			case output == "json":
				enc := json.NewEncoder(env.Stdout)
				enc.SetIndent("", "  ")
				err = enc.Encode(append([]audit.Record{}, recs...)) // [] for none, not null
			case len(recs) == 0:
				matching := ""
				if f.since != "" || f.state != "" || f.actor != "" {
					matching = " that --since, --state and --actor keep"
				}
				fmt.Fprintf(env.Stdout, "No writes recorded in %s%s.\n", sanitize.Text(trail.Where()), matching)
			default:
				err = auditTable(env, recs)
			}
			if err == nil && serr != nil {
				return &exitError{code: ExitError, err: errors.New("")} // told above
			}
			return err
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	cmd.Flags().StringVar(&f.since, "since", "", "only writes since this long ago (90m, 1d) or this time (2026-11-26, 2026-11-26T03:00:00Z)")
	cmd.Flags().StringVar(&f.state, "state", "", "only writes to this state (bucket/key, s3://bucket/key, or a key in a watched bucket)")
	cmd.Flags().StringVar(&f.actor, "actor", "", "only writes by this actor: part of a session or role name, an ARN, or user@host")
	cmd.AddCommand(newAuditPushCmd(env), newAuditVerifyCmd(env))
	return cmd
}

// auditFilter is what audit's flags keep of the records.
type auditFilter struct {
	since, state, actor string
	from                time.Time
}

func (f auditFilter) sinceTime(now time.Time) (time.Time, error) {
	if f.since == "" {
		return time.Time{}, nil
	}
	return parseSince(f.since, now)
}

// keep drops the records --state and --actor leave out (Since kept those
// from --since on). An action is kept or dropped whole: its outcome
// matches as its intent does.
func (f auditFilter) keep(recs []audit.Record, s config.Settings) []audit.Record {
	var states []string
	if f.state != "" {
		states = stateCandidates(f.state, s.BucketPrefixes())
	}
	actor := strings.ToLower(f.actor)
	return slices.DeleteFunc(recs, func(r audit.Record) bool {
		if states != nil && !slices.Contains(states, stateOf(r)) {
			return true
		}
		who := strings.ToLower(r.Actor + " " + r.Identity + " " + model.ActorName(r.Actor, r.Identity))
		return actor != "" && !strings.Contains(who, actor)
	})
}

// openTrail opens the context's audit trail to read it: the file alone
// needs no AWS configuration.
func openTrail(ctx context.Context, env *Env, s config.Settings) (audit.Trail, error) {
	if s.Audit == "" {
		return &audit.Log{Path: s.AuditFile, Warn: stderrWarn(env)}, nil
	}
	d, err := dial(ctx, s)
	if err != nil {
		return nil, err
	}
	return d.trail(ctx, env, nil)
}

// parseSince reads --since: a duration back from now, or a date or time.
func parseSince(val string, now time.Time) (time.Time, error) {
	if d, err := model.ParseDuration(val); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, val, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usagef("--since must be a duration back from now (90m, 1d) or a UTC date or time (2026-11-26, 2026-11-26T03:00:00Z), not %q", val)
}

// stateOf is the state a record wrote to: its LockID, less a digest's
// suffix.
func stateOf(r audit.Record) string {
	if model.IsDigestKey(r.LockID) {
		return r.LockID[:len(r.LockID)-len(model.DigestSuffix)]
	}
	return r.LockID
}

// auditTable prints one line per action: its outcome, or "no outcome
// recorded" when only the intent is there.
func auditTable(env *Env, recs []audit.Record) error {
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RECORD\tTIME (UTC)\tACTION\tOUTCOME\tSTATE\tHOLDER\tPLACE\tCONTEXT\tACTOR\tREASON")
	for _, a := range audit.Group(recs) {
		r := a.Last()
		outcome := r.Outcome
		if a.Outcome == nil {
			outcome = "no outcome recorded"
		}
		if a.Intent != nil && a.Intent.RestoreOf != "" {
			outcome += " (of " + a.Intent.RestoreOf + ")"
		}
		switch {
		case r.LocalOnly:
			outcome += " · not in the shared log"
		case r.Unconfirmed:
			outcome += " · unconfirmed (the shared log was not read)"
		}
		holder, place := holderAndPlace(a)
		ctx := r.Context
		if ctx == "" {
			ctx = placeOf(a, r)
		}
		reason := ""
		if a.Intent != nil {
			reason = a.Intent.OperatorReason
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", sanitize.Text(r.RecordID), r.Time.UTC().Format("2006-01-02 15:04:05"),
			sanitize.Text(r.Action), sanitize.Text(outcome), sanitize.Text(stateOf(*r)), sanitize.Text(holder), place,
			sanitize.Text(ctx), sanitize.Text(model.ActorName(r.Actor, r.Identity)), ansi.Truncate(sanitize.Text(sanitize.OneLine(reason)), 60, "…"))
	}
	return tw.Flush()
}

// placeOf names where an action without a context wrote: its table, or —
// for a lock-file-only release, which has none — its bucket.
func placeOf(a audit.Action, r *audit.Record) string {
	if r.Table != "" {
		return "table " + r.Table
	}
	for _, rec := range []*audit.Record{a.Intent, a.Outcome} {
		if rec == nil {
			continue
		}
		for _, f := range []*model.LockFile{rec.ObservedFile, rec.File} {
			if f != nil {
				return "bucket " + f.Bucket
			}
		}
	}
	return "no table"
}

// holderAndPlace says who held the lock an action wrote and where it
// lived: the lock table, the S3 lock file, or both.
func holderAndPlace(a audit.Action) (string, string) {
	var item model.Item
	var file *model.LockFile
	for _, r := range []*audit.Record{a.Intent, a.Outcome} {
		if r == nil {
			continue
		}
		for _, it := range []model.Item{r.Observed, r.Item} {
			if item == nil && len(it) > 0 {
				item = it
			}
		}
		for _, f := range []*model.LockFile{r.ObservedFile, r.File} {
			if file == nil && f != nil {
				file = f
			}
		}
	}
	holder := "—"
	var e model.Entry
	switch {
	case item != nil:
		e = model.Classify(item, "")
	case file != nil:
		e = model.ClassifyLockFile(*file, "")
	}
	switch {
	case e.Kind == model.KindLock:
		holder = sanitize.OrDash(e.Info.Who)
	case e.Kind == model.KindDigest:
		holder = "(digest)"
	case e.Kind == model.KindMalformed && e.LockID != "":
		holder = "(malformed)"
	}
	place := "—"
	switch {
	case item != nil && file != nil:
		place = "table+file"
	case item != nil:
		place = "table"
	case file != nil:
		place = "file"
	}
	return holder, place
}
