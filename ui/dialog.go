package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/lockwarden/lockwarden/guard"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// Buttons of the dialog. Focus starts on Cancel.
const (
	focusCancel = iota
	focusConfirm
)

// unlockDialog is the typed confirmation of a force-unlock. It is a plain
// struct owned by the root model, not a tea.Model of its own.
type unlockDialog struct {
	entry model.Entry // as observed when the dialog opened
	// repair, when set, makes this the digest repair dialog.
	repair *model.DigestReport
	input  textinput.Model
	focus  int
	// second is set once the typed confirmation of a fresh lock, or of
	// one flagged ≠, was accepted and the second confirmation is showing.
	second bool
	// reasonStep is set once every confirmation is given in a context
	// that requires a reason: input then holds the operator's words.
	reasonStep bool
	why        string // what Enter could not do, said plainly
	busy       bool
}

// confirmation is what must be typed: the first 8 characters of the lock
// ID or of the new digest, or a malformed item's full LockID.
func (d *unlockDialog) confirmation() model.Confirmation {
	if d.repair != nil {
		return model.RepairConfirmation(d.repair.State.MD5)
	}
	return model.ConfirmationFor(d.entry)
}

// expected is the text that confirms.
func (d *unlockDialog) expected() string { return d.confirmation().Want }

func (m *Model) openUnlock(e *model.Entry) tea.Cmd {
	if !m.writable(e) {
		return nil
	}
	if e.Kind == model.KindDigest || model.IsDigestKey(e.LockID) {
		m.setStatus(statusWarning, m.cfg.Now(), "a digest (-md5) item is not a lock: lockwarden never deletes it as one")
		return nil
	}
	if m.find(e) == nil {
		// A detail view outlives its lock: there is nothing to confirm.
		m.setStatus(statusWarning, m.cfg.Now(), fmt.Sprintf("%s was already released (seen gone at %s)", e.Path(), m.goneAt(e).In(m.cfg.Location).Format("15:04:05")))
		return nil
	}
	m.dialog = &unlockDialog{entry: *e, input: newDialogInput(), focus: focusCancel}
	return m.dialog.input.Focus()
}

// onDialogKey hands a key to the open unlock or repair dialog and carries
// out what it answers: close it, release, repair, or keep it open.
func (m Model) onDialogKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	// Copy on write: the model is a value, and an older copy of it must
	// not see this key.
	copied := *m.dialog
	d := &copied
	m.dialog = d
	cfg := m.cfgOf(&d.entry)
	switch a := d.handleKey(msg, m.cfg.Now(), cfg.StaleAfter, cfg.RequireReason).(type) {
	case dialogCancel:
		m.dialog = nil
		m.setStatus(statusInfo, m.cfg.Now(), "force-unlock cancelled; nothing changed")
	case dialogRelease:
		return m, m.release(d.entry, a.fresh, a.flagged, a.why)
	case dialogRepair:
		return m, m.repairDigest(d.entry.Context, *d.repair)
	case dialogOpen:
		return m, a.cmd
	}
	return m, nil
}

// dialogAction is what a key did to the unlock or repair dialog, for the
// root model to carry out: the dialog itself writes nothing.
type dialogAction interface{ isDialogAction() }

// dialogCancel closes the dialog: nothing changed.
type dialogCancel struct{}

// dialogRelease releases the lock, confirmed; fresh and flagged say which
// second confirmation was given, why is the operator's reason.
type dialogRelease struct {
	fresh, flagged bool
	why            string
}

// dialogRepair repairs the digest, confirmed.
type dialogRepair struct{}

// dialogOpen keeps the dialog open; cmd is its input's (a cursor blink).
type dialogOpen struct{ cmd tea.Cmd }

func (dialogCancel) isDialogAction()  {}
func (dialogRelease) isDialogAction() {}
func (dialogRepair) isDialogAction()  {}
func (dialogOpen) isDialogAction()    {}

