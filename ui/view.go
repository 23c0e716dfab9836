package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// View renders the whole screen. Only the visible rows are rendered, so
// the cost does not grow with the size of the table.
func (m Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = "lockwarden — " + sanitize.Text(m.watched())
	return v
}

func (m Model) render() string {
	w := m.width
	lines := m.header()
	var body []string
	bodyH := m.height - m.headerLines() - m.footerHeight()
	switch m.screen {
	case screenDetail:
		body = scrolled(m.detailView(w), m.detailTop, bodyH, m.styles)
	case screenHistory:
		body = m.historyView(w, bodyH)
	case screenHelp:
		body = scrolled(m.helpView(w), m.helpTop, bodyH, m.styles)
	case screenContexts:
		body = m.contextsView(w)
	default:
		body = m.mainView(w, bodyH)
	}
	body = padLines(body, bodyH)
	switch {
	case m.undoAsk != nil:
		body = overDialog(body, m.undoView(w), -1, w, bodyH)
	case m.dialog != nil:
		body = overDialog(body, m.dialogView(w), m.dialogAnchor(), w, bodyH)
	}
	lines = append(lines, body...)
	lines = append(lines, m.footer()...)
	for i, l := range lines {
		lines[i] = fit(l, w)
	}
	return strings.Join(lines, "\n")
}

// statusLines is the status line, or the error banner, wrapped to at most
// two lines so that a long error keeps its end visible.
func (m Model) statusLines() []string {
	s := m.styles
	var text string
	style := s.Status
	failing := m.failing()
	// In a fleet a failing context must not hide what was just said of
	// another (a release, a refusal): a fresh message goes first, and the
	// failure is named after it.
	status := m.status.shownAt(m.now)
	fresh := m.fleet && status != "" && m.now.Sub(m.status.at) < freshStatus
	switch {
	case len(failing) > 0 && fresh:
		names := make([]string, len(failing))
		for i, mem := range failing {
			names[i] = sanitize.Text(mem.cfg.Context)
		}
		text = status + " (" + model.Ago(m.now, m.status.at) + ") · ⚠ not updating: " + strings.Join(names, ", ") + " (: shows why)"
	case len(failing) > 0:
		mem := failing[0]
		retry := mem.nextRetry.Sub(m.now)
		data := "no data yet"
		if mem.loaded {
			data = "showing data from " + model.Ago(m.now, mem.lastOK)
		}
		// What matters most comes first.
		text = fmt.Sprintf("⚠ refresh failed %d× — %s, retrying in %s: %s",
			mem.failures, data, model.FormatDuration(max(0, retry)), sanitize.Text(mem.lastErr.Error()))
		if m.fleet {
			text = fmt.Sprintf("⚠ %s: refresh failed %d× — %s, retrying in %s: %s", sanitize.Text(mem.cfg.Context),
				mem.failures, data, model.FormatDuration(max(0, retry)), sanitize.Text(mem.lastErr.Error()))
			if len(failing) > 1 {
				text = fmt.Sprintf("⚠ %d contexts failing (: lists them) — ", len(failing)) + strings.TrimPrefix(text, "⚠ ")
			}
		}
		style = s.Warn
	case status != "":
		text = status + " (" + model.Ago(m.now, m.status.at) + ")"
		style = m.status.style(s)
	case len(m.notes()) > 0:
		text = "⚠ " + sanitize.Text(strings.Join(m.notes(), "; "))
		style = s.Warn
	}
	room := 2
	undo, joined := m.undoLine()
	if joined && len(failing) == 0 {
		// The offer says what the status line would.
		text = ""
	}
	if undo != "" {
		// The undo offer keeps its own line while it stands, whatever
		// else the status line says.
		room = 1
	}
	lines := wrap(text, max(10, m.width-2))
	if len(lines) > room {
		lines = lines[:room]
		lines[room-1] = ansi.Truncate(lines[room-1], max(10, m.width-3), "") + "…"
	}
	for i, l := range lines {
		lines[i] = " " + style.Render(l)
	}
	if undo != "" {
		if text == "" {
			lines = nil
		}
		// Two lines at most, so that a narrow screen still shows the
		// record ID and the time left.
		offer := wrap(undo, max(10, m.width-2))
		if len(offer) > 2 {
			offer = offer[:2]
		}
		for _, l := range offer {
			lines = append(lines, " "+s.Key.Render(l))
		}
	}
	return lines
}

// freshStatus is how long, in a fleet, a status message goes before a
// failing context's banner.
const freshStatus = 15 * time.Second

// footerHeight is the rule, the status (one or two lines) and the keys.
func (m Model) footerHeight() int { return 2 + len(m.statusLines()) }

