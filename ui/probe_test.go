package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/lockwarden/lockwarden/model"
)

// fakeProber answers with a fixed report per path.
type fakeProber map[string]model.DigestReport

func (f fakeProber) Probe(_ context.Context, path string) model.DigestReport { return f[path] }

func serial(n int64) *int64 { return &n }

func probed(p fakeProber) func(*Config) { return func(c *Config) { c.Prober = p } }

func TestDetailShowsTheStateAsEvidence(t *testing.T) {
	network := "tfstate/env:/prod/network/terraform.tfstate"
	cases := []struct {
		written time.Time
		want    string
	}{
		{t0.Add(-80 * time.Hour), "state last written 3d 8h ago, before the lock was taken: no sign of life from the holder"},
		{t0.Add(-40 * time.Second), "state written 40s ago, after the lock was taken — holder probably still running"},
		{t0.Add(-50 * time.Hour), "state last written 2d 2h ago, after the lock was taken, then nothing since"},
	}
	for _, c := range cases {
		p := fakeProber{network: {Path: network, Status: model.DigestOK, Stored: "aa", State: model.StateObject{Exists: true, Size: 181, LastModified: c.written, MD5: "aa", Serial: serial(3), Lineage: "lin"}}}
		m := newModel(140, 40, seed(), probed(p))
		m, cmd := sendCmd(m, keyMsg("enter"))
		if !strings.Contains(plain(m), "reading the state object…") {
			t.Error("the detail should say it is reading the state")
		}
		m = runCmd(m, cmd)
		out := flat(plain(m))
		if !strings.Contains(out, "serial 3 · lineage lin · 181 bytes") || !strings.Contains(out, c.want) {
			t.Errorf("want %q in:\n%s", c.want, out)
		}
	}
}

func TestRepairDigestFromTheDetailView(t *testing.T) {
	path := "tfstate/app/terraform.tfstate"
	bad := model.DigestReport{Path: path, Status: model.DigestMismatch, Stored: "06462db2ef044008b94260f6cb5ab7cb",
		State: model.StateObject{Exists: true, Size: 182, MD5: "c016ff98e4a56a223b07c2a4c02512ac", Serial: serial(41), Lineage: "lin-41", LastModified: t0.Add(-time.Hour)}}
	rel := &fakeReleaser{}
	build := func() Model {
		m := newModel(100, 30, seed(), writable(rel), probed(fakeProber{path: bad}))
		m = answered(press(m, "d"), withDigests(seed()))
		for m.current().Kind != model.KindDigest {
			m = press(m, "j")
		}
		m, cmd := sendCmd(m, keyMsg("enter"))
		return runCmd(m, cmd)
	}
	m := build()
	if out := flat(plain(m)); !strings.Contains(out, "mismatch: stored 06462db2ef044008b94260f6cb5ab7cb, state object c016ff98e4a56a223b07c2a4c02512ac") || !strings.Contains(out, "R repair digest") {
		t.Fatalf("digest detail:\n%s", out)
	}
	m = press(m, "R")
	if m.dialog == nil || m.dialog.repair == nil || m.dialog.focus != focusCancel {
		t.Fatal("R must open the repair dialog on Cancel")
	}
	golden.RequireEqual(t, plain(m))
	if m2 := press(m, "enter"); m2.dialog != nil || len(rel.repaired) != 0 {
		t.Fatal("a bare Enter must cancel the repair")
	}
	m = typeText(m, "c016ff98")
	m, cmd := sendCmd(m, keyMsg("enter"))
	m = runCmd(m, cmd)
	if len(rel.repaired) != 1 || rel.repaired[0].State.MD5 != "c016ff98e4a56a223b07c2a4c02512ac" ||
		!strings.Contains(m.status.text, "digest of tfstate/app/terraform.tfstate repaired (audit r-20261126-031409-aaaaaa)") ||
		!strings.Contains(plain(m), "digest of tfstate/app/terraform.tfstate repaired (audit r-20261126-031409-aaaaaa) — u to undo") {
		t.Fatalf("repair: %v, status %q", rel.repaired, m.status.text)
	}

	// Read-only: R only says so (TestReadOnlyUIOffersNoWrite).
}

