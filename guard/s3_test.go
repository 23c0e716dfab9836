package guard_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lockwarden/lockwarden/audit"
	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/guard"
	"github.com/lockwarden/lockwarden/internal/testenv"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sandbox"
)

// s3env is the sandbox (minidyn + gofakes3, or minidyn + MinIO) with the
// guarded path on it.
type s3env struct {
	sb    *sandbox.Sandbox
	locks *lwaws.Locks
	svc   *guard.Service
}

// newS3Env is the sandbox with its own gofakes3.
func newS3Env(t *testing.T) s3env { return newS3EnvOn(t, testenv.Gofakes3) }

// newS3EnvOn is the sandbox with its S3 side on server.
func newS3EnvOn(t *testing.T, server testenv.S3Server) s3env {
	t.Helper()
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Empty: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	sb = testenv.On(t, server, sb)
	files := &lwaws.LockFiles{Client: sb.S3, Buckets: []lwaws.BucketPrefix{{Bucket: sandbox.Bucket}}}
	writer := &lwaws.LockWriter{Client: sb.Dynamo, Table: sandbox.Table, Region: sandbox.Region}
	return s3env{sb: sb,
		locks: &lwaws.Locks{Table: &lwaws.LockTable{Client: sb.Dynamo, Table: sandbox.Table, Segments: 1}, Files: files},
		svc: &guard.Service{Writer: writer, Files: files, Audit: &audit.Log{Path: filepath.Join(t.TempDir(), "audit.jsonl")},
			Account: testAccount, Actor: "tester@host", Now: func() time.Time { return now }},
	}
}

func (e s3env) putFile(t *testing.T, key, body string) {
	t.Helper()
	if _, err := e.sb.S3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: sdkaws.String(sandbox.Bucket), Key: sdkaws.String(key), Body: strings.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
}

func (e s3env) fileExists(t *testing.T, key string) (string, bool) {
	t.Helper()
	f, err := e.svc.Files.Read(context.Background(), sandbox.Bucket, key)
	if err != nil {
		return "", false
	}
	return f.Body, true
}

