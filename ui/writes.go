package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/guard"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// This file carries out what a dialog confirms: the guarded release and
// digest repair run in commands (never in Update), and their results come
// back as messages that say on the status line what happened and note the
// write in the history and the undo offer.

// Releaser is the guarded write path (guard.Service).
type Releaser interface {
	Release(ctx context.Context, observed model.Entry, req model.ReleaseRequest, reason string) (guard.Result, error)
	Restore(ctx context.Context, recordID string) (guard.Result, error)
	RepairDigest(ctx context.Context, observed model.DigestReport, reason string) (guard.Result, error)
}

// releasedMsg is the result of a release.
type releasedMsg struct {
	entry model.Entry
	res   guard.Result
	err   error
}

// release runs the guarded path in a command; the guards are checked
// again there, and the delete is conditioned on the observed item.
func (m Model) release(e model.Entry, fresh, flagged bool, why string) tea.Cmd {
	cfg := m.cfgOf(&e)
	rel, now, staleAfter := cfg.Releaser, m.cfg.Now(), cfg.StaleAfter
	confirmID := e.Info.ID
	if e.Kind == model.KindMalformed {
		confirmID = e.LockID
	}
	reason := model.ReleaseNote(e, now, staleAfter, fresh, flagged, true)
	req := model.ReleaseRequest{ConfirmID: confirmID, AllowFresh: fresh, AllowSplit: flagged, Now: now, StaleAfter: staleAfter,
		Reason: why, RequireReason: cfg.RequireReason}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		res, err := rel.Release(ctx, e, req, reason)
		return releasedMsg{entry: e, res: res, err: err}
	}
}

// onReleased closes the dialog and says how the release ended: done,
// partly done, refused because the lock changed, or of unknown outcome.
func (m Model) onReleased(msg releasedMsg) (tea.Model, tea.Cmd) {
	m.dialog = nil
	at := m.cfg.Now()
	// In a fleet every message says which account it was.
	where := m.contextPrefix(&msg.entry)
	var changed *guard.ChangedError
	var partial *guard.PartialError
	var unrecorded *guard.UnrecordedError
	switch {
	case errors.As(msg.err, &partial):
		// The lock file is gone, the item is not: written all the same.
		m.recordWrite(Write{Kind: WriteRelease, Path: msg.entry.Path(), Holder: holderOf(msg.entry), RecordID: partial.RecordID, Actor: msg.res.Actor,
			Note: "partly: the lock-table item was not removed"}, msg.entry, at)
		m.setStatus(statusError, at, where+msg.err.Error())
	case errors.As(msg.err, &unrecorded):
		// Released all the same: say so, and keep the undo on offer.
		m.setStatus(statusWarning, at, where+unrecorded.Error())
		m.released(msg.entry, msg.res, "audit outcome not written", at)
	case errors.As(msg.err, &changed):
		m.setStatus(statusError, at, where+changed.Error())
	case errors.Is(msg.err, lwaws.ErrOutcomeUnknown):
		// It may have gone: keep the record ID where the operator sees
		// it, and in the session's writes.
		m.setStatus(statusError, at, where+fmt.Sprintf("outcome unknown (audit %s): %s — press r to re-read: a lock still listed is still held", msg.res.RecordID, msg.err.Error()))
		m.recordWrite(Write{Kind: WriteRelease, Path: msg.entry.Path(), Holder: holderOf(msg.entry), RecordID: msg.res.RecordID, Actor: msg.res.Actor, Unknown: true}, msg.entry, at)
	case msg.err != nil:
		text := msg.err.Error()
		if !strings.HasPrefix(text, "not released") && !strings.HasPrefix(text, "nothing released") {
			text = "not released: " + text // said once
		}
		m.setStatus(statusError, at, where+text)
	default:
		m.setStatus(statusInfo, at, where+fmt.Sprintf("released %s (audit %s)", msg.entry.Path(), msg.res.RecordID))
		m.released(msg.entry, msg.res, "", at)
	}
	return m, m.refreshAfterWrite(msg.entry.Context)
}

// released notes a release of ours, once announced on the status line: in
// the writes, the history (the next poll will not announce it again) and
// the undo offer.
func (m *Model) released(e model.Entry, res guard.Result, note string, at time.Time) {
	recordID := res.RecordID
	m.recordWrite(Write{Kind: WriteRelease, Path: e.Path(), Holder: holderOf(e), RecordID: recordID, Actor: res.Actor, Note: note}, e, at)
	m.ownGone = with(m.ownGone, keyOf(&e), e.Info.ID)
	m.offerUndo(undoOffer{recordID: recordID, entry: e, at: at})
}

// repairedMsg is the result of a digest repair.
type repairedMsg struct {
	context string             // the digest's context
	report  model.DigestReport // as observed when the repair was confirmed
	res     guard.Result
	err     error
}

// repairDigest runs the guarded digest repair in a command, against the
// digest as observed when the dialog was confirmed.
func (m Model) repairDigest(ctxName string, r model.DigestReport) tea.Cmd {
	i := m.contextIndex(ctxName)
	if i < 0 || m.contexts[i].cfg.readOnly() {
		// Never another context's write path: refuse.
		return func() tea.Msg {
			return repairedMsg{context: ctxName, report: r, err: fmt.Errorf("context %q may not write here", ctxName)}
		}
	}
	rel := m.contexts[i].cfg.Releaser
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		res, err := rel.RepairDigest(ctx, r, fmt.Sprintf("digest %s, state object MD5 %s; confirmed in the UI", sanitize.OrDash(r.Stored), r.State.MD5))
		return repairedMsg{context: ctxName, report: r, res: res, err: err}
	}
}

// onRepaired closes the dialog, says how the repair ended and offers its
// undo.
func (m Model) onRepaired(msg repairedMsg) (tea.Model, tea.Cmd) {
	m.dialog = nil
	at := m.cfg.Now()
	var unrecorded *guard.UnrecordedError
	if msg.err != nil && !errors.As(msg.err, &unrecorded) {
		m.setStatus(statusError, at, m.contextPrefix(&model.Entry{Context: msg.context})+"not repaired: "+msg.err.Error())
		return m, m.refreshAfterWrite(msg.context)
	}
	path := msg.report.Path
	digest := model.Entry{Kind: model.KindDigest, LockID: path + model.DigestSuffix, Digest: msg.report.Stored, Context: msg.context}
	note := ""
	if unrecorded != nil {
		note = "audit outcome not written"
	}
	m.recordWrite(Write{Kind: WriteRepair, Path: path, RecordID: msg.res.RecordID, Actor: msg.res.Actor, Note: note}, digest, at)
	m.setStatus(statusInfo, at, m.contextPrefix(&digest)+fmt.Sprintf("digest of %s repaired (audit %s)", path, msg.res.RecordID))
	if unrecorded != nil {
		m.setStatus(statusWarning, at, m.contextPrefix(&digest)+unrecorded.Error())
	}
	m.offerUndo(undoOffer{recordID: msg.res.RecordID, entry: digest, repair: true, at: at})
	var reprobe tea.Cmd
	if m.detail != nil {
		reprobe = m.probe(m.detail)
	}
	return m, tea.Batch(m.refreshAfterWrite(msg.context), reprobe)
}
