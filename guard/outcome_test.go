package guard_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lockwarden/lockwarden/audit"
	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/guard"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sandbox"
)

// hookedUpdates runs a hook before each UpdateItem (a digest repair).
type hookedUpdates struct {
	*dynamodb.Client
	before func() error
}

func (h *hookedUpdates) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if err := h.before(); err != nil {
		return nil, err
	}
	return h.Client.UpdateItem(ctx, in, opts...)
}

// breakAuditDuring turns the audit file into a directory while hook runs:
// the intent is written before, the outcome cannot be. The returned func
// puts the file back.
func breakAuditDuring(t *testing.T, log *audit.Log) (hook func() error, mend func()) {
	aside := log.Path + ".aside"
	hook = func() error {
		if err := os.Rename(log.Path, aside); err != nil {
			return err
		}
		return os.Mkdir(log.Path, 0o700)
	}
	mend = func() {
		t.Helper()
		if err := os.Remove(log.Path); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(aside, log.Path); err != nil {
			t.Fatal(err)
		}
	}
	return hook, mend
}

// A digest repair whose outcome could not be written is reported as done,
// and its undo — offered to the operator — works from the intent record.
func TestUnrecordedDigestRepairIsRestorable(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	path := e.mismatchedDigest(t)
	if err := e.svc.Audit.Append(audit.Record{RecordID: audit.NewRecordID(now), Phase: audit.PhaseIntent, Action: audit.ActionForceUnlock,
		Table: sandbox.Table, Region: sandbox.Region, LockID: "x/y"}); err != nil { // the file exists before the hook moves it
		t.Fatal(err)
	}
	hook, mend := breakAuditDuring(t, logOf(e.svc))
	e.svc.Writer.Client = &hookedUpdates{Client: e.sb.Dynamo, before: hook}
	res, err := e.svc.RepairDigest(ctx, lwaws.CheckDigest(ctx, e.svc.Writer, e.sb.S3, path), "")
	var unrecorded *guard.UnrecordedError
	if !errors.As(err, &unrecorded) || res.RecordID == "" {
		t.Fatalf("repair: %v", err)
	}
	mend()
	e.svc.Writer.Client = e.sb.Dynamo
	if after := lwaws.CheckDigest(ctx, e.svc.Writer, e.sb.S3, path); after.Status != model.DigestOK {
		t.Fatalf("the repair did not happen: %s", after.Status)
	}
	if _, err := e.svc.Restore(ctx, res.RecordID); err != nil {
		t.Fatalf("restore from the intent: %v", err)
	}
	if back := lwaws.CheckDigest(ctx, e.svc.Writer, e.sb.S3, path); back.Stored != staleDigest {
		t.Errorf("digest after restore %q, want %q", back.Stored, staleDigest)
	}
}

// The file went, and whether the item went too is unknown (no answer, the
// read-back failed): the outcome says unknown, not "partial: item not",
// and restore puts back whatever is absent — here both.
func TestUnknownItemDeleteAfterTheFileIsRestoredWhole(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	li := e.lockBoth(t, "app/terraform.tfstate", "alice@ci", 2*time.Hour)
	observed := e.entry(t, li.Path)
	e.svc.Writer.Client = &faultyWrites{WriteAPI: e.sb.Dynamo,
		beforeDelete: func() error {
			_ = sandbox.Unlock(ctx, e.sb.Dynamo, sandbox.Table, li) // it went through
			return errors.New("read tcp: connection reset by peer")
		},
		beforeGet: func() error { return errors.New("read tcp: connection reset by peer") }}
	res, err := e.svc.Release(ctx, observed, staleReq(li.ID), "")
	if !errors.Is(err, lwaws.ErrOutcomeUnknown) {
		t.Fatalf("release: %v", err)
	}
	_, out, _ := e.svc.Audit.Find(res.RecordID)
	if out == nil || out.Outcome != audit.OutcomeUnknown || out.File == nil {
		t.Fatalf("outcome %+v", out)
	}
	e.svc.Writer.Client = e.sb.Dynamo
	// Nothing tells whether it went: the operator is asked first.
	var unknown *guard.UnknownOutcomeError
	if _, err := e.svc.Restore(ctx, res.RecordID); !errors.As(err, &unknown) {
		t.Fatalf("restore without confirmation: %v", err)
	}
	e.svc.ConfirmUnknown = true
	if _, err := e.svc.Restore(ctx, res.RecordID); err != nil {
		t.Fatal(err)
	}
	if after := e.entry(t, li.Path); after.Source != model.SourceBoth || after.InfoRaw != observed.InfoRaw {
		t.Errorf("after restore %+v", after)
	}
}

