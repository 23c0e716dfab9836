package ui

import (
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// This file draws the lock table: its columns, laid out once for a width,
// and one row per entry.

// columns is the table layout for one width.
type columns struct {
	ctx, path, src, op, who, age, ver, id int
}

const (
	markerWidth = 2
	colGap      = 2
)

// layoutFor lays the columns out for width: a SRC column when lock files
// are watched, a CONTEXT column ctx wide in a fleet (0: none).
func layoutFor(width int, sources bool, ctx int) columns {
	c := columns{op: 12, age: 11, ctx: ctx}
	if sources {
		c.src = 4
	}
	if width >= 96 {
		c.ver = 8
	}
	if width >= 110 {
		c.id = 8
	}
	fixed := markerWidth + c.ctx + c.src + c.op + c.age + c.ver + c.id + colGap*2
	for _, w := range []int{c.ctx, c.src, c.ver, c.id} {
		if w > 0 {
			fixed += colGap
		}
	}
	rest := max(20, width-fixed-colGap)
	c.who = max(10, min(30, rest*35/100))
	c.path = rest - c.who
	return c
}

// header names the columns; the sorted one carries the sort's arrow. state
// is the STATE column's own header, from statePaths.
func (c columns) header(sortKey model.SortKey, arrow, state string) string {
	name := func(title string, key model.SortKey) string {
		if key == sortKey {
			return title + " " + arrow
		}
		return title
	}
	var cells []string
	if c.ctx > 0 {
		cells = append(cells, fit(name("CONTEXT", model.SortContext), c.ctx))
	}
	cells = append(cells, fit(state, c.path))
	if c.src > 0 {
		cells = append(cells, fit("SRC", c.src))
	}
	cells = append(cells, fit(name("OP", model.SortOperation), c.op), fit(name("WHO", model.SortWho), c.who), fit(name("AGE", model.SortAge), c.age))
	if c.ver > 0 {
		cells = append(cells, fit("VER", c.ver))
	}
	if c.id > 0 {
		cells = append(cells, fit("LOCK ID", c.id))
	}
	return strings.Repeat(" ", markerWidth) + strings.Join(cells, strings.Repeat(" ", colGap))
}

func (m Model) mainView(w, h int) []string {
	s := m.styles
	if !m.anyLoaded() {
		return m.noDataView(w)
	}
	c := layoutFor(w, m.lockFiles(), m.contextWidth())
	end := min(len(m.rows), m.offset+h-1)
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
	cells, state := statePaths(paths, c.path, arrow)
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
	p := e.Path()
	if e.Kind == model.KindMalformed {
		p = e.LockID
	}
	return sanitize.Text(sanitize.OrDash(p))
}

// row renders one entry, its state path shown as path (from statePaths).
// Stale, new and malformed rows carry a marker symbol and a style, never
// colour alone.
func (m Model) row(e *model.Entry, path string, c columns, selected bool, w int) string {
	s := m.styles
	marker, op, who, age, ver, id := " ", "", "", "", "", ""
	var mark, ageStyle, whoStyle *lipgloss.Style
	switch e.Kind {
	case model.KindLock:
		op = model.OperationWord(e.Info.Operation)
		who = sanitize.OrDash(e.Info.Who)
		a := e.AgeAt(m.now)
		age = a.String()
		if a.ClockAhead {
			age = "ahead " + model.FormatDuration(a.Ahead)
			ageStyle = &s.Warn
		}
		ver = sanitize.OrDash(e.Info.Version)
		id = e.ShortID()
		switch {
		case e.Warning != "":
			// The two places disagree: that matters more than age.
			marker, mark = "≠", &s.Warn
		case e.StaleAt(m.now, m.cfgOf(e).StaleAfter):
			marker, mark, ageStyle = "!", &s.Stale, &s.Stale
		case m.isNew(e):
			marker, mark = "+", &s.New
		}
	case model.KindDigest:
		marker, op, who, age, ver, id = "·", "digest", e.Digest, "—", "—", "—"
		mark, whoStyle = &s.Digest, &s.Digest
		if health, bad := m.digestHealth(e); health != "" {
			who = health + " · " + e.Digest
			if bad {
				marker, mark, whoStyle = "✗", &s.Warn, &s.Warn
			}
		}
	default:
		marker, op, who, age, ver, id = "?", "malformed", e.Problem, "—", "—", "—"
		mark, whoStyle = &s.Malformed, &s.Malformed
	}
	var cells []string
	ctxCell := -1
	if c.ctx > 0 {
		ctxCell = len(cells)
		cells = append(cells, fit(sanitize.Text(m.cfgOf(e).mark()), c.ctx))
	}
	cells = append(cells, fit(path, c.path))
	if c.src > 0 {
		cells = append(cells, fit(e.Label(), c.src))
	}
	whoCell := len(cells) + 1
	cells = append(cells, fit(sanitize.Text(op), c.op), fit(sanitize.Text(who), c.who), fit(age, c.age))
	if c.ver > 0 {
		cells = append(cells, fit(sanitize.Text(ver), c.ver))
	}
	if c.id > 0 {
		cells = append(cells, fit(sanitize.Text(id), c.id))
	}
	if selected {
		// One style over the plain row: nested styles would reset the
		// selection background mid-line.
		return s.Selected.Render(fit(marker+" "+strings.Join(cells, strings.Repeat(" ", colGap)), w))
	}
	styled := func(st *lipgloss.Style, text string) string {
		if st == nil {
			return text
		}
		return st.Render(text)
	}
	if ctxCell >= 0 {
		mark := s.ContextMark(m.cfgOf(e).Color)
		cells[ctxCell] = styled(&mark, cells[ctxCell])
	}
	cells[whoCell] = styled(whoStyle, cells[whoCell])
	cells[whoCell+1] = styled(ageStyle, cells[whoCell+1])
	return styled(mark, marker) + " " + strings.Join(cells, strings.Repeat(" ", colGap))
}
