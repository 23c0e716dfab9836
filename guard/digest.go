package guard

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/lockwarden/lockwarden/audit"
	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/model"
)

// RepairDigest sets a state's Digest to the MD5 of its current state
// object, as Terraform's error message advises, only if the digest item
// is still as observed. It is refused in read-only mode, audited before
// the write, and undone by Restore. Check the state object itself first:
// a repair makes Terraform accept whatever the object now holds.
func (s *Service) RepairDigest(ctx context.Context, observed model.DigestReport, reason string) (Result, error) {
	if s.ReadOnly {
		return Result{}, &model.Refusal{Kind: model.RefusedReadOnly, Msg: "read-only: lockwarden makes no writes in this run (pass --write to allow them)"}
	}
	if s.Writer == nil {
		return Result{}, noTable("nothing repaired: digests live in a lock table")
	}
	if err := CheckRepair(observed); err != nil {
		return Result{}, err
	}
	lockID := observed.Path + model.DigestSuffix
	id := audit.NewRecordID(s.now())
	intent := s.base(ctx, id, audit.ActionDigestRepair, lockID)
	intent.Phase, intent.Observed, intent.Digest, intent.Reason = audit.PhaseIntent, observed.Item, observed.State.MD5, reason
	if err := s.Audit.Append(intent); err != nil {
		return Result{}, &NotRecordedError{What: "written", Err: err}
	}
	out := s.base(ctx, id, audit.ActionDigestRepair, lockID)
	out.Phase, out.Digest = audit.PhaseOutcome, observed.State.MD5
	before, err := s.Writer.SetDigest(ctx, observed.Path, observed.Item, observed.Stored, observed.State.MD5)
	switch {
	case errors.Is(err, lwaws.ErrConditionFailed):
		out.Outcome = audit.OutcomeChanged
		return s.record(out, Result{RecordID: id}, &model.Refusal{Kind: model.RefusedChanged, Msg: fmt.Sprintf("not repaired: the digest of %s changed since you looked; check it again", observed.Path)}, "")
	case err != nil:
		return s.failed(out, err)
	}
	// The item as it was before, for restore: nil when there was none.
	if len(before) == 0 {
		before = nil
	}
	out.Outcome, out.Item = audit.OutcomeRepaired, before
	return s.record(out, Result{RecordID: id, Item: before}, nil, "repaired the digest of "+observed.Path)
}

// CheckRepair says whether a checked digest can be repaired, as a
// *model.Refusal when not. Only what is known to be wrong is repaired — a
// mismatch, an invalid value, an item without a value — and only when the
// state object is there to compute it from; any other status, including
// one added later, is refused.
func CheckRepair(r model.DigestReport) error {
	refuse := func(format string, a ...any) error {
		return &model.Refusal{Kind: model.RefusedNoRepair, Msg: fmt.Sprintf(format, a...)}
	}
	switch {
	case r.Status == model.DigestUnchecked:
		return refuse("the digest of %s was not checked: %v", r.Path, r.Err)
	case r.Status == model.DigestOK:
		return refuse("the digest of %s already matches its state object: nothing to repair", r.Path)
	case r.Status == model.DigestNoState:
		return refuse("%s has no state object, so there is no digest to compute; if the state was removed on purpose, delete its digest item %s%s by hand", r.Path, r.Path, model.DigestSuffix)
	case r.Status == model.DigestNone, r.Status == model.DigestNoDigest && len(r.Item) == 0:
		return refuse("%s has no digest item: Terraform checks nothing, so there is nothing to repair", r.Path)
	case !r.State.Exists || len(r.State.MD5) != 32:
		return refuse("the state object of %s was not read whole: nothing to repair to", r.Path)
	}
	switch r.Status {
	case model.DigestMismatch, model.DigestInvalid, model.DigestNoDigest:
		return nil
	}
	return refuse("the digest of %s is %s: lockwarden does not repair that", r.Path, r.Status)
}

// restoreDigest undoes a digest repair: the digest item goes back to what
// it was, only if it still holds the repaired value. With no outcome
// recorded (or an unknown one) it works from the intent: what was observed
// before, and the value the repair wrote.
func (s *Service) restoreDigest(ctx context.Context, recordID string, intent, outcome *audit.Record, fromIntent bool) (Result, error) {
	var before model.Item
	var repaired, lockID string
	switch {
	case fromIntent:
		before, repaired, lockID = intent.Observed, intent.Digest, intent.LockID
	case outcome.Outcome == audit.OutcomeRepaired:
		before, repaired, lockID = outcome.Item, outcome.Digest, outcome.LockID
	default:
		return Result{}, fmt.Errorf("audit record %s did not repair anything (%s): nothing to restore", recordID, outcome.Outcome)
	}
	if len(before) == 0 {
		before = nil
	}
	path, ok := strings.CutSuffix(lockID, model.DigestSuffix)
	if !ok || repaired == "" {
		return Result{}, fmt.Errorf("audit record %s is damaged (lock_id %q, digest %q): nothing restored", recordID, lockID, repaired)
	}
	if s.Writer == nil {
		return Result{}, noTable("nothing restored: audit record " + recordID + " repaired a digest, and digests live in a lock table")
	}
	id := audit.NewRecordID(s.now())
	in := s.base(ctx, id, audit.ActionRestore, lockID)
	in.Phase, in.Item, in.RestoreOf = audit.PhaseIntent, before, recordID
	if fromIntent {
		in.Reason = "restored from the intent record: the repair's outcome was " + model.OrNone(outcomeWord(outcome))
	}
	if err := s.Audit.Append(in); err != nil {
		return Result{}, &NotRecordedError{What: "restored", Err: err}
	}
	out := s.base(ctx, id, audit.ActionRestore, lockID)
	out.Phase, out.RestoreOf = audit.PhaseOutcome, recordID
	err := s.Writer.ReplaceIfDigest(ctx, path, before, repaired)
	switch {
	case errors.Is(err, lwaws.ErrConditionFailed):
		out.Outcome = audit.OutcomeChanged
		return s.record(out, Result{RecordID: id}, fmt.Errorf("not restored: the digest of %s is not the repaired value %s (a state write since, or the repair never happened); nothing was written", path, repaired), "")
	case err != nil:
		return s.failed(out, err)
	}
	out.Outcome, out.Item = audit.OutcomeRestored, before
	e := model.Entry{LockID: lockID, Kind: model.KindDigest}
	if before != nil {
		e = model.Classify(before, s.workspaceKeyPrefix())
	}
	return s.record(out, Result{RecordID: id, Item: before, Entry: e}, nil, "restored the digest of "+path)
}

// outcomeWord is a record's outcome, "" for none.
func outcomeWord(r *audit.Record) string {
	if r == nil {
		return ""
	}
	return r.Outcome
}
