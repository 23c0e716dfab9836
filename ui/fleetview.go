package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// This file draws what a fleet adds to the screen: a header with each
// context's health, the CONTEXT column's width, and the ':' list of
// contexts with why each is, or is not, live.

// maxContextWidth bounds the CONTEXT column: labels are short (at most
// 12 characters), names are cut.
const maxContextWidth = 12

// ShownMark is a context's mark as the CONTEXT column shows it: whole up to
// maxContextWidth cells, else cut in the middle, so that names differing
// at their end (prod-eu-west-1, prod-eu-west-2) stay told apart. The config
// refuses two contexts that would still show alike.
func ShownMark(mark string) string {
	mark = sanitize.Text(mark)
	w := lipgloss.Width(mark)
	if w <= maxContextWidth {
		return mark
	}
	head := ansi.Truncate(mark, (maxContextWidth-1)/2, "")
	tail := ansi.TruncateLeft(mark, w-(maxContextWidth-1-lipgloss.Width(head)), "")
	return head + "…" + tail
}

// contextWidth is the CONTEXT column's width: the widest mark of a
// context shown, or 0 (no column) with one context.
func (m Model) contextWidth() int {
	if !m.fleet {
		return 0
	}
	w := len("CONTEXT")
	for i := range m.members {
		if c := &m.members[i].cfg; m.shows(c.Context) {
			w = max(w, lipgloss.Width(ShownMark(c.mark())))
		}
	}
	return min(w, maxContextWidth)
}

// lockFiles reports whether some context watches S3 lock files: the
// table then shows where each lock lives.
func (m Model) lockFiles() bool {
	for i := range m.members {
		if m.members[i].cfg.LockFiles {
			return true
		}
	}
	return false
}

// fleetHeader is the header of several contexts: how many and how live,
// the counts of the rows shown, and a line with each context's health.
func (m Model) fleetHeader() []string {
	s := m.styles
	where := fmt.Sprintf("%d contexts", len(m.members))
	if m.only != "" {
		where = "context " + sanitize.Text(m.only) + s.Dim.Render(fmt.Sprintf(" of %d (: shows all)", len(m.members)))
	}
	left := s.Title.Render(" lockwarden") + "  " + s.Context.Render(where)
	right := m.fleetLiveness() + " "

	var counts []string
	if m.anyLoaded() {
		counts = m.countWords()
		if n, tables := m.shownDigests(); tables {
			d := fmt.Sprintf("%d digest%s", n, model.Plural(n, "", "s"))
			if !m.showDigests {
				d += " hidden"
			}
			counts = append(counts, s.Dim.Render(d))
		}
	} else {
		counts = append(counts, "reading…")
	}
	line2 := " " + strings.Join(counts, " · ")
	var side []string
	switch n := m.readOnlyCount(); {
	case n == len(m.members):
		side = append(side, s.Badge.Render(" READ-ONLY "))
	case n > 0:
		side = append(side, s.Badge.Render(fmt.Sprintf(" %d READ-ONLY ", n)))
	}
	side = append(side, s.Key.Render(m.sortLabel()))
	if pos := m.position(); pos != "" {
		side = append(side, s.Dim.Render(pos))
	}
	right2 := keepFitting(side, m.width-lipgloss.Width(line2)-3)
	if room := m.width - lipgloss.Width(right) - 1; lipgloss.Width(left) > room && room >= 20 {
		left = fit(left, room)
	}
	return []string{
		spread(left, right, m.width),
		spread(line2, right2+" ", m.width),
		" " + m.healthStrip(m.width-2),
		s.Rule.Render(strings.Repeat("─", m.width)),
	}
}

// fleetLiveness sums up how current the fleet's data is: failing
// contexts first, else the oldest good read.
func (m Model) fleetLiveness() string {
	s := m.styles
	if failing := m.failing(); len(failing) > 0 {
		return s.Error.Render(fmt.Sprintf("⚠ %d of %d not updating", len(failing), len(m.members)))
	}
	if !m.anyLoaded() {
		return s.Dim.Render("⟳ reading…")
	}
	var partly []string
	for i := range m.members {
		if mem := &m.members[i]; len(mem.unread) > 0 {
			partly = append(partly, sanitize.Text(mem.cfg.Context))
		}
	}
	if len(partly) > 0 {
		return s.Warn.Render("⚠ partly read: "+strings.Join(partly, ", ")) + s.Dim.Render(" (: shows what)")
	}
	// The oldest good read of the contexts read so far; those still on
	// their first read show ⟳ in the health line.
	var oldest time.Time
	for i := range m.members {
		if mem := &m.members[i]; mem.loaded && (oldest.IsZero() || mem.lastOK.Before(oldest)) {
			oldest = mem.lastOK
		}
	}
	return s.Live.Render("●") + " live" + s.Dim.Render(" · oldest read "+model.Ago(m.now, oldest))
}

