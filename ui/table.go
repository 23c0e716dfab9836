package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// This file draws the main pane, the lock table: its columns, laid out
// once for a width, one row per entry, and what stands in its place when
// there is nothing to list (no rows, or no read yet).

// columns is the table layout for one width: each of model.Columns'
// width, by ColumnID; 0 where the column is not shown.
type columns [model.NumColumns]int

const (
	markerWidth = 2
	colGap      = 2
)

// layoutFor lays model.Columns out for width: SOURCE when lock files are
// watched (sources), CONTEXT ctx wide in a fleet (0: none), the columns
// with a MinTerminal only from that width; STATE and WHO share the rest.
func layoutFor(width int, sources bool, ctx int) columns {
	var c columns
	shown, fixed := 0, markerWidth
	for _, col := range model.Columns {
		w := col.Width
		switch {
		case col.ID == model.ColContext:
			w = ctx
		case col.ID == model.ColSource && !sources, width < col.MinTerminal:
			w = 0
		case w == 0: // STATE and WHO: sized below
			shown++
			continue
		}
		if w > 0 {
			c[col.ID], fixed, shown = w, fixed+w, shown+1
		}
	}
	rest := max(20, width-fixed-colGap*(shown-1))
	c[model.ColWho] = max(10, min(30, rest*35/100))
	c[model.ColState] = rest - c[model.ColWho]
	return c
}

// header names the columns; the sorted one carries the sort's arrow. state
// is the STATE column's own header, from statePaths.
func (c columns) header(sortKey model.SortKey, arrow, state string) string {
	var cells []string
	for _, col := range model.Columns {
		switch w := c[col.ID]; {
		case w == 0:
		case col.ID == model.ColState:
			cells = append(cells, fit(state, w))
		case col.Sort == sortKey:
			cells = append(cells, fit(col.Title+" "+arrow, w))
		default:
			cells = append(cells, fit(col.Title, w))
		}
	}
	return strings.Repeat(" ", markerWidth) + strings.Join(cells, strings.Repeat(" ", colGap))
}

// mainView is the table in h rows: its header, then the rows from the
// scroll offset, the cursor's highlighted.
func (m Model) mainView(w, h int) []string {
	s := m.styles
	if !m.anyLoaded() {
		return m.noDataView(w)
	}
	c := layoutFor(w, m.lockFiles(), m.contextWidth())
	end := max(0, min(len(m.rows), m.offset+h-1))
	visible := m.rows[min(m.offset, end):end]
	paths := make([]string, len(visible))
	for i, e := range visible {
		paths[i] = shownPath(e)
	}
	arrow := ""
	if m.sortKey == model.SortPath {
		arrow = m.sortArrow()
	}
	// What the visible rows share goes to the header, once.
	cells, state := statePaths(paths, c[model.ColState], arrow)
	lines := []string{s.Header.Render(fit(c.header(m.sortKey, m.sortArrow(), state), w))}
	if len(m.rows) == 0 {
		return append(lines, m.emptyView(w)...)
	}
	for i, e := range visible {
		lines = append(lines, m.row(e, cells[i], c, m.offset+i == m.cursor, w))
	}
	return lines
}

// shownPath is the state path a row stands for, sanitized: a malformed
// row's key as stored, -md5 and all.
func shownPath(e *model.Entry) string {
	return sanitize.Text(model.Columns[model.ColState].Cell(e, time.Time{}))
}

