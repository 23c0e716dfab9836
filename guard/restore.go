package guard

import (
	"context"
	"errors"
	"fmt"

	"github.com/lockwarden/lockwarden/audit"
	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/model"
)

// RestorePartialError says a restore put the S3 lock file back but not the
// lock-table item; running restore again completes it.
type RestorePartialError struct {
	LockID, RecordID, Of string
	Err                  error
}

func (e *RestorePartialError) Error() string {
	return fmt.Sprintf("partly restored %s: the S3 lock file is back, but the lock-table item was not put back (%v); run lockwarden restore %s again to complete it (audit %s)", e.LockID, e.Err, e.Of, e.RecordID)
}

func (e *RestorePartialError) Unwrap() error { return e.Err }

// Restore puts back what record recordID removed, byte for byte, only
// where nothing holds the lock now. A place already holding exactly what
// is restored (a partial restore, retried) is left as it is, so running
// restore again completes a partial one. A write whose outcome was never
// recorded, or is unknown, is undone from its intent: what was observed
// before, put back only where it is absent (a release) or only where the
// repaired value still stands (a digest repair). It is itself audited.
func (s *Service) Restore(ctx context.Context, recordID string) (Result, error) {
	if s.ReadOnly {
		return Result{}, &model.Refusal{Kind: model.RefusedReadOnly, Msg: "read-only: lockwarden makes no writes in this run (pass --write to allow them)"}
	}
	intent, outcome, err := s.Audit.Find(recordID)
	if err != nil {
		return Result{}, err
	}
	rec := outcome
	if rec == nil {
		rec = intent
	}
	fromIntent := intent != nil && (outcome == nil || outcome.Outcome == audit.OutcomeUnknown)
	switch rec.Action {
	case audit.ActionDigestRepair:
		if err := s.checkPlace(ctx, rec, nil); err != nil {
			return Result{}, err
		}
		return s.restoreDigest(ctx, recordID, intent, outcome, fromIntent)
	case audit.ActionForceUnlock:
	default:
		return Result{}, fmt.Errorf("audit record %s is a %s, not a force-unlock or a digest repair: nothing to restore", recordID, rec.Action)
	}
	var item model.Item
	var file *model.LockFile
	switch {
	case fromIntent:
		// The puts are conditioned on absence, so a lock that was never
		// released is left alone.
		item, file = intent.Observed, intent.ObservedFile
	case outcome.Outcome == audit.OutcomeReleased:
		item, file = outcome.Item, outcome.File
	case outcome.Outcome == audit.OutcomePartial:
		file = outcome.File // the item was never removed
	}
	if len(item) == 0 {
		item = nil
	}
	if item == nil && file == nil {
		return Result{}, fmt.Errorf("audit record %s did not release anything (%s): nothing to restore", recordID, rec.Outcome)
	}
	if err := s.checkPlace(ctx, rec, file); err != nil {
		return Result{}, err
	}
	if file != nil && s.Files == nil {
		return Result{}, fmt.Errorf("audit record %s removed an S3 lock file; give its bucket (--bucket) to restore it", recordID)
	}
	if item != nil && s.Writer == nil {
		return Result{}, noTable("nothing restored: audit record " + recordID + " removed a lock-table item")
	}
	if fromIntent {
		if err := s.checkUnknownRelease(ctx, intent, outcome); err != nil {
			return Result{}, err
		}
	}
	lockID := rec.LockID
	id := audit.NewRecordID(s.now())
	in := s.base(ctx, id, audit.ActionRestore, lockID)
	in.Phase, in.Item, in.File, in.RestoreOf = audit.PhaseIntent, item, file, recordID
	if fromIntent {
		in.Reason = "restored from the intent record: the release's outcome was " + model.OrNone(rec.Outcome)
	}
	if err := s.Audit.Append(in); err != nil {
		return Result{}, &NotRecordedError{What: "restored", Err: err}
	}
	out := s.base(ctx, id, audit.ActionRestore, lockID)
	out.Phase, out.RestoreOf = audit.PhaseOutcome, recordID
	res, err := s.restore(ctx, recordID, lockID, item, file, &out)
	res.RecordID = id
	return s.record(out, res, err, "restored "+lockID)
}

