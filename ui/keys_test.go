package ui

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/lockwarden/lockwarden/model"
)

// q goes back from every view but the list, where it quits.
func TestQGoesBackOutsideTheList(t *testing.T) {
	m := newModel(120, 30, seed(), func(c *Config) {
		c.Contexts = []string{"prod-eu", "staging"}
		c.Switch = func(context.Context, string) (Source, Config, error) { return nil, Config{}, nil }
	})
	for _, open := range []string{"enter", "?", "h", ":"} {
		mm := press(m, open)
		if mm.screen == screenMain {
			t.Fatalf("%s opened nothing", open)
		}
		mm, cmd := sendCmd(mm, keyMsg("q"))
		if cmd != nil || mm.screen != screenMain {
			t.Errorf("q after %s: screen %v, command %v; want back to the list", open, mm.screen, cmd != nil)
		}
	}
	_, cmd := sendCmd(m, keyMsg("q"))
	if cmd == nil {
		t.Fatal("q in the list must quit")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Error("q in the list must quit")
	}
	// ctrl+c quits from anywhere.
	if _, cmd := sendCmd(press(m, "enter"), keyMsg("ctrl+c")); cmd == nil {
		t.Error("ctrl+c in the detail view must quit")
	}
}

// The header says the order; S turns it around; polls keep it.
func TestSortIsShownReversibleAndSurvivesPolls(t *testing.T) {
	m := newModel(120, 30, seed())
	order := func(m Model) string {
		var ids []string
		for _, e := range m.rows {
			ids = append(ids, e.LockID)
		}
		return strings.Join(ids, ",")
	}
	oldest := order(m)
	if out := plain(m); !strings.Contains(out, "sort: age ▼") || !strings.Contains(out, "AGE ▼") {
		t.Fatalf("the header must show the order:\n%s", out)
	}
	m = press(m, "S")
	if !m.sortReverse || !strings.Contains(plain(m), "sort: age ▲") {
		t.Fatalf("S must reverse the order:\n%s", plain(m))
	}
	// Newest first; the malformed item, of no age, stays last.
	ids := strings.Split(oldest, ",")
	if ids[len(ids)-1] != "tfstate/broken/terraform.tfstate" {
		t.Fatalf("oldest first ends with %s", ids[len(ids)-1])
	}
	slices.Reverse(ids[:len(ids)-1])
	if got := order(m); got != strings.Join(ids, ",") {
		t.Errorf("reversed:\n%s\nwant\n%s", got, strings.Join(ids, ","))
	}
	reversed := order(m)
	m = send(m, snapshotMsg{gen: m.one().gen, snap: snapshotOf(seed())})
	if order(m) != reversed || !strings.Contains(plain(m), "sort: age ▲") {
		t.Error("a poll lost the reversed order")
	}
	m = press(m, "s")
	if m.sortKey != model.SortPath || m.sortReverse || !strings.Contains(plain(m), "sort: path ▲") || !strings.Contains(plain(m), "STATE ▲") {
		t.Errorf("s must pick the next key in its usual direction:\n%s", plain(m))
	}
	m = press(m, "S")
	if m.rows[0].LockID != "tfstate/iam/terraform.tfstate" || !strings.Contains(plain(m), "sort: path ▼") {
		t.Errorf("path reversed starts with %s", m.rows[0].LockID)
	}
	// At 80 columns, read-only, with a position to show, the order stays.
	ro := newModel(80, 10, seed(), func(c *Config) { c.ReadOnly = true })
	if out := plain(ro); !strings.Contains(out, "sort: age ▼") || !strings.Contains(out, "READ-ONLY") {
		t.Errorf("narrow header lost the order or the badge:\n%s", out)
	}
}

// Every binding of the KeyMap is in the help, and the help names exactly
// the keys of each binding: no key missing, none invented.
func TestEveryBindingIsInTheHelp(t *testing.T) {
	m := newModel(160, 40, seed(), writable(&fakeReleaser{}), probed(fakeProber{}), func(c *Config) {
		c.Contexts = []string{"a", "b"}
		c.Switch = func(context.Context, string) (Source, Config, error) { return nil, Config{}, nil }
	})
	var inHelp []key.Binding
	for _, g := range m.keys.FullHelp() {
		inHelp = append(inHelp, g...)
	}
	v := reflect.ValueOf(m.keys)
	fields := 0
	for i := 0; i < v.NumField(); i++ {
		b, ok := v.Field(i).Interface().(key.Binding)
		if !ok {
			continue
		}
		fields++
		if !b.Enabled() {
			t.Errorf("%s is disabled with every feature on", v.Type().Field(i).Name)
			continue
		}
		if !slices.ContainsFunc(inHelp, func(h key.Binding) bool { return slices.Equal(h.Keys(), b.Keys()) }) {
			t.Errorf("%s (%v) is not in the full help", v.Type().Field(i).Name, b.Keys())
		}
	}
	if fields < 20 {
		t.Fatalf("found only %d bindings: is KeyMap still a struct of key.Binding?", fields)
	}
	shownAs := map[string]string{"↑": "up", "↓": "down"}
	for _, b := range inHelp {
		named := strings.Split(b.Help().Key, "/")
		if b.Help().Key == "/" {
			named = []string{"/"}
		}
		for i, n := range named {
			if k, ok := shownAs[n]; ok {
				named[i] = k
			}
		}
		if !slices.Equal(named, b.Keys()) {
			t.Errorf("the help names %q for a binding of keys %v", b.Help().Key, b.Keys())
		}
	}
	// The help screen, scrolled through at 80×24, shows every one of them.
	h := press(newModel(80, 24, seed(), writable(&fakeReleaser{}), probed(fakeProber{}), func(c *Config) {
		c.Contexts = []string{"a", "b"}
		c.Switch = func(context.Context, string) (Source, Config, error) { return nil, Config{}, nil }
	}), "?")
	screens := plain(h) + plain(press(h, "G"))
	for _, b := range inHelp {
		if !strings.Contains(screens, b.Help().Key+" ") || !strings.Contains(screens, b.Help().Desc) {
			t.Errorf("the help screen lacks %q %q", b.Help().Key, b.Help().Desc)
		}
	}
}

