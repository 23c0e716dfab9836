package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lockwarden/lockwarden/guard"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// This file keeps what happened this session: the history h shows (locks
// seen gone, and lockwarden's own writes) and the writes listed after exit.

// WriteKind says what a write did.
type WriteKind int

// The writes the UI makes.
const (
	// WriteRelease is a force-unlock.
	WriteRelease WriteKind = iota
	// WriteRestore puts back what an earlier write removed or changed.
	WriteRestore
	// WriteRepair sets a state's digest to its state object's MD5.
	WriteRepair
)

// Write is one write the UI made this session. The caller lists them after
// the UI exits, with the command that undoes each: the status line that
// offered the undo is gone with the alternate screen.
type Write struct {
	Kind WriteKind
	// Path is the state path: the lock's, or the state whose digest was set.
	Path string
	// Holder says whose lock was released or restored: "held by
	// ci@runner-7 (apply, ID 8d1f6c0e)"; empty for a digest.
	Holder string
	// Context is the configured context the write was made in ("" for none).
	Context string
	// RecordID is the write's audit record: `lockwarden restore RecordID`
	// undoes a release or a repair.
	RecordID string
	// Undoes is, for a restore, the record it undid.
	Undoes string
	// UndoneBy is the record of a later restore that undid this write in
	// the same session.
	UndoneBy string
	// Note qualifies a write that did not go quite as planned ("partly:
	// the lock-table item was not removed").
	Note string
	// Unknown is set when no answer said whether a release happened: it
	// is not told as done, nor offered as undoable.
	Unknown bool
	// Actor is who the audit records name as having written.
	Actor string
	At    time.Time
}

// String says what the write did, in one line for a person, sanitized:
// "released tfstate/app/terraform.tfstate, held by bob@ws-14 (apply, ID
// 5e5e5e5e) — audit r-…".
func (w Write) String() string {
	var s string
	switch {
	case w.Unknown:
		s = triedToRelease(w.Path)
	case w.Kind == WriteRelease:
		s = "released " + w.Path
	case w.Kind == WriteRestore:
		s = "restored " + w.Path
	default:
		s = "repaired the digest of " + w.Path
	}
	if w.Holder != "" {
		s += ", " + w.Holder
	}
	if w.Note != "" {
		s += " (" + w.Note + ")"
	}
	s += " — audit " + w.RecordID
	if w.Undoes != "" {
		s += ", undoing " + w.Undoes
	}
	if w.UndoneBy != "" {
		s += ", undone by " + w.UndoneBy
	}
	return sanitize.Text(s)
}

// triedToRelease says what a release of unknown outcome did, as far as
// anyone knows: only a release's answer is ever lost unread.
func triedToRelease(path string) string {
	return "tried to release " + path + ", outcome unknown: it may or may not have gone"
}

// Undoable reports whether `lockwarden restore RecordID` would undo w:
// a release or a repair not already undone this session, known to have
// been made. One of unknown outcome may not have happened: restore checks
// first, and asks.
func (w Write) Undoable() bool {
	return w.Kind != WriteRestore && w.UndoneBy == "" && !w.Unknown
}

// Writes returns every write this session made, oldest first, across
// context switches.
func (m Model) Writes() []Write { return slices.Clone(m.writes) }

// recordWrite adds a write of ours to the writes and to the history; e is
// the entry it concerns (the lock released or put back, the digest item).
func (m *Model) recordWrite(w Write, e model.Entry, at time.Time) {
	w.Context, w.At = m.cfgOf(&e).Context, at.In(m.cfg.Location)
	writes := slices.Clone(m.writes)
	if w.Kind == WriteRestore {
		for i := range writes {
			if writes[i].RecordID == w.Undoes {
				writes[i].UndoneBy = w.RecordID
			}
		}
	}
	m.writes = append(writes, w)
	m.addHistory(event{kind: w.Kind, entry: e, at: at, recordID: w.RecordID, undoes: w.Undoes, note: w.Note, unknown: w.Unknown, actor: w.Actor})
}