// checkPlace refuses a record of another place, unless AllowOtherPlace.
// The bucket of the lock file to put back must be watched here in any case.
func (s *Service) checkPlace(ctx context.Context, rec *audit.Record, file *model.LockFile) error {
	if file != nil && s.Files != nil && !s.Files.Watches(file.Bucket) {
		return &model.Refusal{Kind: model.RefusedOtherPlace, Msg: fmt.Sprintf("audit record %s removed a lock file in bucket %s, which is not watched here: nothing restored. Give it with --bucket", rec.RecordID, file.Bucket)}
	}
	if s.AllowOtherPlace {
		return nil
	}
	return s.samePlace(ctx, rec)
}

// restore makes the writes of Restore and fills in its outcome record.
func (s *Service) restore(ctx context.Context, recordID, lockID string, item model.Item, file *model.LockFile, out *audit.Record) (Result, error) {
	cur, _, err := s.Get(ctx, lockID)
	if err != nil {
		return restoreFailed(out, fmt.Errorf("not restored: %s could not be read: %w", lockID, err))
	}
	itemBack := item == nil || (cur.Item != nil && cur.Item.JSON() == item.JSON())
	fileBack := file == nil || (cur.File != nil && cur.File.Body == file.Body)
	same := itemBack && fileBack
	// Nothing is put back while anything else holds the lock.
	if (!itemBack && cur.Item != nil) || (!fileBack && cur.File != nil) || same {
		return restoreHeld(out, recordID, cur, same)
	}
	var putFile *model.LockFile
	if !fileBack {
		err := s.Files.PutIfAbsent(ctx, *file)
		switch {
		case errors.Is(err, lwaws.ErrConditionFailed):
			return s.restoreHeldNow(ctx, out, recordID, lockID, same)
		case err != nil:
			return restoreFailed(out, err)
		}
		putFile = file
	}
	if !itemBack {
		err := s.Writer.PutIfAbsent(ctx, item)
		switch {
		case errors.Is(err, lwaws.ErrOutcomeUnknown) && putFile != nil:
			// The file is back; whether the item is too is unknown.
			out.Outcome, out.File, out.Error = audit.OutcomeUnknown, putFile, err.Error()
			return Result{}, err
		case err != nil && putFile != nil:
			out.Outcome, out.File, out.Error = audit.OutcomeRestorePartial, putFile, err.Error()
			if errors.Is(err, lwaws.ErrConditionFailed) {
				err = errors.New("a lock-table item appeared meanwhile")
			}
			return Result{}, &RestorePartialError{LockID: lockID, RecordID: out.RecordID, Of: recordID, Err: err}
		case errors.Is(err, lwaws.ErrConditionFailed):
			return s.restoreHeldNow(ctx, out, recordID, lockID, same)
		case err != nil:
			return restoreFailed(out, err)
		}
	}
	out.Outcome, out.Item, out.File = audit.OutcomeRestored, item, file
	res := Result{Item: item}
	if item != nil {
		res.Entry = model.Classify(item, s.workspaceKeyPrefix())
	} else {
		res.Entry = model.ClassifyLockFile(*file, s.workspaceKeyPrefix())
	}
	return res, nil
}

// restoreFailed notes in the outcome record that a restore failed with err,
// and returns it.
func restoreFailed(out *audit.Record, err error) (Result, error) {
	out.Outcome, out.Error = outcomeOf(err), err.Error()
	return Result{}, err
}

// restoreHeld refuses a restore because cur holds the lock, and notes what
// holds it in the outcome record; same says it is what was released.
func restoreHeld(out *audit.Record, recordID string, cur model.Entry, same bool) (Result, error) {
	out.Outcome, out.Item, out.File = audit.OutcomeHeld, cur.Item, cur.File
	return Result{}, &HeldError{RecordID: recordID, Current: cur, Same: same}
}

// restoreHeldNow refuses a restore whose put found something there: it says
// who holds the lock now, if that can be read.
func (s *Service) restoreHeldNow(ctx context.Context, out *audit.Record, recordID, lockID string, same bool) (Result, error) {
	now, _, err := s.Get(ctx, lockID)
	if err != nil {
		out.Outcome, out.Error = audit.OutcomeHeld, "reading it again failed: "+err.Error()
		return Result{}, &HeldError{RecordID: recordID, LockID: lockID, ReadErr: err}
	}
	return restoreHeld(out, recordID, now, same)
}
