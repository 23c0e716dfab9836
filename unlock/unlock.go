// Package unlock is lockwarden's one guarded write path, shared by the CLI
// and the TUI: force-unlock a lock only if it is still exactly as the
// person saw it, with an audit record written first, and restore it
// afterwards if that was a mistake.
package unlock

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/lockwarden/lockwarden/audit"
	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/model"
)

// Service performs guarded writes on one lock table.
type Service struct {
	Writer *lwaws.LockWriter
	// Files reads and writes S3 lock files; nil when no bucket is watched.
	Files *lwaws.LockFiles
	Audit *audit.Log
	// ReadOnly refuses every write, whatever else is asked.
	ReadOnly bool
	// Actor is who is writing: the STS caller ARN, or user@host. When it
	// is empty, ResolveActor is asked once, at the first write, so that
	// opening the UI never waits on STS.
	Actor        string
	ResolveActor func(context.Context) string
	actorOnce    sync.Once
	Context      string
	Profile      string
	Now          func() time.Time
}

// Result is what a write did.
type Result struct {
	RecordID string
	// Item is the item removed (for a release) or put back (restore).
	Item model.Item
	// Entry is that item classified.
	Entry model.Entry
}

// ChangedError says the lock is no longer as observed; Current is what is
// there now (nil when nothing is).
type ChangedError struct {
	LockID  string
	Current *model.Entry
}

func (e *ChangedError) Error() string {
	if e.Current == nil {
		return fmt.Sprintf("not released: %s was already released", e.LockID)
	}
	return "not released: the lock changed since you looked — now " + Describe(*e.Current)
}

// Describe says who holds an entry now, for messages.
func Describe(e model.Entry) string {
	switch e.Kind {
	case model.KindLock:
		return fmt.Sprintf("held by %s (%s, ID %s)", orDash(e.Info.Who), model.OperationWord(e.Info.Operation), e.ShortID())
	case model.KindDigest:
		return "a digest item"
	default:
		return "a malformed item (" + e.Problem + ")"
	}
}

// HeldError says a restore found the lock taken again.
type HeldError struct {
	RecordID string
	Current  model.Entry
	// Same is set when what is there is the very item to restore.
	Same bool
}

func (e *HeldError) Error() string {
	if e.Same {
		return fmt.Sprintf("not restored: %s is already back as it was (%s)", e.Current.LockID, Describe(e.Current))
	}
	return fmt.Sprintf("not restored: %s is %s now; restoring would replace a live lock", e.Current.LockID, Describe(e.Current))
}

// PartialError says the S3 lock file was released but the lock-table item
// was not: the state is still locked in DynamoDB.
type PartialError struct {
	LockID   string
	RecordID string
	Err      error
}

func (e *PartialError) Error() string {
	return fmt.Sprintf("partly released %s: the S3 lock file is gone, but the lock-table item was not removed (%v); the state is still locked there (audit %s, lockwarden restore puts the lock file back)", e.LockID, e.Err, e.RecordID)
}

func (e *PartialError) Unwrap() error { return e.Err }

// Get reads a lock as it is now, in every place it may live: the lock
// table (consistent read) and, when its bucket is watched, its S3 lock
// file.
func (s *Service) Get(ctx context.Context, lockID string) (model.Entry, bool, error) {
	item, found, err := s.Writer.Get(ctx, lockID)
	if err != nil {
		return model.Entry{}, false, err
	}
	bucket, _ := model.SplitPath(lockID)
	if s.Files == nil || !s.Files.Watches(bucket) || model.IsDigestKey(lockID) {
		return item, found, nil
	}
	file, fileFound, err := s.Files.ReadFor(ctx, lockID)
	if err != nil {
		return model.Entry{}, false, err
	}
	var items, files []model.Entry
	if found {
		items = append(items, item)
	}
	if fileFound {
		files = append(files, file)
	}
	merged := model.MergeSources(items, files, nil)
	if len(merged) == 0 {
		return model.Entry{}, false, nil
	}
	return merged[0], true, nil
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Service) actor(ctx context.Context) string {
	s.actorOnce.Do(func() {
		if s.Actor == "" && s.ResolveActor != nil {
			s.Actor = s.ResolveActor(ctx)
		}
	})
	return s.Actor
}