// handleKey moves the dialog on by one key and answers what to do. Enter
// presses the focused button, and focus starts on Cancel: a bare Enter
// cancels. A fresh lock or one flagged ≠ takes a second confirmation; a
// context that requires a reason asks for it last. now and staleAfter
// judge freshness, as the release will.
func (d *unlockDialog) handleKey(msg tea.KeyPressMsg, now time.Time, staleAfter time.Duration, requireReason bool) dialogAction {
	if d.busy {
		return dialogOpen{}
	}
	switch msg.String() {
	case "esc":
		return dialogCancel{}
	case "tab", "shift+tab", "left", "right":
		d.focus = 1 - d.focus
		return dialogOpen{}
	case "enter":
		return d.enter(now, staleAfter, requireReason)
	}
	if d.second && !d.reasonStep {
		return dialogOpen{}
	}
	var cmd tea.Cmd
	d.input, cmd = d.input.Update(msg)
	d.why = ""
	switch {
	case d.reasonStep && strings.TrimSpace(d.input.Value()) != "":
		d.focus = focusConfirm
	case d.reasonStep:
		d.focus = focusCancel
	case strings.TrimSpace(d.input.Value()) == d.expected():
		d.focus = focusConfirm
	}
	return dialogOpen{cmd: cmd}
}

// enter presses the focused button.
func (d *unlockDialog) enter(now time.Time, staleAfter time.Duration, requireReason bool) dialogAction {
	if d.focus == focusCancel {
		// A bare Enter lands here: it cancels, never confirms.
		return dialogCancel{}
	}
	fresh := d.entry.FreshAt(now, staleAfter)
	flagged := d.entry.Warning != ""
	if d.reasonStep {
		why := strings.TrimSpace(d.input.Value())
		if why == "" {
			d.why = "say why first: this context keeps a reason for every release"
			return dialogOpen{}
		}
		d.busy = true
		return dialogRelease{fresh: fresh, flagged: flagged, why: why}
	}
	if strings.TrimSpace(d.input.Value()) != d.expected() {
		d.why = "type " + d.confirmation().Ask(sanitize.Text) + " first"
		return dialogOpen{}
	}
	if d.repair != nil {
		d.busy = true
		return dialogRepair{}
	}
	if (fresh || flagged) && !d.second {
		d.second, d.focus, d.why = true, focusCancel, ""
		return dialogOpen{}
	}
	if requireReason {
		d.reasonStep, d.focus, d.why = true, focusCancel, ""
		d.input = newDialogInput()
		d.input.Placeholder = "e.g. CI job 4711 was killed"
		return dialogOpen{cmd: d.input.Focus()}
	}
	d.busy = true
	return dialogRelease{fresh: fresh, flagged: flagged}
}

// newDialogInput is the text field of a dialog.
func newDialogInput() textinput.Model {
	in := textinput.New()
	in.Prompt = "> "
	in.CharLimit = 1024
	in.SetWidth(40)
	return in
}

func (m Model) typeWhat() string { return m.dialog.confirmation().Ask(sanitize.Text) }

// openRepair opens the digest repair dialog for a probed digest.
func (m *Model) openRepair(e *model.Entry) tea.Cmd {
	if !m.writable(e) {
		return nil
	}
	r, ok := m.probes[pathKey(e)]
	switch {
	case e.Kind != model.KindDigest && !model.IsDigestKey(e.LockID):
		m.setStatus(statusWarning, m.cfg.Now(), "R repairs a digest: open a digest (-md5) row (d shows them), then R")
		return nil
	case !ok || r.Err != nil:
		m.setStatus(statusWarning, m.cfg.Now(), "the state object has not been read yet: wait for the State line, then R")
		return nil
	case !hasDigestItem(r):
		m.setStatus(statusWarning, m.cfg.Now(), "this state has no digest item: nothing to repair")
		return nil
	}
	// The service's own rule, asked before the dialog opens.
	if err := guard.CheckRepair(r); err != nil {
		m.setStatus(statusWarning, m.cfg.Now(), err.Error())
		return nil
	}
	m.dialog = &unlockDialog{entry: *e, repair: &r, input: newDialogInput(), focus: focusCancel}
	return m.dialog.input.Focus()
}

