package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/guard"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// refused ends a command with exit code 3 and a message.
func refused(format string, a ...any) error {
	return &exitError{code: ExitRefused, err: fmt.Errorf(format, a...)}
}

// readOnlyRefusal is what every write command says in read-only mode.
func readOnlyRefusal(s config.Settings) error {
	why := s.ReadOnlyWhy
	if why == "" {
		why = "read-only: lockwarden makes no writes in this run. Pass --write (or set readonly: false in the context) to allow them"
	}
	return refused("%s", why)
}

// unlockOptions are unlock's own flags.
type unlockOptions struct {
	holderID, reason            string
	allowFresh, allowSplit, yes bool
}

func newUnlockCmd(env *Env) *cobra.Command {
	var o unlockOptions
	cmd := &cobra.Command{
		Use:   "unlock LOCK_ID | STATE --id LOCK_ID",
		Short: "Force-release a stale lock, guarded and audited",
		Long: `Release a lock the way 'terraform force-unlock' does, without needing an
initialised backend — and more safely:

  - Name the lock as you have it: the lock ID from Terraform's "Error
    acquiring the state lock" (as 'terraform force-unlock LOCK_ID' takes
    it), or its state — bucket/key as 'lockwarden list' shows it,
    s3://bucket/key, or the backend's key with its bucket from --bucket or
    the context. With a state, --id must be the current holder's lock ID.
  - A digest (-md5) item is never deleted. A malformed item (for example
    non-JSON Info) can be removed by giving its full LockID as --id.
  - A lock younger than --stale-after is refused unless --allow-fresh.
  - A lock flagged ≠ (its lock table item and S3 lock file disagree: two
    different holders, or a lock file alone for a state that also locks
    in the table) is refused unless --allow-split; with two holders, only
    the place whose holder ID is given as --id is released.
  - You are asked to type the first 8 characters of the lock ID, unless
    --yes. Without a terminal and without --yes nothing is released.
  - The item is deleted only if it is still exactly as read; a lock that
    was released and re-taken meanwhile is never touched.
  - The removal is recorded in the audit log first (no record, no delete)
    and can be undone with 'lockwarden restore RECORD_ID'.

Exit codes: 0 released; 1 error (also a partial release: it says which
place was and was not released); 2 usage; 3 refused by a guard (read-only,
fresh, flagged ≠, ID mismatch, changed since read, digest row, not
confirmed); 4 not found (already released); 5 released, but the audit
outcome could not be written (restore still works from the intent record);
6 nothing released: its intent record could not be stored (the audit file,
or the shared audit log unreachable, denied or its key taken).`,
		Example: `  lockwarden unlock 8d1f6c0e-5a1b-2f3c-9d8e-7f6a5b4c3d2e --context prod
  lockwarden unlock tfstate/env:/prod/network/terraform.tfstate --id 8d1f6c0e-5a1b-2f3c-9d8e-7f6a5b4c3d2e --context prod
  lockwarden unlock s3://tfstate/app/terraform.tfstate --id 2b7e4a91-… --allow-fresh --yes
  lockwarden unlock app/terraform.tfstate --bucket tfstate --id 2b7e4a91-…`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usagef("unlock takes one lock: the lock ID from Terraform's error (lockwarden unlock 4536794d-…), or the state (bucket/key, s3://bucket/key) with --id; see 'lockwarden unlock --help'")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return runUnlock(cmd, env, "", o)
			}
			return runUnlock(cmd, env, args[0], o)
		},
	}
	cmd.Flags().StringVar(&o.holderID, "id", "", "the holder's lock ID (required; the full LockID for a malformed item)")
	cmd.Flags().StringVar(&o.reason, "reason", "", "why you release it, kept in the audit log (required where the context sets require_reason: true)")
	cmd.Flags().BoolVar(&o.allowFresh, "allow-fresh", false, "release even a lock younger than --stale-after")
	cmd.Flags().BoolVar(&o.allowSplit, "allow-split", false, "release even a lock flagged ≠ (its places disagree); with two holders, only --id's place")
	cmd.Flags().BoolVarP(&o.yes, "yes", "y", false, "do not ask for the typed confirmation")
	return cmd
}

