package sandbox

import (
	"context"
	"strings"
	"testing"
	"time"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/model"
)

func listFiles(t *testing.T, sb *Sandbox) []model.Entry {
	t.Helper()
	snap, err := (&lwaws.Locks{Files: &lwaws.LockFiles{Client: sb.S3, Buckets: []lwaws.BucketPrefix{{Bucket: Bucket}}, WorkspaceKeyPrefix: "env:"}}).Scan(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	return snap.Entries
}

// A lock-files-only sandbox has a bucket and no table: its seed locks are
// .tflock files, its backend block says use_lockfile and names no table,
// and its lockwarden command gives no --table.
func TestLockFilesOnlySandbox(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	sb, err := Start(context.Background(), Options{Now: func() time.Time { return now }, LockFilesOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	if _, err := (&lwaws.LockTable{Client: sb.Dynamo, Table: Table}).Scan(context.Background(), false); err == nil {
		t.Error("the lock-files-only sandbox has a lock table")
	}
	entries := listFiles(t, sb)
	locks, malformed := 0, 0
	for _, e := range entries {
		if e.Source != model.SourceS3 {
			t.Errorf("%s: source %v", e.LockID, e.Source)
		}
		switch e.Kind {
		case model.KindLock:
			locks++
		case model.KindMalformed:
			malformed++
		}
	}
	if locks != len(seedLocks) || malformed != 1 {
		t.Errorf("%d lock files and %d malformed, want %d and 1", locks, malformed, len(seedLocks))
	}
	block := sb.BackendBlocks("my-service/terraform.tfstate")
	if !strings.Contains(block, "use_lockfile = true") || strings.Contains(block, "dynamodb") {
		t.Errorf("backend block:\n%s", block)
	}
	if cmd := sb.InspectCommand("list"); strings.Contains(cmd, "--table") || !strings.Contains(cmd, "--bucket tfstate --s3-endpoint-url "+sb.S3URL) {
		t.Errorf("command: %s", cmd)
	}
}

// The simulated team of a lock-files-only sandbox locks with files.
func TestLockFilesTeam(t *testing.T) {
	sb, err := Start(context.Background(), Options{Empty: true, LockFilesOnly: true})
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
		for _, e := range listFiles(t, sb) {
			if e.Kind == model.KindLock && e.File != nil {
				seen = e.LockID
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if seen == "" {
		t.Fatal("the team took no lock file in 30s")
	}
	for time.Now().Before(deadline.Add(30 * time.Second)) {
		gone := true
		for _, e := range listFiles(t, sb) {
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
