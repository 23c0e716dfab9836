package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/lockwarden/lockwarden/audit"
	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/guard"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// refused ends a command with exit code 3 and a message.
func refused(format string, a ...any) error {
	return &exitError{code: ExitRefused, err: fmt.Errorf(format, a...)}
}

// newService connects the guarded write path for settings.
func newService(ctx context.Context, env *Env, s Settings) (*guard.Service, error) {
	cfg, err := lwaws.LoadConfig(ctx, s.Connection())
	if err != nil {
		return nil, err
	}
	return serviceFor(cfg, env, s), nil
}

// serviceFor connects the guarded write path with an AWS config loaded.
func serviceFor(cfg sdkaws.Config, env *Env, s Settings) *guard.Service {
	svc := &guard.Service{
		Files: lockFiles(cfg, s), Writer: lockWriter(cfg, s),
		Audit: auditLog(env, s.AuditFile), ReadOnly: s.ReadOnly, RequireReason: s.RequireReason,
		ResolveIdentity: func(ctx context.Context) lwaws.Identity {
			// The place written is the table's, else the buckets' (as
			// the audit records it): an emulator there has no account.
			endpoint := lwaws.EffectiveEndpoint(s.Endpoint)
			if s.Table == "" {
				endpoint = s.S3Endpoint
			}
			return lwaws.CallerIdentity(ctx, cfg, endpoint)
		},
		Context: s.Context, Profile: s.Profile, Now: env.Now,
	}
	// The state objects, for the evidence a restore of a release of
	// unknown outcome looks for — not when the table is an emulator's and
	// no S3 endpoint is given: that would ask real AWS.
	if s.S3Endpoint != "" || !lwaws.IsLoopback(lwaws.EffectiveEndpoint(s.Endpoint)) {
		states := lwaws.NewS3(cfg, s.S3Endpoint)
		svc.State = func(ctx context.Context, bucket, key string) (model.StateObject, error) {
			return lwaws.ReadState(ctx, states, bucket, key)
		}
	}
	return svc
}

// lockWriter reaches the lock table; nil when none is named.
func lockWriter(cfg sdkaws.Config, s Settings) *lwaws.LockWriter {
	if s.Table == "" {
		return nil
	}
	return &lwaws.LockWriter{
		Client: lwaws.NewDynamoDB(cfg, s.Endpoint), Table: s.Table, Region: cfg.Region,
		Endpoint: lwaws.EffectiveEndpoint(s.Endpoint), WorkspaceKeyPrefix: s.WorkspaceKeyPrefix,
	}
}

// auditLog opens the audit file for a command: a damaged line in it is
// skipped and told once on the command's stderr. The terminal UI must not
// print there; connect sends these warnings to its log instead.
func auditLog(env *Env, path string) *audit.Log {
	return &audit.Log{Path: path, Warn: func(msg string) {
		if env.Stderr != nil {
			fmt.Fprintf(env.Stderr, "lockwarden: warning: %s\n", sanitize.Text(msg))
		}
	}}
}

// readOnlyRefusal is what every write command says in read-only mode.
func readOnlyRefusal(s Settings) error {
	why := s.ReadOnlyWhy
	if why == "" {
		why = "read-only: lockwarden makes no writes in this run. Pass --write (or set readonly: false in the context) to allow them"
	}
	return refused("%s", why)
}