func (s *Service) base(ctx context.Context, id, action, lockID string) audit.Record {
	w := s.Writer
	return audit.Record{
		RecordID: id, Time: s.now().UTC(), Action: action, Actor: s.actor(ctx), Context: s.Context,
		Profile: s.Profile, Region: w.Region, Endpoint: w.Endpoint, Table: w.Table, LockID: lockID,
	}
}

// Release removes observed — the entry as the person saw and confirmed it —
// after checking req's guards again. The intent is audited before the
// delete (no record, no delete); the delete is conditioned on the observed
// attributes, so a lock that was released and re-taken, or rewritten, in
// the meantime is never removed: Release then returns a *ChangedError.
func (s *Service) Release(ctx context.Context, observed model.Entry, req model.ReleaseRequest, reason string) (Result, error) {
	req.ReadOnly = req.ReadOnly || s.ReadOnly
	if err := model.CheckRelease(observed, req); err != nil {
		return Result{}, err
	}
	id := audit.NewRecordID(s.now())
	intent := s.base(ctx, id, audit.ActionForceUnlock, observed.LockID)
	intent.Phase, intent.Observed, intent.ObservedFile, intent.Reason = audit.PhaseIntent, observed.Item, observed.File, reason
	if err := s.Audit.Append(intent); err != nil {
		return Result{}, fmt.Errorf("nothing released: the audit record could not be written: %w", err)
	}
	outcome := s.base(ctx, id, audit.ActionForceUnlock, observed.LockID)
	outcome.Phase = audit.PhaseOutcome

	changed := func() (Result, error) {
		cur, found, gerr := s.Get(ctx, observed.LockID)
		cerr := &ChangedError{LockID: observed.LockID}
		outcome.Outcome = audit.OutcomeGone
		if gerr == nil && found {
			cerr.Current = &cur
			outcome.Outcome, outcome.Item, outcome.File = audit.OutcomeChanged, cur.Item, cur.File
		}
		s.appendOutcome(outcome)
		return Result{RecordID: id}, cerr
	}

	// The lock file first, then the item: the order clients take them in,
	// reversed would leave a window where only the file holds the lock.
	var removedFile *model.LockFile
	if observed.Source.HasFile() && observed.File != nil {
		if s.Files == nil {
			return Result{RecordID: id}, fmt.Errorf("%s has an S3 lock file, but no bucket is configured to reach it", observed.LockID)
		}
		how, err := s.Files.DeleteIfUnchanged(ctx, *observed.File)
		switch {
		case errors.Is(err, lwaws.ErrConditionFailed):
			return changed()
		case err != nil:
			return s.failed(outcome, err)
		}
		removedFile, outcome.FileDelete = observed.File, how
	}
	var removed model.Item
	if observed.Source.HasItem() {
		var err error
		removed, err = s.Writer.DeleteIfUnchanged(ctx, observed)
		if err != nil && removedFile != nil {
			outcome.Outcome, outcome.File, outcome.Error = audit.OutcomePartial, removedFile, err.Error()
			if errors.Is(err, lwaws.ErrConditionFailed) {
				err = errors.New("the lock-table item changed since you looked")
			}
			s.appendOutcome(outcome)
			return Result{RecordID: id}, &PartialError{LockID: observed.LockID, RecordID: id, Err: err}
		}
		switch {
		case errors.Is(err, lwaws.ErrConditionFailed):
			return changed()
		case err != nil:
			return s.failed(outcome, err)
		}
	}
	outcome.Outcome, outcome.Item, outcome.File = audit.OutcomeReleased, removed, removedFile
	res := Result{RecordID: id, Item: removed, Entry: observed}
	if removed != nil {
		res.Entry = model.Classify(removed, s.Writer.WorkspaceKeyPrefix)
	}
	if err := s.Audit.Append(outcome); err != nil {
		return res, fmt.Errorf("released %s, but the outcome could not be audited (the intent record %s holds what was removed): %w", observed.LockID, id, err)
	}
	return res, nil
}

// failed records a write that failed with err and returns it.
func (s *Service) failed(out audit.Record, err error) (Result, error) {
	out.Outcome, out.Error = audit.OutcomeFailed, err.Error()
	s.appendOutcome(out)
	return Result{RecordID: out.RecordID}, err
}

