package ui

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/lockwarden/lockwarden/guard"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// undoFor is how long the status line offers u to undo a write.
const undoFor = 2 * time.Minute

// undoOffer is the write that u can still undo: a release, or a digest
// repair.
type undoOffer struct {
	recordID string
	// entry is the lock as it was released, or for a repair the digest
	// item as it was before (LockID "<path>-md5", Digest the old value).
	entry  model.Entry
	repair bool
	at     time.Time
	// restoring is set while the restore runs: u again does nothing.
	restoring bool
	// announced is the status text that announced the write: while it is
	// still on the status line, the offer joins it on one line.
	announced string
}

// what names the write for a person: "the release of tfstate/app".
func (u undoOffer) what() string {
	if u.repair {
		return "the digest repair of " + u.entry.Path()
	}
	return "the release of " + u.entry.Path()
}

// undoDialog asks whether to take the undo on offer. u alone must never
// re-lock a state: the last release may be of another lock than the one
// on screen. It is a plain struct; the root model carries out its answer.
type undoDialog struct {
	offer undoOffer
	focus int // focusCancel ("No") or focusConfirm ("Restore")
}

// undoAnswer is what a key did to the undo dialog.
type undoAnswer int

const (
	undoPending undoAnswer = iota
	undoNo
	undoYes
)

// handleKey moves the focus or answers. Enter presses the focused button;
// it starts on No, so a bare Enter answers No.
func (d *undoDialog) handleKey(msg tea.KeyPressMsg) undoAnswer {
	switch msg.String() {
	case "esc", "q", "n":
		return undoNo
	case "tab", "shift+tab", "left", "right", "h", "l":
		d.focus = 1 - d.focus
	case "enter":
		if d.focus == focusConfirm {
			return undoYes
		}
		return undoNo
	}
	return undoPending
}

// askUndo answers u: it opens the question, or says why there is none.
func (m Model) askUndo() (tea.Model, tea.Cmd) {
	switch {
	case m.undo == nil && m.readOnly() && m.fleet:
		m.setStatus(statusWarning, m.cfg.Now(), "read-only: no context here may write (: shows why for each), so there is nothing to undo")
		return m, nil
	case m.undo == nil && m.readOnly():
		m.writable(&model.Entry{Context: m.cfg.Context})
		return m, nil
	case m.undo == nil:
		m.setStatus(statusWarning, m.cfg.Now(), fmt.Sprintf("nothing to undo: u undoes lockwarden's last write for %s after it", model.FormatDuration(undoFor)))
		return m, nil
	case m.undo.restoring:
		// One restore at a time: a second u must not start another.
		return m, nil
	case !m.writable(&m.undo.entry):
		return m, nil
	}
	m.undoAsk = &undoDialog{offer: *m.undo, focus: focusCancel}
	return m, nil
}

func (m Model) onUndoDialogKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	// Copy on write: an older copy of the model must not see this key.
	d := *m.undoAsk
	m.undoAsk = &d
	switch d.handleKey(msg) {
	case undoNo:
		m.undoAsk = nil
		m.setStatus(statusInfo, m.cfg.Now(), "undo not taken; nothing changed")
	case undoYes:
		m.undoAsk = nil
		if m.undo == nil || m.undo.recordID != d.offer.recordID || m.undo.restoring {
			return m, nil
		}
		undo := *m.undo
		undo.restoring = true
		m.undo = &undo
		m.setStatus(statusInfo, m.cfg.Now(), "undoing "+undo.what()+"…")
		return m, m.restore()
	}
	return m, nil
}

// restoredMsg is the result of a restore: offer is what it undid.
type restoredMsg struct {
	offer undoOffer
	res   guard.Result
	err   error
}

func (m Model) restore() tea.Cmd {
	rel, offer := m.cfgOf(&m.undo.entry).Releaser, *m.undo
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		res, err := rel.Restore(ctx, offer.recordID)
		return restoredMsg{offer: offer, res: res, err: err}
	}
}