func (m Model) footer() []string {
	s := m.styles
	var keys string
	switch {
	case m.filtering:
		keys = m.filter.View() + s.Dim.Render("   enter keep · esc clear")
	case m.undoAsk != nil:
		keys = s.Dim.Render("tab: other button · enter: press it · esc: No")
	case m.dialog != nil:
		keys = s.Dim.Render("type to confirm · tab: other button · enter: press it · esc: cancel")
	case m.screen == screenDetail:
		quit, undo := shown(m.keys.Quit, "ctrl+c", "quit"), shown(m.keys.Undo, "u", "undo")
		bindings := []key.Binding{m.keys.Back, m.keys.Copy, m.keys.Unlock, undo, m.keys.Refresh, quit}
		switch {
		case m.detail != nil && (m.detail.Kind == model.KindDigest || model.IsDigestKey(m.detail.LockID)):
			bindings = []key.Binding{m.keys.Back, m.keys.Repair, undo, m.keys.Refresh, quit}
		case m.detail == nil || m.cfgOf(m.detail).readOnly() || m.find(m.detail) == nil:
			// Nothing to release: read-only, or the lock is gone.
			bindings = []key.Binding{m.keys.Back, m.keys.Copy, m.keys.Refresh, quit}
		}
		keys = m.help.ShortHelpView(bindings)
	case m.screen != screenMain:
		keys = m.help.ShortHelpView([]key.Binding{m.keys.Back, shown(m.keys.Quit, "ctrl+c", "quit")})
	default:
		bindings := m.keys.ShortHelp()
		if m.readOnly() {
			// No context may write: the write keys only say
			// "read-only" here, room for the rest.
			bindings = slices.DeleteFunc(bindings, func(b key.Binding) bool {
				return slices.Equal(b.Keys(), m.keys.Unlock.Keys()) || slices.Equal(b.Keys(), m.keys.Undo.Keys())
			})
		}
		if m.keys.Contexts.Enabled() {
			bindings = append(bindings, m.keys.Contexts)
		}
		keys = m.help.ShortHelpView(bindings)
		if q := m.filter.Value(); q != "" {
			keys = s.Key.Render("filter: "+sanitize.Text(q)) + s.Dim.Render(" (esc clears) ") + keys
		}
	}
	lines := []string{s.Rule.Render(strings.Repeat("─", m.width))}
	lines = append(lines, m.statusLines()...)
	return append(lines, " "+keys)
}

// scrolled shows lines from top in h rows. When they do not all fit, the
// last row says where the view is and how to move, and holds no content.
func scrolled(lines []string, top, h int, s Styles) []string {
	if len(lines) <= h || h < 2 {
		return lines
	}
	rows := h - 1
	top = max(0, min(top, len(lines)-rows))
	out := append([]string(nil), lines[top:top+rows]...)
	hint := fmt.Sprintf(" lines %d–%d of %d", top+1, top+rows, len(lines))
	if below := len(lines) - top - rows; below > 0 {
		hint += " · j/↓ for more"
	}
	if top > 0 {
		hint += " · k/↑ back"
	}
	return append(out, s.Dim.Render(hint))
}

// watched says what the UI reads: "table T", "bucket B", or both; in a
// fleet, how many contexts (or the one ':' narrowed it to).
func (m Model) watched() string {
	if !m.fleet {
		return m.one().watched()
	}
	if m.only != "" {
		return "context " + m.only
	}
	return fmt.Sprintf("%d contexts", len(m.contexts))
}

// watched says what a context reads: "table T", "bucket B", or both.
func (mem *contextState) watched() string {
	var parts []string
	if mem.cfg.Table != "" {
		parts = append(parts, "table "+mem.cfg.Table)
	}
	switch len(mem.cfg.Buckets) {
	case 0:
	case 1:
		parts = append(parts, "bucket "+mem.cfg.Buckets[0])
	default:
		parts = append(parts, "buckets "+strings.Join(mem.cfg.Buckets, ", "))
	}
	return strings.Join(parts, " and ")
}

// placeWord names the place read in a sentence: "table", or "lock
// files" when there is no table.
func (mem *contextState) placeWord() string {
	if mem.cfg.Table == "" {
		return "lock files"
	}
	return "table"
}

// failing are the contexts whose last read failed, in order.
func (m Model) failing() []*contextState {
	var out []*contextState
	for i := range m.contexts {
		if m.contexts[i].failures > 0 {
			out = append(out, &m.contexts[i])
		}
	}
	return out
}

// notes are the warnings of the last reads (what could not be read of
// the lock files), each context's named in a fleet.
func (m Model) notes() []string {
	var out []string
	for i := range m.contexts {
		for _, n := range m.contexts[i].notes {
			if m.fleet {
				n = m.contexts[i].cfg.Context + ": " + n
			}
			out = append(out, n)
		}
	}
	return out
}
