package ui

import (
	"charm.land/lipgloss/v2"
	"github.com/lockwarden/lockwarden/config"
)

// This file draws what a fleet adds to the table: the CONTEXT column, its
// marks and width. The fleet's header is in header.go, its ':' list in
// contexts.go, each beside its one-context twin.

// contextWidth is the CONTEXT column's width: the widest mark of a
// context shown, or 0 (no column) with one context.
func (m Model) contextWidth() int {
	if !m.fleet {
		return 0
	}
	w := len("CONTEXT")
	for i := range m.contexts {
		if c := &m.contexts[i].cfg; m.shows(c.Context) {
			w = max(w, lipgloss.Width(config.ShownMark(c.mark())))
		}
	}
	return min(w, config.MaxMarkWidth)
}

// lockFiles reports whether some context watches S3 lock files: the
// table then shows where each lock lives.
func (m Model) lockFiles() bool {
	for i := range m.contexts {
		if m.contexts[i].cfg.lockFiles() {
			return true
		}
	}
	return false
}