// row renders one entry, its state path shown as path (from statePaths).
// Stale, new and malformed rows carry a marker symbol and a style, never
// colour alone.
func (m Model) row(e *model.Entry, path string, c columns, selected bool, w int) string {
	s := m.styles
	marker, who, age := " ", "", ""
	var mark, ageStyle, whoStyle *lipgloss.Style
	switch e.Kind {
	case model.KindLock:
		who = sanitize.OrDash(e.Info.Who)
		a := e.AgeAt(m.now)
		age = a.String()
		if a.ClockAhead {
			age = "ahead " + model.FormatDuration(a.Ahead)
			ageStyle = &s.Warn
		}
		switch marker = model.Marker(e, m.now, m.cfgOf(e).StaleAfter); {
		case marker == model.MarkSplit:
			mark = &s.Warn
		case marker == model.MarkStale:
			mark, ageStyle = &s.Stale, &s.Stale
		case m.isNew(e):
			marker, mark = "+", &s.New
		}
	case model.KindDigest:
		marker, who, age = "·", e.Digest, "—"
		mark, whoStyle = &s.Digest, &s.Digest
		if health, bad := m.digestHealth(e); health != "" {
			who = health + " · " + e.Digest
			if bad {
				marker, mark, whoStyle = "✗", &s.Warn, &s.Warn
			}
		}
	default:
		marker, who, age = model.MarkMalformed, e.Problem, "—"
		mark, whoStyle = &s.Malformed, &s.Malformed
	}
	// Each column's cell, and its style: the columns' plain values, but
	// for the UI's own: the context's mark, the state as statePaths cut
	// it, the holder (or a digest's health, a malformed item's problem)
	// and the age (a clock ahead said short).
	var cells []string
	for _, col := range model.Columns {
		width := c[col.ID]
		if width == 0 {
			continue
		}
		var text string
		var style *lipgloss.Style
		switch col.ID {
		case model.ColContext:
			ctxStyle := s.ContextMark(m.cfgOf(e).Color)
			text, style = config.ShownMark(m.cfgOf(e).mark()), &ctxStyle
		case model.ColState:
			text = path
		case model.ColWho:
			text, style = sanitize.Text(who), whoStyle
		case model.ColAge:
			text, style = age, ageStyle
		default:
			text = sanitize.Text(col.Cell(e, m.now))
		}
		text = fit(text, width)
		if !selected && style != nil {
			text = style.Render(text)
		}
		cells = append(cells, text)
	}
	if selected {
		// One style over the plain row: nested styles would reset the
		// selection background mid-line.
		return s.Selected.Render(fit(marker+" "+strings.Join(cells, strings.Repeat(" ", colGap)), w))
	}
	if mark != nil {
		marker = mark.Render(marker)
	}
	return marker + " " + strings.Join(cells, strings.Repeat(" ", colGap))
}

// sortArrow is the direction of the rows: ▼ descending, ▲ ascending.
// Age sorts oldest first, that is by descending age, unless reversed.
func (m Model) sortArrow() string {
	if (m.sortKey == model.SortAge) != m.sortReverse {
		return "▼"
	}
	return "▲"
}

// emptyView stands in for the rows when none are listed: nothing matches
// the filter, or the places read hold no lock.
func (m Model) emptyView(w int) []string {
	s := m.styles
	if q := model.ParseQuery(m.filter.Value()); !q.Empty() {
		what := fmt.Sprintf("Nothing matches %q.", sanitize.Text(q.String()))
		if strings.Contains(q.String(), " ") {
			what = fmt.Sprintf("Nothing matches every word of %q.", sanitize.Text(q.String()))
		}
		return []string{"", " " + what + s.Dim.Render(" esc clears the filter.")}
	}
	msg := []string{"", " " + s.Context.Render("No locks in "+sanitize.Text(m.watched())+".")}
	if n := m.digestCount(); n > 0 && !m.showDigests {
		msg = append(msg, " "+s.Dim.Render(fmt.Sprintf("%d digest item%s hidden (d shows them).", n, model.Plural(n, "", "s"))))
	}
	msg = append(msg, "")
	for _, l := range wrap("If Terraform still says the state is locked, check that this is the table, region and account its backend uses (dynamodb_table, region, profile), or whether it locks with S3 lock files (use_lockfile).", w-2) {
		msg = append(msg, " "+l)
	}
	return msg
}

// noDataView is shown until the first read succeeds: a waiting line, or
// the error and what to check.
func (m Model) noDataView(w int) []string {
	s := m.styles
	failing := m.failing()
	if len(failing) == 0 {
		return []string{"", " Reading " + sanitize.Text(m.watched()) + "…"}
	}
	var lines []string
	for _, mem := range failing {
		what := "the lock table"
		if mem.cfg.Table == "" {
			what = "the lock files"
		}
		if m.fleet {
			what += " of " + mem.cfg.Context
		}
		lines = append(lines, "", " "+s.Error.Render("Cannot read "+sanitize.Text(what)+"."))
		for _, l := range wrap(sanitize.Text(mem.lastErr.Error()), w-2) {
			lines = append(lines, " "+l)
		}
	}
	lines = append(lines, "", " "+s.Dim.Render(fmt.Sprintf("lockwarden keeps retrying (next in %s); r retries now, q quits.", model.FormatDuration(max(0, failing[0].nextRetry.Sub(m.now))))))
	return lines
}
