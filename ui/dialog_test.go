package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/lockwarden/lockwarden/guard"
	"github.com/lockwarden/lockwarden/model"
)

// fakeReleaser records what the UI asked the guarded path to do.
type fakeReleaser struct {
	released []model.ReleaseRequest
	observed []model.Entry
	restored []string
	repaired []model.DigestReport
	err      error
	// actor is who the records name (guard.Result.Actor); "" for none.
	actor string
}

func (f *fakeReleaser) Release(_ context.Context, e model.Entry, req model.ReleaseRequest, _ string) (guard.Result, error) {
	f.observed = append(f.observed, e)
	f.released = append(f.released, req)
	if f.err != nil {
		// As the service: once the intent is written, the record ID comes
		// back with the error.
		return guard.Result{RecordID: "r-20261126-031407-abcdef"}, f.err
	}
	return guard.Result{RecordID: "r-20261126-031407-abcdef", Item: e.Item, Entry: e, Actor: f.actor}, nil
}

func (f *fakeReleaser) RepairDigest(_ context.Context, r model.DigestReport, _ string) (guard.Result, error) {
	f.repaired = append(f.repaired, r)
	return guard.Result{RecordID: "r-20261126-031409-aaaaaa"}, f.err
}

func (f *fakeReleaser) Restore(_ context.Context, id string) (guard.Result, error) {
	f.restored = append(f.restored, id)
	return guard.Result{RecordID: "r-20261126-031408-123456", Entry: seed()[0]}, nil
}

func writable(rel *fakeReleaser) func(*Config) {
	return func(c *Config) { c.Releaser = rel }
}

// runCmd runs a command and feeds its message back, as Bubble Tea would.
func runCmd(m Model, cmd tea.Cmd) Model {
	if cmd == nil {
		return m
	}
	msg := cmd()
	if batch, ok := msg.(tea.BatchMsg); ok {
		for _, c := range batch {
			m = runCmd(m, c)
		}
		return m
	}
	return send(m, msg)
}

