package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/model"
)

var t0 = time.Date(2026, 11, 26, 3, 14, 7, 0, time.UTC)

// fakeSource answers scans from a script; the UI tests drive messages
// directly, so it is only called when a test runs a command.
type fakeSource struct {
	snap model.Snapshot
	err  error
}

func (f *fakeSource) Scan(context.Context, bool) (model.Snapshot, error) { return f.snap, f.err }

func lockEntry(path, id, op, who, version string, created time.Time) model.Entry {
	li := model.LockInfo{ID: id, Operation: op, Who: who, Version: version, Created: created, Path: path}
	raw, err := li.Marshal()
	if err != nil {
		panic(err)
	}
	return model.Classify(model.Item{"LockID": model.String(path), "Info": model.String(raw)}, "")
}

func digestEntry(path, sum string) model.Entry {
	return model.Classify(model.Item{"LockID": model.String(path + "-md5"), "Digest": model.String(sum)}, "")
}

// seed is a fixed picture of a busy table.
func seed() []model.Entry {
	return []model.Entry{
		lockEntry("tfstate/env:/prod/network/terraform.tfstate", "8d1f6c0e-5a1b-2f3c-9d8e-7f6a5b4c3d2e", "OperationTypeApply", "ci@runner-7", "1.12.6", t0.Add(-76*time.Hour)),
		lockEntry("tfstate/env:/prod/eks-cluster/terraform.tfstate", "2b7e4a91-0c3d-4e5f-8a9b-1c2d3e4f5a6b", "OperationTypeApply", "alice@laptop", "1.9.8", t0.Add(-5*time.Hour-12*time.Minute)),
		lockEntry("tfstate/env:/staging/dns/terraform.tfstate", "44444444-aaaa-bbbb-cccc-dddddddddddd", "OperationTypePlan", "ci@runner-2", "1.12.6", t0.Add(-63*time.Second)),
		lockEntry("tfstate/billing/terraform.tfstate", "5e5e5e5e-1111-2222-3333-444444444444", "state-rm", "bob@ws-14", "1.5.7", t0.Add(-9*time.Minute-30*time.Second)),
		lockEntry("tfstate/iam/terraform.tfstate", "7a7a7a7a-1111-2222-3333-444444444444", "OperationTypeApply", "dana@skewed-clock", "1.10.5", t0.Add(3*time.Minute)),
		model.Classify(model.Item{"LockID": model.String("tfstate/broken/terraform.tfstate"), "Info": model.String("held by a script (not JSON)")}, ""),
		digestEntry("tfstate/app/terraform.tfstate", "06462db2ef044008b94260f6cb5ab7cb"),
	}
}

// newModel returns a UI of the given size that has received one snapshot.
// testNow is the UI's clock in tests; newModel resets it to t0.
var testNow = t0

func newModel(w, h int, entries []model.Entry, cfgs ...func(*Config)) Model {
	testNow = t0
	cfg := Config{Settings: config.Settings{Context: "prod-eu", Profile: "prod", Region: "eu-west-1", Table: "terraform-locks", StaleAfter: time.Hour, PollInterval: 5 * time.Second}, Now: func() time.Time { return testNow }, Location: time.UTC}
	for _, f := range cfgs {
		f(&cfg)
	}
	m := New(cfg, &fakeSource{})
	m = send(m, tea.WindowSizeMsg{Width: w, Height: h})
	if entries != nil {
		m = send(m, snapshotMsg{gen: m.one().gen, snap: snapshotOf(entries), took: 12 * time.Millisecond})
	}
	return m
}

func snapshotOf(entries []model.Entry) model.Snapshot {
	var kept []model.Entry
	digests := 0
	for _, e := range entries {
		if e.Kind == model.KindDigest {
			digests++
			continue
		}
		kept = append(kept, e)
	}
	// The reader returns entries sorted by LockID.
	slices.SortFunc(kept, func(a, b model.Entry) int { return strings.Compare(a.LockID, b.LockID) })
	return model.Snapshot{Entries: kept, Digests: digests, ConsumedRCU: 0.5}
}

func send(m Model, msg tea.Msg) Model {
	next, _ := m.Update(msg)
	return next.(Model)
}

func sendCmd(m Model, msg tea.Msg) (Model, tea.Cmd) {
	next, cmd := m.Update(msg)
	return next.(Model), cmd
}

