package guard_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/guard"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sandbox"
)

// A release whose outcome is unknown may not have happened: when its
// holder then releases the lock itself, restoring the release's intent
// would make a phantom lock nobody holds. Restore refuses when a later
// record saw the lock still held, or the state was written at or after the
// release; with nothing to tell either way it asks (ConfirmUnknown); a
// lock held now is never touched.
func TestRestoreOfAnUnknownReleaseChecksItWasReleased(t *testing.T) {
	ctx := context.Background()
	// unknownRelease releases key's lock with the delete's answer lost
	// and the read-back failing: the delete never happened.
	unknownRelease := func(t *testing.T, e s3env, key string) (model.LockInfo, string) {
		t.Helper()
		li := e.lock(t, key, "alice@ci", 2*time.Hour)
		observed := e.entry(t, li.Path)
		faulty := &faultyWrites{WriteAPI: e.sb.Dynamo,
			beforeDelete: func() error { return errors.New("read tcp: connection reset by peer") },
			beforeGet:    func() error { return errors.New("read tcp: connection reset by peer") }}
		e.svc.Writer.Client = faulty
		res, err := e.svc.Release(ctx, observed, staleReq(li.ID), "")
		e.svc.Writer.Client = e.sb.Dynamo
		if !errors.Is(err, lwaws.ErrOutcomeUnknown) {
			t.Fatalf("release: %v", err)
		}
		return li, res.RecordID
	}
	realClock := func(e s3env) { e.svc.Now = time.Now }

	t.Run("the holder released it itself, nothing tells: asked", func(t *testing.T) {
		e := newS3Env(t)
		realClock(e)
		li, id := unknownRelease(t, e, "asked/terraform.tfstate")
		if err := sandbox.Unlock(ctx, e.sb.Dynamo, sandbox.Table, li); err != nil {
			t.Fatal(err)
		}
		var unknown *guard.UnknownOutcomeError
		if _, err := e.svc.Restore(ctx, id); !errors.As(err, &unknown) || !strings.Contains(err.Error(), "restoring would make a lock nobody holds") {
			t.Fatalf("unconfirmed: %v", err)
		}
		if _, found := e.getItem(t, li.Path); found {
			t.Fatal("an unconfirmed restore put the lock back")
		}
		e.svc.ConfirmUnknown = true
		if _, err := e.svc.Restore(ctx, id); err != nil {
			t.Fatalf("confirmed: %v", err)
		}
	})

	t.Run("a later record saw it held: refused", func(t *testing.T) {
		e := newS3Env(t)
		tick := now
		e.svc.Now = func() time.Time { tick = tick.Add(time.Second); return tick } // each record later
		li, id := unknownRelease(t, e, "seen/terraform.tfstate")
		// The operator tried again, and that release went through: the
		// lock was still held after the first.
		second, err := e.svc.Release(ctx, e.entry(t, li.Path), staleReq(li.ID), "")
		if err != nil {
			t.Fatal(err)
		}
		e.svc.ConfirmUnknown = true // even confirmed: the evidence wins
		_, err = e.svc.Restore(ctx, id)
		var refusal *model.Refusal
		if !errors.As(err, &refusal) || refusal.Kind != model.RefusedNotReleased || !strings.Contains(err.Error(), "audit record "+second.RecordID+" saw lock") {
			t.Fatalf("restore of the first release: %v", err)
		}
		if _, found := e.getItem(t, li.Path); found {
			t.Fatal("a refused restore put the lock back")
		}
		// The release that did remove it restores.
		if _, err := e.svc.Restore(ctx, second.RecordID); err != nil {
			t.Errorf("restore of the second release: %v", err)
		}
	})

	t.Run("the state was written after: refused", func(t *testing.T) {
		e := newS3Env(t)
		realClock(e)
		e.svc.State = func(ctx context.Context, bucket, key string) (model.StateObject, error) {
			return lwaws.ReadState(ctx, e.sb.S3, bucket, key)
		}
		li, id := unknownRelease(t, e, "alive/terraform.tfstate")
		// The holder went on: wrote its state, then released its lock.
		if err := sandbox.WriteState(ctx, e.sb, "alive/terraform.tfstate", sandbox.State(2, "l", "1.5.7")); err != nil {
			t.Fatal(err)
		}
		if err := sandbox.Unlock(ctx, e.sb.Dynamo, sandbox.Table, li); err != nil {
			t.Fatal(err)
		}
		e.svc.ConfirmUnknown = true
		_, err := e.svc.Restore(ctx, id)
		var refusal *model.Refusal
		if !errors.As(err, &refusal) || refusal.Kind != model.RefusedNotReleased || !strings.Contains(err.Error(), "its state object was written at") {
			t.Fatalf("restore: %v", err)
		}
		if _, found := e.getItem(t, li.Path); found {
			t.Fatal("a refused restore put the lock back")
		}
	})

	t.Run("what could not be read is said, and a failed read restores nothing", func(t *testing.T) {
		e := newS3Env(t)
		li, id := unknownRelease(t, e, "unread/terraform.tfstate")
		if err := sandbox.Unlock(ctx, e.sb.Dynamo, sandbox.Table, li); err != nil {
			t.Fatal(err)
		}
		e.svc.State = func(context.Context, string, string) (model.StateObject, error) {
			return model.StateObject{}, errors.New("s3:GetObject on bucket tfstate: access denied")
		}
		var unknown *guard.UnknownOutcomeError
		if _, err := e.svc.Restore(ctx, id); !errors.As(err, &unknown) || !strings.Contains(unknown.Unchecked, "the state object could not be read (s3:GetObject on bucket tfstate: access denied)") {
			t.Fatalf("state unreadable: %v", err)
		}
		// The lock cannot be read to check: nothing is put back, even
		// confirmed.
		e.svc.ConfirmUnknown = true
		e.svc.Writer.Client = &faultyWrites{WriteAPI: e.sb.Dynamo, beforeGet: func() error { return errors.New("read tcp: connection reset by peer") }}
		if _, err := e.svc.Restore(ctx, id); err == nil || !strings.Contains(err.Error(), "to check whether it removed the lock failed") {
			t.Fatalf("lock unreadable: %v", err)
		}
		e.svc.Writer.Client = e.sb.Dynamo
		if _, found := e.getItem(t, li.Path); found {
			t.Fatal("a restore that could not check put the lock back")
		}
	})

	t.Run("still held now: left alone", func(t *testing.T) {
		e := newS3Env(t)
		li, id := unknownRelease(t, e, "held/terraform.tfstate")
		var held *guard.HeldError
		if _, err := e.svc.Restore(ctx, id); !errors.As(err, &held) || !held.Same {
			t.Fatalf("restore: %v", err)
		}
		if _, found := e.getItem(t, li.Path); !found {
			t.Fatal("the held lock is gone")
		}
	})
}

// getItem reads the lock-table item of lockID.
func (e s3env) getItem(t *testing.T, lockID string) (model.Entry, bool) {
	t.Helper()
	return itemOf(t, e.svc, lockID)
}
