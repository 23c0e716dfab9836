package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/lockwarden/lockwarden/model"
)

// fileEntry is a lock held in an S3 lock file only.
func fileEntry(path, id, who string, created time.Time) model.Entry {
	li := model.LockInfo{ID: id, Operation: "OperationTypeApply", Who: who, Version: "1.11.4", Created: created, Path: path}
	raw, err := li.Marshal()
	if err != nil {
		panic(err)
	}
	bucket, key := model.SplitPath(path)
	return model.ClassifyLockFile(model.LockFile{Bucket: bucket, Key: key + model.LockFileSuffix, ETag: `"e"`, Body: raw}, "")
}

func lockFilesOnly(c *Config) {
	c.Table, c.Buckets, c.LockFiles = "", []string{"tfstate"}, true
}

// With no lock table the header says the bucket is watched and counts no
// digests; d, H and R are not offered, and pressing one says why instead
// of reading anything.
func TestLockFilesOnlyHeaderAndNoDigestActions(t *testing.T) {
	entries := []model.Entry{fileEntry("tfstate/app/terraform.tfstate", "11111111-2222-3333-4444-555555555555", "alice@ci", t0.Add(-2*time.Hour))}
	m := newModel(140, 20, entries, probed(fakeProber{}), lockFilesOnly)
	lines := strings.Split(plain(m), "\n")
	if !strings.Contains(lines[0], "bucket tfstate") || strings.Contains(lines[0], "table") {
		t.Errorf("header line 1: %q", lines[0])
	}
	if !strings.Contains(lines[1], "1 lock") || strings.Contains(lines[1], "digest") {
		t.Errorf("header line 2: %q", lines[1])
	}
	if footer := lines[len(lines)-1]; strings.Contains(footer, "digests") {
		t.Errorf("footer offers digests: %q", footer)
	}
	for _, k := range []string{"d", "H", "R"} {
		next, cmd := sendCmd(m, keyMsg(k))
		if cmd != nil || next.showDigests || next.healthPending || next.dialog != nil {
			t.Errorf("%s: command %v, digests %v, health %v", k, cmd != nil, next.showDigests, next.healthPending)
		}
		if !strings.Contains(next.status, "digests live in a DynamoDB lock table") {
			t.Errorf("%s: status %q", k, next.status)
		}
	}
	// In the detail view too, R says why.
	d := press(m, "enter")
	if d.screen != screenDetail {
		t.Fatal("no detail view")
	}
	d, cmd := sendCmd(d, keyMsg("R"))
	if cmd != nil || d.dialog != nil || !strings.Contains(d.status, "digests live in a DynamoDB lock table") {
		t.Errorf("R in the detail view: %q", d.status)
	}

	// A table and a bucket: both are named, digests are back.
	both := newModel(160, 20, entries, probed(fakeProber{}), func(c *Config) { c.Buckets, c.LockFiles = []string{"tfstate"}, true })
	if head := strings.Split(plain(both), "\n")[0]; !strings.Contains(head, "table terraform-locks · bucket tfstate") {
		t.Errorf("both places: %q", head)
	}
	if next := press(both, "d"); !next.showDigests {
		t.Error("d does not show digests when there is a table")
	}
}