func (m Model) onRestored(msg restoredMsg) (tea.Model, tea.Cmd) {
	at := m.cfg.Now()
	m.undo = nil
	var unrecorded *guard.UnrecordedError
	where := m.contextPrefix(&msg.offer.entry)
	if msg.err != nil && !errors.As(msg.err, &unrecorded) {
		m.setStatus(statusError, at, where+msg.err.Error())
		return m, m.refreshAfterWrite(msg.offer.entry.Context)
	}
	w := Write{Kind: WriteRestore, Path: msg.offer.entry.Path(), RecordID: msg.res.RecordID, Actor: msg.res.Actor, Undoes: msg.offer.recordID}
	put := msg.offer.entry
	if !msg.offer.repair {
		put = msg.res.Entry
		put.Context = msg.offer.entry.Context
		w.Holder = holderOf(put)
		// Put back before any poll saw it gone: not ours to announce.
		if _, ok := m.ownGone[keyOf(&put)]; ok {
			ownGone := maps.Clone(m.ownGone) // see with
			delete(ownGone, keyOf(&put))
			m.ownGone = ownGone
		}
	}
	if unrecorded != nil {
		w.Note = "audit outcome not written"
	}
	m.recordWrite(w, put, at)
	switch {
	case unrecorded != nil:
		m.setStatus(statusWarning, at, where+unrecorded.Error())
	case msg.offer.repair:
		m.setStatus(statusInfo, at, where+fmt.Sprintf("restored the digest of %s as it was (audit %s)", w.Path, msg.res.RecordID))
	default:
		m.setStatus(statusInfo, at, where+fmt.Sprintf("restored %s: %s again (audit %s)", msg.res.Entry.Path(), guard.Describe(msg.res.Entry), msg.res.RecordID))
	}
	return m, m.refreshAfterWrite(msg.offer.entry.Context)
}

// expireUndo withdraws the undo offer after a while, but not while its
// question is on screen.
func (m *Model) expireUndo() {
	if m.undo != nil && m.undoAsk == nil && !m.undo.restoring && m.now.Sub(m.undo.at) >= undoFor {
		m.undo = nil
	}
}

// offerUndo puts the write just announced on the status line on offer.
func (m *Model) offerUndo(u undoOffer) {
	u.announced = m.status.text
	m.undo = &u
}

// undoLine is the status line's offer: what u would undo, with its audit
// record, for as long as the offer stands. joined reports that it already
// says what the status line would: the write's own announcement.
func (m Model) undoLine() (line string, joined bool) {
	u := m.undo
	if u == nil {
		return "", false
	}
	left := model.FormatDuration(max(0, undoFor-m.now.Sub(u.at)).Round(time.Second))
	if status := m.status.shownAt(m.now); !u.restoring && status != "" && status == u.announced {
		return fmt.Sprintf("%s — u to undo, %s left", status, left), true
	}
	path := elidePath(sanitize.Text(u.entry.Path()), max(20, m.width-4))
	if m.fleet {
		path = sanitize.Text(u.entry.Context) + ": " + path
	}
	what := "the release of " + path
	if u.repair {
		what = "the digest repair of " + path
	}
	if u.restoring {
		return fmt.Sprintf("undoing %s (audit %s)…", what, u.recordID), false
	}
	return fmt.Sprintf("u to undo %s (audit %s) · %s left", what, u.recordID, left), false
}

// undoView draws the undo question: which lock, whose, which record.
func (m Model) undoView(w int) []string {
	s := m.styles
	d := m.undoAsk
	u := d.offer
	inner := min(76, w-6)
	var body []string
	add := func(lines ...string) {
		for _, l := range lines {
			body = append(body, wrap(l, inner)...)
		}
	}
	when := u.at.In(m.cfg.Location).Format("15:04:05") + ", " + model.Ago(m.now, u.at)
	title := "Undo the release: lock this state again?"
	if m.fleet {
		add("in context " + m.contextMark(&u.entry))
	}
	add(s.Context.Render(sanitize.Text(u.entry.Path())))
	if u.repair {
		title = "Undo the digest repair?"
		add(fmt.Sprintf("repaired %s · audit %s", when, u.recordID), "")
		add("The digest goes back to " + sanitize.Text(sanitize.OrDash(u.entry.Digest)) + ", the value Terraform refused. It is written only if the digest is still the repaired one.")
	} else {
		add(sanitize.Text(guard.Describe(u.entry)), fmt.Sprintf("released %s · audit %s", when, u.recordID), "")
		add("The lock is put back exactly as it was, only if nothing holds the state now. Until it is released again, no Terraform run can take this state.")
	}
	add("", "Restore it?")
	return m.box(w, inner, title, body, buttons{focus: d.focus, cancel: "No", confirm: "Restore"})
}
