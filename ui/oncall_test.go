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

// The tests of issue 9, "the on-call path, polished": what an incident
// drill tripped over.

const networkPath = "tfstate/env:/prod/network/terraform.tfstate"

// releaseNetwork force-unlocks the stale network lock (the first row)
// through the dialog, and lets the next poll see it gone.
func releaseNetwork(t *testing.T, m Model) Model {
	t.Helper()
	m = typeText(press(m, "x"), "8d1f6c0e")
	m, cmd := sendCmd(m, keyMsg("enter"))
	m = runCmd(m, cmd)
	if m.undo == nil {
		t.Fatalf("no undo on offer after the release: %q", m.status.text)
	}
	return send(m, snapshotMsg{gen: m.one().gen, snap: snapshotOf(seed()[1:])})
}

// u asks, naming the lock it would restore, and starts on No: a stray u
// (or u then Enter) while looking at another lock restores nothing.
func TestUndoAsksNamingTheLockAndStartsOnNo(t *testing.T) {
	rel := &fakeReleaser{}
	m := releaseNetwork(t, newModel(120, 30, seed(), writable(rel)))
	// Looking at another lock's detail now.
	m = press(m, "enter")
	if m.detail == nil || m.detail.LockID == networkPath {
		t.Fatalf("want another lock's detail, have %v", m.detail)
	}
	m, cmd := sendCmd(m, keyMsg("u"))
	if cmd != nil || m.undoAsk == nil || m.undoAsk.focus != focusCancel {
		t.Fatal("u must open the question, on No, and run nothing")
	}
	out := flat(plain(m))
	for _, want := range []string{networkPath, "held by ci@runner-7 (apply, ID 8d1f6c0e)", "audit r-20261126-031407-abcdef", "[ No ]", "Restore"} {
		if !strings.Contains(out, want) {
			t.Errorf("the question lacks %q:\n%s", want, plain(m))
		}
	}
	for _, no := range [][]string{{"enter"}, {"esc"}, {"q"}, {"n"}, {"tab", "tab", "enter"}} {
		m2, cmd := sendCmd(press(m, no[:len(no)-1]...), keyMsg(no[len(no)-1]))
		if m2.undoAsk != nil || cmd != nil || !strings.Contains(m2.status.text, "undo not taken; nothing changed") {
			t.Errorf("%v must answer No: asking %v, status %q", no, m2.undoAsk != nil, m2.status.text)
		}
		if m2.undo == nil {
			t.Errorf("%v: answering No must keep the offer", no)
		}
		if m2.screen != screenDetail {
			t.Errorf("%v: answering No must leave the detail view as it was", no)
		}
	}
	if len(rel.restored) != 0 {
		t.Fatalf("restored without an explicit choice: %v", rel.restored)
	}
	// Other keys while asked do nothing else: no release dialog, no quit.
	for _, k := range []string{"x", "ctrl+d", "u", "j", "r"} {
		if m2, cmd := sendCmd(m, keyMsg(k)); cmd != nil || m2.dialog != nil || m2.undoAsk == nil {
			t.Errorf("%s while asked did something", k)
		}
	}
	// The explicit choice restores, once.
	m, cmd = sendCmd(press(m, "tab"), keyMsg("enter"))
	if cmd == nil || m.undoAsk != nil || !m.undo.restoring {
		t.Fatal("Restore must start the restore")
	}
	if strings.Contains(plain(m), "u to undo") || !strings.Contains(plain(m), "undoing the release of "+networkPath) {
		t.Errorf("while restoring, the status line must say so:\n%s", plain(m))
	}
	if _, again := sendCmd(m, keyMsg("u")); again != nil {
		t.Error("u while restoring must not start another restore")
	}
	m = runCmd(m, cmd)
	if len(rel.restored) != 1 || rel.restored[0] != "r-20261126-031407-abcdef" {
		t.Fatalf("restores %v", rel.restored)
	}
}

