package ui

import (
	"errors"
	"strings"
	"testing"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/lockwarden/lockwarden/model"
)

// hiddenRunes are characters a terminal draws as nothing, or that
// reorder what follows; each must show as its escape.
var hiddenRunes = map[string]string{
	"\u200b":       "‹U+200B›",  // zero-width space
	"\u202e":       "‹U+202E›",  // right-to-left override
	"\u00ad":       "‹U+00AD›",  // soft hyphen
	"\U000E0041":   "‹U+E0041›", // tag letter A
	"\u2066\u2069": "‹U+2066›‹U+2069›",
}

// lineWith returns the one line of out that contains all of parts.
func lineWith(t *testing.T, out string, parts ...string) string {
	t.Helper()
	var found []string
	for _, l := range strings.Split(out, "\n") {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(l, p)
		}
		if all {
			found = append(found, l)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one line with %q, got %d:\n%s", parts, len(found), out)
	}
	return found[0]
}

func TestLookalikeLockIDsRenderDistinctly(t *testing.T) {
	for hidden, escape := range hiddenRunes {
		plainID := "tfstate/env:/prod/app/terraform.tfstate"
		trickID := "tfstate/env:/prod/" + hidden + "app/terraform.tfstate"
		mk := func(path, who string) model.Entry {
			return lockEntry(path, "0a0b0c0d-1111-2222-3333-444444444444", "OperationTypeApply", who, "1.12.6", t0.Add(-time.Minute))
		}
		m := newModel(160, 30, []model.Entry{mk(plainID, "ci@runner-1"), mk(trickID, "ci@runner-2")})
		raw := m.render()
		if strings.Contains(raw, hidden) {
			t.Errorf("%q reached the terminal:\n%s", hidden, raw)
		}
		out := ansi.Strip(raw)
		plainRow := lineWith(t, out, "ci@runner-1")
		trickRow := lineWith(t, out, "ci@runner-2")
		if !strings.Contains(plainRow, "tfstate/env:/prod/app/terraform.tfstate") {
			t.Errorf("plain row: %q", plainRow)
		}
		if !strings.Contains(trickRow, "tfstate/env:/prod/"+escape+"app/terraform.tfstate") {
			t.Errorf("the row with %q does not show %s: %q", hidden, escape, trickRow)
		}
		// The escape is counted in the width: the columns after the path
		// still line up.
		header := lineWith(t, out, "STATE", "WHO")
		for _, row := range []string{plainRow, trickRow} {
			at := lipgloss.Width(row[:strings.Index(row, "ci@runner-")])
			if want := lipgloss.Width(header[:strings.Index(header, "WHO")]); at != want {
				t.Errorf("WHO at column %d, want %d: %q", at, want, row)
			}
		}

		// The detail view, opened on the tricky lock, shows it too.
		for m.current() == nil || m.current().LockID != trickID {
			m = press(m, "j")
		}
		raw = press(m, "enter").render()
		if strings.Contains(raw, hidden) {
			t.Errorf("%q reached the terminal in the detail view", hidden)
		}
		if !strings.Contains(ansi.Strip(raw), "prod/"+escape+"app") {
			t.Errorf("the detail view does not show %s:\n%s", escape, ansi.Strip(raw))
		}
	}
}

func TestStatusLineIsSanitizedOnce(t *testing.T) {
	evil := "tfstate/env:/prod/\u202eevil\x1b[2J/terraform.tfstate"
	shown := "tfstate/env:/prod/‹U+202E›evil‹U+001B›[2J/terraform.tfstate"
	m := newModel(200, 30, []model.Entry{
		lockEntry(evil, "0a0b0c0d-1111-2222-3333-444444444444", "OperationTypeApply", "mallory\x1b]0;pwned\x07", "1.12.6", t0.Add(-time.Minute)),
	})
	m = send(m, snapshotMsg{gen: m.one().gen, snap: snapshotOf(nil)})
	check := func(what, want string) {
		t.Helper()
		raw := m.render()
		for _, bad := range []string{"\u202e", "\x1b[2J", "\x1b]", "\x07"} {
			if strings.Contains(raw, bad) {
				t.Errorf("%s: %q reached the terminal", what, bad)
			}
		}
		out := ansi.Strip(raw)
		if !strings.Contains(out, want) {
			t.Errorf("%s: want %q in:\n%s", what, want, out)
		}
		// Sanitized twice, the marks of the first pass would show as ‹U+2039›.
		if strings.Contains(out, "‹U+2039›") {
			t.Errorf("%s: sanitized twice:\n%s", what, out)
		}
	}
	check("release announcement", "released: "+shown+" — apply by mallory‹U+001B›]0;pwned‹U+0007›")
	m = press(m, "h")
	check("history", shown+" — apply by mallory‹U+001B›]0;pwned‹U+0007›")

	// An error from a context switch quotes whatever the config said.
	m = send(press(m, "esc"), switchedMsg{err: errors.New("no context \"\u202eprod\x1b[31m\"")})
	check("switch error", "cannot switch context: no context \"‹U+202E›prod‹U+001B›[31m\"")
}
