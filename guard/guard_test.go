package guard_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/lockwarden/lockwarden/audit"
	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/guard"
	"github.com/lockwarden/lockwarden/internal/testenv"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sandbox"
)

var (
	raceRounds = flag.Int("race-rounds", 60, "interleavings in TestRandomizedRaces (CI's race target runs 1000)")
	raceSeed   = flag.Uint64("race-seed", 0, "replay TestRandomizedRaces with this seed (it prints the seed of every run)")
)

// tables counts the tables made on one emulator, to name them apart.
var tables int

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// testAccount is the AWS account the tests' services write in: their
// endpoints are not loopback URLs, so a restore compares accounts.
const testAccount = "123456789012"

type env struct {
	c     *dynamodb.Client
	table string
	svc   *guard.Service
}

func newEnv(t *testing.T, endpoint string) env {
	t.Helper()
	c := testenv.DynamoClient(endpoint)
	tables++
	table := fmt.Sprintf("locks-%d", tables)
	testenv.CreateLockTable(t, c, table)
	return env{c: c, table: table, svc: &guard.Service{
		Writer:  &lwaws.LockWriter{Client: c, Table: table, Region: "us-east-1"},
		Audit:   &audit.Log{Path: filepath.Join(t.TempDir(), "state", "audit.jsonl")},
		Account: testAccount, Actor: "tester@host", Now: func() time.Time { return now },
	}}
}

func (e env) lock(t *testing.T, path, who string, age time.Duration) model.LockInfo {
	t.Helper()
	li := sandbox.NewInfo(path, "OperationTypeApply", who, "1.5.7", now.Add(-age))
	if err := sandbox.Lock(context.Background(), e.c, e.table, li); err != nil {
		t.Fatal(err)
	}
	return li
}

func (e env) get(t *testing.T, lockID string) (model.Entry, bool) {
	t.Helper()
	return itemOf(t, e.svc, lockID)
}

// itemOf reads lockID's lock-table item through svc's writer.
func itemOf(t *testing.T, svc *guard.Service, lockID string) (model.Entry, bool) {
	t.Helper()
	en, found, err := svc.Writer.Get(context.Background(), lockID)
	if err != nil {
		t.Fatal(err)
	}
	return en, found
}

func staleReq(id string) model.ReleaseRequest {
	return model.ReleaseRequest{ConfirmID: id, Now: now, StaleAfter: time.Hour}
}

func forEachBackend(t *testing.T, test func(t *testing.T, endpoint string)) {
	for _, b := range testenv.Backends {
		t.Run(b.Name, func(t *testing.T) { test(t, b.Start(t)) })
	}
}

func TestReleaseDeletesTheObservedLockAndAuditsIt(t *testing.T) {
	forEachBackend(t, func(t *testing.T, endpoint string) {
		e := newEnv(t, endpoint)
		li := e.lock(t, "tfstate/app/terraform.tfstate", "alice@ci", 3*time.Hour)
		observed, _ := e.get(t, li.Path)
		res, err := e.svc.Release(context.Background(), observed, staleReq(li.ID), "held 3h00m ≥ 1h")
		if err != nil {
			t.Fatal(err)
		}
		if _, found := e.get(t, li.Path); found {
			t.Fatal("the lock is still there")
		}
		if !reflect.DeepEqual(res.Item, observed.Item) {
			t.Errorf("removed item %v, observed %v", res.Item, observed.Item)
		}
		recs, err := logOf(e.svc).Read()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 2 || recs[0].Phase != audit.PhaseIntent || recs[1].Phase != audit.PhaseOutcome ||
			recs[0].RecordID != res.RecordID || recs[1].Outcome != audit.OutcomeReleased ||
			recs[1].Item["Info"].S != observed.InfoRaw || recs[0].Actor != "tester@host" || recs[0].Reason != "held 3h00m ≥ 1h" {
			t.Errorf("audit records: %+v", recs)
		}
		st, err := os.Stat(logOf(e.svc).Path)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("audit file mode %v, %v", st.Mode().Perm(), err)
		}
	})
}