// A lock that changed and could not be read again is not "already
// released": that would be a guess.
func TestChangedAndUnreadableIsNotCalledReleased(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	li := e.lock(t, "app/terraform.tfstate", "alice@ci", 2*time.Hour)
	observed := e.entry(t, li.Path)
	if err := sandbox.Unlock(ctx, e.sb.Dynamo, sandbox.Table, li); err != nil {
		t.Fatal(err)
	}
	e.svc.Writer.Client = &faultyWrites{WriteAPI: e.sb.Dynamo, beforeGet: func() error { return errors.New("connection refused") }}
	res, err := e.svc.Release(ctx, observed, staleReq(li.ID), "")
	var changed *guard.ChangedError
	if !errors.As(err, &changed) || changed.Gone() || strings.Contains(err.Error(), "already released") || !strings.Contains(err.Error(), "reading it again failed") {
		t.Fatalf("err %v", err)
	}
	if _, out, _ := e.svc.Audit.Find(res.RecordID); out == nil || out.Outcome != audit.OutcomeChanged || out.Error == "" {
		t.Errorf("outcome %+v", out)
	}
}

// Guards of the write path, each refusing before any audit record.
func TestWritePathGuardsRefuseBeforeAuditing(t *testing.T) {
	ctx := context.Background()
	noAudit := func(t *testing.T, svc *guard.Service) {
		t.Helper()
		if _, err := logOf(svc).Read(); !errors.Is(err, audit.ErrNoLog) {
			t.Errorf("a refused write left an audit record: %v", err)
		}
	}
	t.Run("the service requires a reason", func(t *testing.T) {
		e := newS3Env(t)
		li := e.lock(t, "app/terraform.tfstate", "alice@ci", 2*time.Hour)
		e.svc.RequireReason = true
		_, err := e.svc.Release(ctx, e.entry(t, li.Path), staleReq(li.ID), "")
		var refusal *model.Refusal
		if !errors.As(err, &refusal) || refusal.Kind != model.RefusedNoReason {
			t.Fatalf("err %v", err)
		}
		noAudit(t, e.svc)
	})
	t.Run("a lock file with no bucket configured", func(t *testing.T) {
		e := newS3Env(t)
		li := e.lockBoth(t, "app/terraform.tfstate", "alice@ci", 2*time.Hour)
		observed := e.entry(t, li.Path)
		e.svc.Files = nil
		if _, err := e.svc.Release(ctx, observed, staleReq(li.ID), ""); err == nil || !strings.Contains(err.Error(), "no bucket is configured") {
			t.Fatalf("err %v", err)
		}
		noAudit(t, e.svc)
	})
	t.Run("restoring a lock file with no bucket, or one not watched", func(t *testing.T) {
		e := newS3Env(t)
		li := e.lockBoth(t, "app/terraform.tfstate", "alice@ci", 2*time.Hour)
		res, err := e.svc.Release(ctx, e.entry(t, li.Path), staleReq(li.ID), "")
		if err != nil {
			t.Fatal(err)
		}
		files := e.svc.Files
		e.svc.Files = nil
		if _, err := e.svc.Restore(ctx, res.RecordID); err == nil || !strings.Contains(err.Error(), "give its bucket") {
			t.Errorf("no bucket: %v", err)
		}
		e.svc.Files = &lwaws.LockFiles{Client: files.Client, Buckets: []lwaws.BucketPrefix{{Bucket: "elsewhere"}}}
		if _, err := e.svc.Restore(ctx, res.RecordID); err == nil || !strings.Contains(err.Error(), "not watched here") {
			t.Errorf("bucket not watched: %v", err)
		}
		if _, ok := e.fileExists(t, "app/terraform.tfstate.tflock"); ok {
			t.Error("a refused restore put the file back")
		}
		if c := phases(t, logOf(e.svc)); len(c) != 1 {
			t.Errorf("refused restores were audited: %v", c)
		}
	})
	t.Run("undoing a digest repair with no table", func(t *testing.T) {
		e := newS3Env(t)
		id := audit.NewRecordID(now)
		for _, r := range []audit.Record{
			{RecordID: id, Phase: audit.PhaseIntent, Action: audit.ActionDigestRepair, LockID: "tfstate/a/terraform.tfstate-md5", Digest: "06462db2ef044008b94260f6cb5ab7cb"},
			{RecordID: id, Phase: audit.PhaseOutcome, Action: audit.ActionDigestRepair, LockID: "tfstate/a/terraform.tfstate-md5", Digest: "06462db2ef044008b94260f6cb5ab7cb", Outcome: audit.OutcomeRepaired},
		} {
			if err := e.svc.Audit.Append(r); err != nil {
				t.Fatal(err)
			}
		}
		e.svc.Writer = nil
		e.svc.AllowOtherPlace = true
		if _, err := e.svc.Restore(ctx, id); err == nil || !strings.Contains(err.Error(), "digests live in a lock table") {
			t.Errorf("err %v", err)
		}
		if c := phases(t, logOf(e.svc)); len(c) != 1 {
			t.Errorf("the refusal was audited: %v", c)
		}
	})
}

