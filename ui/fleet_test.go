package ui

import (
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/model"
)

// newFleet returns a fleet UI of three contexts at the given size: prod
// (read-only, labelled PROD, stale after 1h), staging (writable through
// rel, stale after 10m) and dev (writable, no label); none read yet.
func newFleet(w, h int, rel Releaser) Model {
	testNow = t0
	base := func(name string) Config {
		return Config{Context: name, Table: "locks-" + name, StaleAfter: time.Hour, PollInterval: 5 * time.Second}
	}
	prod, staging, dev := base("prod"), base("staging"), base("dev")
	prod.ReadOnly, prod.Label, prod.Color, prod.ReadOnlyWhy = true, "PROD", "red", "read-only: context prod is read-only in the config"
	staging.Releaser, staging.StaleAfter = rel, 10*time.Minute
	dev.Releaser = &fakeReleaser{}
	m := NewFleet(Config{Now: func() time.Time { return testNow }, Location: time.UTC}, []Member{
		{Config: prod, Source: &fakeSource{}}, {Config: staging, Source: &fakeSource{}}, {Config: dev, Source: &fakeSource{}},
	})
	return send(m, tea.WindowSizeMsg{Width: w, Height: h})
}

// polled answers member i's poll in flight with entries (tagged with
// the member's context, as the scan command does), or with err.
func polled(m Model, i int, entries []model.Entry, err error) Model {
	snap := snapshotOf(entries)
	for j := range snap.Entries {
		snap.Entries[j].Context = m.members[i].cfg.Context
	}
	return send(m, snapshotMsg{member: i, gen: m.members[i].gen, snap: snap, err: err, took: time.Millisecond})
}

// selectContext moves the cursor to the first row of context name.
func selectContext(t *testing.T, m Model, name string) Model {
	t.Helper()
	m = press(m, "home")
	for range m.rows {
		if m.current().Context == name {
			return m
		}
		m = press(m, "j")
	}
	t.Fatalf("no row of context %s", name)
	return m
}

// The same state locked in two accounts is two rows, each judged by its
// own context: one release does not touch the other's row.
func TestFleetRowsAreTheirContexts(t *testing.T) {
	rel := &fakeReleaser{}
	m := newFleet(120, 30, rel)
	shared := lockEntry("tfstate/app/terraform.tfstate", "11111111-2222-3333-4444-555555555555", "OperationTypeApply", "ci@runner", "1.5.7", t0.Add(-30*time.Minute))
	m = polled(m, 0, []model.Entry{shared}, nil)
	m = polled(m, 1, []model.Entry{shared}, nil)
	if len(m.rows) != 2 || m.rows[0].Context == m.rows[1].Context {
		t.Fatalf("rows %d, contexts %v", len(m.rows), []string{m.rows[0].Context, m.rows[len(m.rows)-1].Context})
	}
	// 30 minutes: stale in staging (10m), not in prod (1h).
	if m.counts.stale != 1 || m.counts.locks != 2 {
		t.Errorf("counts %+v: staging's lock alone is stale", m.counts)
	}
	screen := plain(m)
	for _, want := range []string{"CONTEXT", "PROD ", "staging", "! staging", "3 contexts", "dev ⟳", "1 READ-ONLY"} {
		if !strings.Contains(screen, want) {
			t.Errorf("screen lacks %q:\n%s", want, screen)
		}
	}
	// The prod row: read-only, ctrl+d only says so.
	m = selectContext(t, m, "prod")
	if m = press(m, "ctrl+d"); m.dialog != nil || !strings.Contains(m.status.text, "context prod is read-only") {
		t.Fatalf("ctrl+d on a read-only context's row: dialog %v, status %q", m.dialog != nil, m.status.text)
	}
	// The staging row: its own releaser, its own threshold.
	m = selectContext(t, m, "staging")
	m = typeText(press(m, "ctrl+d"), "11111111")
	if m.dialog == nil || !strings.Contains(plain(m), "in context staging") {
		t.Fatalf("no dialog naming the context:\n%s", plain(m))
	}
	m, cmd := sendCmd(m, keyMsg("enter"))
	m = runCmd(m, cmd)
	if len(rel.observed) != 1 || rel.observed[0].Context != "staging" || rel.released[0].StaleAfter != 10*time.Minute {
		t.Fatalf("released %+v with %+v", rel.observed, rel.released)
	}
	if len(m.writes) != 1 || m.writes[0].Context != "staging" {
		t.Errorf("writes %+v: the write belongs to staging", m.writes)
	}
	// staging's next poll no longer has it; prod's row stays, unannounced.
	m = polled(m, 1, nil, nil)
	if len(m.rows) != 1 || m.rows[0].Context != "prod" || m.find(m.rows[0]) == nil {
		t.Errorf("rows after staging's release: %d", len(m.rows))
	}
}