func TestReleaseNeverDeletesALockThatChanged(t *testing.T) {
	forEachBackend(t, func(t *testing.T, endpoint string) {
		ctx := context.Background()
		const path = "tfstate/app/terraform.tfstate"

		// Released and re-taken by another holder: same path, new ID.
		e := newEnv(t, endpoint)
		li := e.lock(t, path, "alice@ci", 3*time.Hour)
		observed, _ := e.get(t, path)
		if err := sandbox.Unlock(ctx, e.c, e.table, li); err != nil {
			t.Fatal(err)
		}
		bob := e.lock(t, path, "bob@ws", time.Second)
		_, err := e.svc.Release(ctx, observed, staleReq(li.ID), "")
		var changed *guard.ChangedError
		if !errors.As(err, &changed) || changed.Current == nil || changed.Current.Info.ID != bob.ID {
			t.Fatalf("re-taken lock: err %v", err)
		}
		if cur, found := e.get(t, path); !found || cur.Info.ID != bob.ID {
			t.Fatal("bob's lock was deleted")
		}
		if want := "now held by bob@ws (apply, ID " + bob.ID[:8] + ")"; !contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}

		// Same ID, different bytes.
		e = newEnv(t, endpoint)
		li = e.lock(t, path, "alice@ci", 3*time.Hour)
		observed, _ = e.get(t, path)
		li.Who = "alice@other-host"
		raw, _ := li.Marshal()
		if err := sandbox.PutRaw(ctx, e.c, e.table, map[string]types.AttributeValue{"LockID": &types.AttributeValueMemberS{Value: path}, "Info": &types.AttributeValueMemberS{Value: raw}}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Release(ctx, observed, staleReq(li.ID), ""); !errors.As(err, &changed) {
			t.Fatalf("rewritten lock: err %v", err)
		}
		if cur, _ := e.get(t, path); cur.InfoRaw != raw {
			t.Fatal("a lock whose bytes changed was deleted")
		}

		// Gone already.
		e = newEnv(t, endpoint)
		li = e.lock(t, path, "alice@ci", 3*time.Hour)
		observed, _ = e.get(t, path)
		if err := sandbox.Unlock(ctx, e.c, e.table, li); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.Release(ctx, observed, staleReq(li.ID), "")
		if !errors.As(err, &changed) || changed.Current != nil || err.Error() != "not released: "+path+" was already released" {
			t.Fatalf("gone lock: err %v", err)
		}
		recs, _ := logOf(e.svc).Read()
		if len(recs) != 2 || recs[1].Outcome != audit.OutcomeGone {
			t.Errorf("the refused release must be audited: %+v", recs)
		}
	})
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && indexOf(s, sub) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func TestGuardsRefuseBeforeAnyWrite(t *testing.T) {
	e := newEnv(t, testenv.Minidyn(t))
	ctx := context.Background()
	li := e.lock(t, "tfstate/app/terraform.tfstate", "alice@ci", 10*time.Minute)
	observed, _ := e.get(t, li.Path)
	if err := sandbox.PutRaw(ctx, e.c, e.table, map[string]types.AttributeValue{
		"LockID": &types.AttributeValueMemberS{Value: "tfstate/app/terraform.tfstate-md5"}, "Digest": &types.AttributeValueMemberS{Value: "06462db2ef044008b94260f6cb5ab7cb"}}); err != nil {
		t.Fatal(err)
	}
	digest, _ := e.get(t, "tfstate/app/terraform.tfstate-md5")

	cases := []struct {
		name  string
		entry model.Entry
		req   model.ReleaseRequest
		kind  model.RefusalKind
	}{
		{"read-only", observed, model.ReleaseRequest{ReadOnly: true, ConfirmID: li.ID, AllowFresh: true, Now: now, StaleAfter: time.Hour}, model.RefusedReadOnly},
		{"digest row", digest, model.ReleaseRequest{ConfirmID: digest.LockID, AllowFresh: true, Now: now, StaleAfter: time.Hour}, model.RefusedDigest},
		{"wrong ID", observed, model.ReleaseRequest{ConfirmID: "00000000", AllowFresh: true, Now: now, StaleAfter: time.Hour}, model.RefusedIDMismatch},
		{"fresh", observed, staleReq(li.ID), model.RefusedFresh},
	}
	for _, c := range cases {
		_, err := e.svc.Release(ctx, c.entry, c.req, "")
		var r *model.Refusal
		if !errors.As(err, &r) || r.Kind != c.kind {
			t.Errorf("%s: err %v, want refusal %d", c.name, err, c.kind)
		}
	}
	if _, found := e.get(t, li.Path); !found {
		t.Fatal("a refused release deleted the lock")
	}
	if _, found := e.get(t, digest.LockID); !found {
		t.Fatal("the digest row was deleted")
	}
	if _, err := os.Stat(logOf(e.svc).Path); !errors.Is(err, os.ErrNotExist) {
		t.Error("a refusal by a guard must not even write an intent")
	}
	// --allow-fresh lets the fresh lock go.
	req := staleReq(li.ID)
	req.AllowFresh = true
	if _, err := e.svc.Release(ctx, observed, req, "--allow-fresh"); err != nil {
		t.Fatal(err)
	}
}

func TestMalformedItemNeedsItsFullLockID(t *testing.T) {
	e := newEnv(t, testenv.Minidyn(t))
	ctx := context.Background()
	const path = "tfstate/broken/terraform.tfstate"
	if err := sandbox.PutRaw(ctx, e.c, e.table, map[string]types.AttributeValue{"LockID": &types.AttributeValueMemberS{Value: path}, "Info": &types.AttributeValueMemberS{Value: "not json"}}); err != nil {
		t.Fatal(err)
	}
	observed, _ := e.get(t, path)
	var r *model.Refusal
	if _, err := e.svc.Release(ctx, observed, model.ReleaseRequest{ConfirmID: "tfstate/broken", Now: now, StaleAfter: time.Hour}, ""); !errors.As(err, &r) || r.Kind != model.RefusedIDMismatch {
		t.Fatalf("partial LockID accepted: %v", err)
	}
	if _, err := e.svc.Release(ctx, observed, model.ReleaseRequest{ConfirmID: path, Now: now, StaleAfter: time.Hour}, "malformed"); err != nil {
		t.Fatal(err)
	}
	if _, found := e.get(t, path); found {
		t.Error("the malformed item is still there")
	}
}

func TestAuditUnwritableMeansNoDelete(t *testing.T) {
	e := newEnv(t, testenv.Minidyn(t))
	li := e.lock(t, "tfstate/app/terraform.tfstate", "alice@ci", 3*time.Hour)
	observed, _ := e.get(t, li.Path)
	blocker := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	logOf(e.svc).Path = filepath.Join(blocker, "audit.jsonl")
	_, err := e.svc.Release(context.Background(), observed, staleReq(li.ID), "")
	if err == nil || !contains(err.Error(), "nothing released: the audit record could not be written") {
		t.Fatalf("err %v", err)
	}
	if _, found := e.get(t, li.Path); !found {
		t.Fatal("the lock was deleted without an audit record")
	}
}

func TestRestoreIsByteIdenticalAndOpenTofuCanUnlockIt(t *testing.T) {
	forEachBackend(t, func(t *testing.T, endpoint string) {
		e := newEnv(t, endpoint)
		ctx := context.Background()
		li := e.lock(t, "tfstate/env:/prod/app/terraform.tfstate", "alice@ci", 3*time.Hour)
		before, _ := e.get(t, li.Path)
		res, err := e.svc.Release(ctx, before, staleReq(li.ID), "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Restore(ctx, res.RecordID); err != nil {
			t.Fatal(err)
		}
		after, found := e.get(t, li.Path)
		if !found || !reflect.DeepEqual(after.Item, before.Item) || after.InfoRaw != before.InfoRaw {
			t.Fatalf("restored item differs:\n%v\n%v", after.Item, before.Item)
		}
		// OpenTofu >= 1.10 unlocks with a condition on its re-marshalled Info.
		got, err := e.c.GetItem(ctx, &dynamodb.GetItemInput{TableName: sdkaws.String(e.table), ConsistentRead: sdkaws.Bool(true),
			Key: map[string]types.AttributeValue{"LockID": &types.AttributeValueMemberS{Value: li.Path}}})
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := model.ParseLockInfo(got.Item["Info"].(*types.AttributeValueMemberS).Value)
		if err != nil {
			t.Fatal(err)
		}
		if err := sandbox.Unlock(ctx, e.c, e.table, parsed); err != nil {
			t.Fatalf("OpenTofu-style conditional unlock of the restored lock failed: %v", err)
		}

		// A second restore finds nothing to conflict with and works; a
		// restore over a live lock is refused and says who holds it.
		carol := e.lock(t, li.Path, "carol@ws", time.Second)
		_, err = e.svc.Restore(ctx, res.RecordID)
		var held *guard.HeldError
		if !errors.As(err, &held) || held.Current.Info.ID != carol.ID || !contains(err.Error(), "held by carol@ws") {
			t.Fatalf("restore over a live lock: %v", err)
		}
		if cur, _ := e.get(t, li.Path); cur.Info.ID != carol.ID {
			t.Fatal("restore replaced a live lock")
		}
	})
}

// TestRandomizedRaces lets another client act on the lock at the same time
// as the release, in random order, and checks the one thing that matters:
// whatever was deleted is byte for byte the lock that was observed.
func TestRandomizedRaces(t *testing.T) {
	endpoint := testenv.Dynalite(t)
	e := newEnv(t, endpoint)
	ctx := context.Background()
	seed := *raceSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	fmt.Printf("randomized races: seed %d (replay with -race-seed %d)\n", seed, seed)
	t.Logf("seed %d: replay with go test -run TestRandomizedRaces ./guard -race-seed %d", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	var wrong, released, refused, retried int
	for round, try := 0, 0; round < *raceRounds; round++ {
		path := fmt.Sprintf("tfstate/race/%04d-%d/terraform.tfstate", round, try)
		li := e.lock(t, path, "alice@ci", 3*time.Hour)
		observed, _ := e.get(t, path)
		// Draw everything random here: the goroutines must not share rng.
		action := rng.IntN(4)
		releaseDelay := time.Duration(rng.IntN(3000)) * time.Microsecond
		otherDelay := time.Duration(rng.IntN(3000)) * time.Microsecond
		var wg sync.WaitGroup
		wg.Add(2)
		var res guard.Result
		var relErr error
		go func() {
			defer wg.Done()
			time.Sleep(releaseDelay)
			res, relErr = e.svc.Release(ctx, observed, staleReq(li.ID), "race")
		}()
		go func() {
			defer wg.Done()
			time.Sleep(otherDelay)
			switch action {
			case 1: // the holder finishes and someone else locks
				if sandbox.Unlock(ctx, e.c, e.table, li) == nil {
					_ = sandbox.Lock(ctx, e.c, e.table, sandbox.NewInfo(path, "OperationTypePlan", "bob@ws", "1.12.6", now))
				}
			case 2: // the same ID rewritten with other bytes
				other := li
				other.Who = "alice@elsewhere"
				raw, _ := other.Marshal()
				_, _ = e.c.PutItem(ctx, &dynamodb.PutItemInput{TableName: sdkaws.String(e.table),
					Item:                map[string]types.AttributeValue{"LockID": &types.AttributeValueMemberS{Value: path}, "Info": &types.AttributeValueMemberS{Value: raw}},
					ConditionExpression: sdkaws.String("attribute_exists(LockID)")})
			case 3: // the holder releases normally
				_ = sandbox.Unlock(ctx, e.c, e.table, li)
			}
		}()
		wg.Wait()
		if relErr == nil {
			released++
			if !reflect.DeepEqual(res.Item, observed.Item) {
				wrong++
				t.Errorf("round %d (action %d): deleted %v, observed %v", round, action, res.Item, observed.Item)
			}
		} else {
			var changed *guard.ChangedError
			switch {
			case errors.As(relErr, &changed):
				refused++
			case isTimeout(relErr) && try < 3:
				// The emulator was too slow under -race: nothing is
				// learnt about the guard, so the round runs again.
				retried++
				try++
				round--
				continue
			default:
				t.Fatalf("round %d (seed %d): unexpected error %v", round, seed, relErr)
			}
		}
		try = 0
	}
	fmt.Printf("randomized races: %d interleavings, %d released, %d refused as changed, %d retried after an emulator timeout, %d wrong deletions (seed %d)\n",
		*raceRounds, released, refused, retried, wrong, seed)
}

// isTimeout reports whether err is the emulator not answering in time.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) || strings.Contains(err.Error(), "timed out")
}

// logOf is the local audit file a test's service records to.
func logOf(svc *guard.Service) *audit.Log { return svc.Audit.(*audit.Log) }