// keyMsg builds the key press a terminal would send for name.
func keyMsg(name string) tea.KeyPressMsg {
	special := map[string]rune{
		"enter": tea.KeyEnter, "esc": tea.KeyEscape, "up": tea.KeyUp, "down": tea.KeyDown,
		"pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown, "home": tea.KeyHome, "end": tea.KeyEnd,
		"backspace": tea.KeyBackspace, "space": tea.KeySpace,
	}
	if r, ok := special[name]; ok {
		return tea.KeyPressMsg{Code: r}
	}
	if rest, ok := strings.CutPrefix(name, "ctrl+"); ok {
		return tea.KeyPressMsg{Code: rune(rest[0]), Mod: tea.ModCtrl}
	}
	r := []rune(name)[0]
	return tea.KeyPressMsg{Code: r, Text: name}
}

func press(m Model, keys ...string) Model {
	for _, k := range keys {
		m = send(m, keyMsg(k))
	}
	return m
}

func plain(m Model) string { return ansi.Strip(m.render()) }

func selectedPath(m Model) string {
	if e := m.current(); e != nil {
		return e.LockID
	}
	return ""
}

func TestFirstSnapshotListsOldestFirstWithoutDigests(t *testing.T) {
	m := newModel(120, 30, seed())
	var got []string
	for _, e := range m.rows {
		got = append(got, e.LockID)
	}
	want := "tfstate/env:/prod/network/terraform.tfstate,tfstate/env:/prod/eks-cluster/terraform.tfstate,tfstate/billing/terraform.tfstate,tfstate/env:/staging/dns/terraform.tfstate,tfstate/iam/terraform.tfstate,tfstate/broken/terraform.tfstate"
	if strings.Join(got, ",") != want {
		t.Errorf("rows:\n%s\nwant\n%s", strings.Join(got, ","), want)
	}
	if len(m.newSince) != 0 {
		t.Error("nothing is new on the first read")
	}
}

func TestMovementKeys(t *testing.T) {
	m := newModel(120, 12, seed()) // 12 lines: 5 table rows visible
	steps := []struct {
		key  string
		want int
	}{
		{"j", 1}, {"down", 2}, {"k", 1}, {"up", 0}, {"up", 0},
		{"end", 5}, {"home", 0}, {"G", 5}, {"g", 0}, {"pgdown", 5}, {"pgup", 0}, {"j", 1}, {"pgdown", 5}, {"pgup", 0},
	}
	for _, s := range steps {
		m = press(m, s.key)
		if m.cursor != s.want {
			t.Fatalf("after %q cursor %d, want %d", s.key, m.cursor, s.want)
		}
		if m.cursor < m.offset || m.cursor >= m.offset+m.bodyHeight() {
			t.Fatalf("after %q the cursor %d is off screen (offset %d)", s.key, m.cursor, m.offset)
		}
	}
}

func TestSelectionFollowsTheLockAcrossPolls(t *testing.T) {
	m := newModel(120, 30, seed())
	m = press(m, "j", "j") // billing
	if selectedPath(m) != "tfstate/billing/terraform.tfstate" {
		t.Fatalf("selected %s", selectedPath(m))
	}
	// A new, older lock arrives and shifts the rows down.
	older := append(seed(), lockEntry("tfstate/old/terraform.tfstate", "00000000-1111-2222-3333-444444444444", "OperationTypeApply", "x@y", "1.5.7", t0.Add(-100*time.Hour)))
	m = send(m, snapshotMsg{gen: m.one().gen, snap: snapshotOf(older)})
	if selectedPath(m) != "tfstate/billing/terraform.tfstate" {
		t.Errorf("selection jumped to %s", selectedPath(m))
	}
}

func TestDetailAndBack(t *testing.T) {
	m := newModel(120, 30, seed())
	m = press(m, "enter")
	if m.screen != screenDetail || m.detail.LockID != "tfstate/env:/prod/network/terraform.tfstate" {
		t.Fatalf("screen %v detail %v", m.screen, m.detail)
	}
	out := plain(m)
	for _, want := range []string{
		"STALE (3d 4h)", "8d1f6c0e-5a1b-2f3c-9d8e-7f6a5b4c3d2e", "OperationTypeApply (apply)",
		"2026-11-22 23:14:07 UTC", "terraform force-unlock 8d1f6c0e-5a1b-2f3c-9d8e-7f6a5b4c3d2e",
		"tofu force-unlock 8d1f6c0e-5a1b-2f3c-9d8e-7f6a5b4c3d2e", "terraform workspace select prod",
		"stale: held 3d 4h, at least the 1h threshold", `"LockID":{"S":"tfstate/env:/prod/network/terraform.tfstate"}`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("detail lacks %q", want)
		}
	}
	m = press(m, "esc")
	if m.screen != screenMain {
		t.Error("esc did not go back")
	}
}