// The undo offer and its record stay on the status line while they stand,
// whatever else is said there, and go when they expire.
func TestUndoOfferStaysOnTheStatusLine(t *testing.T) {
	m := releaseNetwork(t, newModel(80, 24, seed(), writable(&fakeReleaser{})))
	offer := "u to undo the release of"
	m = press(m, "c") // copying a lock ID says so on the status line
	out := flat(plain(m))
	if !strings.Contains(out, "copied lock ID") || !strings.Contains(out, offer) || !strings.Contains(out, "(audit r-20261126-031407-abcdef)") {
		t.Fatalf("the offer must stay beside other status:\n%s", out)
	}
	// Another lock released by someone else is announced; the offer stays.
	m = send(m, snapshotMsg{gen: m.one().gen, snap: snapshotOf(seed()[2:])})
	if out := flat(plain(m)); !strings.Contains(out, "released: tfstate/env:/prod/eks-cluster") || !strings.Contains(out, offer) {
		t.Fatalf("a poll's release announcement hid the offer:\n%s", out)
	}
	testNow = t0.Add(90 * time.Second)
	m = send(m, tickMsg(testNow))
	if !strings.Contains(flat(plain(m)), "· 30s left") {
		t.Errorf("the offer must say how long it stands:\n%s", plain(m))
	}
	// The question holds the offer open past its time; No lets it go.
	m = press(m, "u")
	testNow = t0.Add(3 * time.Minute)
	m = send(m, tickMsg(testNow))
	if m.undo == nil || m.undoAsk == nil {
		t.Fatal("the offer expired under its own question")
	}
	m = send(press(m, "esc"), tickMsg(testNow))
	if m.undo != nil || strings.Contains(plain(m), offer) {
		t.Errorf("the offer must expire:\n%s", plain(m))
	}
	if m, _ = sendCmd(m, keyMsg("u")); !strings.Contains(m.status.text, "nothing to undo") || m.undoAsk != nil {
		t.Errorf("u with nothing on offer must say so: %q", m.status.text)
	}
}

// The undo question, and the status line with the offer, fit 80×24.
func TestUndoQuestionFits80x24(t *testing.T) {
	m := press(releaseNetwork(t, newModel(80, 24, seed(), writable(&fakeReleaser{}))), "u")
	out := plain(m)
	if !strings.Contains(out, "[ No ]") || !strings.Contains(out, "╰") || !strings.Contains(out, "r-20261126-031407-abcdef") {
		t.Errorf("the question is cut off:\n%s", out)
	}
	if n := len(strings.Split(out, "\n")); n != 24 {
		t.Errorf("%d lines, want 24", n)
	}
}

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

// Each write of the session is kept, with its record, for the summary the
// caller prints after the UI exits.
func TestWritesAreKeptForTheExitSummary(t *testing.T) {
	rel := &fakeReleaser{}
	path := "tfstate/app/terraform.tfstate"
	bad := model.DigestReport{Path: path, Status: model.DigestMismatch, Stored: "06462db2ef044008b94260f6cb5ab7cb", Item: model.Item{},
		State: model.StateObject{Exists: true, MD5: "c016ff98e4a56a223b07c2a4c02512ac"}}
	m := releaseNetwork(t, newModel(120, 30, seed(), writable(rel), probed(fakeProber{path: bad})))
	// Undo it.
	m, cmd := sendCmd(press(m, "u", "tab"), keyMsg("enter"))
	m = runCmd(m, cmd)
	// Repair a digest.
	m = answered(press(m, "d"), withDigests(seed()))
	for m.current().Kind != model.KindDigest {
		m = press(m, "j")
	}
	m = runCmd(sendCmd(m, keyMsg("enter")))
	m = typeText(press(m, "R"), "c016ff98")
	m = runCmd(sendCmd(m, keyMsg("enter")))

	w := m.Writes()
	if len(w) != 3 {
		t.Fatalf("%d writes, want 3: %+v", len(w), w)
	}
	want := []struct {
		kind     WriteKind
		recordID string
		line     string
		undoable bool
	}{
		{WriteRelease, "r-20261126-031407-abcdef", "released " + networkPath + ", held by ci@runner-7 (apply, ID 8d1f6c0e) — audit r-20261126-031407-abcdef, undone by r-20261126-031408-123456", false},
		{WriteRestore, "r-20261126-031408-123456", "restored " + networkPath + ", held by ci@runner-7 (apply, ID 8d1f6c0e) — audit r-20261126-031408-123456, undoing r-20261126-031407-abcdef", false},
		{WriteRepair, "r-20261126-031409-aaaaaa", "repaired the digest of tfstate/app/terraform.tfstate — audit r-20261126-031409-aaaaaa", true},
	}
	for i, wt := range want {
		if w[i].Kind != wt.kind || w[i].RecordID != wt.recordID || w[i].String() != wt.line || w[i].Undoable() != wt.undoable {
			t.Errorf("write %d: %v %s %q undoable %v\nwant %v %s %q undoable %v", i, w[i].Kind, w[i].RecordID, w[i].String(), w[i].Undoable(), wt.kind, wt.recordID, wt.line, wt.undoable)
		}
		if w[i].Context != "prod-eu" || !w[i].At.Equal(t0) {
			t.Errorf("write %d: context %q at %v", i, w[i].Context, w[i].At)
		}
	}
	// Writes is a copy: the caller cannot change the model's.
	w[0].RecordID = "changed"
	if m.Writes()[0].RecordID == "changed" {
		t.Error("Writes must return a copy")
	}
	// A context switch keeps them.
	m = send(m, switchedMsg{src: &fakeSource{}, cfg: Config{Context: "staging", Table: "other"}})
	if len(m.Writes()) != 3 {
		t.Error("a context switch lost the writes")
	}
}

