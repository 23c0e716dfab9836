package ui

import (
	"time"

	"charm.land/lipgloss/v2"

	"github.com/lockwarden/lockwarden/sanitize"
)

// This file holds the status line's message: what kind it is, which
// decides how it is drawn and how long it stands.

// statusKind is what a status message is.
type statusKind int

const (
	// statusInfo says that something asked for was done, or is under
	// way: "released …", "copied …", "checking 12 digests…".
	statusInfo statusKind = iota
	// statusWarning says what the operator should know before going on:
	// a key that does not apply here, a write done with a catch.
	statusWarning
	// statusError says that something asked for failed or was refused.
	statusError
)

// Lifetimes of status messages. An announcement stands as long as the
// undo it may offer; a warning long enough to be read after looking away;
// an error until another message takes its place, so that a failure is
// never missed by looking away.
const (
	infoFor    = undoFor
	warningFor = 10 * time.Minute
)

// statusMsg is one message on the status line.
type statusMsg struct {
	kind statusKind
	text string // sanitized
	at   time.Time
}

// lifetime is how long the message stands; 0 until it is replaced.
func (s statusMsg) lifetime() time.Duration {
	switch s.kind {
	case statusInfo:
		return infoFor
	case statusWarning:
		return warningFor
	}
	return 0
}

// shownAt is the message's text while it stands at now, else "".
func (s statusMsg) shownAt(now time.Time) string {
	if life := s.lifetime(); life > 0 && now.Sub(s.at) >= life {
		return ""
	}
	return s.text
}

// style is how the message is drawn.
func (s statusMsg) style(st Styles) lipgloss.Style {
	switch s.kind {
	case statusWarning:
		return st.Warn
	case statusError:
		return st.Error
	}
	return st.Status
}

// setStatus shows text on the status line as a message of kind. Status
// text quotes lock items, errors and context names, so it is sanitized
// here, once, and callers pass it raw: sanitizing twice would escape the
// marks of the first pass.
func (m *Model) setStatus(kind statusKind, at time.Time, text string) {
	m.status = statusMsg{kind: kind, text: sanitize.Text(text), at: at}
}
