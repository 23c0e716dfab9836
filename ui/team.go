package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/lockwarden/lockwarden/audit"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// This file shows what the team did: the releases, restores and repairs
// of the last day in the team's shared audit log, in the history (h) and,
// for one state, in its detail view — the first thing an engineer paged
// for a state wants to know is whether someone already acted.

// TeamLog reads a team's shared audit log (audit.Shared is one).
type TeamLog interface {
	Since(from time.Time) ([]audit.Record, error)
	Where() string
}

// teamWindow is how far back the team's writes are shown; teamFresh how
// long a read of them is shown before h or a detail view reads again.
const (
	teamWindow = 24 * time.Hour
	teamFresh  = time.Minute
)

// teamState is what was read of a context's shared audit log.
type teamState struct {
	actions []audit.Action
	err     error
	at      time.Time // when the last read ended (zero: none yet)
	reading bool
	// writes is how many writes this session had made when the read
	// began: one made since is not in it, so the read is not fresh.
	writes int
}

// teamMsg is a read of a context's shared audit log.
type teamMsg struct {
	member int
	log    TeamLog
	recs   []audit.Record
	err    error
	writes int
}

// readTeam reads the shared logs of the contexts that have one and have
// not been read within teamFresh, or not since this session's last write
// (all of them when force), in commands, and marks them being read.
func (m *Model) readTeam(force bool) tea.Cmd {
	var cmds []tea.Cmd
	for i := range m.contexts {
		if cmd := m.teamRead(i, force); cmd != nil {
			m.contexts[i].team.reading = true
			cmds = append(cmds, cmd)
		}
	}
	return tea.Batch(cmds...)
}

// teamRead is the read of context i's shared log, or nil when it has
// none, is being read, or was read freshly (unless force).
func (m Model) teamRead(i int, force bool) tea.Cmd {
	mem := &m.contexts[i]
	log := mem.cfg.Team
	fresh := !mem.team.at.IsZero() && m.now.Sub(mem.team.at) < teamFresh && mem.team.writes == len(m.writes)
	if log == nil || mem.team.reading || !force && fresh {
		return nil
	}
	from, writes := m.now.Add(-teamWindow), len(m.writes)
	return func() tea.Msg {
		recs, err := log.Since(from)
		return teamMsg{member: i, log: log, recs: recs, err: err, writes: writes}
	}
}

// onTeam keeps a read of a shared log, unless its context was switched
// away meanwhile. A read that failed keeps the records it had (this
// machine's copy), said to be unconfirmed.
func (m Model) onTeam(msg teamMsg) (tea.Model, tea.Cmd) {
	if msg.member >= len(m.contexts) || m.contexts[msg.member].cfg.Team != msg.log {
		return m, nil
	}
	mem := &m.contexts[msg.member]
	mem.team = teamState{actions: audit.Group(msg.recs), err: msg.err, at: m.cfg.Now(), writes: msg.writes}
	if msg.err != nil {
		m.cfg.Logf("team audit log %s: %v", msg.log.Where(), msg.err)
	}
	return m, nil
}

