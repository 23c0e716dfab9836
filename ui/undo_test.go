package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/model"
)

// The undo of a release: asked, offered, kept for the exit summary.

// The tests of issue 9, "the on-call path, polished": what an incident
// drill tripped over.

const networkPath = "tfstate/env:/prod/network/terraform.tfstate"

// releaseNetwork force-unlocks the stale network lock (the first row)
// through the dialog, and lets the next poll see it gone.
func releaseNetwork(t *testing.T, m Model) Model {
	t.Helper()
	m = typeText(press(m, "x"), "8d1f6c0e")
	m, cmd := sendCmd(m, keyMsg("enter"))
	m = runCmd(m, cmd)
	if m.undo == nil {
		t.Fatalf("no undo on offer after the release: %q", m.status.text)
	}
	return send(m, snapshotMsg{gen: m.one().gen, snap: snapshotOf(seed()[1:])})
}

// u asks, naming the lock it would restore, and starts on No: a stray u
// (or u then Enter) while looking at another lock restores nothing.
func TestUndoAsksNamingTheLockAndStartsOnNo(t *testing.T) {
	rel := &fakeReleaser{}
	m := releaseNetwork(t, newModel(120, 30, seed(), writable(rel)))
	// Looking at another lock's detail now.
	m = press(m, "enter")
	if m.detail == nil || m.detail.LockID == networkPath {
		t.Fatalf("want another lock's detail, have %v", m.detail)
	}
	m, cmd := sendCmd(m, keyMsg("u"))
	if cmd != nil || m.undoAsk == nil || m.undoAsk.focus != focusCancel {
		t.Fatal("u must open the question, on No, and run nothing")
	}
	out := flat(plain(m))
	for _, want := range []string{networkPath, "held by ci@runner-7 (apply, ID 8d1f6c0e)", "audit r-20261126-031407-abcdef", "[ No ]", "Restore"} {
		if !strings.Contains(out, want) {
			t.Errorf("the question lacks %q:\n%s", want, plain(m))
		}
	}
	for _, no := range [][]string{{"enter"}, {"esc"}, {"q"}, {"n"}, {"tab", "tab", "enter"}} {
		m2, cmd := sendCmd(press(m, no[:len(no)-1]...), keyMsg(no[len(no)-1]))
		if m2.undoAsk != nil || cmd != nil || !strings.Contains(m2.status.text, "undo not taken; nothing changed") {
			t.Errorf("%v must answer No: asking %v, status %q", no, m2.undoAsk != nil, m2.status.text)
		}
		if m2.undo == nil {
			t.Errorf("%v: answering No must keep the offer", no)
		}
		if m2.screen != screenDetail {
			t.Errorf("%v: answering No must leave the detail view as it was", no)
		}
	}
	if len(rel.restored) != 0 {
		t.Fatalf("restored without an explicit choice: %v", rel.restored)
	}
	// Other keys while asked do nothing else: no release dialog, no quit.
	for _, k := range []string{"x", "ctrl+d", "u", "j", "r"} {
		if m2, cmd := sendCmd(m, keyMsg(k)); cmd != nil || m2.dialog != nil || m2.undoAsk == nil {
			t.Errorf("%s while asked did something", k)
		}
	}
	// The explicit choice restores, once.
	m, cmd = sendCmd(press(m, "tab"), keyMsg("enter"))
	if cmd == nil || m.undoAsk != nil || !m.undo.restoring {
		t.Fatal("Restore must start the restore")
	}
	if strings.Contains(plain(m), "u to undo") || !strings.Contains(plain(m), "undoing the release of "+networkPath) {
		t.Errorf("while restoring, the status line must say so:\n%s", plain(m))
	}
	if _, again := sendCmd(m, keyMsg("u")); again != nil {
		t.Error("u while restoring must not start another restore")
	}
	m = runCmd(m, cmd)
	if len(rel.restored) != 1 || rel.restored[0] != "r-20261126-031407-abcdef" {
		t.Fatalf("restores %v", rel.restored)
	}
}

// The undo offer and its record stay on the status line while they stand,
// whatever else is said there, and go when they expire.
func TestUndoOfferStaysOnTheStatusLine(t *testing.T) {
	m := releaseNetwork(t, newModel(80, 24, seed(), writable(&fakeReleaser{})))
	offer := "u to undo the release of"
	m = press(m, "c") // copying a lock ID says so on the status line
	out := flat(plain(m))
	if !strings.Contains(out, "copied lock ID") || !strings.Contains(out, offer) || !strings.Contains(out, "(audit r-20261126-031407-abcdef)") {
		t.Fatalf("the offer must stay beside other status:\n%s", out)
	}
	// Another lock released by someone else is announced; the offer stays.
	m = send(m, snapshotMsg{gen: m.one().gen, snap: snapshotOf(seed()[2:])})
	if out := flat(plain(m)); !strings.Contains(out, "released: tfstate/env:/prod/eks-cluster") || !strings.Contains(out, offer) {
		t.Fatalf("a poll's release announcement hid the offer:\n%s", out)
	}
	testNow = t0.Add(90 * time.Second)
	m = send(m, tickMsg(testNow))
	if !strings.Contains(flat(plain(m)), "· 30s left") {
		t.Errorf("the offer must say how long it stands:\n%s", plain(m))
	}
	// The question holds the offer open past its time; No lets it go.
	m = press(m, "u")
	testNow = t0.Add(3 * time.Minute)
	m = send(m, tickMsg(testNow))
	if m.undo == nil || m.undoAsk == nil {
		t.Fatal("the offer expired under its own question")
	}
	m = send(press(m, "esc"), tickMsg(testNow))
	if m.undo != nil || strings.Contains(plain(m), offer) {
		t.Errorf("the offer must expire:\n%s", plain(m))
	}
	if m, _ = sendCmd(m, keyMsg("u")); !strings.Contains(m.status.text, "nothing to undo") || m.undoAsk != nil {
		t.Errorf("u with nothing on offer must say so: %q", m.status.text)
	}
}

