// Package reap is the reaper's judgement: which locks of a context a
// policy lets go — each read again, judged again as it is now, and
// checked against its state's last write — and their release through
// guard, the one guarded write path. It owns no flags, config or output:
// the command in package cli reads the context, hands the snapshot here,
// and says what came of it. It must not import cli or ui.
package reap

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/guard"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// The actions of a decision.
const (
	WouldRelease = "would-release"
	Released     = "released"
	Keep         = "keep"
	// Failed: the release was tried and failed (or its outcome is
	// unknown); the run exits 1.
	Failed = "failed"
)

// Decision is what the reaper did, or would do, with one lock.
type Decision struct {
	Action  string
	Context string
	Entry   model.Entry
	// Why says why a lock is kept, or the evidence it is released on.
	Why      string
	RecordID string
}

// Run is one context's part of a reaper run.
type Run struct {
	Context string
	Policy  model.ReapPolicy
	// Service is the context's guarded write path, set up as the
	// reaper's (actor, policy, read-only); States reads its state objects.
	Service *guard.Service
	States  lwaws.S3API
	// Decisions has one decision per entry read, oldest lock first;
	// Candidates indexes those that would be released.
	Decisions  []Decision
	Candidates []int
	// Errs are what could not be read: the context, a lock, a state.
	Errs []error
}

// Judge decides each entry of snap, the context's read. Nothing is
// written; candidates are marked would-release. A read-only context, and
// one not wholly read (what was not read may be the other half of a lock),
// reap nothing.
func (r *Run) Judge(ctx context.Context, snap model.Snapshot, now time.Time) {
	partial := ""
	if len(snap.Notes) > 0 {
		partial = strings.Join(snap.Notes, "; ")
		r.Errs = append(r.Errs, errors.New("not wholly read, nothing reaped here: "+partial))
	}
	for _, e := range model.Sort(snap.Entries, model.SortAge) {
		d := Decision{Action: Keep, Context: r.Context, Entry: e}
		ok, why := r.Policy.ReapCheck(e, now)
		switch {
		case r.Service.ReadOnly:
			d.Why = "context is read-only: never reaped"
		case partial != "":
			d.Why = "context not wholly read: never reaped on half the evidence"
		case !ok:
			d.Why = why
		default:
			var err error
			if d, err = r.judgeLock(ctx, d, now); err != nil {
				r.Errs = append(r.Errs, err)
			}
		}
		r.Decisions = append(r.Decisions, d)
		if d.Action == WouldRelease {
			r.Candidates = append(r.Candidates, len(r.Decisions)-1)
		}
	}
}

// judgeLock reads a lock that passed the policy's first checks again,
// consistently and in every place it lives, judges it again as it is now,
// and reads its state for the evidence. A lock that cannot be read again,
// or whose state cannot be read while the policy requires it, is kept and
// the error returned: a reaper that cannot see must say so, not idle.
func (r *Run) judgeLock(ctx context.Context, d Decision, now time.Time) (Decision, error) {
	cur, found, err := r.Service.Get(ctx, d.Entry.LockID)
	switch {
	case err != nil:
		d.Why = "not read again: " + err.Error()
		return d, fmt.Errorf("%s not read again: %w", d.Entry.LockID, err)
	case !found:
		d.Why = "released meanwhile: gone when read again"
		return d, nil
	}
	cur.Context = d.Entry.Context
	d.Entry = cur
	ok, why := r.Policy.ReapCheck(cur, now)
	if !ok {
		d.Why = why
		return d, nil
	}
	st := r.readState(ctx, cur)
	ok, evidence := r.Policy.StateCheck(cur, st, now)
	if !ok {
		d.Why = evidence
		if st.Err != nil {
			return d, fmt.Errorf("the state of %s could not be read, so its lock is kept: %w", cur.LockID, st.Err)
		}
		return d, nil
	}
	d.Action, d.Why = WouldRelease, why+"; "+evidence
	return d, nil
}

// readState reads a lock's state object when the policy asks for the
// evidence of its last write.
func (r *Run) readState(ctx context.Context, e model.Entry) model.StateRead {
	if !r.Policy.RequireNoStateWrite {
		return model.StateRead{}
	}
	if e.Bucket == "" {
		return model.StateRead{Err: errors.New("the lock names no bucket")}
	}
	rctx, cancel := context.WithTimeout(ctx, lwaws.StateReadTimeout)
	defer cancel()
	obj, err := lwaws.ReadState(rctx, r.States, e.Bucket, e.Key)
	return model.StateRead{Err: err, Exists: obj.Exists, LastModified: obj.LastModified}
}

// Release takes candidate d through the guarded write path and records in
// it what came of it. A lock someone else moved first, or a guard refused,
// is kept and is no failure of the run.
func (r *Run) Release(ctx context.Context, d *Decision, now time.Time) error {
	e := d.Entry
	req := model.ReleaseRequest{ConfirmID: e.Info.ID, Now: now, StaleAfter: r.Policy.OlderThan,
		Reason: "abandoned lock, released by lockwarden reap's policy"}
	res, err := r.Service.Release(ctx, e, req, "reaped: "+d.Why)
	var changed *guard.ChangedError
	var refusal *model.Refusal
	var unrecorded *guard.UnrecordedError
	switch {
	case err == nil:
		d.Action, d.RecordID = Released, res.RecordID
	case errors.As(err, &unrecorded):
		d.Action, d.RecordID = Released, res.RecordID
		return err
	case errors.As(err, &changed), errors.As(err, &refusal):
		d.Action, d.Why = Keep, sanitize.OneLine(err.Error())
	default:
		d.Action, d.Why, d.RecordID = Failed, sanitize.OneLine(err.Error()), res.RecordID
		return err
	}
	return nil
}