// dialogView draws the confirmation box.
func (m Model) dialogView(w int) []string {
	s := m.styles
	d := m.dialog
	e := d.entry
	inner := min(76, w-6)
	var body []string
	add := func(lines ...string) {
		for _, l := range lines {
			body = append(body, wrap(l, inner)...)
		}
	}
	if d.repair != nil {
		return m.repairView(w, inner)
	}
	title := "Force-unlock a stale lock"
	now := m.cfg.Now()
	age := e.AgeAt(now)
	staleAfter := m.cfgOf(&e).StaleAfter
	fresh := e.FreshAt(now, staleAfter)
	switch {
	case e.Kind == model.KindMalformed:
		title = "Remove a malformed item"
	case e.Warning != "":
		title = "Force-unlock a lock whose places disagree (≠)"
	case fresh:
		title = "Force-unlock a lock that is NOT stale"
	}
	if m.fleet {
		// Several contexts on screen: say which account this write goes to.
		add("in context " + m.contextMark(&e))
	}
	add(s.Context.Render(sanitize.Text(e.LockID)))
	if e.Kind == model.KindMalformed {
		add(s.Malformed.Render("malformed: "+sanitize.Text(e.Problem)), "")
		add("It blocks Terraform like a lock, and no client can release it. The item is deleted only if it is still exactly as shown; the removal is audited and can be undone with u.")
	} else {
		add(fmt.Sprintf("held by %s · %s · %s · for %s (threshold %s)", sanitize.Text(e.Info.Who), sanitize.Text(model.OperationWord(e.Info.Operation)),
			sanitize.Text(e.Info.Version), age, model.FormatThreshold(staleAfter)), "ID "+sanitize.Text(e.Info.ID), "")
		switch {
		case d.second:
			// The warning below says it plainly; the buttons must fit.
		case m.height < 30:
			add("If that run is still going, a second run may write the same state. Deleted only if unchanged; audited; u undoes it.")
		default:
			add("If that run is still going, releasing its lock lets a second run write the same state. The item is deleted only if it is still exactly the lock shown here; the removal is audited and can be undone with u.")
		}
		if e.File != nil && !d.second {
			if note := m.cfgOf(&e).LockFileNotes[e.File.Bucket]; note != "" {
				add(s.Warn.Render("⚠ " + sanitize.Text(note) + "."))
			}
		}
	}
	if !d.second {
		add("")
	}
	if d.reasonStep {
		add("This context keeps a reason for every release. Why is this lock being released? (kept in the audit log)")
		body = append(body, d.input.View())
	} else if d.second {
		if e.Warning != "" {
			add(s.Warn.Render("≠ "+sanitize.Text(e.Warning)+"."), "")
			if e.Split() {
				add("Only the lock-table item held by ID "+sanitize.Text(e.Info.ID)+" is released; the S3 lock file stays.", "")
			}
		}
		if fresh {
			add(s.Stale.Render(fmt.Sprintf("This lock is only %s old, under the %s threshold: its run is probably still going.", age, model.FormatThreshold(staleAfter))),
				s.Stale.Render("Releasing it will make that run fail, and two writers may corrupt the state."), "")
		}
		add("Release it anyway?")
	} else {
		add("Type " + m.typeWhat() + " to confirm:")
		body = append(body, d.input.View())
	}
	confirmLabel := "Unlock"
	if d.second {
		confirmLabel = "Release anyway"
	}
	return m.box(w, inner, title, body, buttons{focus: d.focus, cancel: "Cancel", confirm: confirmLabel, why: d.why, busy: d.busy})
}

// buttons are a dialog's two buttons and what ends its body.
type buttons struct {
	focus           int
	cancel, confirm string
	why             string // what Enter could not do
	busy            bool   // a write is under way
}