func TestCopyIDUsesOSC52(t *testing.T) {
	m := newModel(120, 30, seed())
	m, cmd := sendCmd(m, keyMsg("c"))
	if cmd == nil {
		t.Fatal("c returned no command")
	}
	if !strings.Contains(m.status.text, "copied lock ID 8d1f6c0e-5a1b-2f3c-9d8e-7f6a5b4c3d2e") {
		t.Errorf("status %q", m.status.text)
	}
	if got := fmt.Sprintf("%T", cmd()); !strings.Contains(got, "setClipboard") {
		t.Errorf("c produced %s, want a clipboard write", got)
	}
}

func TestFilterLive(t *testing.T) {
	m := newModel(120, 30, seed())
	m = press(m, "/", "a", "l", "i")
	if !m.filtering || len(m.rows) != 1 || m.rows[0].Info.Who != "alice@laptop" {
		t.Fatalf("filtering %v rows %d", m.filtering, len(m.rows))
	}
	m = press(m, "enter")
	if m.filtering || len(m.rows) != 1 {
		t.Fatal("enter must keep the filter and leave the input")
	}
	if !strings.Contains(plain(m), "filter: ali") {
		t.Error("an active filter must be visible")
	}
	m = press(m, "esc")
	if len(m.rows) != 6 || m.filter.Value() != "" {
		t.Errorf("esc must clear the filter: %d rows", len(m.rows))
	}
	m = press(m, "/", "z", "z", "z")
	if !strings.Contains(plain(m), `Nothing matches "zzz".`) {
		t.Error("an empty filter result must say so")
	}
	m = press(m, "esc")
	if m.filtering || len(m.rows) != 6 {
		t.Error("esc while typing must clear and leave")
	}
}

func TestSortCycles(t *testing.T) {
	m := newModel(120, 30, seed())
	for _, want := range []model.SortKey{model.SortPath, model.SortWho, model.SortOperation, model.SortAge} {
		m = press(m, "s")
		if m.sortKey != want {
			t.Fatalf("sort %v, want %v", m.sortKey, want)
		}
	}
	m = press(m, "s")
	if m.rows[0].LockID != "tfstate/billing/terraform.tfstate" {
		t.Errorf("path order starts with %s", m.rows[0].LockID)
	}
}

func TestDigestsToggleRefetches(t *testing.T) {
	m := newModel(120, 30, seed())
	gen := m.one().gen
	m, cmd := sendCmd(m, keyMsg("d"))
	if !m.showDigests || cmd == nil || m.one().gen != gen+1 {
		t.Fatalf("d must show digests and refetch now (gen %d→%d)", gen, m.one().gen)
	}
	withDigests := seed()
	m = send(m, snapshotMsg{gen: m.one().gen, snap: model.Snapshot{Entries: withDigests, Digests: 1}})
	// The rows share the bucket and the file name: the header names them.
	if !strings.Contains(plain(m), "· app ") {
		t.Errorf("digest row not shown with its marker:\n%s", plain(m))
	}
	m = press(m, "d")
	if strings.Contains(plain(m), "· app ") {
		t.Error("d again must hide digests")
	}
}