func typeText(m Model, s string) Model {
	for _, r := range s {
		m = send(m, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return m
}

func TestUnlockDialogTypedConfirmation(t *testing.T) {
	rel := &fakeReleaser{}
	m := newModel(120, 30, seed(), writable(rel)) // cursor on the stale network lock
	for _, k := range []string{"ctrl+d", "x"} {
		m2 := press(m, k)
		if m2.dialog == nil || m2.dialog.focus != focusCancel {
			t.Fatalf("%s must open the dialog with focus on Cancel", k)
		}
	}
	m = press(m, "ctrl+d")

	// A bare Enter never confirms: focus is on Cancel.
	m2 := press(m, "enter")
	if m2.dialog != nil || len(rel.released) != 0 || !strings.Contains(m2.status.text, "cancelled") {
		t.Fatal("a bare Enter must cancel, not confirm")
	}
	// Unlock focused with nothing typed: Enter says why and does nothing.
	m2 = press(m, "tab", "enter")
	if m2.dialog == nil || len(rel.released) != 0 || !strings.Contains(plain(m2), "type the first 8 characters of the lock ID (8d1f6c0e) first") {
		t.Fatalf("Enter on an empty field must say why:\n%s", plain(m2))
	}
	// A wrong prefix: same.
	m2 = press(typeText(m, "8d1f6c0f"), "tab", "enter")
	if m2.dialog == nil || len(rel.released) != 0 {
		t.Fatal("a wrong prefix confirmed")
	}
	// esc cancels.
	m2 = press(typeText(m, "8d1f6c0e"), "esc")
	if m2.dialog != nil || len(rel.released) != 0 {
		t.Fatal("esc must cancel")
	}
	// The right prefix moves focus to Unlock; Enter releases.
	m = typeText(m, "8d1f6c0e")
	if m.dialog.focus != focusConfirm {
		t.Fatal("typing the prefix should move focus to Unlock")
	}
	m, cmd := sendCmd(m, keyMsg("enter"))
	if cmd == nil || !m.dialog.busy {
		t.Fatal("confirmed Enter must start the release")
	}
	m = runCmd(m, cmd)
	if len(rel.released) != 1 || rel.released[0].ConfirmID != "8d1f6c0e-5a1b-2f3c-9d8e-7f6a5b4c3d2e" || rel.released[0].AllowFresh {
		t.Fatalf("release request %+v", rel.released)
	}
	if rel.observed[0].InfoRaw != seed()[0].InfoRaw {
		t.Error("the release must carry the observed item")
	}
	if m.dialog != nil || !strings.Contains(m.status.text, "released tfstate/env:/prod/network/terraform.tfstate (audit r-20261126-031407-abcdef)") {
		t.Fatalf("status %q", m.status.text)
	}
	if !strings.Contains(plain(m), "released tfstate/env:/prod/network/terraform.tfstate (audit r-20261126-031407-abcdef) — u to undo, 2m00s left") {
		t.Fatalf("the undo offer is not on the status line:\n%s", plain(m))
	}
	// The next poll sees the lock gone: the undo offer stays on screen and
	// the release is in the history, once.
	m = send(m, snapshotMsg{gen: m.one().gen, snap: snapshotOf(seed()[1:])})
	if !strings.Contains(plain(m), "released tfstate/env:/prod/network/terraform.tfstate (audit r-20261126-031407-abcdef) — u to undo") || len(m.history) != 1 {
		t.Fatalf("the poll clobbered the undo offer: %q, history %d", plain(m), len(m.history))
	}
	// u asks first; taking the offer restores it.
	m, cmd = sendCmd(m, keyMsg("u"))
	if cmd != nil || m.undoAsk == nil {
		t.Fatal("u must ask before it restores")
	}
	m, cmd = sendCmd(press(m, "tab"), keyMsg("enter"))
	m = runCmd(m, cmd)
	if len(rel.restored) != 1 || rel.restored[0] != "r-20261126-031407-abcdef" || !strings.Contains(m.status.text, "restored tfstate/env:/prod/network/terraform.tfstate") {
		t.Fatalf("undo: %v, status %q", rel.restored, m.status.text)
	}
	if m, cmd := sendCmd(m, keyMsg("u")); cmd != nil || m.undoAsk != nil || !strings.Contains(m.status.text, "nothing to undo") {
		t.Errorf("u must do nothing but say so once the undo is used: %q", m.status.text)
	}
}

func TestUnlockDialogFreshLockNeedsASecondConfirmation(t *testing.T) {
	rel := &fakeReleaser{}
	m := newModel(120, 30, seed(), writable(rel))
	m = press(m, "j", "j", "j") // the dns plan, 1m03s old
	if m.current().Info.Who != "ci@runner-2" {
		t.Fatalf("selected %s", m.current().LockID)
	}
	m = typeText(press(m, "x"), "44444444")
	m = press(m, "enter")
	if m.dialog == nil || !m.dialog.second || m.dialog.focus != focusCancel || len(rel.released) != 0 {
		t.Fatal("a fresh lock must ask a second time, focus on Cancel")
	}
	out := plain(m)
	for _, want := range []string{"NOT stale", "only 1m03s old, under the 1h threshold", "two writers may corrupt the state", "Release anyway"} {
		if !strings.Contains(out, want) {
			t.Errorf("second confirmation lacks %q:\n%s", want, out)
		}
	}
	if m2 := press(m, "enter"); m2.dialog != nil || len(rel.released) != 0 {
		t.Fatal("Enter on Cancel at the second confirmation must cancel")
	}
	m, cmd := sendCmd(press(m, "tab"), keyMsg("enter"))
	m = runCmd(m, cmd)
	if len(rel.released) != 1 || !rel.released[0].AllowFresh {
		t.Fatalf("the second confirmation must release with AllowFresh: %+v", rel.released)
	}
}

func TestUnlockDialogMalformedNeedsFullLockID(t *testing.T) {
	rel := &fakeReleaser{}
	m := press(newModel(120, 30, seed(), writable(rel)), "end", "ctrl+d")
	if m.dialog == nil || m.dialog.expected() != "tfstate/broken/terraform.tfstate" {
		t.Fatal("malformed item: the dialog must ask for the full LockID")
	}
	m = press(typeText(m, "tfstate/broken"), "tab", "enter")
	if len(rel.released) != 0 || !strings.Contains(plain(m), "type its full LockID first") {
		t.Fatal("a partial LockID must not confirm")
	}
	m = typeText(m, "/terraform.tfstate")
	m, cmd := sendCmd(m, keyMsg("enter"))
	runCmd(m, cmd)
	if len(rel.released) != 1 || rel.released[0].ConfirmID != "tfstate/broken/terraform.tfstate" {
		t.Fatalf("%+v", rel.released)
	}
}

func TestUnlockRefusalsAndChangedLock(t *testing.T) {
	changedTo := seed()[1]
	rel := &fakeReleaser{err: &guard.ChangedError{LockID: "tfstate/env:/prod/network/terraform.tfstate", Current: &changedTo}}
	m := typeText(press(newModel(120, 30, seed(), writable(rel)), "ctrl+d"), "8d1f6c0e")
	m, cmd := sendCmd(m, keyMsg("enter"))
	m = runCmd(m, cmd)
	if !strings.Contains(m.status.text, "not released: the lock changed since you looked — now held by alice@laptop (apply, ID 2b7e4a91)") {
		t.Errorf("status %q", m.status.text)
	}
	if m.undo != nil {
		t.Error("nothing to undo after a refused release")
	}

	// Digest rows open no dialog.
	m = newModel(120, 30, seed(), writable(rel))
	m = send(m, keyMsg("d"))
	m = send(m, snapshotMsg{gen: m.one().gen, snap: withDigests(seed())})
	for m.current() != nil && m.current().Kind != model.KindDigest {
		m = press(m, "j")
	}
	m = press(m, "ctrl+d")
	if m.dialog != nil || !strings.Contains(m.status.text, "never deletes it") {
		t.Errorf("a digest row must not open the dialog; status %q", m.status.text)
	}
}

// Read-only: every write key says so and opens nothing; no write path is
// called, whatever is pressed, on any screen.
func TestReadOnlyUIOffersNoWrite(t *testing.T) {
	rel := &fakeReleaser{}
	path := "tfstate/app/terraform.tfstate"
	p := fakeProber{path: {Path: path, Status: model.DigestMismatch, Stored: "06462db2ef044008b94260f6cb5ab7cb", Item: model.Item{},
		State: model.StateObject{Exists: true, MD5: "c016ff98e4a56a223b07c2a4c02512ac"}}}
	// A releaser is wired in, as a buggy caller might: read-only still
	// must not use it.
	m := newModel(120, 30, seed(), writable(rel), probed(p), func(c *Config) { c.ReadOnly = true })
	m = answered(press(m, "d"), withDigests(seed()))
	screens := map[string]Model{"main": m, "detail": press(m, "enter"), "digest detail": runCmd(sendCmd(press(m, "end", "k"), keyMsg("enter")))}
	if d := screens["digest detail"].detail; d == nil || d.Kind != model.KindDigest {
		t.Fatalf("not a digest's detail: %+v", d)
	}
	for name, mm := range screens {
		for _, k := range []string{"ctrl+d", "x", "R", "u"} {
			m2, cmd := sendCmd(mm, keyMsg(k))
			if m2.dialog != nil || m2.undoAsk != nil || cmd != nil {
				t.Errorf("read-only %s: %s opened something", name, k)
			}
			if !strings.Contains(m2.status.text, "read-only (use --write)") || !strings.Contains(plain(m2), "read-only (use --write)") {
				t.Errorf("read-only %s: %s must say read-only, status %q", name, k, m2.status.text)
			}
			// Whatever follows — a typed prefix, enter, tab — writes nothing.
			m2 = press(typeText(m2, "8d1f6c0e"), "tab", "enter", "tab", "enter")
			_ = m2
		}
	}
	help := flat(plain(press(m, "?")))
	if !strings.Contains(help, "READ-ONLY ctrl+d/x, u and R need --write") {
		t.Errorf("read-only help must say the write keys need --write:\n%s", help)
	}
	if len(rel.released)+len(rel.restored)+len(rel.repaired) != 0 {
		t.Errorf("read-only UI wrote: %d releases, %d restores, %d repairs", len(rel.released), len(rel.restored), len(rel.repaired))
	}
}

func TestGoldenDialogs(t *testing.T) {
	states := map[string]func() Model{
		"open": func() Model { return press(newModel(100, 30, seed(), writable(&fakeReleaser{})), "ctrl+d") },
		"typed": func() Model {
			return typeText(press(newModel(100, 30, seed(), writable(&fakeReleaser{})), "ctrl+d"), "8d1f6c0e")
		},
		"wrong-prefix": func() Model {
			return press(typeText(press(newModel(100, 30, seed(), writable(&fakeReleaser{})), "ctrl+d"), "1234"), "tab", "enter")
		},
		"fresh-second": func() Model {
			return press(typeText(press(newModel(100, 30, seed(), writable(&fakeReleaser{})), "j", "j", "j", "x"), "44444444"), "enter")
		},
		"malformed":     func() Model { return press(newModel(100, 30, seed(), writable(&fakeReleaser{})), "end", "x") },
		"main-writable": func() Model { return newModel(100, 30, seed(), writable(&fakeReleaser{})) },
	}
	for name, build := range states {
		t.Run(name, func(t *testing.T) { golden.RequireEqual(t, plain(build())) })
	}
}

// withDigests is a snapshot that includes the digest items, as a scan
// with digests shown returns it: sorted by LockID.
func withDigests(entries []model.Entry) model.Snapshot {
	all := slices.Clone(entries)
	slices.SortFunc(all, func(a, b model.Entry) int { return strings.Compare(a.LockID, b.LockID) })
	return model.Snapshot{Entries: all, Digests: 1}
}

// At 80×24 every dialog state must show its buttons: a person has to see
// where Enter goes.
func TestDialogsFit80x24(t *testing.T) {
	states := map[string]func() Model{
		"open": func() Model { return press(newModel(80, 24, seed(), writable(&fakeReleaser{})), "x") },
		"second": func() Model {
			return press(typeText(press(newModel(80, 24, seed(), writable(&fakeReleaser{})), "j", "j", "j", "x"), "44444444"), "enter")
		},
		"malformed": func() Model { return press(newModel(80, 24, seed(), writable(&fakeReleaser{})), "end", "x") },
		"wrong": func() Model {
			return press(typeText(press(newModel(80, 24, seed(), writable(&fakeReleaser{})), "x"), "1"), "tab", "enter")
		},
	}
	for name, build := range states {
		out := plain(build())
		if !strings.Contains(out, "Cancel") || !strings.Contains(out, "╰") {
			t.Errorf("%s: the buttons or the box's end are cut off:\n%s", name, out)
		}
	}
}

// A dialog is drawn over the table, not instead of it: the row being
// released stays on screen, whole, above the box, with the table's
// header; the rows the box stands on are not shown cut in two.
func TestDialogKeepsTheRowInSight(t *testing.T) {
	for _, size := range [][2]int{{100, 30}, {120, 40}, {80, 24}} {
		m := press(newModel(size[0], size[1], seed(), writable(&fakeReleaser{})), "ctrl+d")
		lines := strings.Split(plain(m), "\n")
		row, top := -1, -1
		for i, l := range lines {
			if row < 0 && strings.Contains(l, "env:/prod/network") && strings.Contains(l, "ci@runner-7") && strings.Contains(l, "3d 4h") {
				row = i
			}
			if top < 0 && strings.Contains(l, "╭") {
				top = i
			}
		}
		if row < 0 || top < 0 || row > top || !strings.Contains(lines[row-1], "WHO") {
			t.Errorf("%dx%d: the released row (line %d) is not whole above the box (line %d):\n%s", size[0], size[1], row, top, plain(m))
		}
		for _, l := range lines[top:] {
			if strings.Contains(l, "eks-cluster") {
				t.Errorf("%dx%d: a row cut by the box shows beside it: %q", size[0], size[1], l)
			}
		}
	}
}

// The box goes below its row when it fits there, above it when only that
// fits, and a row from the top with no row to keep.
func TestOverDialogPlacesTheBoxClearOfItsRow(t *testing.T) {
	body := make([]string, 10)
	for i := range body {
		body[i] = fmt.Sprintf("row%d", i)
	}
	box := []string{"+--+", "|ok|", "+--+"}
	for _, c := range []struct{ anchor, top int }{{2, 3}, {8, 5}, {-1, 1}} {
		got := overDialog(body, box, c.anchor, 20, len(body))
		for i, l := range got {
			l = strings.TrimRight(l, " ")
			var want string
			switch {
			case i >= c.top && i < c.top+len(box):
				want = strings.Repeat(" ", 8) + box[i-c.top]
			default:
				want = body[i]
			}
			if l != want {
				t.Errorf("anchor %d: line %d is %q, want %q", c.anchor, i, l, want)
			}
		}
	}
}

// The dialog is a unit: keys in, a typed action out, nothing written by
// it. A bare Enter cancels; the right prefix and Enter release; a fresh
// lock asks a second time first.
func TestUnlockDialogAnswersWithTypedActions(t *testing.T) {
	now := t0
	open := func(age time.Duration) *unlockDialog {
		e := model.Entry{Kind: model.KindLock, LockID: "b/k", Info: model.LockInfo{ID: "8d1f6c0e-0000", Created: now.Add(-age)}}
		d := &unlockDialog{entry: e, input: newDialogInput(), focus: focusCancel}
		d.input.Focus()
		return d
	}
	key := func(d *unlockDialog, k string) dialogAction {
		return d.handleKey(keyMsg(k), now, time.Hour, false)
	}
	typeIn := func(d *unlockDialog, s string) {
		for _, r := range s {
			key(d, string(r))
		}
	}
	if a := key(open(2*time.Hour), "enter"); a != (dialogCancel{}) {
		t.Errorf("bare Enter: %#v, want cancel", a)
	}
	d := open(2 * time.Hour)
	typeIn(d, "8d1f6c0e")
	if a := key(d, "enter"); a != (dialogRelease{}) || !d.busy {
		t.Errorf("typed and Enter: %#v, want release", a)
	}
	fresh := open(time.Minute)
	typeIn(fresh, "8d1f6c0e")
	if a, ok := key(fresh, "enter").(dialogOpen); !ok || a.cmd != nil || !fresh.second || fresh.focus != focusCancel {
		t.Errorf("fresh, first Enter: %#v, want the second confirmation on Cancel", a)
	}
	key(fresh, "tab")
	if a := key(fresh, "enter"); a != (dialogRelease{fresh: true}) {
		t.Errorf("fresh, confirmed twice: %#v", a)
	}
	if a := key(open(2*time.Hour), "esc"); a != (dialogCancel{}) {
		t.Errorf("esc: %#v", a)
	}
}