// box frames a dialog's body with its buttons; render lays it over the
// screen. What Enter could not do, and a write under way, end every body.
func (m Model) box(w, inner int, title string, body []string, b buttons) []string {
	s := m.styles
	if b.why != "" {
		body = append(body, wrap(s.Warn.Render(b.why), inner)...)
	}
	if b.busy {
		body = append(body, s.Dim.Render("working…"))
	}
	cancel, confirm := " "+b.cancel+" ", " "+b.confirm+" "
	if b.focus == focusCancel {
		cancel = s.Selected.Render("[" + cancel + "]")
		confirm = " " + confirm + " "
	} else {
		cancel = " " + cancel + " "
		confirm = s.Selected.Render("[" + confirm + "]")
	}
	buttons := cancel + "   " + confirm
	body = append(body, "", strings.Repeat(" ", max(0, inner-lipgloss.Width(buttons)))+buttons)
	box := s.Dialog.Width(inner + 4).Render(s.Title.Render(title) + "\n\n" + strings.Join(body, "\n"))
	return strings.Split(box, "\n")
}

// overDialog lays a dialog's box over the screen's body (h rows of w
// cells), centred across, so that what the dialog is about stays in sight
// above or below it. The row at anchor (the body's row of the lock being
// released; -1 for none) is kept clear: the box goes below it when it fits
// there, else above it, else a row from the top as with no anchor.
func overDialog(body, box []string, anchor, w, h int) []string {
	y := 1
	switch boxH := len(box); {
	case anchor < 0:
	case anchor+1+boxH <= h:
		y = anchor + 1
	case anchor-boxH >= 0:
		y = anchor - boxH
	}
	x := max(0, (w-lipgloss.Width(box[0]))/2)
	// The rows the box stands on are cleared across: a row cut by the box
	// reads as another row ("! env:/pro"), so only whole rows show.
	body = slices.Clone(body)
	for i := y; i < min(len(body), y+len(box)); i++ {
		body[i] = ""
	}
	layers := lipgloss.NewCompositor(
		lipgloss.NewLayer(strings.Join(body, "\n")),
		lipgloss.NewLayer(strings.Join(box, "\n")).X(x).Y(y).Z(1),
	)
	return padLines(strings.Split(lipgloss.NewCanvas(w, h).Compose(layers).Render(), "\n"), h)
}

// dialogAnchor is the body's row of the lock a dialog is about: the
// cursor's row when the dialog opened from the table, else -1.
func (m Model) dialogAnchor() int {
	if m.dialog == nil || m.undoAsk != nil || m.screen != screenMain {
		return -1
	}
	return 1 + m.cursor - m.offset // under the table's header
}

// repairView draws the digest repair dialog.
func (m Model) repairView(w, inner int) []string {
	s := m.styles
	d := m.dialog
	r := d.repair
	var body []string
	add := func(lines ...string) {
		for _, l := range lines {
			body = append(body, wrap(l, inner)...)
		}
	}
	serial := r.State.SerialText()
	if m.fleet {
		add("in context " + m.contextMark(&d.entry))
	}
	add(s.Context.Render(sanitize.Text(r.Path)),
		fmt.Sprintf("digest %s (%s)", sanitize.Text(sanitize.OrDash(r.Stored)), r.Status),
		fmt.Sprintf("state object: MD5 %s · serial %s · lineage %s · written %s", r.State.MD5, serial, sanitize.Text(sanitize.OrDash(r.State.Lineage)),
			r.State.LastModified.UTC().Format("2006-01-02 15:04:05 UTC")), "")
	add("Check the state object first: after the repair Terraform accepts whatever it holds, even a truncated or rolled-back state. The digest is written only if it is still as shown; the change is audited and can be undone with u.", "")
	add("Type " + m.typeWhat() + " to confirm:")
	body = append(body, d.input.View())
	return m.box(w, inner, "Repair a state digest", body, buttons{focus: d.focus, cancel: "Cancel", confirm: "Repair", why: d.why, busy: d.busy})
}
