package guard_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/lockwarden/lockwarden/audit"
	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/guard"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sandbox"
)

// faultyWrites passes calls on to a real table, running a hook before a
// DeleteItem or PutItem; a hook's error fails that call unsent.
type faultyWrites struct {
	lwaws.WriteAPI
	beforeDelete, beforePut, beforeGet func() error
}

func (f *faultyWrites) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	if f.beforeGet != nil {
		if err := f.beforeGet(); err != nil {
			return nil, err
		}
	}
	return f.WriteAPI.GetItem(ctx, in, opts...)
}

func (f *faultyWrites) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	if f.beforeDelete != nil {
		if err := f.beforeDelete(); err != nil {
			return nil, err
		}
	}
	return f.WriteAPI.DeleteItem(ctx, in, opts...)
}

func (f *faultyWrites) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if f.beforePut != nil {
		if err := f.beforePut(); err != nil {
			return nil, err
		}
	}
	return f.WriteAPI.PutItem(ctx, in, opts...)
}

// phases counts each record ID's intents and outcomes in the audit file.
func phases(t *testing.T, log *audit.Log) map[string][2]int {
	t.Helper()
	recs, err := log.Read()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][2]int{}
	for _, r := range recs {
		c := out[r.RecordID]
		if r.Phase == audit.PhaseIntent {
			c[0]++
		} else {
			c[1]++
		}
		out[r.RecordID] = c
	}
	return out
}

// Every intent gets exactly one outcome, whatever happened to the write:
// released, refused as changed or gone, failed, partial.
func TestEveryIntentGetsExactlyOneOutcome(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	faulty := &faultyWrites{WriteAPI: e.svc.Writer.Client}
	e.svc.Writer.Client = faulty
	want := map[string]string{}

	// Released.
	li := e.lockBoth(t, "a/terraform.tfstate", "alice@ci", 2*time.Hour)
	res, err := e.svc.Release(ctx, e.entry(t, li.Path), staleReq(li.ID), "")
	want[res.RecordID] = audit.OutcomeReleased
	if err != nil {
		t.Fatal(err)
	}
	// Gone: released by someone else after it was observed.
	li = e.lock(t, "b/terraform.tfstate", "bob@ci", 2*time.Hour)
	observed := e.entry(t, li.Path)
	if err := sandbox.Unlock(ctx, e.sb.Dynamo, sandbox.Table, li); err != nil {
		t.Fatal(err)
	}
	res, err = e.svc.Release(ctx, observed, staleReq(li.ID), "")
	var changed *guard.ChangedError
	if !errors.As(err, &changed) {
		t.Fatalf("gone: %v", err)
	}
	want[res.RecordID] = audit.OutcomeGone
	// Failed: the DeleteItem call fails.
	li = e.lock(t, "c/terraform.tfstate", "carol@ci", 2*time.Hour)
	faulty.beforeDelete = func() error { return errors.New("connection reset by peer") }
	res, err = e.svc.Release(ctx, e.entry(t, li.Path), staleReq(li.ID), "")
	faulty.beforeDelete = nil
	if err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("failed delete: %v", err)
	}
	want[res.RecordID] = audit.OutcomeFailed
	// Partial: the file goes, the item delete fails.
	li = e.lockBoth(t, "d/terraform.tfstate", "dave@ci", 2*time.Hour)
	faulty.beforeDelete = func() error { return errors.New("throttled") }
	res, err = e.svc.Release(ctx, e.entry(t, li.Path), staleReq(li.ID), "")
	faulty.beforeDelete = nil
	var partial *guard.PartialError
	if !errors.As(err, &partial) {
		t.Fatalf("partial: %v", err)
	}
	want[res.RecordID] = audit.OutcomePartial

	// Unknown: the delete's answer is lost (it went through) and the
	// read-back fails too. Not "failed": it may have happened.
	li = e.lock(t, "u/terraform.tfstate", "uma@ci", 2*time.Hour)
	observedU := e.entry(t, li.Path)
	faulty.beforeDelete = func() error {
		_ = sandbox.Unlock(ctx, e.sb.Dynamo, sandbox.Table, li)
		return errors.New("read tcp: connection reset by peer")
	}
	faulty.beforeGet = func() error { return errors.New("read tcp: connection reset by peer") }
	res, err = e.svc.Release(ctx, observedU, staleReq(li.ID), "")
	faulty.beforeDelete, faulty.beforeGet = nil, nil
	if !errors.Is(err, lwaws.ErrOutcomeUnknown) || !strings.Contains(err.Error(), "is unknown") {
		t.Fatalf("unknown outcome: %v", err)
	}
	want[res.RecordID] = audit.OutcomeUnknown
	// Restore of an unknown outcome works from the intent, once the
	// operator confirms: the lock is gone, and nothing says it was held
	// after, so it is put back.
	var unknown *guard.UnknownOutcomeError
	if _, err := e.svc.Restore(ctx, res.RecordID); !errors.As(err, &unknown) {
		t.Fatalf("restore of an unknown outcome, unconfirmed: %v", err)
	}
	e.svc.ConfirmUnknown = true
	if _, err := e.svc.Restore(ctx, res.RecordID); err != nil {
		t.Fatalf("restore of an unknown outcome: %v", err)
	}
	e.svc.ConfirmUnknown = false
	if cur, found, _ := e.svc.Writer.Get(ctx, li.Path); !found || cur.InfoRaw != observedU.InfoRaw {
		t.Errorf("not put back: %+v", cur)
	}

	counts := phases(t, logOf(e.svc))
	recs, _ := logOf(e.svc).Read()
	for id, outcome := range want {
		if counts[id] != [2]int{1, 1} {
			t.Errorf("%s (%s): %d intents, %d outcomes; want one each", id, outcome, counts[id][0], counts[id][1])
		}
		for _, r := range recs {
			if r.RecordID == id && r.Phase == audit.PhaseOutcome && r.Outcome != outcome {
				t.Errorf("%s: outcome %q, want %q", id, r.Outcome, outcome)
			}
		}
	}
	if len(counts) != len(want)+1 { // and the restore's record
		t.Errorf("%d record IDs in the audit, want %d", len(counts), len(want))
	}
}