// appendOutcome records an outcome after a write that did not happen; a
// failure to record it changes nothing in the table, so it is only kept.
func (s *Service) appendOutcome(r audit.Record) {
	_ = s.Audit.Append(r)
}

// Restore puts back the item that record recordID removed, byte for byte,
// only if nobody holds the lock now. It is itself audited.
func (s *Service) Restore(ctx context.Context, recordID string) (Result, error) {
	if s.ReadOnly {
		return Result{}, &model.Refusal{Kind: model.RefusedReadOnly, Msg: "read-only: lockwarden makes no writes in this run (pass --write to allow them)"}
	}
	intent, outcome, err := s.Audit.Find(recordID)
	if err != nil {
		return Result{}, err
	}
	if outcome != nil && outcome.Action == audit.ActionDigestRepair {
		return s.restoreDigest(ctx, recordID, outcome)
	}
	switch {
	case intent != nil && intent.Action != audit.ActionForceUnlock:
		return Result{}, fmt.Errorf("audit record %s is a %s, not a force-unlock: nothing to restore", recordID, intent.Action)
	case outcome == nil:
		return Result{}, fmt.Errorf("audit record %s has no outcome: the release may not have happened; check the table before restoring by hand (the observed item is in the record)", recordID)
	case (outcome.Outcome != audit.OutcomeReleased && outcome.Outcome != audit.OutcomePartial) || (len(outcome.Item) == 0 && outcome.File == nil):
		return Result{}, fmt.Errorf("audit record %s did not release anything (%s): nothing to restore", recordID, outcome.Outcome)
	}
	if outcome.Table != s.Writer.Table {
		return Result{}, fmt.Errorf("audit record %s is for table %s, not %s: use the same --table/--context", recordID, outcome.Table, s.Writer.Table)
	}
	item, file, lockID := outcome.Item, outcome.File, outcome.LockID
	if outcome.Outcome == audit.OutcomePartial {
		item = nil // the item was never removed
	}
	if file != nil && s.Files == nil {
		return Result{}, fmt.Errorf("audit record %s removed an S3 lock file; give its bucket (--bucket) to restore it", recordID)
	}
	id := audit.NewRecordID(s.now())
	in := s.base(ctx, id, audit.ActionRestore, lockID)
	in.Phase, in.Item, in.File, in.RestoreOf = audit.PhaseIntent, item, file, recordID
	if err := s.Audit.Append(in); err != nil {
		return Result{}, fmt.Errorf("nothing restored: the audit record could not be written: %w", err)
	}
	out := s.base(ctx, id, audit.ActionRestore, lockID)
	out.Phase, out.RestoreOf = audit.PhaseOutcome, recordID
	held := func() (Result, error) {
		cur, _, gerr := s.Get(ctx, lockID)
		out.Outcome, out.Item, out.File = audit.OutcomeHeld, cur.Item, cur.File
		s.appendOutcome(out)
		if gerr != nil {
			return Result{RecordID: id}, fmt.Errorf("not restored: %s is held again: %w", lockID, gerr)
		}
		same := (item == nil || cur.Item.JSON() == item.JSON()) && (file == nil || (cur.File != nil && cur.File.Body == file.Body))
		return Result{RecordID: id}, &HeldError{RecordID: recordID, Current: cur, Same: same}
	}
	// Nothing is put back while anything holds the lock.
	if cur, found, err := s.Get(ctx, lockID); err == nil && found && ((item != nil && cur.Item != nil) || (file != nil && cur.File != nil)) {
		return held()
	}
	if file != nil {
		if err := s.Files.PutIfAbsent(ctx, *file); errors.Is(err, lwaws.ErrConditionFailed) {
			return held()
		} else if err != nil {
			return s.failed(out, err)
		}
	}
	if item != nil {
		err := s.Writer.PutIfAbsent(ctx, item)
		switch {
		case errors.Is(err, lwaws.ErrConditionFailed):
			return held()
		case err != nil:
			return s.failed(out, err)
		}
	}
	out.Outcome, out.Item, out.File = audit.OutcomeRestored, item, file
	s.appendOutcome(out)
	res := Result{RecordID: id, Item: item}
	if item != nil {
		res.Entry = model.Classify(item, s.Writer.WorkspaceKeyPrefix)
	} else {
		res.Entry = model.ClassifyLockFile(*file, s.Writer.WorkspaceKeyPrefix)
	}
	return res, nil
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