// lostUpdates carries out each UpdateItem and then loses its answer; with
// failGet, reading back fails too.
type lostUpdates struct {
	*dynamodb.Client
	failGet bool
}

func (l *lostUpdates) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if _, err := l.Client.UpdateItem(ctx, in, opts...); err != nil {
		return nil, err
	}
	return nil, errors.New("read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer")
}

func (l *lostUpdates) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	if l.failGet {
		return nil, errors.New("read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer")
	}
	return l.Client.GetItem(ctx, in, opts...)
}

// A digest repair whose answer was lost is read back: done is reported as
// repaired (and restorable), unreadable as unknown — never "changed since
// you looked" because of its own write.
func TestDigestRepairWhoseAnswerIsLost(t *testing.T) {
	for _, failGet := range []bool{false, true} {
		e := newS3Env(t)
		ctx := context.Background()
		path := e.mismatchedDigest(t)
		r := lwaws.CheckDigest(ctx, e.svc.Writer, e.sb.S3, path)
		e.svc.Writer.Client = &lostUpdates{Client: e.sb.Dynamo, failGet: failGet}
		res, err := e.svc.RepairDigest(ctx, r, "")
		_, out, _ := e.svc.Audit.Find(res.RecordID)
		switch {
		case !failGet && (err != nil || out == nil || out.Outcome != audit.OutcomeRepaired || out.Item == nil):
			t.Fatalf("answer lost, read back: %v, outcome %+v", err, out)
		case failGet && (!errors.Is(err, lwaws.ErrOutcomeUnknown) || out == nil || out.Outcome != audit.OutcomeUnknown):
			t.Fatalf("answer lost, read back failed: %v, outcome %+v", err, out)
		}
		e.svc.Writer.Client = e.sb.Dynamo
		if _, err := e.svc.Restore(ctx, res.RecordID); err != nil {
			t.Fatalf("failGet=%v: restore: %v", failGet, err)
		}
		if back := lwaws.CheckDigest(ctx, e.svc.Writer, e.sb.S3, path); back.Stored != staleDigest {
			t.Errorf("failGet=%v: after restore %q", failGet, back.Stored)
		}
	}
}