// teamActions are the actions of the shared logs of the contexts on
// screen, newest first, each log once however many contexts share it;
// those of another context than the one on screen are left out.
func (m Model) teamActions() []audit.Action {
	var out []audit.Action
	seen := map[string]bool{}
	for i := range m.contexts {
		mem := &m.contexts[i]
		if mem.cfg.Team == nil || seen[mem.cfg.Team.Where()] {
			continue
		}
		seen[mem.cfg.Team.Where()] = true
		for _, a := range mem.team.actions {
			if r := a.Last(); r.Context == "" || m.onScreen(r.Context) {
				out = append(out, a)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b audit.Action) int { return b.Last().Time.Compare(a.Last().Time) })
	return out
}

// onScreen says whether a context of that name is shown.
func (m Model) onScreen(name string) bool {
	for i := range m.contexts {
		if m.contexts[i].cfg.Context == name {
			return true
		}
	}
	return false
}

// teamLines are the history's lines about the team: its writes of the
// last day, or why they are not shown.
func (m Model) teamLines(w, h int) []string {
	s := m.styles
	var where []string
	var reading bool
	var errs []string
	for i := range m.contexts {
		mem := &m.contexts[i]
		if mem.cfg.Team == nil || slices.Contains(where, mem.cfg.Team.Where()) {
			continue
		}
		where = append(where, mem.cfg.Team.Where())
		reading = reading || mem.team.reading && mem.team.at.IsZero()
		if mem.team.err != nil {
			errs = append(errs, short(mem.team.err.Error()))
		}
	}
	if len(where) == 0 {
		return nil
	}
	lines := []string{"", " " + s.Context.Render("The team's writes, last 24 h") + s.Dim.Render(" ("+sanitize.Text(strings.Join(where, ", "))+")"), ""}
	for _, e := range errs {
		lines = append(lines, " "+s.Warn.Render("⚠ not read: "+sanitize.Text(e)+"; shown: this machine's copy"))
	}
	actions := m.teamActions()
	switch {
	case len(actions) == 0 && reading:
		return append(lines, " "+s.Dim.Render("Reading the team's audit log…"))
	case len(actions) == 0:
		return append(lines, " "+s.Dim.Render("No release, restore or repair in the last 24 h."))
	}
	indent := strings.Repeat(" ", 11)
	for _, a := range actions {
		if len(lines) >= h {
			break
		}
		r := a.Last()
		for j, l := range wrap(sanitize.Text(teamLine(a)), max(20, w-12)) {
			if j == 0 {
				l = " " + r.Time.In(m.cfg.Location).Format("15:04:05") + "  " + l
			} else {
				l = indent + l
			}
			lines = append(lines, l)
		}
	}
	return lines
}

// teamLine says what one action of the team did, by whom and why: raw
// (the caller sanitizes).
func teamLine(a audit.Action) string {
	in, r := a.Intent, a.Last()
	var what string
	switch r.Action {
	case audit.ActionForceUnlock:
		what = "released "
	case audit.ActionRestore:
		what = "restored "
	default:
		what = "repaired the digest of "
	}
	what += short(strings.TrimSuffix(r.LockID, model.DigestSuffix))
	if r.Context != "" {
		what = short(r.Context) + ": " + what
	}
	outcome := r.Outcome
	if a.Outcome == nil {
		outcome = "no outcome recorded"
	}
	if outcome != audit.OutcomeReleased && outcome != audit.OutcomeRestored && outcome != audit.OutcomeRepaired {
		what += " (" + short(outcome) + ")"
	}
	what += " · by " + actorOf(r)
	if in != nil && in.OperatorReason != "" {
		what += " · " + short(in.OperatorReason)
	}
	what += " · audit " + short(r.RecordID)
	switch {
	case r.LocalOnly:
		what += " (not in the shared log)"
	case r.Unconfirmed:
		what += " (unconfirmed: the shared log was not read)"
	}
	return what
}

// lastRelease says when the team last force-released e's state, by whom
// and why, from the shared log's last day; "" when no shared log is read.
func (m Model) lastRelease(e *model.Entry) string {
	mem := m.contextOf(e)
	if mem.cfg.Team == nil {
		return ""
	}
	if mem.team.at.IsZero() {
		return "reading the team's audit log…"
	}
	unread := ""
	if mem.team.err != nil {
		unread = "; the shared log could not be read, so this is this machine's copy"
	}
	for _, a := range m.teamActions() {
		r := a.Last()
		if r.Action != audit.ActionForceUnlock || r.LockID != e.LockID || a.Outcome == nil || !strings.HasPrefix(r.Outcome, "released") && !strings.HasPrefix(r.Outcome, "partial") {
			continue
		}
		s := fmt.Sprintf("%s (%s) by %s", r.Time.UTC().Format("2006-01-02 15:04:05 UTC"), model.Ago(m.now, r.Time), actorOf(r))
		if a.Intent != nil && a.Intent.OperatorReason != "" {
			s += ": " + short(a.Intent.OperatorReason)
		}
		return s + " — audit " + short(r.RecordID) + unread
	}
	if mem.team.err != nil {
		return "not known: the team's audit log could not be read (" + short(mem.team.err.Error()) + ")"
	}
	return "none in the last 24 h (" + mem.cfg.Team.Where() + ")"
}

// maxField bounds each field of a record as the UI shows it, in runes:
// anyone allowed to put an object in the shared log can make a field a
// megabyte, and the screen is redrawn every second.
const maxField = 200

// short is a record's field on one line, cut at maxField — before any
// other work on it.
func short(s string) string {
	if len(s) > 4*maxField {
		s = s[:4*maxField]
	}
	if rs := []rune(s); len(rs) > maxField {
		s = string(rs[:maxField]) + "…"
	}
	return sanitize.OneLine(s)
}

// actorOf is who made a record's write, as people know them, cut.
func actorOf(r *audit.Record) string {
	return model.ActorName(short(r.Actor), short(r.Identity))
}
