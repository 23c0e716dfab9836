package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/model"
)

// newFleet returns a fleet UI of three contexts at the given size: prod
// (read-only, labelled PROD, stale after 1h), staging (writable through
// rel, stale after 10m) and dev (writable, no label); none read yet.
func newFleet(w, h int, rel Releaser) Model {
	testNow = t0
	base := func(name string) Config {
		return Config{Settings: config.Settings{Context: name, Table: "locks-" + name, StaleAfter: time.Hour, PollInterval: 5 * time.Second}}
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
		snap.Entries[j].Context = m.contexts[i].cfg.Context
	}
	return send(m, snapshotMsg{member: i, gen: m.contexts[i].gen, snap: snap, err: err, took: time.Millisecond})
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
	if m.counts.Stale != 1 || m.counts.Locks != 2 {
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
	if len(m.writes) != 1 || m.writes[0].Context != "staging" || !strings.HasPrefix(m.status.text, "staging: released") {
		t.Errorf("writes %+v, status %q: the write belongs to staging", m.writes, m.status.text)
	}
	// u undoes it through staging's own write path, and says where.
	m = press(m, "u")
	if !strings.Contains(plain(m), "in context staging") {
		t.Errorf("the undo question does not name the context:\n%s", plain(m))
	}
	m, cmd = sendCmd(press(m, "tab"), keyMsg("enter"))
	m = runCmd(m, cmd)
	if len(rel.restored) != 1 || !strings.HasPrefix(m.status.text, "staging: restored") {
		t.Fatalf("restored %v, status %q", rel.restored, m.status.text)
	}
	m = press(m, "ctrl+d", "esc")
	// staging's next poll no longer has it; prod's row stays, unannounced.
	m = polled(m, 1, nil, nil)
	if h := plain(press(m, "h")); !strings.Contains(h, "staging: released tfstate/app/terraform.tfstate") {
		t.Errorf("the history does not name the context:\n%s", h)
	}
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
	if m.contexts[2].failures != 2 || m.contexts[1].failures != 0 || m.contexts[0].failures != 0 {
		t.Fatalf("failures %d %d %d", m.contexts[0].failures, m.contexts[1].failures, m.contexts[2].failures)
	}
	if got := m.contexts[2].nextRetry.Sub(t0); got != 20*time.Second {
		t.Errorf("dev retries after %s, want 20s (5s doubled twice)", got)
	}
	if m.contexts[1].nextPoll.Sub(t0) != 5*time.Second {
		t.Errorf("staging's next poll moved: %s", m.contexts[1].nextPoll.Sub(t0))
	}
	screen := plain(m)
	for _, want := range []string{"⚠ 1 of 3 not updating", "dev ⚠ 2×", "⚠ dev: refresh failed 2×"} {
		if !strings.Contains(screen, want) {
			t.Errorf("screen lacks %q:\n%s", want, screen)
		}
	}
	// A reply of an older staging poll is dropped, and refreshing staging
	// leaves dev's generation alone.
	old := m.contexts[1].gen
	devGen := m.contexts[2].gen
	m.refreshContext(1)
	m = send(m, snapshotMsg{member: 1, gen: old, snap: snapshotOf(nil)})
	if len(m.rows) != 1 || m.contexts[2].gen != devGen {
		t.Errorf("a stale reply was applied (rows %d) or dev's generation moved (%d→%d)", len(m.rows), devGen, m.contexts[2].gen)
	}
	// The timer of one member never polls another.
	_, cmd := sendCmd(m, pollDueMsg{member: 0, gen: m.contexts[0].gen})
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
	if m.only != "staging" || len(m.rows) != 1 || m.rows[0].Context != "staging" || m.counts.Locks != 1 {
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

}

// A terminal too small for the header and footer (or one that reports no
// size at all) draws what fits, never panics, in a fleet and without.
func TestTinyTerminalsDoNotPanic(t *testing.T) {
	for _, size := range [][2]int{{0, 0}, {10, 3}, {40, 5}, {80, 6}} {
		one := send(newModel(120, 30, seed()), tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		fleet := send(newFleet(120, 30, &fakeReleaser{}), tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		fleet = polled(fleet, 0, seed(), nil)
		for _, m := range []Model{one, fleet, press(one, ":"), press(fleet, "?"), press(fleet, ":")} {
			if lines := strings.Count(m.render(), "\n") + 1; size[1] > 0 && lines > max(size[1], m.headerLines()+3) {
				t.Errorf("%dx%d: %d lines", size[0], size[1], lines)
			}
		}
	}
}

// gatedSource counts the reads in flight and holds each until released.
type gatedSource struct {
	inFlight, most *atomic.Int32
	release        chan struct{}
}

func (g gatedSource) Scan(context.Context, bool) (model.Snapshot, error) {
	n := g.inFlight.Add(1)
	for {
		if m := g.most.Load(); n <= m || g.most.CompareAndSwap(m, n) {
			break
		}
	}
	<-g.release
	g.inFlight.Add(-1)
	return model.Snapshot{}, nil
}

// waitInFlight waits until n reads are in flight.
func waitInFlight(t *testing.T, inFlight *atomic.Int32, n int32) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for inFlight.Load() < n {
		select {
		case <-deadline:
			t.Fatalf("only %d of %d reads started", inFlight.Load(), n)
		case <-time.After(time.Millisecond):
		}
	}
}

// However many contexts a fleet has, at most maxReads are read at once.
func TestFleetReadsAreBounded(t *testing.T) {
	var inFlight, most atomic.Int32
	release := make(chan struct{})
	contexts := make([]Member, maxReads+2)
	for i := range contexts {
		contexts[i] = Member{Config: Config{Settings: config.Settings{Context: fmt.Sprintf("c%d", i), Table: "t"}}, Source: gatedSource{&inFlight, &most, release}}
	}
	m := NewFleet(Config{Now: func() time.Time { return t0 }}, contexts)
	done := make(chan struct{})
	for i := range contexts {
		go func() { m.scan(i)(); done <- struct{}{} }()
	}
	waitInFlight(t, &inFlight, maxReads)
	for range contexts {
		release <- struct{}{}
		<-done
	}
	if got := most.Load(); got != maxReads {
		t.Errorf("at most %d reads at once, want %d", got, maxReads)
	}
}

// A context has one read at a time: r pressed while one is in flight asks
// for another, which starts when that one answers — never a second scan
// beside it.
func TestOneReadAtATimePerContext(t *testing.T) {
	m := newFleet(120, 30, &fakeReleaser{})
	gen := m.contexts[1].gen
	m, cmd := sendCmd(m, keyMsg("r"))
	if cmd != nil || m.contexts[1].gen != gen || !m.contexts[1].owed {
		t.Fatalf("r while every context is being read started new reads (gen %d→%d)", gen, m.contexts[1].gen)
	}
	// staging answers: its owed read starts at once, a new generation.
	snap := snapshotOf(nil)
	m, cmd = sendCmd(m, snapshotMsg{member: 1, gen: gen, snap: snap})
	if cmd == nil || m.contexts[1].gen != gen+1 || !m.contexts[1].polling || m.contexts[1].owed {
		t.Fatalf("the owed read did not start: gen %d, polling %v", m.contexts[1].gen, m.contexts[1].polling)
	}
	if msg, ok := cmd().(snapshotMsg); !ok || msg.member != 1 || msg.gen != gen+1 {
		t.Errorf("the owed read is %+v", msg)
	}
	// Answered and not owed again: back to the interval.
	m = send(m, snapshotMsg{member: 1, gen: gen + 1, snap: snap})
	if m.contexts[1].polling || m.contexts[1].nextPoll.Sub(t0) != 5*time.Second {
		t.Errorf("after the owed read: polling %v, next in %s", m.contexts[1].polling, m.contexts[1].nextPoll.Sub(t0))
	}
}

// Reads paced by a read budget hold no turn: four long paced scans do not
// keep a fifth context unread.
func TestPacedReadsDoNotStarveTheOthers(t *testing.T) {
	var inFlight, most atomic.Int32
	release := make(chan struct{})
	contexts := make([]Member, maxReads+1)
	for i := range contexts {
		contexts[i] = Member{Config: Config{Settings: config.Settings{Context: fmt.Sprintf("c%d", i), Table: "t"}}, Source: gatedSource{&inFlight, &most, release}}
	}
	contexts[maxReads].Source = &fakeSource{}
	m := NewFleet(Config{Now: func() time.Time { return t0 }}, contexts)
	for i := range maxReads {
		// Read once, on a provisioned table: later reads are paced.
		m.contexts[i].loaded, m.contexts[i].capacity = true, model.TableCapacity{Mode: model.BillingProvisioned, ReadUnits: 5}
		go m.scan(i)()
	}
	waitInFlight(t, &inFlight, maxReads)
	got := make(chan tea.Msg, 1)
	go func() { got <- m.scan(maxReads)() }()
	select {
	case msg := <-got:
		if s, ok := msg.(snapshotMsg); !ok || s.err != nil {
			t.Errorf("the fifth context's read: %+v", msg)
		}
	case <-time.After(10 * time.Second):
		t.Error("four paced reads kept a fifth context unread")
	}
	close(release)
}

// A switch that lands while a confirmation is open is not made: the
// answer must not go to another context.
func TestSwitchWaitsForAnOpenWrite(t *testing.T) {
	m := newModel(120, 30, seed(), writable(&fakeReleaser{}))
	m = press(m, "ctrl+d")
	if m.dialog == nil {
		t.Fatal("no dialog on the stale row")
	}
	m = send(m, switchedMsg{src: &fakeSource{}, cfg: Config{Settings: config.Settings{Context: "staging", Table: "other"}}})
	if m.cfg.Context != "prod-eu" || m.dialog == nil || !strings.Contains(m.status.text, "switch to staging not made") {
		t.Errorf("context %q, dialog open %v, status %q", m.cfg.Context, m.dialog != nil, m.status.text)
	}
}

// u in a fleet where no context may write says so, not that a context
// named "" is unknown.
func TestUndoInAReadOnlyFleet(t *testing.T) {
	m := NewFleet(Config{Now: func() time.Time { return t0 }}, []Member{
		{Config: Config{Settings: config.Settings{Context: "a", Table: "t", ReadOnly: true}}, Source: &fakeSource{}},
		{Config: Config{Settings: config.Settings{Context: "b", Table: "t", ReadOnly: true}}, Source: &fakeSource{}},
	})
	m = press(m, "u")
	if !strings.Contains(m.status.text, "no context here may write") || m.undoAsk != nil {
		t.Errorf("u: status %q", m.status.text)
	}
}

// Sort by context follows the marks on screen: a label, not the name
// behind it.
func TestSortByContextFollowsTheLabels(t *testing.T) {
	m := NewFleet(Config{Now: func() time.Time { return t0 }}, []Member{
		{Config: Config{Settings: config.Settings{Context: "alpha", Label: "ZED", Table: "t"}}, Source: &fakeSource{}},
		{Config: Config{Settings: config.Settings{Context: "beta", Table: "t"}}, Source: &fakeSource{}},
	})
	a := lockEntry("tfstate/a/terraform.tfstate", "aaaaaaaa-0000-0000-0000-000000000000", "OperationTypePlan", "ann", "1.5.7", t0.Add(-time.Hour))
	b := lockEntry("tfstate/b/terraform.tfstate", "bbbbbbbb-0000-0000-0000-000000000000", "OperationTypePlan", "ben", "1.5.7", t0.Add(-time.Minute))
	m = polled(polled(m, 0, []model.Entry{a}, nil), 1, []model.Entry{b}, nil)
	for i := 0; m.sortKey != model.SortContext; i++ {
		if m = press(m, "s"); i > len(model.SortKeys) {
			t.Fatal("no context order")
		}
	}
	if got := m.rows[0].Context + "," + m.rows[1].Context; got != "beta,alpha" {
		t.Errorf("by context: %s, want beta (shown as beta) before alpha (shown as ZED)", got)
	}
}

// A digest repair never borrows another context's write path: a
// read-only context, or one not read here, is refused in the command.
func TestRepairUsesOnlyItsOwnContext(t *testing.T) {
	rel := &fakeReleaser{}
	m := newFleet(120, 30, rel)
	for _, ctx := range []string{"prod", "nowhere"} {
		msg, ok := m.repairDigest(ctx, model.DigestReport{Path: "tfstate/app/terraform.tfstate"})().(repairedMsg)
		if !ok || msg.err == nil || !strings.Contains(msg.err.Error(), "may not write here") {
			t.Errorf("repair in %s: %+v", ctx, msg)
		}
	}
	if _, ok := m.repairDigest("staging", model.DigestReport{Path: "tfstate/app/terraform.tfstate"})().(repairedMsg); !ok || len(rel.repaired) != 1 {
		t.Errorf("repair in staging reached %d repairs on its releaser", len(rel.repaired))
	}
}

// The ':' picker says how each context is reached — region, endpoint,
// profile — so that two contexts with the same table in other places do
// not look alike; with one context and with a fleet.
func TestContextPickerShowsWhereEachContextIs(t *testing.T) {
	where := map[string]string{
		"prod-eu": "region eu-west-1 · profile prod-admin",
		"staging": "region us-east-2 · endpoint http://127.0.0.1:8000",
	}
	m := newModel(120, 30, seed(), func(c *Config) {
		c.Context, c.Contexts, c.ContextsWhere = "prod-eu", []string{"prod-eu", "staging"}, where
		c.Switch = func(context.Context, string) (Source, Config, error) { return nil, Config{}, nil }
	})
	m = press(m, ":")
	screen := plain(m)
	for _, want := range []string{"prod-eu  region eu-west-1 · profile prod-admin  (current)", "staging  region us-east-2 · endpoint http://127.0.0.1:8000"} {
		if !strings.Contains(screen, want) {
			t.Errorf("the picker does not say %q:\n%s", want, screen)
		}
	}

	f := newFleet(160, 30, &fakeReleaser{})
	f.contexts[1].cfg.Region, f.contexts[1].cfg.Endpoint = "us-east-2", "http://127.0.0.1:8000"
	f = press(f, ":")
	if screen := plain(f); !strings.Contains(screen, "staging · table locks-staging · region us-east-2 · endpoint http://127.0.0.1:8000") {
		t.Errorf("the fleet's picker does not say where staging is:\n%s", screen)
	}
}

// A context whose read left a watched bucket unread is not shown as live:
// the header says partly read and names the place, with one context and in
// a fleet (where ':' says why); a whole read again is live.
func TestAPartlyReadContextIsNotShownLive(t *testing.T) {
	unread := []model.UnreadPlace{{Place: "bucket nosuchbucket", Why: "bucket nosuchbucket does not exist"}}
	m := newModel(120, 30, nil)
	snap := snapshotOf(seed())
	snap.Unread, snap.Notes = unread, []string{"S3 lock files not read: bucket nosuchbucket does not exist"} // as aws.Locks says it
	m = send(m, snapshotMsg{gen: m.one().gen, snap: snap, took: time.Millisecond})
	header := strings.Split(plain(m), "\n")[0]
	if strings.Contains(header, "live") || !strings.Contains(header, "⚠ partly read · updated") {
		t.Errorf("header: %q", header)
	}
	if screen := plain(m); !strings.Contains(screen, "bucket nosuchbucket") {
		t.Errorf("nothing names the bucket not read:\n%s", screen)
	}
	m80 := send(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	if header := strings.Split(plain(m80), "\n")[0]; !strings.Contains(header, "partly read") {
		t.Errorf("at 80 columns the header drops it: %q", header)
	}
	snap.Unread, snap.Notes = nil, nil
	m = send(m, snapshotMsg{gen: m.one().gen, snap: snap, took: time.Millisecond})
	if header := strings.Split(plain(m), "\n")[0]; !strings.Contains(header, "● live") {
		t.Errorf("read whole again, header: %q", header)
	}

	f := newFleet(160, 30, &fakeReleaser{})
	for i := range f.contexts {
		f = polled(f, i, nil, nil)
	}
	fsnap := snapshotOf(nil)
	fsnap.Unread = unread
	f = send(f, snapshotMsg{member: 1, gen: f.contexts[1].gen, snap: fsnap, took: time.Millisecond})
	if header := strings.Split(plain(f), "\n")[0]; !strings.Contains(header, "⚠ partly read: staging") {
		t.Errorf("fleet header: %q", header)
	}
	if strip := strings.Split(plain(f), "\n")[2]; !strings.Contains(strip, "staging ⚠ partly") {
		t.Errorf("fleet health strip: %q", strip)
	}
	f = press(f, ":")
	// Wrapped, as the line is long: read as words.
	if screen := plain(f); !strings.Contains(strings.Join(strings.Fields(screen), " "), "⚠ partly read: bucket nosuchbucket not read: bucket nosuchbucket does not exist") {
		t.Errorf("the fleet's ':' does not say what was not read:\n%s", screen)
	}
}
