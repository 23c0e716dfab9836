package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/guard"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// maxPruneListed bounds what one run lists of a bucket's versions.
const maxPruneListed = 100000

func newLockfilesCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lockfiles",
		Short: "Lock files in versioned buckets: prune the versions every lock and unlock leaves",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newPruneVersionsCmd(env))
	return cmd
}

func newPruneVersionsCmd(env *Env) *cobra.Command {
	var apply bool
	var maxPerRun int
	cmd := &cobra.Command{
		Use:   "prune-versions",
		Short: "Remove old versions and delete markers of .tflock keys (dry run unless --apply)",
		Long: `On a versioned state bucket every lock and unlock with use_lockfile leaves an old
.tflock version and a delete marker, which no lifecycle rule can select by
suffix; they cost a little and slow every LIST. This removes them — only
non-current versions and delete markers of keys ending .tflock, never a
current lock file (a lock held now) and never any other key — a key's old
versions first and its delete marker last, and a marker only when nothing
of the key stays beneath it. Without --apply it is a dry run. With --apply
it is audited as one record listing every version ID, written before the
first delete. At most --max-per-run versions go in one run (a key whole or
not at all).

Only a bucket with versioning Enabled is pruned: on a Suspended one a lock
taken now replaces the "null" version a prune could be deleting.

Exit codes: 0 done (or nothing to do); 1 error, or a version not removed
(the rest of its key is then left); 2 usage; 3 refused (read-only, or
versioning not Enabled); 5 removed, but the audit outcome could not be
written; 6 not done: the audit record could not be written.`,
		Example: `  lockwarden lockfiles prune-versions --context prod            # what would go, and what it saves
  lockwarden lockfiles prune-versions --context prod --apply`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if maxPerRun < 1 {
				return usagef("--max-per-run must be at least 1")
			}
			s, err := config.Load(cmd.Flags())
			if err != nil {
				return err
			}
			if len(s.Buckets) == 0 {
				return usagef("no bucket to prune: give --bucket NAME, or a context with buckets")
			}
			if apply && s.ReadOnly {
				return readOnlyRefusal(s)
			}
			return runPrune(cmd, env, s, apply, maxPerRun)
		},
	}
	cmd.Flags().BoolVar(&apply, "apply", false, "remove them (without it, only say what would go)")
	cmd.Flags().IntVar(&maxPerRun, "max-per-run", 1000, "remove at most this many versions in one run")
	return cmd
}

// runPrune plans each bucket's prune and, with apply, makes it.
func runPrune(cmd *cobra.Command, env *Env, s config.Settings, apply bool, maxPerRun int) error {
	ctx := cmd.Context()
	d, err := dial(ctx, s)
	if err != nil {
		return err
	}
	var svc *guard.Service
	if apply {
		if svc, err = d.service(ctx, env, nil); err != nil {
			return err
		}
	}
	failed := false
	for _, bp := range s.BucketPrefixes() {
		status, err := lwaws.BucketVersioning(ctx, lwaws.NewS3(d.cfg, s.S3Endpoint), bp.Bucket)
		if err != nil {
			return err
		}
		if status != "Enabled" {
			// Suspended: a lock taken now replaces the "null" version a
			// prune could be deleting. Never versioned: nothing to prune.
			return refused("nothing pruned: bucket %s's versioning is %s, not Enabled: prune-versions works on a versioned bucket only", bp.Bucket, model.OrNone(status))
		}
		versions, stopped, err := lwaws.LockFileVersions(ctx, lwaws.NewS3(d.cfg, s.S3Endpoint), bp.Bucket, bp.Prefix, maxPruneListed)
		if err != nil {
			return err
		}
		plan, rest := model.PrunePlan(versions, maxPerRun)
		var bytes int64
		for _, v := range plan {
			bytes += v.Size
		}
		more := ""
		if rest > 0 || stopped {
			more = fmt.Sprintf("; %d more left for another run", rest)
			if stopped {
				more += " (and the listing stopped at 100,000 versions)"
			}
		}
		saves := fmt.Sprintf("≈ $%.4f/month of storage, and the LIST requests that wade through them", float64(bytes)/(1<<30)*0.023)
		if !apply {
			fmt.Fprintf(env.Stdout, "bucket %s: %d old lock-file versions and delete markers would be removed (%s)%s. Dry run: nothing removed; --apply removes them.\n", sanitize.Text(bp.Bucket), len(plan), saves, more)
			continue
		}
		if len(plan) == 0 {
			fmt.Fprintf(env.Stdout, "bucket %s: nothing to prune.\n", sanitize.Text(bp.Bucket))
			continue
		}
		res, err := svc.PruneLockVersions(ctx, bp.Bucket, plan)
		if err != nil && res.RecordID == "" {
			return err
		}
		fmt.Fprintf(env.Stdout, "bucket %s: removed %d of %d (%s)%s. Audit record %s.\n", sanitize.Text(bp.Bucket), res.Removed, len(plan), saves, more, res.RecordID)
		for _, f := range res.Failed {
			failed = true
			stderrWarn(env)("not removed: " + f)
		}
		if err != nil {
			return &exitError{code: ExitUnrecorded, err: err}
		}
	}
	if failed {
		return &exitError{code: ExitError, err: errors.New("not every version could be removed: see above")}
	}
	return nil
}
