package ui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/lockwarden/lockwarden/model"
)

// marker is one symbol of the legend. Each symbol means one thing
// everywhere: in rows, the header, the status line and this legend.
type marker struct {
	symbol  string
	style   func(Styles) lipgloss.Style
	meaning string
}

// markers are the row markers, in the first column of the table.
func (m Model) markers() []marker {
	stale := "stale: held at least " + model.FormatThreshold(m.cfg.StaleAfter)
	if m.fleet {
		stale = "stale: held at least its context's stale_after"
	}
	return []marker{
		{"!", func(s Styles) lipgloss.Style { return s.Stale }, stale},
		{"+", func(s Styles) lipgloss.Style { return s.New }, "new since the previous refresh"},
		{"?", func(s Styles) lipgloss.Style { return s.Malformed }, "malformed: not a lock, not a digest"},
		{"·", func(s Styles) lipgloss.Style { return s.Digest }, "digest (-md5) item: not a lock (d)"},
		{"✗", func(s Styles) lipgloss.Style { return s.Warn }, "digest not matching its state (H)"},
		{"≠", func(s Styles) lipgloss.Style { return s.Warn }, "lock table and S3 lock file disagree"},
	}
}

// headerSymbols are the symbols of the header and the status line.
func (m Model) headerSymbols() []marker {
	return []marker{
		{"●", func(s Styles) lipgloss.Style { return s.Live }, "live"},
		{"⟳", func(s Styles) lipgloss.Style { return s.Live }, "refreshing"},
		{"⚠", func(s Styles) lipgloss.Style { return s.Warn }, "warning"},
		{"▼", func(s Styles) lipgloss.Style { return s.Key }, "descending sort (age: oldest first)"},
		{"▲", func(s Styles) lipgloss.Style { return s.Key }, "ascending sort (A to Z)"},
	}
}

// helpView lists every enabled binding, in the columns of FullHelp, and
// what every marker means. It scrolls like the detail view.
func (m Model) helpView(w int) []string {
	s := m.styles
	title := " " + s.Context.Render("Keys") + s.Dim.Render("  esc or q goes back; the movement keys also scroll details and help")
	switch {
	case m.readOnly():
		title = " " + s.Context.Render("Keys") + "  " + s.Badge.Render(" READ-ONLY ") + s.Dim.Render(" ctrl+d/x, u and R need --write")
	case m.fleet && m.readOnlyCount() > 0:
		title = " " + s.Context.Render("Keys") + s.Dim.Render(fmt.Sprintf("  ctrl+d/x, u and R work on rows of the contexts that may write; %d of %d are read-only (: shows which)", m.readOnlyCount(), len(m.contexts)))
	}
	lines := []string{title}
	var cols [][]string
	for _, group := range m.keys.FullHelp() {
		var col []string
		keyWidth := 0
		for _, b := range group {
			if b.Enabled() {
				keyWidth = max(keyWidth, lipgloss.Width(b.Help().Key))
			}
		}
		for _, b := range group {
			if b.Enabled() {
				col = append(col, s.Key.Render(fit(b.Help().Key, keyWidth))+" "+b.Help().Desc)
			}
		}
		cols = append(cols, col)
	}
	lines = append(lines, besideOrBelow(cols, w-1, 3)...)

	lines = append(lines, "", " "+s.Context.Render("Markers"))
	var legend []string
	for _, mk := range m.markers() {
		legend = append(legend, mk.style(s).Render(mk.symbol)+" "+mk.meaning)
	}
	half := (len(legend) + 1) / 2
	lines = append(lines, besideOrBelow([][]string{legend[:half], legend[half:]}, w-1, 2)...)
	var hs []string
	for _, mk := range m.headerSymbols() {
		hs = append(hs, mk.style(s).Render(mk.symbol)+" "+mk.meaning)
	}
	lines = append(lines, wrapItems(hs, w-2, "  ")...)
	reread := fmt.Sprintf("The table is re-read every %s", model.FormatThreshold(m.cfg.PollInterval))
	switch {
	case m.cfg.lockFiles() && m.cfg.Table == "":
		reread = fmt.Sprintf("The buckets are re-listed every %s (s3_poll_interval)", model.FormatThreshold(m.cfg.S3PollInterval))
	case m.cfg.lockFiles():
		reread += fmt.Sprintf(", the buckets every %s (s3_poll_interval)", model.FormatThreshold(m.cfg.S3PollInterval))
	}
	if m.fleet {
		reread = "Each context is read on its own schedule (its poll_interval, s3_poll_interval and read budget); : shows each one's health"
	}
	lines = append(lines, "", " "+s.Dim.Render(reread+"; ages tick every second."))
	return lines
}

// besideOrBelow sets columns of lines side by side, gap cells apart, when
// they fit in w; else one below the other. Each line starts with a space.
func besideOrBelow(cols [][]string, w, gap int) []string {
	widths := make([]int, len(cols))
	total, rows := 0, 0
	for i, c := range cols {
		for _, l := range c {
			widths[i] = max(widths[i], lipgloss.Width(l))
		}
		total += widths[i]
		rows = max(rows, len(c))
	}
	total += gap * (len(cols) - 1)
	var out []string
	if total > w {
		for _, c := range cols {
			for _, l := range c {
				out = append(out, " "+l)
			}
		}
		return out
	}
	for r := 0; r < rows; r++ {
		var cells []string
		for i, c := range cols {
			cell := ""
			if r < len(c) {
				cell = c[r]
			}
			if i < len(cols)-1 {
				cell = fit(cell, widths[i])
			}
			cells = append(cells, cell)
		}
		out = append(out, strings.TrimRight(" "+strings.Join(cells, strings.Repeat(" ", gap)), " "))
	}
	return out
}

// wrapItems puts items on as few lines of w cells as they fit, sep apart.
func wrapItems(items []string, w int, sep string) []string {
	var out []string
	line := ""
	for _, it := range items {
		switch {
		case line == "":
			line = it
		case lipgloss.Width(line)+len(sep)+lipgloss.Width(it) <= w:
			line += sep + it
		default:
			out = append(out, " "+line)
			line = it
		}
	}
	if line != "" {
		out = append(out, " "+line)
	}
	return out
}
