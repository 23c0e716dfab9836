package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/guard"
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
	c.Table, c.Buckets = "", []string{"tfstate"}
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
		if !strings.Contains(next.status.text, "digests live in a DynamoDB lock table") {
			t.Errorf("%s: status %q", k, next.status.text)
		}
	}
	// In the detail view too, R says why.
	d := press(m, "enter")
	if d.screen != screenDetail {
		t.Fatal("no detail view")
	}
	d, cmd := sendCmd(d, keyMsg("R"))
	if cmd != nil || d.dialog != nil || !strings.Contains(d.status.text, "digests live in a DynamoDB lock table") {
		t.Errorf("R in the detail view: %q", d.status.text)
	}

	// A table and a bucket: both are named, digests are back.
	both := newModel(160, 20, entries, probed(fakeProber{}), func(c *Config) { c.Buckets = []string{"tfstate"} })
	if head := strings.Split(plain(both), "\n")[0]; !strings.Contains(head, "table terraform-locks · bucket tfstate") {
		t.Errorf("both places: %q", head)
	}
	if next := press(both, "d"); !next.showDigests {
		t.Error("d does not show digests when there is a table")
	}
}

// placesSource counts the polls that list the buckets.
type placesSource struct{ polls, listings int }

func (p *placesSource) Scan(ctx context.Context, digests bool) (model.Snapshot, error) {
	return p.ScanPlaces(ctx, digests, true)
}

func (p *placesSource) ScanPlaces(_ context.Context, _ bool, listFiles bool) (model.Snapshot, error) {
	p.polls++
	snap := model.Snapshot{ConsumedRCU: 0.5}
	if listFiles {
		p.listings++
		snap.FilesRead, snap.S3Lists, snap.S3Gets = true, 10, 0
	}
	return snap, nil
}

// The table is read every poll_interval, the buckets only every
// s3_poll_interval (S3 bills each LIST); r lists them at once. The
// header says what a listing costs.
func TestBucketsAreListedEveryS3PollInterval(t *testing.T) {
	testNow = t0
	src := &placesSource{}
	m := New(Config{Settings: config.Settings{Table: "terraform-locks", Buckets: []string{"tfstate"}, PollInterval: 5 * time.Second, S3PollInterval: time.Minute}, Now: func() time.Time { return testNow }, Location: time.UTC}, src)
	m = send(m, tea.WindowSizeMsg{Width: 200, Height: 20})
	poll := func(m Model) Model {
		m, cmd := sendCmd(m, pollDueMsg{gen: m.one().gen})
		if cmd == nil {
			t.Fatal("a due poll started no read")
		}
		return send(m, cmd())
	}
	m = send(m, m.scan(0)())
	for range 36 { // three minutes of 5s polls
		testNow = testNow.Add(5 * time.Second)
		m = poll(m)
	}
	if src.polls != 37 || src.listings != 4 {
		t.Errorf("%d polls, %d bucket listings; want 37 and 4 (at 0s, 60s, 120s, 180s)", src.polls, src.listings)
	}
	if head := strings.Split(plain(m), "\n")[1]; !strings.Contains(head, "S3 10 LIST + 0 GET per poll, every 1m: ≈ $0.072/day") {
		t.Errorf("header: %q", head)
	}
	// r re-reads everything now, the buckets too.
	m, cmd := sendCmd(m, keyMsg("r"))
	m = send(m, cmd())
	if src.listings != 5 {
		t.Errorf("r: %d listings, want 5", src.listings)
	}
	if help := plain(press(send(m, tea.WindowSizeMsg{Width: 200, Height: 80}), "?")); !strings.Contains(help, "The table is re-read every 5s, the buckets every 1m (s3_poll_interval)") {
		t.Errorf("help does not say the two intervals:\n%s", help)
	}
	// With lock files alone, the poll itself waits s3_poll_interval.
	m.cfg.Table = ""
	if m.cfg.pollEvery() != time.Minute {
		t.Errorf("lock files alone poll every %s", m.cfg.pollEvery())
	}
}

// After a write the buckets are read again at once: a reused listing would
// show the lock file just released as still held.
func TestAWriteReadsTheBucketsAgain(t *testing.T) {
	testNow = t0
	src := &placesSource{}
	rel := &fakeReleaser{}
	m := New(Config{Settings: config.Settings{Table: "terraform-locks", Buckets: []string{"tfstate"}, PollInterval: 5 * time.Second, S3PollInterval: time.Minute, StaleAfter: time.Hour}, Now: func() time.Time { return testNow }, Location: time.UTC, Releaser: rel}, src)
	m = send(m, tea.WindowSizeMsg{Width: 200, Height: 30})
	m = send(m, m.scan(0)())
	listed := src.listings
	testNow = testNow.Add(5 * time.Second)
	m, cmd := sendCmd(m, releasedMsg{entry: seed()[0], res: guard.Result{RecordID: "r-1"}})
	if cmd == nil {
		t.Fatal("no read after the release")
	}
	send(m, cmd())
	if src.listings != listed+1 {
		t.Errorf("bucket listings %d → %d after a release; want one more", listed, src.listings)
	}
}

// Where doctor found the store ignoring If-Match, the unlock dialog of a
// lock file there says so; a lock-table item's dialog does not.
func TestTheDialogSaysWhatDoctorFoundOfTheStore(t *testing.T) {
	note := "doctor found on 2026-12-02 that bucket tfstate ignores If-Match on DeleteObject: a lock file re-taken between the re-read and the delete would be deleted"
	entries := []model.Entry{fileEntry("tfstate/app/terraform.tfstate", "8d1f6c0e-5a1b-2f3c-9d8e-7f6a5b4c3d2e", "ci@runner-7", t0.Add(-3*time.Hour))}
	m := newModel(160, 40, entries, lockFilesOnly, writable(&fakeReleaser{}), func(c *Config) { c.LockFileNotes = map[string]string{"tfstate": note} })
	// The dialog wraps it inside its box: read it as words.
	if out := strings.Join(strings.Fields(strings.ReplaceAll(plain(press(m, "x")), "│", "")), " "); !strings.Contains(out, "⚠ "+note) {
		t.Errorf("the dialog:\n%s", out)
	}
	m = newModel(160, 40, seed(), writable(&fakeReleaser{}), func(c *Config) { c.LockFileNotes = map[string]string{"tfstate": note} })
	if out := flat(plain(press(m, "x"))); strings.Contains(out, "ignores If-Match") {
		t.Errorf("a lock-table item's dialog:\n%s", out)
	}
}