// lostS3 carries out each DeleteObject and PutObject and then loses the
// answer; with failGet, reading back fails too.
type lostS3 struct {
	lwaws.S3API
	failGet bool // once a write went through
	wrote   bool
}

var errLost = errors.New("read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer")

func (l *lostS3) DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, opts ...func(*s3.Options)) (*s3.DeleteObjectOutput, error) {
	if _, err := l.S3API.DeleteObject(ctx, in, opts...); err != nil {
		return nil, err
	}
	l.wrote = true
	return nil, errLost
}

func (l *lostS3) PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	if _, err := l.S3API.PutObject(ctx, in, opts...); err != nil {
		return nil, err
	}
	l.wrote = true
	return nil, errLost
}

func (l *lostS3) GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	if l.failGet && l.wrote {
		return nil, errLost
	}
	return l.S3API.GetObject(ctx, in, opts...)
}

// A lock file whose delete (or put back) went through with its answer lost
// is read back: released and restored as they were, never "already
// released by someone else"; unknown when the read-back fails too.
func TestLockFileWritesWhoseAnswerIsLost(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	li := sandbox.NewInfo(sandbox.Bucket+"/app/terraform.tfstate", "OperationTypeApply", "alice@ci", "1.11.4", now.Add(-2*time.Hour))
	raw, _ := li.Marshal()
	e.putFile(t, "app/terraform.tfstate.tflock", raw)
	observed := e.entry(t, li.Path)
	real := e.svc.Files.Client
	e.svc.Files.Client = &lostS3{S3API: real}
	res, err := e.svc.Release(ctx, observed, staleReq(li.ID), "")
	if err != nil {
		t.Fatalf("lost delete answer: %v", err)
	}
	if _, out, _ := e.svc.Audit.Find(res.RecordID); out == nil || out.Outcome != audit.OutcomeReleased || out.File == nil || !strings.Contains(out.FileDelete, "answer was lost") {
		t.Fatalf("outcome %+v", out)
	}
	if _, err := e.svc.Restore(ctx, res.RecordID); err != nil {
		t.Fatalf("lost put answer: %v", err)
	}
	if body, ok := e.fileExists(t, "app/terraform.tfstate.tflock"); !ok || body != raw {
		t.Fatal("not put back")
	}
	// Now the read-back fails too: unknown, not failed or gone.
	e.svc.Files.Client = real
	observed = e.entry(t, li.Path)
	e.svc.Files.Client = &lostS3{S3API: real, failGet: true}
	res, err = e.svc.Release(ctx, observed, staleReq(li.ID), "")
	if !errors.Is(err, lwaws.ErrOutcomeUnknown) {
		t.Fatalf("unreadable: %v", err)
	}
	if _, out, _ := e.svc.Audit.Find(res.RecordID); out == nil || out.Outcome != audit.OutcomeUnknown {
		t.Fatalf("outcome %+v", out)
	}
}

// staleDigest is the value mismatchedDigest stores.
const staleDigest = "0123456789abcdef0123456789abcdef"

// mismatchedDigest writes a state object and a digest item that does not
// match it, and returns the state's path.
func (e s3env) mismatchedDigest(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	const key = "app/terraform.tfstate"
	path := sandbox.Bucket + "/" + key
	if err := sandbox.WriteState(ctx, e.sb, key, sandbox.State(7, "lin-1", "1.5.7")); err != nil {
		t.Fatal(err)
	}
	if err := sandbox.PutRaw(ctx, e.sb.Dynamo, sandbox.Table, map[string]types.AttributeValue{
		"LockID": &types.AttributeValueMemberS{Value: path + model.DigestSuffix}, "Digest": &types.AttributeValueMemberS{Value: staleDigest}}); err != nil {
		t.Fatal(err)
	}
	return path
}
