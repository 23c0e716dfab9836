package ui

import (
	"errors"
	"strings"
	"testing"
	"time"

	"charm.land/lipgloss/v2"
)

// Each kind of status message stands for its own time: an announcement as
// long as the undo it may offer, a warning ten minutes, an error until
// another message replaces it.
func TestStatusMessagesStandForTheirKindsTime(t *testing.T) {
	for _, c := range []struct {
		kind  statusKind
		text  string
		until time.Duration // 0: never goes
	}{
		{statusInfo, "copied lock ID 8d1f6c0e to the clipboard", undoFor},
		{statusWarning, "read-only (use --write)", 10 * time.Minute},
		{statusError, "not released: the lock changed since you looked", 0},
	} {
		m := newModel(120, 30, seed())
		m.setStatus(c.kind, t0, c.text)
		at := func(d time.Duration) string {
			testNow = t0.Add(d)
			return plain(send(m, tickMsg(testNow)))
		}
		if !strings.Contains(at(0), c.text) {
			t.Errorf("%q is not shown when set:\n%s", c.text, at(0))
		}
		if c.until == 0 {
			if !strings.Contains(at(24*time.Hour), c.text) {
				t.Errorf("an error went by itself: %q", c.text)
			}
			continue
		}
		if !strings.Contains(at(c.until-time.Second), c.text) {
			t.Errorf("%q went before %s", c.text, c.until)
		}
		if strings.Contains(at(c.until), c.text) {
			t.Errorf("%q still stands after %s", c.text, c.until)
		}
	}
}

// A warning and an error are drawn in their styles; an announcement is
// plain.
func TestStatusMessagesAreDrawnByKind(t *testing.T) {
	m := newModel(120, 30, seed())
	for kind, style := range map[statusKind]lipgloss.Style{
		statusInfo:    m.styles.Status,
		statusWarning: m.styles.Warn,
		statusError:   m.styles.Error,
	} {
		m.setStatus(kind, t0, "something to say")
		if got := m.statusLines()[0]; got != " "+style.Render("something to say (just now)") {
			t.Errorf("kind %d drawn as %q", kind, got)
		}
	}
}

// A release that failed says so in the error style, and one that went
// through announces it plainly.
func TestWriteResultsAreTyped(t *testing.T) {
	m := newModel(120, 30, seed(), writable(&fakeReleaser{}))
	m.setStatus(statusInfo, t0, "before")
	next, _ := m.onReleased(releasedMsg{entry: *m.rows[0], err: errors.New("access denied")})
	if got := next.(Model).status; got.kind != statusError || !strings.HasPrefix(got.text, "not released: ") {
		t.Errorf("failed release: %+v", got)
	}
}
