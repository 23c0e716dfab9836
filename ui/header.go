package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// This file draws the header: with one context, what is watched, how
// current it is and the counts; with several, the same for the fleet and a
// health strip. The two differ in what they say, so each is its own
// function, side by side.

func (m Model) header() []string {
	if m.fleet {
		return m.fleetHeader()
	}
	s := m.styles
	mem := m.one()
	right := m.liveness() + " "
	left := m.headerLeft(right)
	var counts []string
	if mem.loaded {
		counts = m.countWords()
		if m.cfg.Table != "" {
			d := fmt.Sprintf("%d digest%s", mem.digests, model.Plural(mem.digests, "", "s"))
			if !m.showDigests {
				d += " hidden"
			}
			counts = append(counts, s.Dim.Render(d))
		}
	} else {
		counts = append(counts, "reading the "+mem.placeWord()+"…")
	}
	line2 := " " + strings.Join(counts, " · ")
	right2 := keepFitting(m.headerSide(line2), m.width-lipgloss.Width(line2)-3)
	// How current the data is outranks the rest of the first line: cut
	// what is being watched before dropping "● live".
	if room := m.width - lipgloss.Width(right) - 1; lipgloss.Width(left) > room && room >= 20 {
		left = fit(left, room)
	}
	return []string{
		spread(left, right, m.width),
		spread(line2, right2+" ", m.width),
		s.Rule.Render(strings.Repeat("─", m.width)),
	}
}

// headerLeft is the first line's left side: lockwarden, the context (or,
// without one, the profile and region that tell accounts apart), and what
// is watched; the profile and region in brackets when they fit beside
// right.
func (m Model) headerLeft(right string) string {
	s := m.styles
	where := sanitize.Text(m.cfg.Context)
	var conn []string
	if m.cfg.Profile != "" {
		conn = append(conn, "profile "+sanitize.Text(m.cfg.Profile))
	}
	if m.cfg.Region != "" {
		conn = append(conn, sanitize.Text(m.cfg.Region))
	}
	switch {
	case where == "" && m.cfg.Workdir != nil:
		// Run in a Terraform working directory: its state is the news,
		// its workspace too; "this directory:" goes first when narrow.
		w := m.cfg.Workdir
		where = sanitize.Text(w.Describe())
		if room := m.width - lipgloss.Width(right) - lipgloss.Width(" lockwarden  ") - 1; lipgloss.Width(where) > room {
			ws := ""
			if w.Workspace != "" && w.Workspace != "default" {
				ws = " · workspace " + sanitize.Text(w.Workspace)
			}
			// The file name tells least: the directories before it most.
			key := strings.TrimSuffix(sanitize.Text(w.Key), "/terraform.tfstate")
			where = elidePath(key, max(room-lipgloss.Width(ws), 12)) + ws
		}
	case where == "":
		where = strings.Join(conn, ", ")
		conn = nil
	}
	table := "  " + m.one().watchedStyled(s)
	left := s.Title.Render(" lockwarden") + "  " + s.Context.Render(where)
	if full := left + s.Dim.Render(" ("+strings.Join(conn, ", ")+")") + table; len(conn) > 0 && lipgloss.Width(full)+lipgloss.Width(right) < m.width {
		return full
	}
	// Narrow: how current the data is matters more than the profile.
	return left + table
}

// headerSide is the second line's right side, most important first: what
// stays when the line is narrow. The read-only badge and the order of the
// rows stay; the position goes before them, the scan figures first of all.
func (m Model) headerSide(line2 string) []string {
	s := m.styles
	mem := m.one()
	var side []string
	if m.cfg.ReadOnly {
		side = append(side, s.Badge.Render(" READ-ONLY "))
	}
	side = append(side, s.Key.Render(m.sortLabel()))
	if budget := mem.budgetLine(m.now, false); budget != "" {
		// Why the data is older than the poll interval promises; said
		// short when the whole of it does not fit beside the counts.
		if lipgloss.Width(budget)+2 > m.width-lipgloss.Width(line2)-3-lipgloss.Width(strings.Join(side, "  "))-2 {
			budget = mem.budgetLine(m.now, true)
		}
		side = append(side, s.Dim.Render(budget))
	}
	if pos := m.position(); pos != "" {
		// Where we are in a long list.
		side = append(side, s.Dim.Render(pos))
	}
	if !mem.loaded {
		return side
	}
	scan := "scan " + mem.scanTook.Round(time.Millisecond).String()
	if m.cfg.Table == "" {
		scan = "read " + mem.scanTook.Round(time.Millisecond).String()
	} else if mem.rcu > 0 {
		// Emulators report no capacity; DynamoDB always does.
		scan = fmt.Sprintf("scan %.1f RCU, %s", mem.rcu, mem.scanTook.Round(time.Millisecond))
	}
	side = append(side, s.Dim.Render("stale ≥ "+model.FormatThreshold(m.cfg.StaleAfter)+" · "+scan))
	if m.cfg.lockFiles() && !mem.filesAt.IsZero() {
		// What a bucket listing costs, and at its interval a day: S3
		// bills each request.
		side = append(side, s.Dim.Render("S3 "+lwaws.S3PollCost(mem.s3Lists, mem.s3Gets, m.cfg.S3PollInterval)))
	}
	return side
}