// flat joins wrapped lines, so that a check does not depend on where the
// detail view breaks them.
func flat(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func TestHealthCheckMarksBadDigests(t *testing.T) {
	path := "tfstate/app/terraform.tfstate"
	p := fakeProber{path: {Path: path, Status: model.DigestMismatch, Stored: "06462db2ef044008b94260f6cb5ab7cb", State: model.StateObject{Exists: true, MD5: "c016ff98e4a56a223b07c2a4c02512ac"}}}
	// A short poll interval: runCmd runs the next poll's timer too.
	m := newModel(140, 30, seed(), probed(p), func(c *Config) { c.PollInterval = time.Millisecond })
	// H before digests are loaded shows them, and checks once they arrive.
	m, cmd := sendCmd(m, keyMsg("H"))
	if !m.showDigests || cmd == nil || !m.healthPending {
		t.Fatal("H must load digests first")
	}
	m, cmd = sendCmd(m, snapshotMsg{gen: m.one().gen, snap: withDigests(seed())})
	m = runCmd(m, cmd)
	out := plain(m)
	if !strings.Contains(out, "✗ tfstate/app/terraform.tfstate") || !strings.Contains(out, "mismatch · 06462db2") ||
		!strings.Contains(out, "checked 1 digest: 1 needs attention (marked ✗") {
		t.Errorf("health not shown:\n%s", out)
	}
}

func TestALockSeenInBothPlacesThenInOneIsFlagged(t *testing.T) {
	both := seed()[2] // the dns plan
	both.Source = model.SourceBoth
	both.File = &model.LockFile{Bucket: "tfstate", Key: "env:/staging/dns/terraform.tfstate.tflock", Body: both.InfoRaw}
	entries := append(seed()[:2], both)
	m := newModel(140, 30, entries, func(c *Config) { c.Buckets = []string{"tfstate"} })
	if strings.Contains(plain(m), "≠") {
		t.Fatal("nothing to flag yet")
	}
	half := seed()[:3] // the same lock, in the table only now
	m = send(m, snapshotMsg{gen: m.one().gen, snap: snapshotOf(half)})
	out := plain(m)
	if !strings.Contains(out, "≠ tfstate/env:/staging/dns/terraform.tfstate") {
		t.Errorf("not flagged:\n%s", out)
	}
	m = press(m, "end", "enter")
	if !strings.Contains(flat(plain(m)), "held in the lock table only, though this state was locked in both places earlier") {
		t.Errorf("detail lacks the warning:\n%s", plain(m))
	}
}

// A state without a digest item gets no digest verdict: not after a first
// apply killed before it wrote the state, not when it locks with S3 lock
// files only. Nothing sends the person to digest repair.
func TestNoDigestVerdictWithoutADigestItem(t *testing.T) {
	killed := lockEntry("tfstate/new/terraform.tfstate", "12121212-aaaa-bbbb-cccc-dddddddddddd", "OperationTypeApply", "erin@box", "1.12.6", t0.Add(-2*time.Hour))
	fileOnly := lockEntry("tfstate/lockfile/terraform.tfstate", "34343434-aaaa-bbbb-cccc-dddddddddddd", "OperationTypeApply", "gia@ws-2", "1.12.6", t0.Add(-3*time.Hour))
	fileOnly.Source, fileOnly.Item = model.SourceS3, nil
	fileOnly.File = &model.LockFile{Bucket: "tfstate", Key: "lockfile/terraform.tfstate.tflock", Body: fileOnly.InfoRaw, LastModified: t0.Add(-3 * time.Hour)}
	p := fakeProber{
		// What aws.CheckDigest says of them: no item, and no state object
		// (killed) or a state object (lock file only).
		killed.LockID:   {Path: killed.LockID, Status: model.DigestNoState},
		fileOnly.LockID: {Path: fileOnly.LockID, Status: model.DigestNoDigest, State: model.StateObject{Exists: true, Size: 90, MD5: "aa", LastModified: t0.Add(-4 * time.Hour)}},
	}
	for _, e := range []model.Entry{killed, fileOnly} {
		m := newModel(140, 40, []model.Entry{killed, fileOnly}, writable(&fakeReleaser{}), probed(p), func(c *Config) { c.Buckets = []string{"tfstate"} })
		for m.current().LockID != e.LockID {
			m = press(m, "j")
		}
		m = runCmd(sendCmd(m, keyMsg("enter")))
		out := flat(plain(m))
		for _, bad := range []string{string(model.DigestNoState), string(model.DigestNoDigest), "digest repair", "R repair"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s: the detail says %q:\n%s", e.LockID, bad, out)
			}
		}
		if !strings.Contains(out, "Digest no digest item") {
			t.Errorf("%s: the detail must say there is no digest item:\n%s", e.LockID, out)
		}
		if m, _ := sendCmd(m, keyMsg("R")); m.dialog != nil {
			t.Errorf("%s: R opened a repair of a digest that does not exist", e.LockID)
		}
	}
}

