package guard

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/lockwarden/lockwarden/audit"
	"github.com/lockwarden/lockwarden/model"
)

// This file guards the restore of a release whose outcome is unknown (no
// answer, and reading it back failed) or was never recorded (a crash
// between intent and outcome). Such a release may have removed the lock,
// or not: if not, its holder may since have released it itself, and
// putting it back would make a lock nobody holds — every plan and apply of
// the state would fail on a phantom.

// UnknownOutcomeError says a restore of a release of unknown outcome found
// the lock absent and nothing to tell whether the release removed it: the
// operator must say so (Service.ConfirmUnknown) before it is put back.
type UnknownOutcomeError struct {
	RecordID, LockID string
	// Outcome is the release's recorded outcome ("" when none was).
	Outcome string
	// Unchecked says what evidence could not be read ("the audit log
	// could not be read: …"); "" when all of it was.
	Unchecked string
}

// Error says why nothing was restored.
func (e *UnknownOutcomeError) Error() string {
	return "not restored: " + e.situation() + " Confirm only if the release removed it"
}

// Question is what the operator is asked to weigh before confirming.
func (e *UnknownOutcomeError) Question() string {
	return "R" + strings.TrimPrefix(e.situation(), "r") + " Ask the holder whether its run is still going."
}

// situation is what is known, in one sentence.
func (e *UnknownOutcomeError) situation() string {
	s := fmt.Sprintf("release %s has %s, and %s is not held now: the release may have removed it, or it never happened and the holder released the lock itself since — then restoring would make a lock nobody holds.",
		e.RecordID, outcomeWords(e.Outcome), e.LockID)
	if e.Unchecked != "" {
		s += " Not checked: " + e.Unchecked + "."
	}
	return s
}

// outcomeWords says what is known of a release's outcome.
func outcomeWords(outcome string) string {
	if outcome == "" {
		return "no recorded outcome (it ended before writing one)"
	}
	return "an unknown outcome"
}

// checkUnknownRelease decides whether a release of unknown (or unrecorded)
// outcome may be restored: not when the lock is known to have been held,
// or its holder alive, after the release; only with ConfirmUnknown when
// nothing tells either way. A lock held now is left for restore to report
// (held by another, or already back); a lock that cannot be read is not
// restored: that it is absent is the very thing to check.
func (s *Service) checkUnknownRelease(ctx context.Context, intent, outcome *audit.Record) error {
	if s.sawDone(intent.RecordID) {
		return nil // this run saw the release answered, unrecorded
	}
	recorded := ""
	if outcome != nil {
		recorded = outcome.Outcome
	}
	cur, _, err := s.Get(ctx, intent.LockID)
	switch {
	case err != nil:
		return fmt.Errorf("not restored: release %s has %s, and reading %s to check whether it removed the lock failed: %w", intent.RecordID, outcomeWords(recorded), intent.LockID, err)
	case cur.Item != nil || cur.File != nil:
		return nil // restore says who holds it, or that it is back
	}
	why, unchecked := s.aliveAfter(ctx, intent)
	if why != "" {
		return &model.Refusal{Kind: model.RefusedNotReleased, Msg: fmt.Sprintf("not restored: release %s has %s, and %s — the release did not remove the lock, or its holder went on and released it itself; restoring would make a lock nobody holds",
			intent.RecordID, outcomeWords(recorded), why)}
	}
	if !s.ConfirmUnknown {
		return &UnknownOutcomeError{RecordID: intent.RecordID, LockID: intent.LockID, Outcome: recorded, Unchecked: unchecked}
	}
	return nil
}

// aliveAfter says what shows that the released lock, or its holder, lived
// on after the release's intent: a later audit record that observed the
// same lock held, or a write of its state at or after the release (S3's
// LastModified has whole seconds: the same second counts). why is ""
// when nothing does; unchecked says what could not be read to tell.
func (s *Service) aliveAfter(ctx context.Context, intent *audit.Record) (why, unchecked string) {
	var notRead []string
	held, heldOK := observedLock(intent)
	recs, err := s.Audit.Since(intent.Time)
	switch {
	case err != nil:
		notRead = append(notRead, "the audit log could not be read ("+err.Error()+")")
	case heldOK:
		for i := range recs {
			r := &recs[i]
			if r.RecordID == intent.RecordID || r.LockID != intent.LockID || !r.Time.After(intent.Time) {
				continue
			}
			if later, ok := observedLock(r); ok && later.Info.ID == held.Info.ID {
				return fmt.Sprintf("audit record %s saw lock %s still held at %s", r.RecordID, held.ShortID(), r.Time.UTC().Format(time.RFC3339)), ""
			}
		}
	}
	if s.State != nil {
		bucket, key := model.SplitPath(intent.LockID)
		st, err := s.State(ctx, bucket, key)
		switch {
		case err != nil:
			notRead = append(notRead, "the state object could not be read ("+err.Error()+")")
		case st.Exists && !st.LastModified.Add(time.Second).Before(intent.Time):
			return fmt.Sprintf("its state object was written at %s, at or after the release", st.LastModified.UTC().Format(time.RFC3339)), ""
		}
	}
	return "", strings.Join(notRead, "; ")
}

// observedLock is the lock a record observed, in the table or in a lock
// file; ok is false when it observed none.
func observedLock(r *audit.Record) (e model.Entry, ok bool) {
	if len(r.Observed) > 0 {
		if e := model.Classify(r.Observed, ""); e.Kind == model.KindLock && e.Info.ID != "" {
			return e, true
		}
	}
	if r.ObservedFile != nil {
		if e := model.ClassifyLockFile(*r.ObservedFile, ""); e.Kind == model.KindLock && e.Info.ID != "" {
			return e, true
		}
	}
	return model.Entry{}, false
}