// ctrl+d or x on a lock already gone says so, with when, and opens nothing.
func TestUnlockingAReleasedLockSaysItIsGone(t *testing.T) {
	rel := &fakeReleaser{}
	m := press(newModel(120, 30, seed(), writable(rel)), "enter") // the network lock's detail
	testNow = t0.Add(5 * time.Second)
	m = send(m, snapshotMsg{gen: m.one().gen, snap: snapshotOf(seed()[1:])}) // its holder released it
	if m.detail == nil || m.detail.LockID != networkPath || !strings.Contains(plain(m), "RELEASED") {
		t.Fatalf("the detail must stay on the released lock:\n%s", plain(m))
	}
	for _, k := range []string{"ctrl+d", "x"} {
		m2, cmd := sendCmd(m, keyMsg(k))
		if m2.dialog != nil || cmd != nil {
			t.Errorf("%s on a released lock opened the dialog", k)
		}
		if want := networkPath + " was already released (seen gone at 03:14:12)"; !strings.Contains(m2.status.text, want) {
			t.Errorf("%s: status %q, want %q", k, m2.status.text, want)
		}
	}
	if out := flat(plain(m)); !strings.Contains(out, "seen gone at 03:14:12") || strings.Contains(out, "or ctrl+d here") || strings.Contains(out, "ctrl+d/x unlock") {
		t.Errorf("the detail of a released lock must not offer ctrl+d:\n%s", out)
	}
	if len(rel.released) != 0 {
		t.Error("released a lock already gone")
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

// h lists releases seen by polls ("seen gone"), our own releases with
// their record, and restores.
func TestHistoryListsRestoresAndWhoReleased(t *testing.T) {
	rel := &fakeReleaser{}
	m := releaseNetwork(t, newModel(160, 40, seed(), writable(rel)))
	m = runCmd(sendCmd(press(m, "u", "tab"), keyMsg("enter")))
	m = send(m, snapshotMsg{gen: m.one().gen, snap: snapshotOf(seed()[2:])}) // eks released by its holder; network back
	if len(m.history) != 3 {
		t.Fatalf("history has %d events, want 3 (release, restore, release seen)", len(m.history))
	}
	out := flat(plain(press(m, "h")))
	for _, want := range []string{
		"03:14:07 released tfstate/env:/prod/eks-cluster/terraform.tfstate — apply by alice@laptop, held 5h12m · seen gone",
		"03:14:07 restored " + networkPath + " — apply by ci@runner-7 again · by you, audit r-20261126-031408-123456 (undoes r-20261126-031407-abcdef)",
		"03:14:07 released " + networkPath + " — apply by ci@runner-7, held 3d 4h · by you, audit r-20261126-031407-abcdef",
		"2 writes by you this session",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("history lacks %q:\n%s", want, out)
		}
	}
	// Our own release is not announced a second time as "seen gone".
	if strings.Count(out, "released "+networkPath) != 1 {
		t.Errorf("our release is listed twice:\n%s", out)
	}
}

// A state without a digest item gets no digest verdict: not after a first
// apply killed before it wrote the state, not when it locks with S3 lock
// files only. Nothing sends the person to digest repair.
func TestNoDigestVerdictWithoutADigestItem(t *testing.T) {
	killed := lockEntry("tfstate/new/terraform.tfstate", "12121212-aaaa-bbbb-cccc-dddddddddddd", "OperationTypeApply", "erin@box", "1.12.6", t0.Add(-2*time.Hour))
	fileOnly := lockEntry("tfstate/lockfile/terraform.tfstate", "34343434-aaaa-bbbb-cccc-dddddddddddd", "OperationTypeApply", "gia@ws-2", "1.12.6", t0.Add(-3*time.Hour))
	fileOnly.Source, fileOnly.Item = model.SourceS3, nil
	fileOnly.File = &model.LockFile{Bucket: "tfstate", Key: "lockfile/terraform.tfstate.tflock", Body: fileOnly.InfoRaw, LastModified: t0.Add(-3 * time.Hour)}
	p := fakeProber{
		// What aws.CheckDigest says of them: no item, and no state object
		// (killed) or a state object (lock file only).
		killed.LockID:   {Path: killed.LockID, Status: model.DigestNoState},
		fileOnly.LockID: {Path: fileOnly.LockID, Status: model.DigestNoDigest, State: model.StateObject{Exists: true, Size: 90, MD5: "aa", LastModified: t0.Add(-4 * time.Hour)}},
	}
	for _, e := range []model.Entry{killed, fileOnly} {
		m := newModel(140, 40, []model.Entry{killed, fileOnly}, writable(&fakeReleaser{}), probed(p), func(c *Config) { c.LockFiles = true })
		for m.current().LockID != e.LockID {
			m = press(m, "j")
		}
		m = runCmd(sendCmd(m, keyMsg("enter")))
		out := flat(plain(m))
		for _, bad := range []string{string(model.DigestNoState), string(model.DigestNoDigest), "digest repair", "R repair"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s: the detail says %q:\n%s", e.LockID, bad, out)
			}
		}
		if !strings.Contains(out, "Digest no digest item") {
			t.Errorf("%s: the detail must say there is no digest item:\n%s", e.LockID, out)
		}
		if m, _ := sendCmd(m, keyMsg("R")); m.dialog != nil {
			t.Errorf("%s: R opened a repair of a digest that does not exist", e.LockID)
		}
	}
}