// H's message counts exactly the rows it marks.
func TestHealthCountsEqualMarks(t *testing.T) {
	entries := append(seed(),
		digestEntry("tfstate/billing/terraform.tfstate", "0123456789abcdef0123456789abcdef"),
		digestEntry("tfstate/iam/terraform.tfstate", "fedcba9876543210fedcba9876543210"),
		digestEntry("tfstate/gone/terraform.tfstate", "00000000000000000000000000000000"),
		model.Classify(model.Item{"LockID": model.String("tfstate/odd/terraform.tfstate-md5"), "Digest": model.String("not hex")}, ""),
	)
	item := model.Item{}
	p := fakeProber{
		"tfstate/app/terraform.tfstate":     {Path: "tfstate/app/terraform.tfstate", Status: model.DigestMismatch, Stored: "06462db2ef044008b94260f6cb5ab7cb", Item: item, State: model.StateObject{Exists: true, MD5: "c0"}},
		"tfstate/billing/terraform.tfstate": {Path: "tfstate/billing/terraform.tfstate", Status: model.DigestOK, Stored: "0123456789abcdef0123456789abcdef", Item: item, State: model.StateObject{Exists: true, MD5: "0123456789abcdef0123456789abcdef"}},
		"tfstate/iam/terraform.tfstate":     {Path: "tfstate/iam/terraform.tfstate", Status: model.DigestUnchecked, Err: context.DeadlineExceeded},
		// Deleted between the scan and the check: no item, no verdict.
		"tfstate/gone/terraform.tfstate": {Path: "tfstate/gone/terraform.tfstate", Status: model.DigestNoState},
		"tfstate/odd/terraform.tfstate":  {Path: "tfstate/odd/terraform.tfstate", Status: model.DigestInvalid, Stored: "not hex", Item: item},
	}
	m := newModel(160, 40, seed(), probed(p), func(c *Config) { c.PollInterval = time.Millisecond })
	m = press(m, "H")
	snap := withDigests(entries)
	snap.Digests = 4
	m = runCmd(sendCmd(m, snapshotMsg{gen: m.one().gen, snap: snap}))
	out := plain(press(m, "end")) // the cursor off the first digest row
	marks := 0
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "✗ ") {
			marks++
		}
	}
	if marks != 1 {
		t.Errorf("%d rows marked ✗, want 1:\n%s", marks, out)
	}
	want := "checked 5 digests: 1 needs attention (marked ✗; enter shows why, R repairs), 1 malformed digest item (marked ?), 1 could not be read"
	if !strings.Contains(flat(out), want) {
		t.Errorf("want %q in:\n%s", want, out)
	}
}
