package ui

import (
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/lockwarden/lockwarden/audit"
)

// fakeTeam is a shared audit log holding recs, or failing with err (and
// then returning recs as this machine's copy).
type fakeTeam struct {
	recs  []audit.Record
	err   error
	reads int
}

func (f *fakeTeam) Since(from time.Time) ([]audit.Record, error) {
	f.reads++
	var out []audit.Record
	for _, r := range f.recs {
		if !r.Time.Before(from) {
			out = append(out, r)
		}
	}
	return out, f.err
}

func (f *fakeTeam) Where() string { return "s3://team-audit/lockwarden" }

// teamRelease is a release another engineer made, as the shared log
// holds it: intent and outcome.
func teamRelease(at time.Time, state, context, reason string) []audit.Record {
	in := audit.Record{RecordID: audit.NewRecordID(at), Phase: audit.PhaseIntent, Time: at, Action: audit.ActionForceUnlock, Actor: "root@vm",
		Identity: "arn:aws:sts::123456789012:assumed-role/OnCall/alice", Context: context, LockID: state, OperatorReason: reason}
	out := in
	out.Phase, out.Outcome, out.Time = audit.PhaseOutcome, audit.OutcomeReleased, at.Add(time.Second)
	return []audit.Record{in, out}
}

func withTeam(team TeamLog) func(*Config) { return func(c *Config) { c.Team = team } }

// h shows the team's releases of the last day with who (the STS session
// and role, not user@host) and why; a state's detail says when it was
// last force-released and by whom.
func TestTeamWritesInHistoryAndDetail(t *testing.T) {
	state := "tfstate/env:/prod/network/terraform.tfstate"
	team := &fakeTeam{recs: append(teamRelease(t0.Add(-2*time.Hour), state, "prod-eu", "INC-42 runner died"),
		teamRelease(t0.Add(-48*time.Hour), "tfstate/old/terraform.tfstate", "prod-eu", "too old to show")...)}
	team.recs = append(team.recs, teamRelease(t0.Add(-time.Hour), "tfstate/x/terraform.tfstate", "another-context", "not on screen")...)
	m := newModel(140, 40, seed(), withTeam(team))
	m = runCmd(m, m.readTeam(true)) // as Init does
	if team.reads != 1 {
		t.Fatalf("the team's log was read %d times at start", team.reads)
	}
	h := flat(plain(press(m, "h")))
	for _, want := range []string{"The team's writes, last 24 h (s3://team-audit/lockwarden)",
		"prod-eu: released " + state + " · by alice (OnCall) · INC-42 runner died · audit r-"} {
		if !strings.Contains(h, want) {
			t.Errorf("h lacks %q:\n%s", want, h)
		}
	}
	for _, not := range []string{"too old to show", "not on screen", "root@vm"} {
		if strings.Contains(h, not) {
			t.Errorf("h shows %q:\n%s", not, h)
		}
	}
	d := flat(plain(press(m, "enter")))
	if !strings.Contains(d, "Last unlock 2026-") || !strings.Contains(d, "(1h59m ago) by alice (OnCall): INC-42 runner died — audit r-") {
		t.Errorf("the detail does not say who released the state last:\n%s", d)
	}
	// Read again on h only once stale — or once this session has written:
	// our own release must not be missing from the team's list.
	next, cmd := sendCmd(m, keyMsg("h"))
	if runCmd(next, cmd); team.reads != 1 {
		t.Errorf("h re-read a fresh log")
	}
	m.writes = append(m.writes, Write{Kind: WriteRelease, RecordID: "r-x"})
	next, cmd = sendCmd(m, keyMsg("h"))
	if runCmd(next, cmd); team.reads != 2 {
		t.Errorf("h did not re-read after a write of ours: %d reads", team.reads)
	}
	other := flat(plain(press(m, "down", "enter")))
	if !strings.Contains(other, "Last unlock none in the last 24 h (s3://team-audit/lockwarden)") {
		t.Errorf("another state's detail:\n%s", other)
	}
}

// A log that cannot be read says so; hostile record content is inert.
func TestTeamWritesUnreadAndHostile(t *testing.T) {
	hostile := "\x1b]52;c;aGk=\x07\u202edeifitrap " + strings.Repeat("A", 1<<20)
	recs := teamRelease(t0.Add(-time.Hour), "tfstate/\x1b[31mred/"+strings.Repeat("B", 1<<20), "prod-eu", hostile)
	for i := range recs {
		recs[i].Identity = "arn:aws:sts::1:assumed-role/R/" + strings.Repeat("C", 1<<20)
		recs[i].Outcome += strings.Repeat("D", 1<<20)
	}
	team := &fakeTeam{recs: recs, err: errors.New("the shared audit log s3://team-audit: access denied")}
	m := newModel(120, 30, seed(), withTeam(team))
	m = runCmd(m, m.readTeam(true))
	out := plain(press(m, "h"))
	if !strings.Contains(flat(out), "⚠ not read: the shared audit log s3://team-audit: access denied; shown: this machine's copy") {
		t.Errorf("no warning:\n%s", out)
	}
	raw := press(m, "h").render()
	if strings.Contains(raw, "\x1b]52") || strings.ContainsRune(raw, '\u202e') || strings.Contains(raw, "\x1b[31mred") {
		t.Errorf("hostile bytes reached the terminal")
	}
	if n := len(strings.Split(out, "\n")); n > 30 {
		t.Errorf("a 1 MB reason took %d lines", n)
	}
	// What the detail says of a state when the log was not read.
	if d := flat(plain(press(m, "enter"))); !strings.Contains(d, "Last unlock not known: the team's audit log could not be read (the shared audit log s3://team-audit: access denied)") {
		t.Errorf("detail after a failed read:\n%s", d)
	}
}

// Without a shared log nothing is read and h says nothing of a team.
func TestNoTeamLogNoTeamSection(t *testing.T) {
	m := newModel(120, 30, seed())
	next, cmd := sendCmd(m, tea.KeyPressMsg{Code: 'h', Text: "h"})
	if cmd != nil {
		t.Errorf("h without a shared log runs a command")
	}
	if strings.Contains(plain(next), "team") {
		t.Errorf("h speaks of a team:\n%s", plain(next))
	}
}