// Each marker means one thing: the legend lists each symbol once, and the
// rows use those symbols for exactly those meanings.
func TestEachMarkerHasOneMeaning(t *testing.T) {
	m := newModel(160, 40, seed())
	seen := map[string]string{}
	for _, mk := range append(m.markers(), m.headerSymbols()...) {
		if other, dup := seen[mk.symbol]; dup {
			t.Errorf("%q means both %q and %q", mk.symbol, other, mk.meaning)
		}
		seen[mk.symbol] = mk.meaning
	}
	// A bad digest and a stale lock look different.
	path := "tfstate/app/terraform.tfstate"
	p := fakeProber{path: {Path: path, Status: model.DigestMismatch, Stored: "06462db2ef044008b94260f6cb5ab7cb", Item: model.Item{},
		State: model.StateObject{Exists: true, MD5: "c016ff98e4a56a223b07c2a4c02512ac"}}}
	m = newModel(160, 40, seed(), probed(p), func(c *Config) { c.PollInterval = time.Millisecond })
	m = press(m, "H") // shows digests, checks them once read
	m = runCmd(sendCmd(m, snapshotMsg{gen: m.one().gen, snap: withDigests(seed())}))
	out := plain(press(m, "j"))
	if !strings.Contains(out, "✗ tfstate/app/terraform.tfstate") || !strings.Contains(out, "! tfstate/env:/prod/network/terraform.tfstate") {
		t.Errorf("stale and bad digest must be told apart:\n%s", out)
	}
	if strings.Contains(out, "! tfstate/app") {
		t.Error("a bad digest is marked ! (stale)")
	}
}

// The filter trims pasted spaces and wants every word, from any field or
// the context's name.
func TestFilterTrimsAndMatchesEveryWord(t *testing.T) {
	m := newModel(120, 30, seed(), func(c *Config) { c.Context = "eu-central" })
	rows := func(m Model) []string {
		var ids []string
		for _, e := range m.rows {
			ids = append(ids, e.LockID)
		}
		return ids
	}
	cases := []struct {
		typed string
		want  []string
	}{
		{"  " + networkPath + " ", []string{networkPath}}, // a triple-click copy
		{"  prod apply ", []string{networkPath, "tfstate/env:/prod/eks-cluster/terraform.tfstate"}},
		{"APPLY alice", []string{"tfstate/env:/prod/eks-cluster/terraform.tfstate"}},
		{"44444444 plan", []string{"tfstate/env:/staging/dns/terraform.tfstate"}}, // lock ID
		{"eu-central bob", []string{"tfstate/billing/terraform.tfstate"}},         // context name
		{"prod plan", nil},
	}
	for _, c := range cases {
		mm := typeText(press(m, "/"), c.typed)
		if got := rows(mm); !slices.Equal(got, c.want) {
			t.Errorf("%q: rows %v, want %v", c.typed, got, c.want)
		}
	}
	mm := typeText(press(m, "/"), "prod plan")
	if !strings.Contains(plain(mm), `Nothing matches every word of "prod plan".`) {
		t.Errorf("an empty result must say every word must match:\n%s", plain(mm))
	}
}

// Typing on filters the rows already shown; whatever is typed or erased,
// the rows are those a fresh filter of every entry gives.
func TestFilterNarrowingAgreesWithAFreshFilter(t *testing.T) {
	m := press(newModel(120, 30, append(seed(), manyLocks(300)...)), "/")
	steps := append(strings.Split("  prod apply ci", ""), "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "x", "backspace")
	for i, k := range steps {
		if k == " " {
			k = "space"
		}
		if k == "space" {
			m = send(m, tea.KeyPressMsg{Code: ' ', Text: " "})
		} else {
			m = press(m, k)
		}
		q := model.ParseQuery(m.filter.Value())
		var want []*model.Entry
		for _, e := range m.ordered {
			if q.Matches(e, m.cfg.Context) {
				want = append(want, e)
			}
		}
		if !slices.Equal(m.rows, want) {
			t.Fatalf("step %d (%q, filter %q): %d rows, a fresh filter gives %d", i, k, m.filter.Value(), len(m.rows), len(want))
		}
	}
	// A poll brings new rows: the filter applies to all of them.
	m = send(m, snapshotMsg{gen: m.one().gen, snap: snapshotOf(seed())})
	// "prod" is in the context's name (prod-eu): every apply matches.
	if len(m.rows) != 3 {
		t.Errorf("after a poll %d rows match %q, want 3", len(m.rows), m.filter.Value())
	}
}

// A row key with no row under the cursor does nothing: it never falls
// through to another binding.
func TestRowKeysWithoutARowDoNothing(t *testing.T) {
	m := newModel(120, 30, []model.Entry{}, writable(&fakeReleaser{}))
	for _, k := range []string{"enter", "c", "x", "ctrl+d", "R"} {
		next, cmd := sendCmd(m, keyMsg(k))
		if next.screen != screenMain || next.dialog != nil || next.filtering || cmd != nil {
			t.Errorf("%s on an empty table: screen %v, dialog %v, cmd %v", k, next.screen, next.dialog != nil, cmd != nil)
		}
	}
}