func (e s3env) lock(t *testing.T, path, who string, age time.Duration) model.LockInfo {
	t.Helper()
	li := sandbox.NewInfo(sandbox.Bucket+"/"+path, "OperationTypeApply", who, "1.5.7", now.Add(-age))
	if err := sandbox.Lock(context.Background(), e.sb.Dynamo, sandbox.Table, li); err != nil {
		t.Fatal(err)
	}
	return li
}

// A release whose outcome cannot be appended is reported as released —
// never "not released" — and restore works from its intent record.
func TestUnrecordedReleaseIsToldAndRestorable(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	li := e.lockBoth(t, "app/terraform.tfstate", "alice@ci", 2*time.Hour)
	observed := e.entry(t, li.Path)
	logPath := logOf(e.svc).Path
	aside := logPath + ".aside"
	// Right before the item's delete, the audit file turns into a
	// directory: the intent is written, the outcome cannot be.
	e.svc.Writer.Client = &faultyWrites{WriteAPI: e.svc.Writer.Client, beforeDelete: func() error {
		if err := os.Rename(logPath, aside); err != nil {
			return err
		}
		return os.Mkdir(logPath, 0o700)
	}}
	res, err := e.svc.Release(ctx, observed, staleReq(li.ID), "")
	var unrecorded *guard.UnrecordedError
	if !errors.As(err, &unrecorded) || !strings.HasPrefix(err.Error(), "released "+li.Path+"; the audit outcome could not be written") || res.RecordID == "" {
		t.Fatalf("err %v, result %+v", err, res)
	}
	if _, found, _ := e.svc.Writer.Get(ctx, li.Path); found {
		t.Fatal("the item is still there, yet the release was reported")
	}
	if err := os.Remove(logPath); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(aside, logPath); err != nil {
		t.Fatal(err)
	}
	if c := phases(t, logOf(e.svc))[res.RecordID]; c != [2]int{1, 0} {
		t.Fatalf("phases %v", c)
	}
	e.svc.Writer.Client = e.sb.Dynamo
	rres, err := e.svc.Restore(ctx, res.RecordID)
	if err != nil {
		t.Fatalf("restore from the intent: %v", err)
	}
	after := e.entry(t, li.Path)
	if after.Source != model.SourceBoth || after.InfoRaw != observed.InfoRaw || after.File.Body != observed.File.Body {
		t.Errorf("restored %+v", after)
	}
	in, _, _ := e.svc.Audit.Find(rres.RecordID)
	if in == nil || !strings.Contains(in.Reason, "from the intent record") {
		t.Errorf("restore intent %+v", in)
	}
}