func newUnlockCmd(env *Env) *cobra.Command {
	var holderID string
	var allowFresh, allowSplit, yes bool
	var reason string
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
outcome could not be written (restore still works from the intent record).`,
		Example: `  lockwarden unlock 8d1f6c0e-5a1b-2f3c-9d8e-7f6a5b4c3d2e --context prod
  lockwarden unlock tfstate/env:/prod/network/terraform.tfstate --id 8d1f6c0e-5a1b-2f3c-9d8e-7f6a5b4c3d2e --context prod
  lockwarden unlock s3://tfstate/app/terraform.tfstate --id 2b7e4a91-… --allow-fresh --yes
  lockwarden unlock app/terraform.tfstate --bucket tfstate --id 2b7e4a91-…`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("unlock takes one lock: the lock ID from Terraform's error (lockwarden unlock 4536794d-…), or the state (bucket/key, s3://bucket/key) with --id; see 'lockwarden unlock --help'")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			arg := args[0]
			if holderID == "" && !lockIDLike(arg) {
				return usagef("--id is required with a state: the holder's lock ID, as Terraform's error and 'lockwarden list' show it (or the full state for a malformed item); or give the lock ID alone: lockwarden unlock LOCK_ID")
			}
			s, err := settingsFor(cmd)
			if err != nil {
				return err
			}
			// Guards that need no network come first.
			if s.ReadOnly {
				return readOnlyRefusal(s)
			}
			if model.IsDigestKey(arg) {
				return refused("%s is a digest (-md5) item, not a lock: lockwarden never deletes it as one", arg)
			}
			ctx := cmd.Context()
			cfg, err := lwaws.LoadConfig(ctx, s.Connection())
			if err != nil {
				return err
			}
			svc := serviceFor(cfg, env, s)
			scan := func(ctx context.Context) ([]model.Entry, error) {
				snap, err := openLocks(cfg, s).Scan(ctx, false)
				return snap.Entries, err
			}
			found, err := findLock(ctx, svc.Get, scan, arg, s)
			var notFound *notFoundError
			if errors.As(err, &notFound) {
				return &exitError{code: ExitNotFound, err: err}
			}
			if err != nil {
				return err
			}
			if found.ByLockID {
				if holderID != "" && !strings.EqualFold(holderID, arg) {
					return refused("the lock ID %s and --id %s differ: give one of them", arg, holderID)
				}
				holderID = model.PlaceOf(found.Entry, arg).Info.ID
			}
			// Read it again, consistently, as it is now: a scan may lag.
			observed, ok, err := svc.Get(ctx, found.Entry.LockID)
			if err != nil {
				return err
			}
			if !ok {
				return &exitError{code: ExitNotFound, err: fmt.Errorf("no lock is held on %s now: it was released a moment ago", found.Entry.LockID)}
			}
			lockID := observed.LockID
			now := env.Now()
			req := model.ReleaseRequest{ConfirmID: holderID, AllowFresh: allowFresh, AllowSplit: allowSplit, Now: now, StaleAfter: s.StaleAfter,
				Reason: reason, RequireReason: s.RequireReason}
			if allowSplit {
				observed = model.PlaceOf(observed, holderID)
			}
			if err := model.CheckRelease(observed, req); err != nil {
				return &exitError{code: ExitRefused, err: err}
			}
			describeForRelease(env.Stdout, observed, now, s.StaleAfter, stateEvidence(ctx, lwaws.NewS3(cfg, s.S3Endpoint), observed, now, s.StaleAfter))
			if !yes {
				if err := confirm(env, observed); err != nil {
					return err
				}
			}
			res, err := svc.Release(ctx, observed, req, releaseReason(observed, now, s.StaleAfter, allowFresh, allowSplit))
			var changed *guard.ChangedError
			var partial *guard.PartialError
			var unrecorded *guard.UnrecordedError
			switch {
			case errors.As(err, &unrecorded):
				fmt.Fprintf(env.Stdout, "\nReleased %s.\nTo undo: lockwarden restore %s%s\n", sanitize.Text(observed.LockID), res.RecordID, tableArgs(s))
				return &exitError{code: ExitUnrecorded, err: err}
			case errors.Is(err, lwaws.ErrOutcomeUnknown):
				return fmt.Errorf("%w (audit %s: the lock may still be held — check with 'lockwarden list%s'; if it went, lockwarden restore %s%s puts it back, after checking that the release removed it)",
					err, res.RecordID, tableArgs(s), res.RecordID, tableArgs(s))
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
				sanitize.Text(lockID), res.RecordID, res.RecordID, tableArgs(s))
			return nil
		},
	}
	cmd.Flags().StringVar(&holderID, "id", "", "the holder's lock ID (required; the full LockID for a malformed item)")
	cmd.Flags().StringVar(&reason, "reason", "", "why you release it, kept in the audit log (required where the context sets require_reason: true)")
	cmd.Flags().BoolVar(&allowFresh, "allow-fresh", false, "release even a lock younger than --stale-after")
	cmd.Flags().BoolVar(&allowSplit, "allow-split", false, "release even a lock flagged ≠ (its places disagree); with two holders, only --id's place")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for the typed confirmation")
	return cmd
}

// restoredLine says what a restore put back, for the person.
func restoredLine(res guard.Result) string {
	if path, ok := strings.CutSuffix(res.Entry.LockID, model.DigestSuffix); ok {
		return "Restored the digest of " + sanitize.Text(path) + " as it was before the repair."
	}
	return fmt.Sprintf("Restored %s: %s again.", sanitize.Text(res.Entry.LockID), sanitize.Text(guard.Describe(res.Entry)))
}

// tableArgs repeats how the table was chosen, for a command to copy.
func tableArgs(s Settings) string {
	out := ""
	if s.WriteLifted {
		out = " --write"
	}
	if s.Context != "" {
		// The context, and whatever flags overrode it on this run.
		return sanitize.Text(out + " --context " + shellWord(s.Context) + s.GivenArgs)
	}
	out += s.GivenArgs
	if s.Table != "" {
		out += " --table " + shellWord(s.Table)
	}
	if s.Region != "" {
		out += " --region " + shellWord(s.Region)
	}
	if s.Endpoint != "" {
		out += " --endpoint-url " + shellWord(s.Endpoint)
	}
	for _, b := range s.Buckets {
		out += " --bucket " + shellWord(b)
	}
	if s.S3Endpoint != "" {
		out += " --s3-endpoint-url " + shellWord(s.S3Endpoint)
	}
	return sanitize.Text(out)
}

// describeForRelease shows the lock about to go.
// state is what the state object's last write says (stateEvidence).
func describeForRelease(w io.Writer, e model.Entry, now time.Time, staleAfter time.Duration, state string) {
	fmt.Fprintf(w, "Lock %s\n", sanitize.Text(e.LockID))
	if e.Kind == model.KindMalformed {
		fmt.Fprintf(w, "  malformed:  %s\n  raw item:   %s\n", sanitize.Text(e.Problem), sanitize.Text(e.Item.JSON()))
		return
	}
	switch {
	case e.Source == model.SourceBoth && e.File != nil:
		fmt.Fprintf(w, "  held in:    the lock table and s3://%s/%s (both are released, the file first)\n", sanitize.Text(e.File.Bucket), sanitize.Text(e.File.Key))
	case e.Source == model.SourceS3 && e.File != nil:
		fmt.Fprintf(w, "  held in:    s3://%s/%s only\n", sanitize.Text(e.File.Bucket), sanitize.Text(e.File.Key))
	}
	age := e.AgeAt(now)
	fmt.Fprintf(w, "  held by:    %s\n  operation:  %s\n  version:    %s\n  held for:   %s (threshold %s)\n  lock ID:    %s\n",
		sanitize.Text(e.Info.Who), sanitize.Text(model.OperationWord(e.Info.Operation)), sanitize.Text(e.Info.Version),
		age, model.FormatThreshold(staleAfter), sanitize.Text(e.Info.ID))
	if state != "" {
		fmt.Fprintf(w, "  state:      %s\n", state)
	}
	if e.Warning != "" {
		fmt.Fprintf(w, "  ≠ places:   %s\n", sanitize.Text(e.Warning))
	}
	if !e.StaleAt(now, staleAfter) {
		fmt.Fprintf(w, "\nWARNING: this lock is not stale. If that run is still going, releasing its lock\nlets a second run write the same state and may corrupt it.\n")
	}
}

// stateEvidence says, sanitized, what the state object's last write tells
// about the holder, as the UI's detail view does: a write after the lock
// was taken, and recent, means its run is probably alive.
func stateEvidence(ctx context.Context, c lwaws.S3API, e model.Entry, now time.Time, staleAfter time.Duration) string {
	if e.Kind != model.KindLock || e.Bucket == "" {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	st, err := lwaws.ReadState(ctx, c, e.Bucket, e.Key)
	switch {
	case err != nil:
		return "not read (" + sanitize.Text(oneLine(err.Error())) + ")"
	case !st.Exists:
		return fmt.Sprintf("no state object at s3://%s/%s yet (a first apply?)", sanitize.Text(e.Bucket), sanitize.Text(e.Key))
	}
	return model.StateEvidence(e.Info.Created, st.LastModified, now, staleAfter)
}

func releaseReason(e model.Entry, now time.Time, staleAfter time.Duration, allowFresh, allowSplit bool) string {
	if e.Kind == model.KindMalformed {
		return "malformed item (" + e.Problem + "), full LockID confirmed"
	}
	age := e.AgeAt(now)
	reason := fmt.Sprintf("held %s, stale threshold %s", age, model.FormatThreshold(staleAfter))
	if allowFresh && !e.StaleAt(now, staleAfter) {
		reason += "; not stale, released with --allow-fresh"
	}
	if allowSplit && e.Warning != "" {
		reason += "; flagged ≠ (" + e.Warning + "), released with --allow-split"
	}
	return reason
}

// confirm asks for the typed confirmation on the terminal: the first 8
// characters of the lock ID, or the full LockID of a malformed item.
func confirm(env *Env, e model.Entry) error {
	c := model.ConfirmationFor(e)
	return confirmTyped(env, c.Want, c.Ask(sanitize.Text), "not released")
}

// confirmTyped asks for want on the terminal; only that is accepted. Without
// a terminal nothing is asked: undone ("not released") says what then did
// not happen, and --yes is the way to confirm in a script.
func confirmTyped(env *Env, want, what, undone string) error {
	if !env.IsTerminal(env.Stdin) {
		return refused("%s: no terminal to confirm on; pass --yes to confirm non-interactively", undone)
	}
	fmt.Fprintf(env.Stdout, "\nType %s to confirm. Only that will be accepted.\n> ", what)
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return refused("%s: no confirmation given", undone)
	}
	if strings.TrimSpace(line) != want {
		return refused("%s: the confirmation did not match", undone)
	}
	return nil
}

// confirmUnknown asks whether a release of unknown outcome removed the
// lock: only 'restore' typed at the terminal, or --yes, says it did —
// and --yes not when part of the evidence could not be checked: a person
// must weigh that.
func confirmUnknown(env *Env, e *guard.UnknownOutcomeError, yes bool) error {
	if yes && e.Unchecked == "" {
		return nil
	}
	fmt.Fprintln(env.Stdout, sanitize.Text(e.Question()))
	if yes {
		return refused("not restored: %s, so --yes does not restore it; confirm at a terminal", sanitize.Text(e.Unchecked))
	}
	return confirmTyped(env, "restore", "restore", "not restored")
}

func newRestoreCmd(env *Env) *cobra.Command {
	var allowOtherPlace, yes bool
	cmd := &cobra.Command{
		Use:   "restore RECORD_ID | LOCK_ID | STATE",
		Short: "Put back a lock that lockwarden released, exactly as it was",
		Long: `Put back the item that a lockwarden force-unlock removed, byte for byte, from
its audit record. Nothing is written if someone holds the lock now; the
restore is audited too. 'lockwarden audit' lists the records. Instead of
the record ID, the released lock's lock ID or state (as unlock takes them)
finds its latest release not yet restored.

The record's table, region, endpoint, context, profile and account (from
STS) must be this run's: restoring into another account's terraform-locks
would lock the wrong state. An account not known on either side (a record
of the reaper or of a run where STS did not answer) is refused too; only an
emulator on this machine (a loopback endpoint) has none to compare.
--allow-other-place does it on purpose.