// holderOf says whose lock e is, for messages.
func holderOf(e model.Entry) string { return guard.Describe(e) }

// event is one line of the history: a lock seen gone by a poll (recordID
// empty), or one of lockwarden's own writes.
type event struct {
	kind     WriteKind
	entry    model.Entry
	at       time.Time
	recordID string
	undoes   string
	note     string
	// actor is who our write was recorded as (guard.Result.Actor).
	actor string
	// unknown: no answer said whether the write happened.
	unknown bool
}

// addHistory appends to the history, keeping its newest historyLimit
// events. The slice is never changed in place: older copies of the model
// share it.
func (m *Model) addHistory(evs ...event) {
	h := append(slices.Clip(m.history), evs...)
	if len(h) > historyLimit {
		h = slices.Clone(h[len(h)-historyLimit:])
	}
	m.history = h
}

// goneAt is when the lock e was last seen released: by a poll, or by our
// own release; the time of the last good poll when the history has
// forgotten it.
func (m Model) goneAt(e *model.Entry) time.Time {
	for i := len(m.history) - 1; i >= 0; i-- {
		if ev := m.history[i]; ev.kind == WriteRelease && !ev.unknown && keyOf(&ev.entry) == keyOf(e) {
			return ev.at
		}
	}
	return m.contextOf(e).lastOK
}

// describe is the history line of an event, raw (the view sanitizes).
func (ev event) describe() string {
	var s string
	switch {
	case ev.unknown:
		s = triedToRelease(ev.entry.Path())
	case ev.kind == WriteRelease:
		s = "released " + describeRelease(ev.entry, ev.at)
	case ev.kind == WriteRestore:
		s = "restored " + ev.entry.Path()
		if ev.entry.Kind == model.KindLock {
			s += " — " + model.OperationWord(ev.entry.Info.Operation) + " by " + sanitize.OrDash(ev.entry.Info.Who) + " again"
		}
	default:
		s = "repaired the digest of " + ev.entry.Path()
	}
	if ev.note != "" {
		s += " (" + ev.note + ")"
	}
	switch {
	case ev.recordID == "":
		s += " · seen gone"
	case ev.undoes != "":
		s += " · " + ev.byYou() + ", audit " + ev.recordID + " (undoes " + ev.undoes + ")"
	default:
		s += " · " + ev.byYou() + ", audit " + ev.recordID
	}
	return s
}

// byYou says that this session made the write, and as whom the audit
// log names it: what the team will read.
func (ev event) byYou() string {
	if ev.actor == "" {
		return "by you"
	}
	return "by you as " + ev.actor
}

func (m Model) historyView(w, h int) []string {
	s := m.styles
	lines := []string{" " + s.Context.Render("Releases and restores this session") + s.Dim.Render(" (newest first; h, esc or q goes back)"), ""}
	if len(m.history) == 0 {
		lines = append(lines, " "+s.Dim.Render("No lock has been released since lockwarden started."))
		return append(lines, m.teamLines(w, h-len(lines))...)
	}
	indent := strings.Repeat(" ", 11)
	for i := len(m.history) - 1; i >= 0 && len(lines) < h; i-- {
		ev := m.history[i]
		text := ev.describe()
		if m.fleet {
			// Which account it happened in comes first.
			text = ev.entry.Context + ": " + text
		}
		for j, l := range wrap(sanitize.Text(text), max(20, w-12)) {
			if j == 0 {
				l = " " + ev.at.In(m.cfg.Location).Format("15:04:05") + "  " + l
			} else {
				l = indent + l
			}
			lines = append(lines, l)
		}
	}
	if n := len(m.writes); n > 0 {
		lines = append(lines, "", " "+s.Dim.Render(fmt.Sprintf("%d write%s by you this session; they are listed again when lockwarden exits.", n, model.Plural(n, "", "s"))))
	}
	return append(lines, m.teamLines(w, h-len(lines))...)
}