// H's message counts exactly the rows it marks.
func TestHealthCountsEqualMarks(t *testing.T) {
	entries := append(seed(),
		digestEntry("tfstate/billing/terraform.tfstate", "0123456789abcdef0123456789abcdef"),
		digestEntry("tfstate/iam/terraform.tfstate", "fedcba9876543210fedcba9876543210"),
		digestEntry("tfstate/gone/terraform.tfstate", "00000000000000000000000000000000"),
		model.Classify(model.Item{"LockID": model.String("tfstate/odd/terraform.tfstate-md5"), "Digest": model.String("not hex")}, ""),
	)
	item := model.Item{}
	p := fakeProber{
		"tfstate/app/terraform.tfstate":     {Path: "tfstate/app/terraform.tfstate", Status: model.DigestMismatch, Stored: "06462db2ef044008b94260f6cb5ab7cb", Item: item, State: model.StateObject{Exists: true, MD5: "c0"}},
		"tfstate/billing/terraform.tfstate": {Path: "tfstate/billing/terraform.tfstate", Status: model.DigestOK, Stored: "0123456789abcdef0123456789abcdef", Item: item, State: model.StateObject{Exists: true, MD5: "0123456789abcdef0123456789abcdef"}},
		"tfstate/iam/terraform.tfstate":     {Path: "tfstate/iam/terraform.tfstate", Status: model.DigestUnchecked, Err: context.DeadlineExceeded},
		// Deleted between the scan and the check: no item, no verdict.
		"tfstate/gone/terraform.tfstate": {Path: "tfstate/gone/terraform.tfstate", Status: model.DigestNoState},
		"tfstate/odd/terraform.tfstate":  {Path: "tfstate/odd/terraform.tfstate", Status: model.DigestInvalid, Stored: "not hex", Item: item},
	}
	m := newModel(160, 40, seed(), probed(p), func(c *Config) { c.PollInterval = time.Millisecond })
	m = press(m, "H")
	snap := withDigests(entries)
	snap.Digests = 4
	m = runCmd(sendCmd(m, snapshotMsg{gen: m.one().gen, snap: snap}))
	out := plain(press(m, "end")) // the cursor off the first digest row
	marks := 0
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "✗ ") {
			marks++
		}
	}
	if marks != 1 {
		t.Errorf("%d rows marked ✗, want 1:\n%s", marks, out)
	}
	want := "checked 5 digests: 1 needs attention (marked ✗; enter shows why, R repairs), 1 malformed digest item (marked ?), 1 could not be read"
	if !strings.Contains(flat(out), want) {
		t.Errorf("want %q in:\n%s", want, out)
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
