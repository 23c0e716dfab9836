package ui

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/guard"
)

// A lock flagged ≠ asks a second time, naming the disagreement, and only
// then releases with AllowSplit.
func TestFlaggedLockNeedsASecondConfirmationNamingTheDisagreement(t *testing.T) {
	rel := &fakeReleaser{}
	entries := seed()
	entries[0].Warning = "held in the S3 lock file only, though this state also locks in the lock table (it has a digest item there)"
	m := newModel(120, 30, entries, writable(rel)) // the stale network lock, flagged
	m = typeText(press(m, "x"), entries[0].ShortID())
	m = press(m, "enter")
	if m.dialog == nil || !m.dialog.second || m.dialog.focus != focusCancel || len(rel.released) != 0 {
		t.Fatal("a flagged lock must ask a second time, focus on Cancel")
	}
	out := plain(m)
	for _, want := range []string{"places disagree", "≠ held in the S3 lock file only", "Release anyway"} {
		if !strings.Contains(out, want) {
			t.Errorf("second confirmation lacks %q:\n%s", want, out)
		}
	}
	if m2 := press(m, "enter"); m2.dialog != nil || len(rel.released) != 0 {
		t.Fatal("Enter on Cancel at the second confirmation must cancel")
	}
	m, cmd := sendCmd(press(m, "tab"), keyMsg("enter"))
	runCmd(m, cmd)
	if len(rel.released) != 1 || !rel.released[0].AllowSplit || rel.released[0].AllowFresh {
		t.Fatalf("want one release with AllowSplit only: %+v", rel.released)
	}
}

// A release whose audit outcome could not be written is shown as
// released, with the undo on offer — never as "not released".
func TestUnrecordedReleaseIsShownAsReleased(t *testing.T) {
	rel := &fakeReleaser{err: &guard.UnrecordedError{Did: "released tfstate/env:/prod/network/terraform.tfstate", RecordID: "r-1", Err: errors.New("disk full")}}
	m := newModel(120, 30, seed(), writable(rel))
	m = typeText(press(m, "x"), seed()[0].ShortID())
	m, cmd := sendCmd(m, keyMsg("enter"))
	m = runCmd(m, cmd)
	out := plain(m)
	if strings.Contains(out, "not released") || !strings.Contains(out, "released tfstate/env:/prod/network/terraform.tfstate; the audit outcome could not be written: disk full") || m.undo == nil {
		t.Fatalf("status:\n%s", out)
	}
}

// u while a restore runs does not start another.
func TestUndoIsIdempotentWhileRestoring(t *testing.T) {
	rel := &fakeReleaser{}
	m := newModel(120, 30, seed(), writable(rel))
	m = typeText(press(m, "x"), seed()[0].ShortID())
	m, cmd := sendCmd(m, keyMsg("enter"))
	m = runCmd(m, cmd)
	if m.undo == nil {
		t.Fatal("no undo on offer")
	}
	m, first := sendCmd(press(m, "u", "tab"), keyMsg("enter"))
	m, second := sendCmd(m, keyMsg("u"))
	if first == nil || second != nil || m.undoAsk != nil {
		t.Fatalf("confirmed undo gave %v, u again %v (asking %v): want one restore", first != nil, second != nil, m.undoAsk != nil)
	}
	runCmd(m, first)
	if len(rel.restored) != 1 {
		t.Fatalf("%d restores", len(rel.restored))
	}
}