A partial restore (the lock file put back, the lock-table item not) is
completed by running restore again: what is already back is left as it is.
A release whose outcome is unknown, or was never recorded, may not have
happened: if its holder then released the lock itself, putting it back
would make a lock nobody holds. restore refuses when a later audit record
saw the lock still held, or the state was written at or after the release;
when nothing tells either way it asks you to type 'restore' (--yes for
scripts that know the release went through). It works from the intent
record, only where the lock is absent.

Exit codes: 0 restored; 1 error (also a partial restore, saying what is
back); 2 usage; 3 refused (read-only, another place, the lock is held
again, a release that did not happen, or not confirmed); 5 restored, but
the audit outcome could not be written.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("restore takes one release: its audit record ID ('lockwarden audit' lists them), or the released lock's lock ID or state")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := settingsFor(cmd)
			if err != nil {
				return err
			}
			if s.ReadOnly {
				return readOnlyRefusal(s)
			}
			svc, err := newService(cmd.Context(), env, s)
			if err != nil {
				return err
			}
			svc.AllowOtherPlace = allowOtherPlace
			recordID, err := findRecord(svc.Audit, args[0], s)
			if err != nil {
				return err
			}
			res, err := svc.Restore(cmd.Context(), recordID)
			var unknown *guard.UnknownOutcomeError
			if errors.As(err, &unknown) {
				if err := confirmUnknown(env, unknown, yes); err != nil {
					return err
				}
				svc.ConfirmUnknown = true
				res, err = svc.Restore(cmd.Context(), recordID)
			}
			var held *guard.HeldError
			var refusal *model.Refusal
			var unrecorded *guard.UnrecordedError
			switch {
			case errors.As(err, &held), errors.As(err, &refusal):
				return &exitError{code: ExitRefused, err: err}
			case errors.As(err, &unrecorded):
				fmt.Fprintln(env.Stdout, restoredLine(res))
				return &exitError{code: ExitUnrecorded, err: err}
			case errors.Is(err, lwaws.ErrOutcomeUnknown):
				return fmt.Errorf("%w (audit %s: check with 'lockwarden list', then run this restore again)", err, res.RecordID)
			case err != nil:
				return err
			}
			fmt.Fprintf(env.Stdout, "%s\nAudit record %s.\n", restoredLine(res), res.RecordID)
			return nil
		},
	}
	cmd.Flags().BoolVar(&yes, "yes", false, "restore a release of unknown outcome without asking, when nothing shows it did not happen")
	cmd.Flags().BoolVar(&allowOtherPlace, "allow-other-place", false, "restore into this run's table even if the record was written for another table, region, endpoint, context, profile or account, or names no account")
	return cmd
}
