package sandbox

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"io"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/model"
)

func scan(t *testing.T, sb *Sandbox) model.Snapshot {
	t.Helper()
	snap, err := (&lwaws.LockTable{Client: sb.Dynamo, Table: Table}).Scan(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func TestSeedHoldsWhatTheDemoPromises(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	sb, err := Start(context.Background(), Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	snap := scan(t, sb)

	var stale, ahead, workspaces, malformed int
	ops := map[string]bool{}
	digests := map[string]string{}
	for _, e := range snap.Entries {
		switch e.Kind {
		case model.KindLock:
			raw, _ := e.Info.Marshal()
			if raw != e.InfoRaw {
				t.Errorf("%s: seeded Info is not what a client writes", e.LockID)
			}
			if e.StaleAt(now, time.Hour) {
				stale++
			}
			if e.AgeAt(now).ClockAhead {
				ahead++
			}
			if e.Workspace != model.DefaultWorkspace {
				workspaces++
			}
			ops[e.Info.Operation] = true
		case model.KindDigest:
			digests[e.Key] = e.Digest
		case model.KindMalformed:
			malformed++
		}
	}
	if stale < 2 || ahead != 1 || workspaces < 3 || malformed != 2 {
		t.Errorf("stale %d, clock-ahead %d, workspace locks %d, malformed %d", stale, ahead, workspaces, malformed)
	}
	for _, op := range []string{"OperationTypeApply", "OperationTypePlan", "state-rm", "OperationTypeInvalid"} {
		if !ops[op] {
			t.Errorf("no %s lock seeded", op)
		}
	}
	// Digests match their state objects, except the one seeded to mismatch
	// and the one whose object is gone.
	for _, st := range statesWithDigests {
		key := st.key
		obj, err := sb.S3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: sdkaws.String(Bucket), Key: sdkaws.String(key)})
		if err != nil {
			t.Fatalf("state %s: %v", key, err)
		}
		body, _ := io.ReadAll(obj.Body)
		sum := md5.Sum(body)
		if digests[key] != hex.EncodeToString(sum[:]) {
			t.Errorf("digest of %s does not match its state object", key)
		}
	}
	if digests["env:/staging/api/terraform.tfstate"] == "" || digests["retired/terraform.tfstate"] == "" {
		t.Error("the mismatched and orphaned digests are missing")
	}
	lockFile, err := sb.S3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: sdkaws.String(Bucket), Key: sdkaws.String("env:/staging/dns/terraform.tfstate.tflock")})
	if err != nil {
		t.Fatalf("lock file: %v", err)
	}
	body, _ := io.ReadAll(lockFile.Body)
	if li, err := model.ParseLockInfo(string(body)); err != nil || li.Path != "tfstate/env:/staging/dns/terraform.tfstate" {
		t.Errorf("lock file body %q: %v", body, err)
	}
}

func TestEmptySandbox(t *testing.T) {
	sb, err := Start(context.Background(), Options{Empty: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	if snap := scan(t, sb); len(snap.Entries) != 0 || snap.Digests != 0 {
		t.Errorf("--empty sandbox holds %d entries", len(snap.Entries))
	}
}

func TestTeamTakesAndReleasesLocks(t *testing.T) {
	sb, err := Start(context.Background(), Options{Empty: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go sb.RunTeam(ctx, 50*time.Millisecond, 100*time.Millisecond, t.Logf)

	var seen string
	deadline := time.Now().Add(30 * time.Second)
	for seen == "" && time.Now().Before(deadline) {
		for _, e := range scan(t, sb).Entries {
			if e.Kind == model.KindLock {
				seen = e.LockID
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if seen == "" {
		t.Fatal("the team took no lock in 30s")
	}
	// Each hold lasts 100–300 ms; the lock must go away again.
	for time.Now().Before(deadline.Add(30 * time.Second)) {
		gone := true
		for _, e := range scan(t, sb).Entries {
			if e.LockID == seen {
				gone = false
			}
		}
		if gone {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the team never released %s", seen)
}

func TestAddressInUseIsExplained(t *testing.T) {
	sb, err := Start(context.Background(), Options{Empty: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	addr := strings.TrimPrefix(sb.DynamoURL, "http://")
	_, err = Start(context.Background(), Options{DynamoAddr: addr, Empty: true})
	if err == nil || !strings.Contains(err.Error(), addr+" is already in use") {
		t.Errorf("error %v", err)
	}
}

// State objects carry last-write times that tell a story: the days-old
// lock's state was last written before it, the live plan's just now.
func TestSeededStatesHaveRealisticWriteTimes(t *testing.T) {
	now := time.Now()
	sb, err := Start(context.Background(), Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	for key, want := range map[string]time.Duration{"env:/prod/network/terraform.tfstate": 80 * time.Hour, "env:/staging/dns/terraform.tfstate": 20 * time.Second} {
		obj, err := sb.S3.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: sdkaws.String(Bucket), Key: sdkaws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		if age := now.Sub(sdkaws.ToTime(obj.LastModified)); age < want-time.Minute || age > want+time.Minute {
			t.Errorf("%s written %v ago, want about %v", key, age, want)
		}
	}
}