// A context that requires a reason asks for one after the confirmations;
// an empty one is refused, and the words go to the guarded path.
func TestRequireReasonAsksWhyBeforeReleasing(t *testing.T) {
	rel := &fakeReleaser{}
	m := newModel(120, 30, seed(), writable(rel), func(c *Config) { c.RequireReason = true })
	m = typeText(press(m, "x"), seed()[0].ShortID())
	m = press(m, "enter")
	if m.dialog == nil || !m.dialog.reasonStep || m.dialog.focus != focusCancel || len(rel.released) != 0 {
		t.Fatal("want the reason step, on Cancel, nothing released")
	}
	if out := plain(m); !strings.Contains(out, "Why is this lock being") {
		t.Fatalf("no question:\n%s", out)
	}
	if m2 := press(m, "enter"); m2.dialog != nil || len(rel.released) != 0 {
		t.Fatal("Enter on Cancel with no reason must cancel")
	}
	m = press(m, "tab", "enter")
	if m.dialog == nil || !strings.Contains(m.dialog.why, "say why first") || len(rel.released) != 0 {
		t.Fatal("an empty reason must be refused")
	}
	m = typeText(m, "CI job 4711 was killed")
	m, cmd := sendCmd(m, keyMsg("enter"))
	runCmd(m, cmd)
	if len(rel.released) != 1 || rel.released[0].Reason != "CI job 4711 was killed" || !rel.released[0].RequireReason {
		t.Fatalf("released %+v", rel.released)
	}
}

// The reason step fits 80x24 with its buttons.
func TestRequireReasonFits80x24(t *testing.T) {
	m := newModel(80, 24, seed(), writable(&fakeReleaser{}), func(c *Config) { c.RequireReason = true })
	m = press(typeText(press(m, "x"), seed()[0].ShortID()), "enter")
	out := plain(m)
	if lines := strings.Split(out, "\n"); len(lines) > 24 || !strings.Contains(out, "Cancel") || !strings.Contains(out, "Unlock") || !strings.Contains(out, "> ") {
		t.Fatalf("%d lines:\n%s", len(lines), out)
	}
}

// A release whose outcome is unknown is not shown as "not released": the
// record ID stays on screen and in the session's writes.
func TestUnknownOutcomeKeepsTheRecordID(t *testing.T) {
	rel := &fakeReleaser{err: fmt.Errorf("timed out; whether the lock was released is unknown: %w", lwaws.ErrOutcomeUnknown)}
	m := newModel(120, 30, seed(), writable(rel))
	m = typeText(press(m, "x"), seed()[0].ShortID())
	m, cmd := sendCmd(m, keyMsg("enter"))
	m = runCmd(m, cmd)
	out := plain(m)
	if strings.Contains(out, "not released") || !strings.Contains(out, "outcome unknown (audit r-20261126-031407-abcdef)") {
		t.Fatalf("status:\n%s", out)
	}
	if w := m.Writes(); len(w) != 1 || w[0].RecordID != "r-20261126-031407-abcdef" {
		t.Errorf("writes %+v", w)
	}
	// It may not have happened: not told as a release, never offered as
	// undoable, in the session's writes or by the undo key.
	w := m.Writes()[0]
	if w.Undoable() || !strings.Contains(w.String(), "tried to release") || !strings.Contains(w.String(), "outcome unknown") || strings.HasPrefix(w.String(), "released") {
		t.Errorf("the write reads %q, undoable %v", w.String(), w.Undoable())
	}
	if m.undo != nil {
		t.Error("an unknown outcome is offered for undo")
	}
	m = press(m, "h")
	if h := plain(m); !strings.Contains(h, "tried to release") || !strings.Contains(h, "outcome unknown") || strings.Contains(h, "released tfstate") {
		t.Errorf("history:\n%s", h)
	}
}

// A release whose intent the audit log did not take says so once, in
// one line: nothing released, and why.
func TestReleaseNotRecordedSaysWhy(t *testing.T) {
	rel := &fakeReleaser{err: &guard.NotRecordedError{What: "released", Err: errors.New("the shared audit log s3://team-audit: access denied")}}
	m := typeText(press(newModel(160, 40, seed(), writable(rel)), "x"), "8d1f6c0e")
	m = runCmd(sendCmd(m, keyMsg("enter")))
	out := flat(plain(m))
	if len(rel.released) != 1 || !strings.Contains(out, "nothing released: the audit record could not be written: the shared audit log s3://team-audit: access denied") ||
		strings.Contains(out, "not released: nothing released") || m.undo != nil {
		t.Errorf("status:\n%s", out)
	}
}