// liveness says how current the data is: live and how old, refreshing,
// or failing.
func (m Model) liveness() string {
	s := m.styles
	mem := m.one()
	switch {
	case mem.failures > 0:
		return s.Error.Render("⚠ not updating")
	case mem.polling && !mem.loaded:
		return s.Dim.Render("⟳ reading…")
	case len(mem.unread) > 0:
		// Not live: what the unread place holds is missing from the rows.
		// Short enough to survive 80 columns; the status line names
		// the places and why.
		return s.Warn.Render("⚠ partly read") + s.Dim.Render(" · updated "+model.Ago(m.now, mem.lastOK))
	case mem.polling:
		return s.Live.Render("⟳") + s.Dim.Render(" refreshing · updated "+model.Ago(m.now, mem.lastOK))
	case mem.loaded:
		return s.Live.Render("●") + " live" + s.Dim.Render(" · updated "+model.Ago(m.now, mem.lastOK))
	}
	return ""
}

// fleetHeader is the header of several contexts: how many and how live,
// the counts of the rows shown, and a line with each context's health.
func (m Model) fleetHeader() []string {
	s := m.styles
	where := fmt.Sprintf("%d contexts", len(m.contexts))
	if m.only != "" {
		where = "context " + sanitize.Text(m.only) + s.Dim.Render(fmt.Sprintf(" of %d (: shows all)", len(m.contexts)))
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
	case n == len(m.contexts):
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
		return s.Error.Render(fmt.Sprintf("⚠ %d of %d not updating", len(failing), len(m.contexts)))
	}
	if !m.anyLoaded() {
		return s.Dim.Render("⟳ reading…")
	}
	var partly []string
	for i := range m.contexts {
		if mem := &m.contexts[i]; len(mem.unread) > 0 {
			partly = append(partly, sanitize.Text(mem.cfg.Context))
		}
	}
	if len(partly) > 0 {
		return s.Warn.Render("⚠ partly read: "+strings.Join(partly, ", ")) + s.Dim.Render(" (: shows what)")
	}
	// The oldest good read of the contexts read so far; those still on
	// their first read show ⟳ in the health line.
	var oldest time.Time
	for i := range m.contexts {
		if mem := &m.contexts[i]; mem.loaded && (oldest.IsZero() || mem.lastOK.Before(oldest)) {
			oldest = mem.lastOK
		}
	}
	return s.Live.Render("●") + " live" + s.Dim.Render(" · oldest read "+model.Ago(m.now, oldest))
}

// healthStrip is one line of every context's health, as wide as room:
// its mark, a symbol (● live, ⟳ reading, ⚠ failing) and the age of its
// last good read. What does not fit is counted, and ':' lists it all.
func (m Model) healthStrip(room int) string {
	s := m.styles
	var parts []string
	used := 0
	for i := range m.contexts {
		mem := &m.contexts[i]
		text := mem.healthWord(m)
		part := s.ContextMark(mem.cfg.Color).Render(config.ShownMark(mem.cfg.mark())) + " " + text
		w := lipgloss.Width(part) + 2
		rest := len(m.contexts) - i
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

// headerLines is the title, the counts and a rule; a fleet's header adds
// a line of each context's health.
func (m Model) headerLines() int {
	if m.fleet {
		return 4
	}
	return 3
}

// countWords are the header's counts of the rows shown: locks, and how
// many are stale, new or malformed.
func (m Model) countWords() []string {
	s := m.styles
	locks, stale, fresh, malformed := m.counts.Locks, m.counts.Stale, m.counts.fresh, m.counts.Malformed
	counts := []string{fmt.Sprintf("%d lock%s", locks, model.Plural(locks, "", "s"))}
	if stale > 0 {
		counts = append(counts, s.Stale.Render(fmt.Sprintf("%d stale", stale)))
	}
	if fresh > 0 {
		counts = append(counts, s.New.Render(fmt.Sprintf("%d new", fresh)))
	}
	if malformed > 0 {
		counts = append(counts, s.Malformed.Render(fmt.Sprintf("%d malformed", malformed)))
	}
	return counts
}

// keepFitting keeps, from items listed most important first, those that
// fit in room, and joins them in reading order: the most important last.
func keepFitting(items []string, room int) string {
	var kept []string
	for _, item := range items {
		if w := lipgloss.Width(item) + 2; w <= room {
			kept = append([]string{item}, kept...)
			room -= w
		}
	}
	return strings.Join(kept, "  ")
}

// sortLabel is the header's order of the rows: "sort: age ▼".
func (m Model) sortLabel() string {
	return "sort: " + m.sortKey.String() + " " + m.sortArrow()
}

// position says which rows are on screen when not all of them fit.
func (m Model) position() string {
	h := m.bodyHeight()
	if m.screen != screenMain || len(m.rows) <= h {
		return ""
	}
	return fmt.Sprintf("rows %d–%d of %d", m.offset+1, min(len(m.rows), m.offset+h), len(m.rows))
}

// watchedStyled is watched for the header, the names styled.
func (mem *contextState) watchedStyled(s Styles) string {
	var parts []string
	if mem.cfg.Table != "" {
		parts = append(parts, "table "+s.Context.Render(sanitize.Text(mem.cfg.Table)))
	}
	if n := len(mem.cfg.Buckets); n > 0 {
		parts = append(parts, model.Plural(n, "bucket ", "buckets ")+s.Context.Render(sanitize.Text(strings.Join(mem.cfg.Buckets, ", "))))
	}
	return strings.Join(parts, " · ")
}

// shownDigests is the number of digest items of the contexts shown, and
// whether one of them reads a lock table (where digests live).
func (m *Model) shownDigests() (n int, tables bool) {
	for i := range m.contexts {
		if mem := &m.contexts[i]; m.shows(mem.cfg.Context) {
			n += mem.digests
			tables = tables || mem.cfg.Table != ""
		}
	}
	return n, tables
}

// readOnlyCount is the number of contexts that may not write.
func (m Model) readOnlyCount() int {
	n := 0
	for i := range m.contexts {
		if m.contexts[i].cfg.readOnly() {
			n++
		}
	}
	return n
}
