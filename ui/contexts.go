package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/charmbracelet/x/ansi"
	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// This file is the context switcher (':'): choosing another configured
// context, and taking over its connection when the switch comes back; in
// a fleet, narrowing the rows to one context, or back to all. Both views
// of it are here, side by side: they differ in what they say.

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

func (m Model) contextsView(w int) []string {
	if m.fleet {
		return m.fleetContextsView(w)
	}
	s := m.styles
	lines := []string{" " + s.Context.Render("Switch context") + s.Dim.Render(" (enter switches, esc goes back)"), ""}
	// Each context says how it is reached: two contexts with the same
	// table in other regions or accounts must not look alike.
	nameWidth := 0
	for _, c := range m.cfg.Contexts {
		nameWidth = max(nameWidth, ansi.StringWidth(sanitize.Text(c)))
	}
	nameWidth = min(nameWidth, max(8, w/3))
	for i, c := range m.cfg.Contexts {
		name := fit(sanitize.Text(c), nameWidth)
		where := sanitize.Text(m.cfg.ContextsWhere[c])
		if c == m.cfg.Context {
			where += "  (current)"
		}
		line := "   " + name + "  " + s.Dim.Render(fit(where, max(10, w-nameWidth-6)))
		if i == m.ctxCursor {
			line = s.Selected.Render(fit(" ▸ "+name+"  "+where, w-1))
		}
		lines = append(lines, line)
	}
	return lines
}

// fleetContextsView is ':' in a fleet: every context with its health, what
// it reads and why it is slow or failing; enter narrows the rows to one
// context, or shows all again.
func (m Model) fleetContextsView(w int) []string {
	s := m.styles
	lines := []string{" " + s.Context.Render("Contexts") + s.Dim.Render(" (enter shows only that context's rows, esc goes back)"), ""}
	choices := m.contextChoices()
	indent := strings.Repeat(" ", 3+config.MaxMarkWidth+2)
	for i, c := range choices {
		prefix := "   "
		if c == m.only {
			prefix = " • "
		}
		if i == m.ctxCursor {
			prefix = " ▸ "
		}
		if c == "" {
			line := prefix + fmt.Sprintf("every context (%d)", len(m.contexts))
			if i == m.ctxCursor {
				line = s.Selected.Render(fit(line, w-1))
			}
			lines = append(lines, line)
			continue
		}
		// A context's health is wrapped, never cut: why it fails is the
		// part a person came here for.
		mem := &m.contexts[m.contextIndex(c)]
		mark := fit(config.ShownMark(mem.cfg.mark()), config.MaxMarkWidth)
		for j, l := range wrap(mem.healthLine(m), max(20, w-len(indent)-1)) {
			line := indent + l
			if j == 0 {
				line = prefix + mark + "  " + l
				if i == m.ctxCursor {
					line = s.Selected.Render(fit(ansi.Strip(line), w-1))
				}
			}
			lines = append(lines, line)
		}
	}
	return lines
}

// healthLine is a context's whole health for the ':' list: its name,
// what it reads, live or failing and why, the age of its last good read,
// the read budget and read-only.
func (mem *contextState) healthLine(m Model) string {
	var parts []string
	name := sanitize.Text(mem.cfg.Context)
	if mem.cfg.Label != "" {
		name += " (" + sanitize.Text(mem.cfg.Label) + ")"
	}
	parts = append(parts, name, sanitize.Text(mem.watched()))
	parts = append(parts, sanitize.Text(mem.cfg.Where()))
	switch {
	case mem.failures > 0:
		last := "never read"
		if mem.loaded {
			last = "last read " + model.Ago(m.now, mem.lastOK)
		}
		parts = append(parts, fmt.Sprintf("⚠ failing %d× (%s, retry in %s): %s", mem.failures, last,
			model.FormatDuration(max(0, mem.nextRetry.Sub(m.now))), sanitize.Text(mem.lastErr.Error())))
	case !mem.loaded:
		parts = append(parts, "⟳ reading…")
	case len(mem.unread) > 0:
		for _, u := range mem.unread {
			parts = append(parts, "⚠ partly read: "+sanitize.Text(u.Place)+" not read: "+sanitize.Text(sanitize.OneLine(u.Why)))
		}
	default:
		parts = append(parts, "● live, read "+model.Ago(m.now, mem.lastOK))
	}
	if b := mem.budgetLine(m.now, false); b != "" {
		parts = append(parts, b)
	}
	if mem.cfg.readOnly() {
		parts = append(parts, "read-only")
	}
	return strings.Join(parts, " · ")
}