// Each context polls on its own: one failing backs off alone, a slow one
// (no reply yet) holds nobody's rows up, and stale replies are dropped by
// their own member's generation.
func TestFleetContextsPollIndependently(t *testing.T) {
	m := newFleet(120, 30, &fakeReleaser{})
	a := lockEntry("tfstate/a/terraform.tfstate", "aaaaaaaa-0000-0000-0000-000000000000", "OperationTypePlan", "ann", "1.5.7", t0.Add(-time.Minute))
	// staging answers; prod and dev have not yet: staging's rows show.
	m = polled(m, 1, []model.Entry{a}, nil)
	if len(m.rows) != 1 || !strings.Contains(plain(m), "ann") {
		t.Fatalf("staging's rows wait for the others:\n%s", plain(m))
	}
	// dev fails twice: its backoff grows, the others' schedules do not.
	boom := errors.New("cannot reach http://127.0.0.1:9: connection refused")
	m = polled(m, 2, nil, boom)
	m = polled(m, 2, nil, boom)
	if m.members[2].failures != 2 || m.members[1].failures != 0 || m.members[0].failures != 0 {
		t.Fatalf("failures %d %d %d", m.members[0].failures, m.members[1].failures, m.members[2].failures)
	}
	if got := m.members[2].nextRetry.Sub(t0); got != 20*time.Second {
		t.Errorf("dev retries after %s, want 20s (5s doubled twice)", got)
	}
	if m.members[1].nextPoll.Sub(t0) != 5*time.Second {
		t.Errorf("staging's next poll moved: %s", m.members[1].nextPoll.Sub(t0))
	}
	screen := plain(m)
	for _, want := range []string{"⚠ 1 of 3 not updating", "dev ⚠ 2×", "⚠ dev: refresh failed 2×"} {
		if !strings.Contains(screen, want) {
			t.Errorf("screen lacks %q:\n%s", want, screen)
		}
	}
	// A reply of an older staging poll is dropped, and refreshing staging
	// leaves dev's generation alone.
	old := m.members[1].gen
	devGen := m.members[2].gen
	m.refreshMember(1)
	m = send(m, snapshotMsg{member: 1, gen: old, snap: snapshotOf(nil)})
	if len(m.rows) != 1 || m.members[2].gen != devGen {
		t.Errorf("a stale reply was applied (rows %d) or dev's generation moved (%d→%d)", len(m.rows), devGen, m.members[2].gen)
	}
	// The timer of one member never polls another.
	_, cmd := sendCmd(m, pollDueMsg{member: 0, gen: m.members[0].gen})
	if msg, ok := cmd().(snapshotMsg); !ok || msg.member != 0 {
		t.Errorf("prod's timer polled %+v", msg)
	}
}