// runUnlock finds the lock arg names, reads it again as it is now, checks
// every guard, asks, and releases it through the guarded write path.
func runUnlock(cmd *cobra.Command, env *Env, arg string, o unlockOptions) error {
	if arg != "" && o.holderID == "" && !lockIDLike(arg) {
		return usagef("--id is required with a state: the holder's lock ID, as Terraform's error and 'lockwarden list' show it (or the full state for a malformed item); or give the lock ID alone: lockwarden unlock LOCK_ID")
	}
	s, err := settingsFor(cmd)
	if err != nil {
		return err
	}
	// No lock named: the working directory's state. Its holder's ID is
	// then what the person confirms by typing it, or --id.
	confirmsID := false
	if arg == "" {
		switch {
		case s.Workdir == nil && s.WorkdirNote != "":
			return usagef("%s: give the lock ID from Terraform's error, or the state with --id", s.WorkdirNote)
		case s.Workdir == nil:
			return usagef("unlock takes one lock: the lock ID from Terraform's error, or the state with --id — or run it in the Terraform working directory whose state is locked")
		case o.holderID == "" && o.yes:
			return usagef("--yes needs --id here: the holder's lock ID, as 'lockwarden status' shows it")
		}
		arg, confirmsID = "s3://"+s.Workdir.State(), o.holderID == "" // exactly this state
	}
	// Guards that need no network come first.
	if s.ReadOnly {
		return readOnlyRefusal(s)
	}
	if model.IsDigestKey(arg) {
		return refused("%s is a digest (-md5) item, not a lock: lockwarden never deletes it as one", arg)
	}
	ctx := cmd.Context()
	d, err := dial(ctx, s)
	if err != nil {
		return err
	}
	svc, err := d.service(ctx, env, nil)
	if err != nil {
		return err
	}
	observed, err := observe(ctx, d, svc, arg, &o.holderID)
	if err != nil {
		return err
	}
	if confirmsID {
		// The lock as read now; typing its first 8 characters confirms
		// it, as in the UI's dialog.
		o.holderID = observed.Info.ID
		if observed.Kind == model.KindMalformed {
			o.holderID = observed.LockID
		}
	}
	now := env.Now()
	req := model.ReleaseRequest{ConfirmID: o.holderID, AllowFresh: o.allowFresh, AllowSplit: o.allowSplit, Now: now, StaleAfter: s.StaleAfter,
		Reason: o.reason, RequireReason: s.RequireReason}
	if o.allowSplit {
		observed = model.PlaceOf(observed, o.holderID)
	}
	if err := model.CheckRelease(observed, req); err != nil {
		return &exitError{code: ExitRefused, err: err}
	}
	describeForRelease(env.Stdout, observed, now, s.StaleAfter, stateEvidence(ctx, d.states(), observed, now, s.StaleAfter))
	if observed.File != nil {
		if note := lockFileNotes(s)[observed.File.Bucket]; note != "" {
			fmt.Fprintf(env.Stdout, "\nNOTE: %s.\n", sanitize.Text(note))
		}
	}
	if !o.yes {
		if err := confirm(env, observed); err != nil {
			return err
		}
	}
	res, err := svc.Release(ctx, observed, req, model.ReleaseNote(observed, now, s.StaleAfter, o.allowFresh, o.allowSplit, false))
	// PlaceOf narrows to one place; the LockID (the state) is the same.
	return released(env, s, observed.LockID, res, err)
}

// observe finds the lock arg names and reads it again, consistently, as it
// is now (a scan may lag). Named by its lock ID, its holder ID is that
// (holderID is set).
func observe(ctx context.Context, d *dialled, svc *guard.Service, arg string, holderID *string) (model.Entry, error) {
	scan := func(ctx context.Context) ([]model.Entry, error) {
		snap, err := d.locks().Scan(ctx, false)
		return snap.Entries, err
	}
	found, err := findLock(ctx, svc.Get, scan, arg, d.Settings)
	var notFound *notFoundError
	if errors.As(err, &notFound) {
		return model.Entry{}, &exitError{code: ExitNotFound, err: err}
	}
	if err != nil {
		return model.Entry{}, err
	}
	if found.ByLockID {
		if *holderID != "" && !strings.EqualFold(*holderID, arg) {
			return model.Entry{}, refused("the lock ID %s and --id %s differ: give one of them", arg, *holderID)
		}
		*holderID = model.PlaceOf(found.Entry, arg).Info.ID
	}
	observed, ok, err := svc.Get(ctx, found.Entry.LockID)
	if err != nil {
		return model.Entry{}, err
	}
	if !ok {
		return model.Entry{}, &exitError{code: ExitNotFound, err: fmt.Errorf("no lock is held on %s now: it was released a moment ago", found.Entry.LockID)}
	}
	return observed, nil
}

// released says how a release of lockID ended, with its exit code: done
// (and how to undo it), done but unrecorded, of unknown outcome, partly
// done, or refused because the lock changed or went.
func released(env *Env, s config.Settings, lockID string, res guard.Result, err error) error {
	var changed *guard.ChangedError
	var partial *guard.PartialError
	var unrecorded *guard.UnrecordedError
	switch {
	case errors.As(err, &unrecorded):
		fmt.Fprintf(env.Stdout, "\nReleased %s.\nTo undo: lockwarden restore %s%s\n", sanitize.Text(lockID), res.RecordID, s.CopyArgs())
		return &exitError{code: ExitUnrecorded, err: err}
	case errors.Is(err, lwaws.ErrOutcomeUnknown):
		return fmt.Errorf("%w (audit %s: the lock may still be held — check with 'lockwarden list%s'; if it went, lockwarden restore %s%s puts it back, after checking that the release removed it)",
			err, res.RecordID, s.CopyArgs(), res.RecordID, s.CopyArgs())
	case errors.As(err, &partial):
		return err
	case errors.As(err, &changed) && changed.Gone():
		return &exitError{code: ExitNotFound, err: err}
	case errors.As(err, &changed):
		return &exitError{code: ExitRefused, err: err}
	case err != nil:
		return err
	}
	fmt.Fprintf(env.Stdout, "\nReleased %s.\nAudit record %s. To undo: lockwarden restore %s%s\n",
		sanitize.Text(lockID), res.RecordID, res.RecordID, s.CopyArgs())
	return nil
}

// stateEvidence says, sanitized, what the state object's last write tells
// about the holder, as the UI's detail view does: a write after the lock
// was taken, and recent, means its run is probably alive.
func stateEvidence(ctx context.Context, c lwaws.S3API, e model.Entry, now time.Time, staleAfter time.Duration) string {
	if e.Kind != model.KindLock || e.Bucket == "" {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, lwaws.StateReadTimeout)
	defer cancel()
	st, err := lwaws.ReadState(ctx, c, e.Bucket, e.Key)
	switch {
	case err != nil:
		return "not read (" + sanitize.Text(sanitize.OneLine(err.Error())) + ")"
	case !st.Exists:
		return fmt.Sprintf("no state object at s3://%s/%s yet (a first apply?)", sanitize.Text(e.Bucket), sanitize.Text(e.Key))
	}
	return model.StateEvidence(e.Info.Created, st.LastModified, now, staleAfter)
}
