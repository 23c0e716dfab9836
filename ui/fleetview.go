package ui

import (
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/lockwarden/lockwarden/sanitize"
)

// This file draws what a fleet adds to the table: the CONTEXT column, its
// marks and width. The fleet's header is in header.go, its ':' list in
// contexts.go, each beside its one-context twin.

// maxContextWidth bounds the CONTEXT column: labels are short (at most
// 12 characters), names are cut.
const maxContextWidth = 12

// ShownMark is a context's mark as the CONTEXT column shows it: whole up to
// maxContextWidth cells, else cut in the middle, so that names differing
// at their end (prod-eu-west-1, prod-eu-west-2) stay told apart. The config
// refuses two contexts that would still show alike.
func ShownMark(mark string) string {
	mark = sanitize.Text(mark)
	w := lipgloss.Width(mark)
	if w <= maxContextWidth {
		return mark
	}
	head := ansi.Truncate(mark, (maxContextWidth-1)/2, "")
	tail := ansi.TruncateLeft(mark, w-(maxContextWidth-1-lipgloss.Width(head)), "")
	return head + "…" + tail
}

// contextWidth is the CONTEXT column's width: the widest mark of a
// context shown, or 0 (no column) with one context.
func (m Model) contextWidth() int {
	if !m.fleet {
		return 0
	}
	w := len("CONTEXT")
	for i := range m.contexts {
		if c := &m.contexts[i].cfg; m.shows(c.Context) {
			w = max(w, lipgloss.Width(ShownMark(c.mark())))
		}
	}
	return min(w, maxContextWidth)
}

// lockFiles reports whether some context watches S3 lock files: the
// table then shows where each lock lives.
func (m Model) lockFiles() bool {
	for i := range m.contexts {
		if m.contexts[i].cfg.LockFiles {
			return true
		}
	}
	return false
}