// The undo question, and the status line with the offer, fit 80×24.
func TestUndoQuestionFits80x24(t *testing.T) {
	m := press(releaseNetwork(t, newModel(80, 24, seed(), writable(&fakeReleaser{}))), "u")
	out := plain(m)
	if !strings.Contains(out, "[ No ]") || !strings.Contains(out, "╰") || !strings.Contains(out, "r-20261126-031407-abcdef") {
		t.Errorf("the question is cut off:\n%s", out)
	}
	if n := len(strings.Split(out, "\n")); n != 24 {
		t.Errorf("%d lines, want 24", n)
	}
}

// Each write of the session is kept, with its record, for the summary the
// caller prints after the UI exits.
func TestWritesAreKeptForTheExitSummary(t *testing.T) {
	rel := &fakeReleaser{}
	path := "tfstate/app/terraform.tfstate"
	bad := model.DigestReport{Path: path, Status: model.DigestMismatch, Stored: "06462db2ef044008b94260f6cb5ab7cb", Item: model.Item{},
		State: model.StateObject{Exists: true, MD5: "c016ff98e4a56a223b07c2a4c02512ac"}}
	m := releaseNetwork(t, newModel(120, 30, seed(), writable(rel), probed(fakeProber{path: bad})))
	// Undo it.
	m, cmd := sendCmd(press(m, "u", "tab"), keyMsg("enter"))
	m = runCmd(m, cmd)
	// Repair a digest.
	m = answered(press(m, "d"), withDigests(seed()))
	for m.current().Kind != model.KindDigest {
		m = press(m, "j")
	}
	m = runCmd(sendCmd(m, keyMsg("enter")))
	m = typeText(press(m, "R"), "c016ff98")
	m = runCmd(sendCmd(m, keyMsg("enter")))

	w := m.Writes()
	if len(w) != 3 {
		t.Fatalf("%d writes, want 3: %+v", len(w), w)
	}
	want := []struct {
		kind     WriteKind
		recordID string
		line     string
		undoable bool
	}{
		{WriteRelease, "r-20261126-031407-abcdef", "released " + networkPath + ", held by ci@runner-7 (apply, ID 8d1f6c0e) — audit r-20261126-031407-abcdef, undone by r-20261126-031408-123456", false},
		{WriteRestore, "r-20261126-031408-123456", "restored " + networkPath + ", held by ci@runner-7 (apply, ID 8d1f6c0e) — audit r-20261126-031408-123456, undoing r-20261126-031407-abcdef", false},
		{WriteRepair, "r-20261126-031409-aaaaaa", "repaired the digest of tfstate/app/terraform.tfstate — audit r-20261126-031409-aaaaaa", true},
	}
	for i, wt := range want {
		if w[i].Kind != wt.kind || w[i].RecordID != wt.recordID || w[i].String() != wt.line || w[i].Undoable() != wt.undoable {
			t.Errorf("write %d: %v %s %q undoable %v\nwant %v %s %q undoable %v", i, w[i].Kind, w[i].RecordID, w[i].String(), w[i].Undoable(), wt.kind, wt.recordID, wt.line, wt.undoable)
		}
		if w[i].Context != "prod-eu" || !w[i].At.Equal(t0) {
			t.Errorf("write %d: context %q at %v", i, w[i].Context, w[i].At)
		}
	}
	// Writes is a copy: the caller cannot change the model's.
	w[0].RecordID = "changed"
	if m.Writes()[0].RecordID == "changed" {
		t.Error("Writes must return a copy")
	}
	// A context switch keeps them.
	m = send(m, switchedMsg{src: &fakeSource{}, cfg: Config{Settings: config.Settings{Context: "staging", Table: "other"}}})
	if len(m.Writes()) != 3 {
		t.Error("a context switch lost the writes")
	}
}

// ctrl+d or x on a lock already gone says so, with when, and opens nothing.
func TestUnlockingAReleasedLockSaysItIsGone(t *testing.T) {
	rel := &fakeReleaser{}
	m := press(newModel(120, 30, seed(), writable(rel)), "enter") // the network lock's detail
	testNow = t0.Add(5 * time.Second)
	m = send(m, snapshotMsg{gen: m.one().gen, snap: snapshotOf(seed()[1:])}) // its holder released it
	if m.detail == nil || m.detail.LockID != networkPath || !strings.Contains(plain(m), "RELEASED") {
		t.Fatalf("the detail must stay on the released lock:\n%s", plain(m))
	}
	for _, k := range []string{"ctrl+d", "x"} {
		m2, cmd := sendCmd(m, keyMsg(k))
		if m2.dialog != nil || cmd != nil {
			t.Errorf("%s on a released lock opened the dialog", k)
		}
		if want := networkPath + " was already released (seen gone at 03:14:12)"; !strings.Contains(m2.status.text, want) {
			t.Errorf("%s: status %q, want %q", k, m2.status.text, want)
		}
	}
	if out := flat(plain(m)); !strings.Contains(out, "seen gone at 03:14:12") || strings.Contains(out, "or ctrl+d here") || strings.Contains(out, "ctrl+d/x unlock") {
		t.Errorf("the detail of a released lock must not offer ctrl+d:\n%s", out)
	}
	if len(rel.released) != 0 {
		t.Error("released a lock already gone")
	}
}
