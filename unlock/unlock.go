// Package unlock is lockwarden's one guarded write path, shared by the CLI
// and the TUI: force-unlock a lock only if it is still exactly as the
// person saw it, with an audit record written first, and restore it
// afterwards if that was a mistake.
package unlock

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lockwarden/lockwarden/audit"
	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/model"
)

// Service performs guarded writes on one lock table.
type Service struct {
	Writer *lwaws.LockWriter
	Audit  *audit.Log
	// ReadOnly refuses every write, whatever else is asked.
	ReadOnly bool
	// Actor is who is writing: the STS caller ARN, or user@host.
	Actor   string
	Context string
	Profile string
	Now     func() time.Time
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

// ErrGone is returned by Release when the lock is already gone.
var ErrGone = errors.New("already released")

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Service) base(id, action, lockID string) audit.Record {
	w := s.Writer
	return audit.Record{
		RecordID: id, Time: s.now().UTC(), Action: action, Actor: s.Actor, Context: s.Context,
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
	intent := s.base(id, audit.ActionForceUnlock, observed.LockID)
	intent.Phase, intent.Observed, intent.Reason = audit.PhaseIntent, observed.Item, reason
	if err := s.Audit.Append(intent); err != nil {
		return Result{}, fmt.Errorf("nothing released: the audit record could not be written: %w", err)
	}
	outcome := s.base(id, audit.ActionForceUnlock, observed.LockID)
	outcome.Phase = audit.PhaseOutcome

	removed, err := s.Writer.DeleteIfUnchanged(ctx, observed)
	switch {
	case errors.Is(err, lwaws.ErrConditionFailed):
		cur, found, gerr := s.Writer.Get(ctx, observed.LockID)
		cerr := &ChangedError{LockID: observed.LockID}
		outcome.Outcome = audit.OutcomeGone
		if gerr == nil && found {
			cerr.Current = &cur
			outcome.Outcome, outcome.Item = audit.OutcomeChanged, cur.Item
		}
		s.appendOutcome(outcome)
		return Result{RecordID: id}, cerr
	case err != nil:
		outcome.Outcome, outcome.Error = audit.OutcomeFailed, err.Error()
		s.appendOutcome(outcome)
		return Result{RecordID: id}, err
	}
	outcome.Outcome, outcome.Item = audit.OutcomeReleased, removed
	if err := s.Audit.Append(outcome); err != nil {
		return Result{RecordID: id, Item: removed}, fmt.Errorf("released %s, but the outcome could not be audited (the intent record %s holds the item): %w", observed.LockID, id, err)
	}
	return Result{RecordID: id, Item: removed, Entry: model.Classify(removed, s.Writer.WorkspaceKeyPrefix)}, nil
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
	switch {
	case intent != nil && intent.Action != audit.ActionForceUnlock:
		return Result{}, fmt.Errorf("audit record %s is a %s, not a force-unlock: nothing to restore", recordID, intent.Action)
	case outcome == nil:
		return Result{}, fmt.Errorf("audit record %s has no outcome: the release may not have happened; check the table before restoring by hand (the observed item is in the record)", recordID)
	case outcome.Outcome != audit.OutcomeReleased || len(outcome.Item) == 0:
		return Result{}, fmt.Errorf("audit record %s did not release anything (%s): nothing to restore", recordID, outcome.Outcome)
	}
	if outcome.Table != s.Writer.Table {
		return Result{}, fmt.Errorf("audit record %s is for table %s, not %s: use the same --table/--context", recordID, outcome.Table, s.Writer.Table)
	}
	item := outcome.Item
	lockID := outcome.LockID
	id := audit.NewRecordID(s.now())
	in := s.base(id, audit.ActionRestore, lockID)
	in.Phase, in.Item, in.RestoreOf = audit.PhaseIntent, item, recordID
	if err := s.Audit.Append(in); err != nil {
		return Result{}, fmt.Errorf("nothing restored: the audit record could not be written: %w", err)
	}
	out := s.base(id, audit.ActionRestore, lockID)
	out.Phase, out.RestoreOf = audit.PhaseOutcome, recordID
	err = s.Writer.PutIfAbsent(ctx, item)
	switch {
	case errors.Is(err, lwaws.ErrConditionFailed):
		cur, _, gerr := s.Writer.Get(ctx, lockID)
		out.Outcome, out.Item = audit.OutcomeHeld, cur.Item
		s.appendOutcome(out)
		if gerr != nil {
			return Result{RecordID: id}, fmt.Errorf("not restored: %s is held again: %w", lockID, gerr)
		}
		return Result{RecordID: id}, &HeldError{RecordID: recordID, Current: cur, Same: cur.Item.JSON() == item.JSON()}
	case err != nil:
		out.Outcome, out.Error = audit.OutcomeFailed, err.Error()
		s.appendOutcome(out)
		return Result{RecordID: id}, err
	}
	out.Outcome, out.Item = audit.OutcomeRestored, item
	s.appendOutcome(out)
	return Result{RecordID: id, Item: item, Entry: model.Classify(item, s.Writer.WorkspaceKeyPrefix)}, nil
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
