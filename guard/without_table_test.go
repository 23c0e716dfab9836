package guard_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lockwarden/lockwarden/audit"
	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/guard"
	"github.com/lockwarden/lockwarden/model"
)

// With no lock table (Writer nil) a lock-table item, a digest repair and
// the restore of a table item are refused before any audit record: there
// is nothing to write them to, and no intent may stand without an outcome.
func TestNoTableRefusesTableWritesBeforeAuditing(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	svc := &guard.Service{Files: &lwaws.LockFiles{Buckets: []lwaws.BucketPrefix{{Bucket: "tfstate"}}, Region: "us-east-1"},
		Audit: &audit.Log{Path: path}, Account: testAccount, Actor: "tester@host", Now: func() time.Time { return now }}

	li := model.LockInfo{ID: "11111111-2222-3333-4444-555555555555", Operation: "OperationTypeApply", Who: "a@b", Created: now.Add(-2 * time.Hour), Path: "tfstate/app/terraform.tfstate"}
	raw, _ := li.Marshal()
	item := model.Classify(model.Item{"LockID": model.String(li.Path), "Info": model.String(raw)}, "")
	if _, err := svc.Release(ctx, item, staleReq(li.ID), "test"); err == nil || !strings.Contains(err.Error(), "no lock table is configured") {
		t.Errorf("release of a table item: %v", err)
	}
	report := model.DigestReport{Path: li.Path, Status: model.DigestMismatch, Stored: "0123", State: model.StateObject{Exists: true, MD5: "4567"}}
	if _, err := svc.RepairDigest(ctx, report, "test"); err == nil || !strings.Contains(err.Error(), "digests live in a lock table") {
		t.Errorf("digest repair: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an audit record was written for a refused write: %v", err)
	}

	// A table release recorded elsewhere is refused by the place check:
	// its table is not "".
	rec := audit.Record{RecordID: "r-20261126-120000-0000000000000001", Phase: audit.PhaseOutcome, Time: now, Action: audit.ActionForceUnlock,
		Region: "us-east-1", Table: "terraform-locks", LockID: li.Path, Item: item.Item, Outcome: audit.OutcomeReleased}
	if err := svc.Audit.Append(rec); err != nil {
		t.Fatal(err)
	}
	_, err := svc.Restore(ctx, rec.RecordID)
	var refusal *model.Refusal
	if !errors.As(err, &refusal) || !strings.Contains(err.Error(), "table terraform-locks, not (none)") {
		t.Errorf("restore of a table record: %v", err)
	}
	// On purpose elsewhere, it is still refused: there is no table.
	svc.AllowOtherPlace = true
	if _, err := svc.Restore(ctx, rec.RecordID); err == nil || !strings.Contains(err.Error(), "no lock table is configured") {
		t.Errorf("restore with --allow-other-place: %v", err)
	}
}
