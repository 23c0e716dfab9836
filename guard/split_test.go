package guard_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lockwarden/lockwarden/audit"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sandbox"
)

// Locks whose two places disagree: released only with AllowSplit, and
// then only the named place.

// One rule for disagreeing places: a lock file alone for a state with a
// digest item is flagged by the write path's own read, and refused
// without AllowSplit before any record or write.
func TestFlaggedLocksNeedAllowSplit(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	li := sandbox.NewInfo(sandbox.Bucket+"/app/terraform.tfstate", "OperationTypeApply", "alice@ci", "1.12.6", now.Add(-2*time.Hour))
	raw, _ := li.Marshal()
	e.putFile(t, "app/terraform.tfstate.tflock", raw)
	testenvPutDigest(t, e, li.Path)

	observed, found, err := e.svc.Get(ctx, li.Path)
	if err != nil || !found || observed.Warning == "" {
		t.Fatalf("Get: %+v %v %v", observed, found, err)
	}
	_, err = e.svc.Release(ctx, observed, staleReq(li.ID), "")
	var refusal *model.Refusal
	if !errors.As(err, &refusal) || refusal.Kind != model.RefusedDisagree || !strings.Contains(err.Error(), "--allow-split") {
		t.Fatalf("without AllowSplit: %v", err)
	}
	if _, ok := e.fileExists(t, "app/terraform.tfstate.tflock"); !ok {
		t.Fatal("refused, yet the lock file is gone")
	}
	if _, err := logOf(e.svc).Read(); !errors.Is(err, audit.ErrNoLog) {
		t.Errorf("a refused release wrote an audit record: %v", err)
	}
	req := staleReq(li.ID)
	req.AllowSplit = true
	if _, err := e.svc.Release(ctx, observed, req, ""); err != nil {
		t.Fatalf("with AllowSplit: %v", err)
	}
	if _, ok := e.fileExists(t, "app/terraform.tfstate.tflock"); ok {
		t.Error("released, yet the lock file is there")
	}
}

// Two different holders: AllowSplit releases only the place whose holder
// ID was given; the other lock stays.
func TestSplitHoldersReleaseOnlyTheNamedPlace(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	item := e.lock(t, "app/terraform.tfstate", "alice@ci", 2*time.Hour)
	file := sandbox.NewInfo(item.Path, "OperationTypePlan", "bob@ws", "1.12.6", now.Add(-3*time.Hour))
	raw, _ := file.Marshal()
	e.putFile(t, "app/terraform.tfstate.tflock", raw)
	observed := e.entry(t, item.Path)
	if !observed.Split() {
		t.Fatalf("not split: %+v", observed)
	}
	req := staleReq(file.ID)
	if _, err := e.svc.Release(ctx, observed, req, ""); err == nil {
		t.Fatal("released a split lock without AllowSplit")
	}
	req.AllowSplit = true
	if _, err := e.svc.Release(ctx, observed, req, ""); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.fileExists(t, "app/terraform.tfstate.tflock"); ok {
		t.Error("bob's lock file, named by its ID, is still there")
	}
	if cur, found, _ := e.svc.Writer.Get(ctx, item.Path); !found || cur.Info.ID != item.ID {
		t.Error("alice's item went too")
	}
}