func (e s3env) entry(t *testing.T, lockID string) model.Entry {
	t.Helper()
	snap, err := e.locks.Scan(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range snap.Entries {
		if en.LockID == lockID {
			return en
		}
	}
	t.Fatalf("%s not listed", lockID)
	return model.Entry{}
}

// lockBoth takes a lock the way OpenTofu does with use_lockfile and
// dynamodb_table: the S3 file first, then the item.
func (e s3env) lockBoth(t *testing.T, key, who string, age time.Duration) model.LockInfo {
	t.Helper()
	li := sandbox.NewInfo(sandbox.Bucket+"/"+key, "OperationTypeApply", who, "1.12.6", now.Add(-age))
	raw, _ := li.Marshal()
	e.putFile(t, key+".tflock", raw)
	if err := sandbox.Lock(context.Background(), e.sb.Dynamo, sandbox.Table, li); err != nil {
		t.Fatal(err)
	}
	return li
}

// onS3Servers runs a lock-file test once on each S3 implementation (the
// sandbox's gofakes3 and a real MinIO), each with a fresh environment.
func onS3Servers(t *testing.T, test func(t *testing.T, e s3env)) {
	for _, server := range testenv.S3Servers {
		t.Run(string(server), func(t *testing.T) { test(t, newS3EnvOn(t, server)) })
	}
}

func TestLockFileFixtureParsesAndItsETagIsItsMD5(t *testing.T) { onS3Servers(t, testLockFileFixture) }

func testLockFileFixture(t *testing.T, e s3env) {
	dir := filepath.Join(testenv.ModuleRoot(t), "model", "testdata", "real-clients")
	body, err := os.ReadFile(filepath.Join(dir, "tflock-object-body.json"))
	if err != nil {
		t.Fatal(err)
	}
	var listing struct{ Contents []struct{ Key, ETag string } }
	raw, _ := os.ReadFile(filepath.Join(dir, "s3-objects-while-applying.json"))
	if err := json.Unmarshal(raw, &listing); err != nil {
		t.Fatal(err)
	}
	e.putFile(t, "env:/staging/network/terraform.tfstate.tflock", string(body))
	en := e.entry(t, "tfstate/env:/staging/network/terraform.tfstate")
	sum := md5.Sum(body)
	if en.Kind != model.KindLock || en.Source != model.SourceS3 || en.Info.ID != "1ae49c0f-dba0-1c3c-81fa-2756dd3e0470" ||
		en.Workspace != "staging" || en.File.Body != string(body) {
		t.Fatalf("lock file entry %+v", en)
	}
	if want := listing.Contents[1].ETag; en.File.ETag != want || want != `"`+hex.EncodeToString(sum[:])+`"` {
		t.Errorf("ETag %s, captured %s", en.File.ETag, want)
	}
	if again, _ := en.Info.Marshal(); again != string(body) {
		t.Error("the lock file body does not round-trip")
	}
}

func TestListingMergesBothPlaces(t *testing.T) { onS3Servers(t, testListingMergesBothPlaces) }

func testListingMergesBothPlaces(t *testing.T, e s3env) {
	ctx := context.Background()
	e.lockBoth(t, "both/terraform.tfstate", "alice@ci", 2*time.Hour)
	// A lock file only, for a state that also uses the table (it has a digest).
	only := sandbox.NewInfo(sandbox.Bucket+"/fileonly/terraform.tfstate", "OperationTypePlan", "bob@ws", "1.12.6", now)
	raw, _ := only.Marshal()
	e.putFile(t, "fileonly/terraform.tfstate.tflock", raw)
	if err := sandbox.WriteState(ctx, e.sb, "fileonly/terraform.tfstate", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	// Different holders in the two places.
	e.putFile(t, "split/terraform.tfstate.tflock", `{"ID":"aaaaaaaa-0000-0000-0000-000000000000","Operation":"OperationTypeApply","Info":"","Who":"x@a","Version":"1.12.6","Created":"2026-11-26T10:00:00Z","Path":"tfstate/split/terraform.tfstate"}`)
	if err := sandbox.Lock(ctx, e.sb.Dynamo, sandbox.Table, sandbox.NewInfo(sandbox.Bucket+"/split/terraform.tfstate", "OperationTypeApply", "y@b", "1.12.6", now)); err != nil {
		t.Fatal(err)
	}
	if en := e.entry(t, "tfstate/both/terraform.tfstate"); en.Source != model.SourceBoth || en.Warning != "" {
		t.Errorf("both: %v %q", en.Source, en.Warning)
	}
	if en := e.entry(t, "tfstate/fileonly/terraform.tfstate"); en.Source != model.SourceS3 || !strings.Contains(en.Warning, "S3 lock file only") {
		t.Errorf("file only: %v %q", en.Source, en.Warning)
	}
	split := e.entry(t, "tfstate/split/terraform.tfstate")
	if !strings.Contains(split.Warning, "disagree: the lock file holds ID aaaaaaaa by x@a") {
		t.Errorf("split: %q", split.Warning)
	}
	var r *model.Refusal
	if _, err := e.svc.Release(ctx, split, model.ReleaseRequest{ConfirmID: split.Info.ID, AllowFresh: true, Now: now, StaleAfter: time.Hour}, ""); !errors.As(err, &r) || r.Kind != model.RefusedDisagree {
		t.Errorf("a lock whose places disagree must be refused: %v", err)
	}
}

func TestReleaseBothPlacesAndRestore(t *testing.T) { onS3Servers(t, testReleaseBothPlacesAndRestore) }

func testReleaseBothPlacesAndRestore(t *testing.T, e s3env) {
	ctx := context.Background()
	li := e.lockBoth(t, "app/terraform.tfstate", "alice@ci", 2*time.Hour)
	observed := e.entry(t, li.Path)
	res, err := e.svc.Release(ctx, observed, staleReq(li.ID), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := e.fileExists(t, "app/terraform.tfstate.tflock"); ok {
		t.Error("the lock file is still there")
	}
	if _, found, _ := e.svc.Writer.Get(ctx, li.Path); found {
		t.Error("the item is still there")
	}
	_, out, _ := e.svc.Audit.Find(res.RecordID)
	if out.File == nil || out.File.Body != observed.File.Body || !strings.Contains(out.FileDelete, "If-Match") || out.Item == nil {
		t.Errorf("outcome %+v", out)
	}
	if _, err := e.svc.Restore(ctx, res.RecordID); err != nil {
		t.Fatal(err)
	}
	after := e.entry(t, li.Path)
	if after.Source != model.SourceBoth || after.File.Body != observed.File.Body || after.InfoRaw != observed.InfoRaw {
		t.Errorf("restored %+v", after)
	}
}

func TestAChangedLockFileIsNeverDeleted(t *testing.T) {
	onS3Servers(t, testAChangedLockFileIsNeverDeleted)
}

func testAChangedLockFileIsNeverDeleted(t *testing.T, e s3env) {
	ctx := context.Background()
	li := sandbox.NewInfo(sandbox.Bucket+"/app/terraform.tfstate", "OperationTypeApply", "alice@ci", "1.12.6", now.Add(-2*time.Hour))
	raw, _ := li.Marshal()
	e.putFile(t, "app/terraform.tfstate.tflock", raw)
	observed := e.entry(t, li.Path)
	// Released and re-taken by bob before the release goes through.
	bob := sandbox.NewInfo(li.Path, "OperationTypePlan", "bob@ws", "1.12.6", now)
	bobRaw, _ := bob.Marshal()
	e.putFile(t, "app/terraform.tfstate.tflock", bobRaw)
	_, err := e.svc.Release(ctx, observed, staleReq(li.ID), "")
	var changed *guard.ChangedError
	if !errors.As(err, &changed) || changed.Current == nil || changed.Current.Info.ID != bob.ID {
		t.Fatalf("err %v", err)
	}
	if body, ok := e.fileExists(t, "app/terraform.tfstate.tflock"); !ok || body != bobRaw {
		t.Fatal("bob's lock file was deleted")
	}
}

func TestBothPlacesWithTheItemChangedIsReportedAsPartial(t *testing.T) {
	onS3Servers(t, testBothPlacesWithTheItemChangedIsReportedAsPartial)
}

func testBothPlacesWithTheItemChangedIsReportedAsPartial(t *testing.T, e s3env) {
	ctx := context.Background()
	li := e.lockBoth(t, "app/terraform.tfstate", "alice@ci", 2*time.Hour)
	observed := e.entry(t, li.Path)
	// The item is rewritten (same ID, other bytes) after it was observed.
	other := li
	other.Who = "alice@other"
	if err := sandbox.Unlock(ctx, e.sb.Dynamo, sandbox.Table, li); err != nil {
		t.Fatal(err)
	}
	if err := sandbox.Lock(ctx, e.sb.Dynamo, sandbox.Table, other); err != nil {
		t.Fatal(err)
	}
	res, err := e.svc.Release(ctx, observed, staleReq(li.ID), "")
	var partial *guard.PartialError
	if !errors.As(err, &partial) || !strings.Contains(err.Error(), "the S3 lock file is gone, but the lock-table item was not removed") {
		t.Fatalf("err %v", err)
	}
	if cur, found, _ := e.svc.Writer.Get(ctx, li.Path); !found || cur.Info.Who != "alice@other" {
		t.Fatal("the changed item was deleted")
	}
	_, out, _ := e.svc.Audit.Find(res.RecordID)
	if out == nil || out.Outcome != audit.OutcomePartial || out.File == nil {
		t.Fatalf("partial outcome not audited: %+v", out)
	}
	// Restore puts the lock file back; the item was never removed.
	if _, err := e.svc.Restore(ctx, res.RecordID); err != nil {
		t.Fatal(err)
	}
	if body, ok := e.fileExists(t, "app/terraform.tfstate.tflock"); !ok || body != observed.File.Body {
		t.Error("the lock file was not restored")
	}
}

// filesOnly is the environment with no lock table, as a team that locks
// with use_lockfile alone runs lockwarden: nothing reaches DynamoDB.
func (e s3env) filesOnly() s3env {
	e.locks = &lwaws.Locks{Files: e.svc.Files}
	e.svc = &guard.Service{Files: e.svc.Files, Audit: e.svc.Audit, Actor: e.svc.Actor, Account: e.svc.Account, Now: e.svc.Now}
	return e
}

func TestLockFileOnlyReleaseAndRestore(t *testing.T) {
	onS3Servers(t, func(t *testing.T, e s3env) { testLockFileOnlyReleaseAndRestore(t, e.filesOnly()) })
}

// With no table a lock file is released with the guarded delete and put
// back by restore with If-None-Match: *, which refuses to replace a lock
// taken in between.
func testLockFileOnlyReleaseAndRestore(t *testing.T, e s3env) {
	ctx := context.Background()
	li := sandbox.NewInfo(sandbox.Bucket+"/app/terraform.tfstate", "OperationTypeApply", "alice@ci", "1.11.4", now.Add(-2*time.Hour))
	if err := sandbox.LockFile(ctx, e.sb.S3, li); err != nil {
		t.Fatal(err)
	}
	// The client's own conditional put: a second lock is refused.
	if err := sandbox.LockFile(ctx, e.sb.S3, sandbox.NewInfo(li.Path, "OperationTypePlan", "bob@ws", "1.11.4", now)); err == nil {
		t.Fatal("the server let a second client take a held lock (If-None-Match: * ignored)")
	}
	observed := e.entry(t, li.Path)
	if observed.Source != model.SourceS3 || observed.Info.ID != li.ID || observed.Info.Who != "alice@ci" {
		t.Fatalf("observed %+v", observed)
	}
	res, err := e.svc.Release(ctx, observed, staleReq(li.ID), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := e.fileExists(t, "app/terraform.tfstate.tflock"); ok {
		t.Fatal("the lock file is still there")
	}
	_, out, _ := e.svc.Audit.Find(res.RecordID)
	if out == nil || out.Outcome != audit.OutcomeReleased || out.Table != "" || out.File == nil || !strings.Contains(out.FileDelete, "re-read unchanged") {
		t.Fatalf("outcome %+v", out)
	}
	if _, err := e.svc.Restore(ctx, res.RecordID); err != nil {
		t.Fatal(err)
	}
	if body, ok := e.fileExists(t, "app/terraform.tfstate.tflock"); !ok || body != observed.File.Body {
		t.Fatalf("restored %q, want %q", body, observed.File.Body)
	}

	// Released again, then taken by bob: the restore must not replace his lock.
	res, err = e.svc.Release(ctx, e.entry(t, li.Path), staleReq(li.ID), "")
	if err != nil {
		t.Fatal(err)
	}
	bob := sandbox.NewInfo(li.Path, "OperationTypePlan", "bob@ws", "1.11.4", now)
	if err := sandbox.LockFile(ctx, e.sb.S3, bob); err != nil {
		t.Fatal(err)
	}
	var held *guard.HeldError
	if _, err := e.svc.Restore(ctx, res.RecordID); !errors.As(err, &held) {
		t.Fatalf("restore over bob's lock: %v", err)
	}
	bobRaw, _ := bob.Marshal()
	if body, ok := e.fileExists(t, "app/terraform.tfstate.tflock"); !ok || body != bobRaw {
		t.Fatalf("bob's lock file was replaced: %q", body)
	}
}

func TestAChangedLockFileIsNeverDeletedWithoutATable(t *testing.T) {
	onS3Servers(t, func(t *testing.T, e s3env) { testChangedLockFileKept(t, e.filesOnly()) })
}

// The stores accept If-Match on DeleteObject and ignore it, so the re-read
// is what keeps a changed lock file: every way the file can change between
// observe and release is refused, and the file stays as it now is.
func testChangedLockFileKept(t *testing.T, e s3env) {
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		change func(li model.LockInfo) model.LockInfo // returns what is there after
	}{
		{"re-taken by another holder", func(li model.LockInfo) model.LockInfo {
			return sandbox.NewInfo(li.Path, "OperationTypePlan", "bob@ws", "1.11.4", now)
		}},
		{"same lock ID, other bytes", func(li model.LockInfo) model.LockInfo {
			li.Info = "rewritten by its holder"
			return li
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			key := strings.ReplaceAll(c.name, " ", "-") + "/terraform.tfstate"
			li := sandbox.NewInfo(sandbox.Bucket+"/"+key, "OperationTypeApply", "alice@ci", "1.11.4", now.Add(-2*time.Hour))
			if err := sandbox.LockFile(ctx, e.sb.S3, li); err != nil {
				t.Fatal(err)
			}
			observed := e.entry(t, li.Path)
			after := c.change(li)
			afterRaw, _ := after.Marshal()
			e.putFile(t, key+".tflock", afterRaw)
			if cur := e.entry(t, li.Path); cur.File.ETag == observed.File.ETag {
				t.Fatalf("the rewrite kept the ETag %s", cur.File.ETag)
			}
			res, err := e.svc.Release(ctx, observed, staleReq(li.ID), "")
			var changed *guard.ChangedError
			if !errors.As(err, &changed) {
				t.Fatalf("a changed lock file was not refused: %v", err)
			}
			if body, ok := e.fileExists(t, key+".tflock"); !ok || body != afterRaw {
				t.Fatalf("the changed lock file was deleted or altered: %q", body)
			}
			if _, out, _ := e.svc.Audit.Find(res.RecordID); out == nil || out.Outcome != audit.OutcomeChanged || out.FileDelete != "" {
				t.Errorf("outcome %+v", out)
			}
		})
	}
	// Released by its holder after it was observed: gone, nothing deleted.
	li := sandbox.NewInfo(sandbox.Bucket+"/gone/terraform.tfstate", "OperationTypeApply", "alice@ci", "1.11.4", now.Add(-2*time.Hour))
	if err := sandbox.LockFile(ctx, e.sb.S3, li); err != nil {
		t.Fatal(err)
	}
	observed := e.entry(t, li.Path)
	if err := sandbox.UnlockFile(ctx, e.sb.S3, li); err != nil {
		t.Fatal(err)
	}
	var changed *guard.ChangedError
	if _, err := e.svc.Release(ctx, observed, staleReq(li.ID), ""); !errors.As(err, &changed) || changed.Current != nil {
		t.Fatalf("a lock file released meanwhile: %v", err)
	}
}