func TestQuitKeys(t *testing.T) {
	for _, k := range []string{"q", "ctrl+c"} {
		_, cmd := sendCmd(newModel(80, 24, seed()), keyMsg(k))
		if cmd == nil {
			t.Fatalf("%s: no command", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Errorf("%s does not quit", k)
		}
	}
	// While typing a filter, q is text.
	m := press(newModel(80, 24, seed()), "/")
	m, _ = sendCmd(m, keyMsg("q"))
	if m.filter.Value() != "q" {
		t.Errorf("q while filtering must be typed, filter %q", m.filter.Value())
	}
}

func TestHelpHistoryAndContextKeys(t *testing.T) {
	m := newModel(120, 30, seed())
	m = press(m, "?")
	if m.screen != screenHelp || !strings.Contains(plain(m), "stale: held at least 1h") {
		t.Error("? must open the help with the markers explained")
	}
	m = press(m, "?")
	if m.screen != screenMain {
		t.Error("? again must close the help")
	}
	m = press(m, "h")
	if m.screen != screenHistory || !strings.Contains(plain(m), "No lock has been released") {
		t.Error("h must open the (empty) history")
	}
	m = press(m, "esc", ":")
	if m.screen != screenMain {
		t.Error(": must do nothing with a single context")
	}
	if strings.Contains(plain(m), ": contexts") {
		t.Error("the help must not offer : with a single context")
	}

	switched := ""
	m = newModel(120, 30, seed(), func(c *Config) {
		c.Contexts = []string{"prod-eu", "staging"}
		c.Switch = func(_ context.Context, name string) (Source, Config, error) {
			switched = name
			return &fakeSource{}, Config{Settings: config.Settings{Context: name, Table: "other", Contexts: c.Contexts}, Now: c.Now}, nil
		}
	})
	m = press(m, ":")
	if m.screen != screenContexts {
		t.Fatal(": must open the context switcher")
	}
	m = press(m, "j")
	m, cmd := sendCmd(m, keyMsg("enter"))
	if cmd == nil {
		t.Fatal("enter on another context must switch")
	}
	m = send(m, cmd())
	if switched != "staging" || m.cfg.Context != "staging" || m.cfg.Table != "other" || m.one().loaded {
		t.Errorf("switched %q, context %q, table %q, loaded %v", switched, m.cfg.Context, m.cfg.Table, m.one().loaded)
	}
}

func TestPollFailureKeepsDataBacksOffAndRecovers(t *testing.T) {
	m := newModel(120, 30, seed())
	rows := len(m.rows)
	boom := errors.New(`access denied: dynamodb:Scan on table "terraform-locks" in region eu-west-1 is not allowed`)
	var waits []time.Duration
	for i := 1; i <= 6; i++ {
		m = send(m, snapshotMsg{gen: m.one().gen, err: boom})
		waits = append(waits, m.one().nextRetry.Sub(m.cfg.Now()))
		if len(m.rows) != rows {
			t.Fatal("a failed poll must keep the last data")
		}
	}
	if fmt.Sprint(waits) != "[10s 20s 40s 1m0s 1m0s 1m0s]" {
		t.Errorf("backoff %v", waits)
	}
	out := plain(m)
	for _, want := range []string{"⚠ refresh failed 6× — showing data from just now, retrying in 1m00s: access denied: dynamodb:Scan", "⚠ not updating"} {
		if !strings.Contains(out, want) {
			t.Errorf("banner lacks %q", want)
		}
	}
	m = send(m, snapshotMsg{gen: m.one().gen, snap: snapshotOf(seed())})
	if m.one().failures != 0 || !strings.Contains(plain(m), "reconnected after 6 failed refreshes") || !strings.Contains(plain(m), "● live") {
		t.Error("a good poll must clear the banner and say so")
	}
}

func TestStaleRepliesAreDropped(t *testing.T) {
	m := newModel(120, 30, seed())
	old := m.one().gen
	m, cmd := sendCmd(m, keyMsg("r"))
	if cmd == nil || m.one().gen != old+1 {
		t.Fatal("r must start a new poll generation")
	}
	m = send(m, snapshotMsg{gen: old, snap: model.Snapshot{}})
	if len(m.rows) != 6 {
		t.Error("a reply of an older poll replaced the data")
	}
	m = send(m, snapshotMsg{gen: old, err: errors.New("late failure")})
	if m.one().failures != 0 {
		t.Error("a late failure of an older poll was counted")
	}
	if _, cmd := sendCmd(m, pollDueMsg{gen: old}); cmd != nil {
		t.Error("a timer of an older poll started a scan")
	}
	m = send(m, snapshotMsg{gen: m.one().gen, snap: model.Snapshot{}})
	if len(m.rows) != 0 {
		t.Error("the current reply was not applied")
	}
}

func TestNewAndReleasedLocks(t *testing.T) {
	m := newModel(120, 30, seed())
	next := seed()[1:] // network released
	next = append(next, lockEntry("tfstate/new/terraform.tfstate", "99999999-1111-2222-3333-444444444444", "OperationTypeApply", "erin@box", "1.5.7", t0.Add(-4*time.Second)))
	m = send(m, snapshotMsg{gen: m.one().gen, snap: snapshotOf(next)})
	out := plain(m)
	if !strings.Contains(out, "+ new ") || !strings.Contains(out, "1 new") {
		t.Errorf("new lock not marked:\n%s", out)
	}
	if !strings.Contains(out, "released: tfstate/env:/prod/network/terraform.tfstate — apply by ci@runner-7, held 3d 4h") {
		t.Errorf("release not announced:\n%s", out)
	}
	m = press(m, "h")
	if !strings.Contains(plain(m), "03:14:07  released tfstate/env:/prod/network/terraform.tfstate — apply by ci@runner-7, held 3d 4h · seen gone") {
		t.Errorf("release not in history:\n%s", plain(m))
	}
	// The same path re-taken by someone else is a release and a new lock.
	retaken := seed()
	retaken[2] = lockEntry("tfstate/env:/staging/dns/terraform.tfstate", "55555555-aaaa-bbbb-cccc-dddddddddddd", "OperationTypeApply", "dave@ci-2", "1.12.6", t0)
	m = send(press(m, "esc"), snapshotMsg{gen: m.one().gen, snap: snapshotOf(retaken)})
	if !strings.Contains(plain(m), "released: tfstate/env:/staging/dns/terraform.tfstate — plan by ci@runner-2, held 1m03s (+1 more, h lists them)") {
		t.Errorf("a re-taken lock must announce the release:\n%s", plain(m))
	}
	// New marks fade after a few seconds of ticks.
	testNow = t0.Add(newFor)
	m = send(m, tickMsg(testNow))
	if len(m.newSince) != 0 {
		t.Error("new marks did not expire")
	}
}

func TestAgesTickEverySecond(t *testing.T) {
	m := newModel(120, 30, seed())
	if !strings.Contains(plain(m), "1m03s") {
		t.Fatal("dns lock age not shown")
	}
	testNow = t0.Add(2 * time.Second)
	m = send(m, tickMsg(testNow))
	if !strings.Contains(plain(m), "1m05s") {
		t.Error("age did not tick")
	}
}

func TestTerminalEscapesFromTheTableAreNeutralised(t *testing.T) {
	evil := lockEntry("tfstate/\x1b]0;pwned\x07/terraform.tfstate", "11111111-2222-3333-4444-555555555555", "\x1b[2J", "mallory\x1b[31m@\x9bhost", "1.0\x1bP", t0)
	m := newModel(160, 40, []model.Entry{evil})
	for _, screenKeys := range [][]string{nil, {"enter"}} {
		mm := press(m, screenKeys...)
		raw := mm.render()
		for _, bad := range []string{"\x1b]", "\x07", "\x1b[2J", "\x1bP", "\u009b"} {
			if strings.Contains(raw, bad) {
				t.Errorf("%q reached the terminal on screen %v", bad, mm.screen)
			}
		}
		if !strings.Contains(ansi.Strip(raw), "‹U+001B›") {
			t.Errorf("the escape should be shown visibly")
		}
	}
}

func TestStaleRowsStandOutBySymbolAndStyle(t *testing.T) {
	m := newModel(120, 30, seed())
	m = press(m, "j") // move the selection off the stale first row
	lines := strings.Split(m.render(), "\n")
	var staleLine string
	for _, l := range lines {
		if strings.Contains(ansi.Strip(l), " env:/prod/network ") {
			staleLine = l
		}
	}
	if !strings.HasPrefix(ansi.Strip(staleLine), "! ") {
		t.Errorf("stale row lacks its marker: %q", ansi.Strip(staleLine))
	}
	if staleLine == ansi.Strip(staleLine) {
		t.Error("stale row carries no style")
	}
}

func TestDetailShowsLocalTimeBesideUTC(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	m := press(newModel(120, 30, seed(), func(c *Config) { c.Location = berlin }), "enter")
	if !strings.Contains(plain(m), "2026-11-22 23:14:07 UTC (2026-11-23 00:14:07 CET local)") {
		t.Errorf("local time missing:\n%s", plain(m))
	}
}

func TestDetailShowsEveryLockInfoField(t *testing.T) {
	e := lockEntry("tfstate/a/terraform.tfstate", "12345678-aaaa-bbbb-cccc-dddddddddddd", "state-mv", "x@y", "1.5.7", t0)
	li := e.Info
	li.Info, li.Path = "moving things", "tfstate/other/terraform.tfstate"
	raw, _ := li.Marshal()
	odd := model.Classify(model.Item{"LockID": model.String("tfstate/a/terraform.tfstate"), "Info": model.String(raw)}, "")
	out := plain(press(newModel(120, 30, []model.Entry{odd}), "enter"))
	for _, want := range []string{"Lock ID     12345678-aaaa-bbbb-cccc-dddddddddddd", "Operation   state-mv (state mv)", "Who         x@y",
		"Version     1.5.7", "Created     2026-11-26 03:14:07 UTC", "Path        tfstate/other/terraform.tfstate (differs from LockID)", "Info        moving things"} {
		if !strings.Contains(out, want) {
			t.Errorf("detail lacks %q:\n%s", want, out)
		}
	}
}

// answered answers the reads asked of the one context with snap: the one
// in flight, and one owed when a key asked again while it was.
func answered(m Model, snap model.Snapshot) Model {
	for m.one().owed {
		m = send(m, snapshotMsg{gen: m.one().gen, snap: snap})
	}
	return send(m, snapshotMsg{gen: m.one().gen, snap: snap})
}