// shownDigests is the number of digest items of the contexts shown, and
// whether one of them reads a lock table (where digests live).
func (m *Model) shownDigests() (n int, tables bool) {
	for i := range m.members {
		if mem := &m.members[i]; m.shows(mem.cfg.Context) {
			n += mem.digests
			tables = tables || mem.cfg.Table != ""
		}
	}
	return n, tables
}

// readOnlyCount is the number of contexts that may not write.
func (m Model) readOnlyCount() int {
	n := 0
	for i := range m.members {
		if m.members[i].cfg.readOnly() {
			n++
		}
	}
	return n
}

// healthStrip is one line of every context's health, as wide as room:
// its mark, a symbol (● live, ⟳ reading, ⚠ failing) and the age of its
// last good read. What does not fit is counted, and ':' lists it all.
func (m Model) healthStrip(room int) string {
	s := m.styles
	var parts []string
	used := 0
	for i := range m.members {
		mem := &m.members[i]
		text := mem.healthWord(m)
		part := s.ContextMark(mem.cfg.Color).Render(ShownMark(mem.cfg.mark())) + " " + text
		w := lipgloss.Width(part) + 2
		rest := len(m.members) - i
		if used+w > room-len(" +99 more (:)") && rest > 1 || used+w > room {
			parts = append(parts, s.Dim.Render(fmt.Sprintf("+%d more (:)", rest)))
			break
		}
		parts = append(parts, part)
		used += w
	}
	return strings.Join(parts, "  ")
}

// healthWord is a context's health in a few characters: "● 4s", "⟳",
// "⚠ 3×", "⚠ partly 4s" (a watched bucket not read), with "ro" for read-only and "⏱" when the read budget spaces its
// reads beyond the poll interval.
func (mem *contextState) healthWord(m Model) string {
	s := m.styles
	var w string
	switch {
	case mem.failures > 0:
		w = s.Error.Render(fmt.Sprintf("⚠ %d×", mem.failures))
	case !mem.loaded:
		w = s.Dim.Render("⟳")
	case len(mem.unread) > 0:
		w = s.Warn.Render("⚠ partly") + s.Dim.Render(" "+model.Ago(m.now, mem.lastOK))
	case mem.polling:
		w = s.Live.Render("⟳") + s.Dim.Render(" "+model.Ago(m.now, mem.lastOK))
	default:
		w = s.Live.Render("●") + s.Dim.Render(" "+model.Ago(m.now, mem.lastOK))
	}
	if mem.paceReason != "" && mem.failures == 0 {
		w += s.Dim.Render(" ⏱")
	}
	if mem.cfg.readOnly() {
		w += s.Dim.Render(" ro")
	}
	return w
}

// fleetContextsView is ':' in a fleet: every context with its health, what
// it reads and why it is slow or failing; enter narrows the rows to one
// context, or shows all again.
func (m Model) fleetContextsView(w int) []string {
	s := m.styles
	lines := []string{" " + s.Context.Render("Contexts") + s.Dim.Render(" (enter shows only that context's rows, esc goes back)"), ""}
	choices := m.contextChoices()
	indent := strings.Repeat(" ", 3+maxContextWidth+2)
	for i, c := range choices {
		prefix := "   "
		if c == m.only {
			prefix = " • "
		}
		if i == m.ctxCursor {
			prefix = " ▸ "
		}
		if c == "" {
			line := prefix + fmt.Sprintf("every context (%d)", len(m.members))
			if i == m.ctxCursor {
				line = s.Selected.Render(fit(line, w-1))
			}
			lines = append(lines, line)
			continue
		}
		// A context's health is wrapped, never cut: why it fails is the
		// part a person came here for.
		mem := &m.members[m.memberIndex(c)]
		mark := fit(ShownMark(mem.cfg.mark()), maxContextWidth)
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
	if mem.cfg.Where != "" {
		parts = append(parts, sanitize.Text(mem.cfg.Where))
	}
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
			parts = append(parts, "⚠ partly read: "+sanitize.Text(u.Place)+" not read: "+sanitize.Text(u.Why))
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
