package ui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/lockwarden/lockwarden/sanitize"
)

// This file is the context switcher (':'): choosing another configured
// context, and taking over its connection when the switch comes back; in
// a fleet, narrowing the rows to one context, or back to all.

func (m Model) onContextsKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	choices := m.contextChoices()
	switch {
	case key.Matches(msg, m.keys.Up):
		m.ctxCursor = max(0, m.ctxCursor-1)
	case key.Matches(msg, m.keys.Down):
		m.ctxCursor = min(len(choices)-1, m.ctxCursor+1)
	case key.Matches(msg, m.keys.Detail) && m.fleet:
		m.screen = screenMain
		m.only = choices[m.ctxCursor]
		m.sumCounts()
		m.rebuildRows()
		if m.only == "" {
			m.setStatus(statusInfo, m.cfg.Now(), "showing every context")
		} else {
			m.setStatus(statusInfo, m.cfg.Now(), "showing context "+m.only+" only (: shows every context again)")
		}
		return m, nil
	case key.Matches(msg, m.keys.Detail):
		name := choices[m.ctxCursor]
		m.screen = screenMain
		if name == m.cfg.Context {
			return m, nil
		}
		m.setStatus(statusInfo, m.cfg.Now(), "switching to context "+name+"…")
		sw := m.cfg.Switch
		return m, func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			src, cfg, err := sw(ctx, name)
			return switchedMsg{src: src, cfg: cfg, err: err}
		}
	}
	return m, nil
}

func (m Model) onSwitched(msg switchedMsg) (tea.Model, tea.Cmd) {
	if msg.err == nil && (m.dialog != nil || m.undoAsk != nil || m.undo != nil && m.undo.restoring) {
		// A confirmation or a write of this context is under way: the
		// switch must not take its answer to another context.
		m.setStatus(statusWarning, m.cfg.Now(), "switch to "+msg.cfg.Context+" not made: a write of "+sanitize.OrDash(m.cfg.Context)+" is open or under way; press : again when it is done")
		return m, nil
	}
	if msg.err != nil {
		m.setStatus(statusError, m.cfg.Now(), "cannot switch context: "+msg.err.Error())
		return m, nil
	}
	cfg := msg.cfg
	cfg.defaults()
	next := New(cfg, msg.src)
	next.width, next.height, next.styles, next.help = m.width, m.height, m.styles, m.help
	// What was written stays listed for the summary after exit; the
	// order a person chose stays too.
	next.writes, next.sortKey, next.sortReverse = m.writes, m.sortKey, m.sortReverse
	next.one().gen = m.one().gen + 1 // replies for the old context are dropped
	next.switches = m.switches + 1
	next.setStatus(statusInfo, cfg.Now(), "switched to context "+cfg.Context)
	return next, tea.Batch(next.scan(0), next.describe(0))
}