// Restoring from an intent whose release never happened writes nothing:
// the lock is still there, exactly as it was.
func TestRestoreFromAnIntentThatNeverReleasedWritesNothing(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	li := e.lock(t, "app/terraform.tfstate", "alice@ci", 2*time.Hour)
	observed := e.entry(t, li.Path)
	id := audit.NewRecordID(now)
	if err := e.svc.Audit.Append(audit.Record{RecordID: id, Phase: audit.PhaseIntent, Action: audit.ActionForceUnlock,
		Table: sandbox.Table, Region: sandbox.Region, Account: testAccount, LockID: li.Path, Observed: observed.Item}); err != nil {
		t.Fatal(err)
	}
	var puts atomic.Int32
	e.svc.Writer.Client = &faultyWrites{WriteAPI: e.sb.Dynamo, beforePut: func() error { puts.Add(1); return nil }}
	_, err := e.svc.Restore(ctx, id)
	var held *guard.HeldError
	if !errors.As(err, &held) || !held.Same {
		t.Fatalf("err %v", err)
	}
	if puts.Load() != 0 {
		t.Errorf("%d PutItem calls", puts.Load())
	}
}

// A restore that put the lock file back but not the item says so exactly,
// and running restore again completes it without touching the file.
func TestPartialRestoreIsCompletedByRestoreAgain(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	li := e.lockBoth(t, "app/terraform.tfstate", "alice@ci", 2*time.Hour)
	observed := e.entry(t, li.Path)
	res, err := e.svc.Release(ctx, observed, staleReq(li.ID), "")
	if err != nil {
		t.Fatal(err)
	}
	e.svc.Writer.Client = &faultyWrites{WriteAPI: e.sb.Dynamo, beforePut: func() error {
		return &types.InternalServerError{Message: sdkaws.String("Internal server error")}
	}}
	first, err := e.svc.Restore(ctx, res.RecordID)
	var partial *guard.RestorePartialError
	if !errors.As(err, &partial) || !strings.Contains(err.Error(), "run lockwarden restore "+res.RecordID+" again") {
		t.Fatalf("first restore: %v", err)
	}
	if body, ok := e.fileExists(t, "app/terraform.tfstate.tflock"); !ok || body != observed.File.Body {
		t.Fatal("the lock file is not back")
	}
	_, out, _ := e.svc.Audit.Find(first.RecordID)
	if out == nil || out.Outcome != audit.OutcomeRestorePartial || out.File == nil || out.Item != nil {
		t.Fatalf("partial restore outcome %+v", out)
	}
	e.svc.Writer.Client = e.sb.Dynamo
	if _, err := e.svc.Restore(ctx, res.RecordID); err != nil {
		t.Fatalf("restore again: %v", err)
	}
	after := e.entry(t, li.Path)
	if after.Source != model.SourceBoth || after.InfoRaw != observed.InfoRaw {
		t.Errorf("after completing: %+v", after)
	}
	// A third time: everything is back, nothing to do.
	_, err = e.svc.Restore(ctx, res.RecordID)
	var held *guard.HeldError
	if !errors.As(err, &held) || !held.Same {
		t.Errorf("third restore: %v", err)
	}
}

func testenvPutDigest(t *testing.T, e s3env, path string) {
	t.Helper()
	_, err := e.sb.Dynamo.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: sdkaws.String(sandbox.Table), Item: map[string]types.AttributeValue{
		"LockID": &types.AttributeValueMemberS{Value: path + model.DigestSuffix},
		"Digest": &types.AttributeValueMemberS{Value: "0123456789abcdef0123456789abcdef"},
	}})
	if err != nil {
		t.Fatal(err)
	}
}