// ':' narrows a fleet to one context and back; the filter and the sort
// know the context, its label too.
func TestFleetNarrowsFiltersAndSortsByContext(t *testing.T) {
	m := newFleet(120, 30, &fakeReleaser{})
	a := lockEntry("tfstate/a/terraform.tfstate", "aaaaaaaa-0000-0000-0000-000000000000", "OperationTypePlan", "ann", "1.5.7", t0.Add(-time.Minute))
	b := lockEntry("tfstate/b/terraform.tfstate", "bbbbbbbb-0000-0000-0000-000000000000", "OperationTypePlan", "ben", "1.5.7", t0.Add(-2*time.Minute))
	m = polled(m, 0, []model.Entry{a}, nil)
	m = polled(m, 1, []model.Entry{b}, nil)
	m = polled(m, 2, []model.Entry{a, b}, nil)
	if len(m.rows) != 4 {
		t.Fatalf("rows %d", len(m.rows))
	}
	// Narrow to staging: the third choice (every, prod, staging, dev).
	m = press(m, ":", "j", "j", "enter")
	if m.only != "staging" || len(m.rows) != 1 || m.rows[0].Context != "staging" || m.counts.locks != 1 {
		t.Fatalf("narrowed to %q: %d rows, counts %+v", m.only, len(m.rows), m.counts)
	}
	if !strings.Contains(plain(m), "context staging of 3") {
		t.Errorf("header does not say it is narrowed:\n%s", plain(m))
	}
	m = press(m, ":", "enter") // the cursor stands on staging; up to every
	m = press(m, ":", "k", "k", "enter")
	if m.only != "" || len(m.rows) != 4 {
		t.Fatalf("back to every context: %q, %d rows", m.only, len(m.rows))
	}
	// The filter matches a label, and words AND together.
	m = typeText(press(m, "/"), "PROD")
	if len(m.rows) != 1 || m.rows[0].Context != "prod" {
		t.Errorf("filter PROD: %d rows", len(m.rows))
	}
	m = press(m, "esc")
	m = typeText(press(m, "/"), "dev ben")
	if len(m.rows) != 1 || m.rows[0].Context != "dev" || m.rows[0].Info.Who != "ben" {
		t.Errorf("filter 'dev ben': %d rows", len(m.rows))
	}
	m = press(m, "esc")
	// s cycles to the context order after the others.
	for i := 0; m.sortKey != model.SortContext; i++ {
		if m = press(m, "s"); i > len(model.SortKeys) {
			t.Fatal("the context order is not offered in a fleet")
		}
	}
	var got []string
	for _, e := range m.rows {
		got = append(got, e.Context+":"+e.Info.Who)
	}
	if strings.Join(got, " ") != "dev:ben dev:ann prod:ann staging:ben" {
		t.Errorf("by context, oldest first within: %v", got)
	}
	// One context's UI offers no context order.
	one := newModel(120, 30, seed())
	for range 5 {
		if one = press(one, "s"); one.sortKey == model.SortContext {
			t.Fatal("a one-context UI sorts by context")
		}
	}
}

// At 80 columns a fleet keeps the CONTEXT column and tells rows apart.
func TestFleetAt80Columns(t *testing.T) {
	m := newFleet(80, 24, &fakeReleaser{})
	var entries []model.Entry
	for _, n := range []string{"1", "2", "3"} {
		entries = append(entries, lockEntry("org-tfstate/env:/production-eu-west-"+n+"/platform-team/networking/transit-gateway-attachments-"+n+"/terraform.tfstate",
			n+"aaaaaaa-0000-0000-0000-000000000000", "OperationTypeApply", "ci", "1.5.7", t0.Add(-time.Minute)))
	}
	m = polled(m, 0, entries, nil)
	m = polled(m, 1, entries[:1], nil)
	lines := strings.Split(plain(m), "\n")
	seen := map[string]bool{}
	for _, l := range lines[5:9] {
		if len([]rune(l)) > 80 {
			t.Errorf("line wider than 80: %q", l)
		}
		seen[strings.Join(strings.Fields(l)[:3], " ")] = true
	}
	if len(seen) != 4 {
		t.Errorf("rows not told apart at 80 columns:\n%s", strings.Join(lines, "\n"))
	}
	_ = lwaws.Snapshot{}
}
