package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/doctor"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

func newDoctorCmd(env *Env) *cobra.Command {
	var output string
	var probeWrites bool
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check that the locking itself is safe: the table, the bucket, the locks, the clock",
		Long: `For each context, check how its locking is set up. Nothing is written:

  - the lock table exists, is ACTIVE, and is keyed by LockID (S) alone; its
    billing, and how often the read budget lets the UI poll it;
    point-in-time recovery and deletion protection;
  - each watched bucket: versioning; on a versioned bucket the old .tflock
    versions and delete markers every lock and unlock leaves (counted over
    at most 20,000 versions), what they cost, and the lifecycle rule that
    removes them; Object Lock;
  - lock files and lock-table items that disagree, malformed items;
  - digests against their state objects (digest check, summarised);
  - this machine's clock against the service's, which every age, stale_after
    and the reaper rely on.

Which of lockwarden's modes (read, release, restore, repair, reap, exporter)
this identity has is found by calls that change nothing: DynamoDB writes
conditioned on what cannot hold, reads of keys nobody uses, and — on a bucket
never versioned, where it cannot leave a delete marker — a DeleteObject of a
lock file that does not exist. A PutObject is never probed; a mode that
needs a write not probed is "not confirmed". The probes are still calls:
CloudTrail records them, and one denied raises an AccessDenied.

With a shared audit log (audit:), doctor reads it too: that it exists and
can be read (a release is refused while its record cannot be written), and
whether Object Lock keeps its records from being replaced.

--probe-writes also asks each store whether the conditions locking rests on
hold, with real writes under keys of doctor's own (.lockwarden-doctor/probe-…
in the bucket, lockwarden-doctor/probe-… in the table), always removed (not
on a bucket with Object Lock, where they could not be): a
second PutObject with If-None-Match: * must be refused (else use_lockfile
does not lock), a DeleteObject with a wrong If-Match must be refused (else
lockwarden's release of a lock file is not atomic), and DynamoDB must refuse
a conditional delete of an item that changed.

Each finding is ✓, ⚠ or ✗ with one line of why and, when there is one, the
fix. Exit codes: 0 all ✓; 1 warnings only; 3 something is unsafe (a table
that is not a lock table, a bucket or table that cannot be read, a store
that ignores If-None-Match, a shared audit log that cannot be reached); 2
usage.`,
		Example: `  lockwarden doctor --context prod
  lockwarden doctor --all-contexts -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			fleet, err := config.LoadFleet(cmd.Flags())
			if err != nil {
				return err
			}
			var all []contextFindings
			for _, s := range fleet {
				all = append(all, contextFindings{s: s, findings: diagnose(cmd.Context(), env, s, probeWrites)})
			}
			return printDoctor(env, all, output)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json (one object per finding)")
	cmd.Flags().BoolVar(&probeWrites, "probe-writes", false, "also test the stores' conditions with writes under doctor's own keys, always removed")
	return cmd
}

// contextFindings are one context's findings.
type contextFindings struct {
	s        config.Settings
	findings []model.Finding
}

// diagnose reads what doctor judges of one context and judges it. What
// cannot be read is a finding too: locking that cannot be checked is not
// known to be safe.
func diagnose(ctx context.Context, env *Env, s config.Settings, probeWrites bool) []model.Finding {
	d, err := dial(ctx, s)
	if err != nil {
		return []model.Finding{unread("connect", err)}
	}
	var out []model.Finding
	clocked := false
	var tablePerms, bucketPerms []lwaws.Permission
	if s.Table != "" {
		facts, err := lwaws.DescribeLockTable(ctx, lwaws.NewDynamoDB(d.cfg, s.Endpoint), s.Table, d.cfg.Region, lwaws.EffectiveEndpoint(s.Endpoint))
		if err != nil {
			return append(out, unread("table", err))
		}
		snap, err := d.locks().Scan(ctx, true)
		if err != nil {
			return append(out, unread("scan", err))
		}
		out = append(out, doctor.Table(s.Table, facts, s.ReadBudget, s.PollInterval, snap.ConsumedRCU)...)
		out = append(out, doctor.Locks(snap.Entries)...)
		out = append(out, doctor.Digests(checkAll(ctx, d.writer(), d.states(), digestPathsOf(snap.Entries))))
		out = append(out, doctor.Clock("DynamoDB", facts.ServerTime, facts.LocalTime))
		clocked = true
		tablePerms = lwaws.ProbeTable(ctx, lwaws.NewDynamoDB(d.cfg, s.Endpoint), s.Table)
		if probeWrites {
			refused, left, err := lwaws.ProbeTableWrites(ctx, lwaws.NewDynamoDB(d.cfg, s.Endpoint), s.Table)
			out = append(out, doctor.TableConditions(s.Table, refused, left, err)...)
		}
	}
	for _, bp := range s.BucketPrefixes() {
		found, perms, facts := diagnoseBucket(ctx, d, bp, probeWrites)
		out, bucketPerms = append(out, found...), append(bucketPerms, perms...)
		if !clocked && !facts.LocalTime.IsZero() { // the bucket was read
			out = append(out, doctor.Clock("S3", facts.ServerTime, facts.LocalTime))
			clocked = true
		}
	}
	out = append(out, doctor.Permissions(tablePerms, bucketPerms, s.Table != "", len(s.Buckets) > 0))
	if s.Audit != "" {
		out = append(out, diagnoseAudit(ctx, env, d))
	}
	return out
}

// unread is a finding of what could not be read.
func unread(check string, err error) model.Finding {
	return model.Finding{Check: check, Severity: model.Unsafe, Why: sanitize.OneLine(err.Error())}
}

// diagnoseBucket judges one watched bucket, and probes what this identity
// may do there.
func diagnoseBucket(ctx context.Context, d *dialled, bp lwaws.BucketPrefix, probeWrites bool) ([]model.Finding, []lwaws.Permission, lwaws.BucketFacts) {
	s := d.Settings
	c := lwaws.NewS3(d.cfg, s.S3Endpoint)
	facts, err := lwaws.DescribeStateBucket(ctx, c, bp.Bucket)
	if err != nil {
		// What this identity may do here is not known: not "as elsewhere".
		var perms []lwaws.Permission
		for _, a := range []string{"s3:ListBucket", "s3:GetObject", "s3:DeleteObject", "s3:PutObject"} {
			perms = append(perms, lwaws.Permission{Action: a, Why: "not known: bucket " + bp.Bucket + " could not be read"})
		}
		return []model.Finding{unread("bucket "+bp.Bucket, err)}, perms, facts
	}
	out := doctor.Bucket(bp.Bucket, facts)
	perms := append(lwaws.ProbeBucketReads(ctx, c, bp.Bucket, bp.Prefix),
		lwaws.Unprobed("s3:PutObject", "is never probed: a put cannot be made harmless on every store"))
	if facts.Versioning == "" {
		perms = append(perms, lwaws.ProbeLockFileDelete(ctx, c, bp.Bucket, bp.Prefix))
	} else {
		perms = append(perms, lwaws.Unprobed("s3:DeleteObject", "is not probed on bucket "+bp.Bucket+": it is versioned, and a delete there leaves a marker"))
	}
	switch {
	case probeWrites && facts.ObjectLock:
		out = append(out, model.Finding{Check: "If-Match", Severity: model.Warning,
			Why: "bucket " + bp.Bucket + " has Object Lock: its conditions were not probed, as the probe's writes could not be removed"})
	case probeWrites:
		cond := lwaws.ProbeBucketWrites(ctx, c, bp.Bucket)
		out = append(out, doctor.StoreConditions(bp.Bucket, cond)...)
		if cond.IfMatchErr == nil {
			// Kept for unlock and the UI to say, on a store that ignores it.
			if err := keepStoreCheck(s.S3Endpoint, bp.Bucket, cond.IfMatch, time.Now()); err != nil {
				out = append(out, model.Finding{Check: "probe record", Severity: model.Warning,
					Why: "keeping what was found of bucket " + bp.Bucket + " for unlock's prompt: " + sanitize.OneLine(err.Error())})
			}
		}
	}
	return out, perms, facts
}

// diagnoseAudit judges the shared audit log: whether it can be reached
// and read, and whether its records are kept from being replaced.
func diagnoseAudit(ctx context.Context, env *Env, d *dialled) model.Finding {
	shared, err := d.shared(ctx, env, func(string) {})
	if err != nil {
		return doctor.AuditLog(d.Audit, doctor.AuditFacts{Err: err})
	}
	store, ok := shared.Store.(*lwaws.AuditStore)
	if !ok {
		return doctor.AuditLog(d.Audit, doctor.AuditFacts{Err: errors.New("not an S3 audit log")})
	}
	f := doctor.AuditFacts{Reads: lwaws.ProbeBucketReads(ctx, store.Client, store.Bucket, shared.Prefix)}
	f.Protected, f.How, err = store.Protection(ctx)
	switch {
	case lwaws.Unreachable(err): // no such bucket, no network
		f.Err = err
	case err != nil: // the log is there; how it is protected is not known
		f.ProtectionErr = err
	}
	return doctor.AuditLog(d.Audit, f)
}

// digestPathsOf are the states whose digests a scan found.
func digestPathsOf(entries []model.Entry) []string {
	var out []string
	for _, e := range entries {
		if e.Kind == model.KindDigest {
			out = append(out, e.Path())
		}
	}
	return out
}

// printDoctor prints each context's findings and exits by the worst.
func printDoctor(env *Env, all []contextFindings, output string) error {
	worst := model.Fine
	type jsonFinding struct {
		Context string `json:"context,omitempty"`
		Check   string `json:"check"`
		Status  string `json:"status"`
		Why     string `json:"why"`
		Fix     string `json:"fix,omitempty"`
	}
	var js []jsonFinding
	for _, c := range all {
		worst = max(worst, model.Worst(c.findings))
		if output == "json" {
			for _, f := range c.findings {
				js = append(js, jsonFinding{Context: c.s.Context, Check: f.Check, Status: f.Severity.String(), Why: f.Why, Fix: f.Fix})
			}
			continue
		}
		title := c.s.Watched()
		if c.s.Context != "" {
			title = "context " + c.s.Context + ": " + title
		}
		fmt.Fprintf(env.Stdout, "%s (%s)\n", sanitize.Text(title), sanitize.Text(c.s.Where()))
		for _, f := range c.findings {
			fmt.Fprintf(env.Stdout, "  %s %s: %s\n", f.Severity.Mark(), sanitize.Text(f.Check), sanitize.Text(f.Why))
			if f.Fix != "" && f.Severity != model.Fine {
				fmt.Fprintf(env.Stdout, "      fix: %s\n", sanitize.Text(f.Fix))
			}
		}
		fmt.Fprintln(env.Stdout)
	}
	if output == "json" {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(append([]jsonFinding{}, js...)); err != nil {
			return err
		}
	}
	switch worst {
	case model.Unsafe:
		return &exitError{code: ExitRefused, err: errors.New("unsafe: " + strings.TrimSpace(firstUnsafe(all)))}
	case model.Warning:
		return &exitError{code: ExitError, err: errors.New("")}
	}
	return nil
}

// firstUnsafe names the first unsafe finding, for the closing line.
func firstUnsafe(all []contextFindings) string {
	for _, c := range all {
		for _, f := range c.findings {
			if f.Severity == model.Unsafe {
				return f.Check + ": " + sanitize.OneLine(f.Why)
			}
		}
	}
	return ""
}
