package model

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

const goodInfo = `{"ID":"48fbde2b-b15c-2df0-7822-2edcd29c8674","Operation":"OperationTypeApply","Info":"","Who":"root@vm","Version":"1.5.7","Created":"2026-11-26T06:30:01.446472855Z","Path":"tfstate/legacy/app/terraform.tfstate"}`

func TestClassifyMalformed(t *testing.T) {
	cases := []struct {
		name    string
		item    Item
		problem string
	}{
		{"no LockID", Item{"Info": String(goodInfo)}, "no LockID attribute"},
		{"LockID wrong type", Item{"LockID": {Type: TypeN, S: "12"}}, "LockID is of type N, want S"},
		{"empty LockID", Item{"LockID": String("")}, "LockID is empty"},
		{"no Info", Item{"LockID": String("b/k")}, "no Info attribute"},
		{"Info wrong type", Item{"LockID": String("b/k"), "Info": {Type: TypeN, S: "1"}}, "Info is of type N, want S"},
		{"Info not JSON", Item{"LockID": String("b/k"), "Info": String("not json {")}, "Info is not LockInfo JSON (syntax error at byte 2)"},
		{"Info JSON of wrong shape", Item{"LockID": String("b/k"), "Info": String(`{"ID":7}`)}, "Info is not LockInfo JSON (field ID is a JSON number)"},
		{"Info bad Created", Item{"LockID": String("b/k"), "Info": String(`{"ID":"x","Created":"yesterday"}`)}, "Info is not LockInfo JSON (Created is not an RFC 3339 time)"},
		{"Info without ID", Item{"LockID": String("b/k"), "Info": String(`{"Who":"a@b"}`)}, "Info has no ID"},
		{"md5 without Digest (terragrunt migrate)", Item{"LockID": String("b/k-md5")}, "digest (-md5) item without Digest"},
		{"Info on md5", Item{"LockID": String("b/k-md5"), "Info": String(goodInfo), "Digest": String(strings.Repeat("a", 32))}, "Info on a digest (-md5) item"},
		{"Digest wrong type", Item{"LockID": String("b/k-md5"), "Digest": {Type: TypeB, B: []byte("x")}}, "Digest is of type B, want S"},
		{"Digest not hex", Item{"LockID": String("b/k-md5"), "Digest": String("XYZ")}, `Digest "XYZ" is not 32 lowercase hex characters`},
		{"Digest on a lock key", Item{"LockID": String("b/k"), "Digest": String(strings.Repeat("a", 32))}, "Digest on an item whose LockID does not end in -md5"},
		{"empty item", Item{}, "no LockID attribute"},
		{"nil item", nil, "no LockID attribute"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := Classify(c.item, "")
			if e.Kind != KindMalformed {
				t.Fatalf("kind %v, want malformed", e.Kind)
			}
			if !strings.HasPrefix(e.Problem, c.problem) {
				t.Errorf("problem %q, want prefix %q", e.Problem, c.problem)
			}
		})
	}
}

func TestClassifyMalformedMd5KeepsItsPath(t *testing.T) {
	e := Classify(Item{"LockID": String("bkt/app/terraform.tfstate-md5")}, "")
	if e.Path() != "bkt/app/terraform.tfstate" || e.Key != "app/terraform.tfstate" {
		t.Errorf("path %q key %q", e.Path(), e.Key)
	}
}

func TestWorkspaceOf(t *testing.T) {
	cases := []struct{ key, prefix, want string }{
		{"app/terraform.tfstate", "", "default"},
		{"env:/dev/app/terraform.tfstate", "", "dev"},
		{"env:/dev/app/terraform.tfstate", "env:", "dev"},
		{"workspaces/prod/app/terraform.tfstate", "workspaces", "prod"},
		{"env:/dev/app/terraform.tfstate", "workspaces", "default"},
		{"env:/", "", "default"},
		{"env:/only", "", "default"},
	}
	for _, c := range cases {
		if got := WorkspaceOf(c.key, c.prefix); got != c.want {
			t.Errorf("WorkspaceOf(%q, %q) = %q, want %q", c.key, c.prefix, got, c.want)
		}
	}
}

func TestSplitPath(t *testing.T) {
	b, k := SplitPath("bkt/env:/dev/a/b.tfstate")
	if b != "bkt" || k != "env:/dev/a/b.tfstate" {
		t.Errorf("got %q %q", b, k)
	}
	b, k = SplitPath("nobucketkey")
	if b != "nobucketkey" || k != "" {
		t.Errorf("got %q %q", b, k)
	}
}

func TestAgeAndStaleness(t *testing.T) {
	e := Classify(Item{"LockID": String("tfstate/legacy/app/terraform.tfstate"), "Info": String(goodInfo)}, "")
	created := e.Info.Created
	cases := []struct {
		now        time.Time
		age        string
		stale      bool
		clockAhead bool
	}{
		{created.Add(4 * time.Second), "4s", false, false},
		{created.Add(63 * time.Second), "1m03s", false, false},
		{created.Add(time.Hour - time.Nanosecond), "59m59s", false, false},
		{created.Add(time.Hour), "1h00m", true, false},
		{created.Add(3*time.Hour + 12*time.Minute), "3h12m", true, false},
		{created.Add(76 * time.Hour), "3d 4h", true, false},
		{created.Add(-3 * time.Minute), "clock ahead 3m00s", false, true},
	}
	for _, c := range cases {
		a := e.AgeAt(c.now)
		if a.String() != c.age || a.ClockAhead != c.clockAhead {
			t.Errorf("at %v: age %q ahead %v, want %q %v", c.now.Sub(created), a, a.ClockAhead, c.age, c.clockAhead)
		}
		if got := e.StaleAt(c.now, DefaultStaleAfter); got != c.stale {
			t.Errorf("at %v: stale %v, want %v", c.now.Sub(created), got, c.stale)
		}
	}
	if e.StaleAt(created.Add(2*time.Minute), time.Minute) != true {
		t.Error("a configured stale_after of 1m must call a 2m lock stale")
	}
	digest := Classify(Item{"LockID": String("b/k-md5"), "Digest": String(strings.Repeat("0", 32))}, "")
	if digest.StaleAt(created.Add(100*time.Hour), time.Minute) || digest.AgeAt(created).Known {
		t.Error("a digest has no age and is never stale")
	}
}

func TestOperationWord(t *testing.T) {
	cases := map[string]string{
		"OperationTypeApply":   "apply",
		"OperationTypePlan":    "plan",
		"OperationTypeRefresh": "refresh",
		"OperationTypeInvalid": "import/other",
		"state-rm":             "state rm",
		"init":                 "init",
		"backend from plan":    "backend from plan",
		"":                     "—",
		"OperationTypeFoo":     "foo",
	}
	for in, want := range cases {
		if got := OperationWord(in); got != want {
			t.Errorf("OperationWord(%q) = %q, want %q", in, got, want)
		}
	}
}

func lockAt(id, who, op string, created time.Time) Entry {
	li := LockInfo{ID: id + "-0000", Operation: op, Who: who, Version: "1.5.7", Created: created, Path: "b/" + id}
	raw, _ := li.Marshal()
	return Classify(Item{"LockID": String("b/" + id), "Info": String(raw)}, "")
}

func TestFilterAndSort(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	entries := []Entry{
		lockAt("c/new", "alice@ci", "OperationTypePlan", t0.Add(time.Hour)),
		lockAt("a/old", "bob@laptop", "OperationTypeApply", t0),
		Classify(Item{"LockID": String("b/broken"), "Info": String("nope")}, ""),
		lockAt("b/mid", "carol@ws", "state-rm", t0.Add(time.Minute)),
	}
	ids := func(es []Entry) string {
		var s []string
		for _, e := range es {
			s = append(s, e.LockID)
		}
		return strings.Join(s, ",")
	}
	if got := ids(Sort(entries, SortAge)); got != "b/a/old,b/b/mid,b/c/new,b/broken" {
		t.Errorf("age order: %s", got)
	}
	if got := ids(Sort(entries, SortPath)); got != "b/a/old,b/b/mid,b/broken,b/c/new" {
		t.Errorf("path order: %s", got)
	}
	if got := ids(Sort(entries, SortWho)); got != "b/c/new,b/a/old,b/b/mid,b/broken" {
		t.Errorf("who order: %s", got)
	}
	if got := ids(Sort(entries, SortOperation)); got != "b/a/old,b/c/new,b/b/mid,b/broken" {
		t.Errorf("operation order: %s", got)
	}
	if ids(entries) != "b/c/new,b/a/old,b/broken,b/b/mid" {
		t.Error("Sort must not reorder its input")
	}
	for q, want := range map[string]string{
		"":             "b/c/new,b/a/old,b/broken,b/b/mid",
		"ALICE":        "b/c/new",
		"apply":        "b/a/old",
		"state rm":     "b/b/mid",
		"not lockinfo": "b/broken",
		"old-0000":     "b/a/old",
		"zzz":          "",
	} {
		if got := ids(Filter(entries, q)); got != want {
			t.Errorf("Filter(%q) = %s, want %s", q, got, want)
		}
	}
}

func TestItemJSONRoundTrip(t *testing.T) {
	it := Item{
		"LockID": String("b/k"), "N": {Type: TypeN, S: "1.5"}, "B": {Type: TypeB, B: []byte{0, 1}},
		"T": {Type: TypeBOOL, BOOL: true}, "Z": {Type: TypeNULL}, "SS": {Type: TypeSS, Set: []string{"x", "y"}},
		"L": {Type: TypeL, L: []Attribute{String("a")}}, "M": {Type: TypeM, M: map[string]Attribute{"k": String("v")}},
	}
	js := it.JSON()
	var back Item
	if err := jsonUnmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if back.JSON() != js {
		t.Errorf("DynamoDB JSON does not round-trip:\n%s\n%s", js, back.JSON())
	}
	if !strings.Contains(js, `"LockID":{"S":"b/k"}`) || !strings.Contains(js, `"Z":{"NULL":true}`) {
		t.Errorf("unexpected DynamoDB JSON: %s", js)
	}
}

func TestFormatThreshold(t *testing.T) {
	for d, want := range map[time.Duration]string{time.Hour: "1h", 90 * time.Minute: "1h30m", 45 * time.Second: "45s", 2 * time.Minute: "2m", time.Hour + time.Second: "1h0m1s"} {
		if got := FormatThreshold(d); got != want {
			t.Errorf("FormatThreshold(%v) = %q, want %q", d, got, want)
		}
	}
}

// SortRefs takes a faster path for age; it must agree with Compare.
func TestSortRefsAgreesWithCompare(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	var entries []Entry
	for i := 0; i < 200; i++ {
		entries = append(entries, lockAt(fmt.Sprintf("p%03d", (i*37)%200), "w", "OperationTypePlan", t0.Add(time.Duration(i%7)*time.Second+time.Duration(i%3))))
	}
	entries = append(entries, Classify(Item{"LockID": String("b/x"), "Info": String("bad")}, ""))
	// SortRefs takes entries in LockID order, as snapshots hold them.
	entries = Sort(entries, SortPath)
	for _, key := range SortKeys {
		refs := make([]*Entry, len(entries))
		for i := range entries {
			refs[i] = &entries[i]
		}
		SortRefs(refs, key)
		for i := 1; i < len(refs); i++ {
			if Compare(refs[i-1], refs[i], key) > 0 {
				t.Fatalf("%v: %s before %s", key, refs[i-1].LockID, refs[i].LockID)
			}
		}
	}
}

func TestJoinVisitsEachLockIDOnce(t *testing.T) {
	mk := func(ids ...string) []Entry {
		var out []Entry
		for _, id := range ids {
			out = append(out, Entry{LockID: id})
		}
		return out
	}
	var got []string
	Join(mk("a", "c", "d"), mk("b", "c", "e"), func(x, y *Entry) {
		switch {
		case y == nil:
			got = append(got, x.LockID+"<")
		case x == nil:
			got = append(got, y.LockID+">")
		default:
			got = append(got, x.LockID+"=")
		}
	})
	if strings.Join(got, " ") != "a< b> c= d< e>" {
		t.Errorf("%v", got)
	}
}

// The filter a person types: words, any order, any case, pasted with the
// spaces a triple-click adds; every word must match one field.
func TestQueryMatches(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	apply := lockAt("env:/prod/network", "ci@runner-7", "OperationTypeApply", t0)
	apply.Info.ID = "8d1f6c0e-5a1b-2f3c-9d8e-7f6a5b4c3d2e"
	plan := lockAt("env:/prod/dns", "alice@laptop", "OperationTypePlan", t0)
	rm := lockAt("billing", "bob@ws-14", "state-rm", t0)
	broken := Classify(Item{"LockID": String("b/broken"), "Info": String("nope")}, "")
	unicode := lockAt("ünïcode/ŞTATE", "ÉRIN@box", "OperationTypeApply", t0)
	entries := map[string]*Entry{"apply": &apply, "plan": &plan, "rm": &rm, "broken": &broken, "unicode": &unicode}
	cases := []struct {
		query, context string
		want           []string
	}{
		{"", "", []string{"apply", "broken", "plan", "rm", "unicode"}},
		{"   ", "", []string{"apply", "broken", "plan", "rm", "unicode"}},
		{"  b/env:/prod/network ", "", []string{"apply"}},                            // a pasted path, padded
		{"prod apply", "", []string{"apply"}},                                        // two words: both must match
		{"apply prod", "", []string{"apply"}},                                        // in any order
		{"PROD   Apply", "", []string{"apply"}},                                      // any case, any spacing
		{"prod zzz", "", nil},                                                        // one word failing fails all
		{"prod", "", []string{"apply", "plan"}},                                      // path
		{"laptop", "", []string{"plan"}},                                             // who
		{"operationtypeplan", "", []string{"plan"}},                                  // operation as stored
		{"state rm", "", []string{"rm"}},                                             // operation as a word
		{"8D1F6C0E", "", []string{"apply"}},                                          // holder lock ID
		{"not lockinfo", "", []string{"broken"}},                                     // problem
		{"prod-eu", "prod-eu", []string{"apply", "broken", "plan", "rm", "unicode"}}, // context name
		{"prod-eu plan", "prod-eu", []string{"plan"}},
		{"eu plan", "staging", nil},
		{"érin", "", []string{"unicode"}}, // non-ASCII folds too
		{"ştate", "", []string{"unicode"}},
	}
	for _, c := range cases {
		q := ParseQuery(c.query)
		var got []string
		for _, name := range []string{"apply", "broken", "plan", "rm", "unicode"} {
			if q.Matches(entries[name], c.context) {
				got = append(got, name)
			}
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%q in context %q matched %v, want %v", c.query, c.context, got, c.want)
		}
	}
	if got := ParseQuery("  Prod \t apply ").String(); got != "prod apply" {
		t.Errorf("ParseQuery kept %q", got)
	}
}

func TestContainsFold(t *testing.T) {
	for _, c := range []struct {
		s, sub string
		want   bool
	}{
		{"OperationTypeApply", "apply", true},
		{"OperationTypeApply", "typeap", true},
		{"abc", "abcd", false},
		{"abc", "", true},
		{"", "a", false},
		{"aaab", "aab", true},
		{"x\u212a", "xk", true},             // Kelvin sign lowercases to k
		{"\u0130stanbul", "istanbul", true}, // Go folds U+0130 to a plain i
		{"abc\u00e9", "bcé", true},
		{"abc", "é", false},
	} {
		if got := containsFold(c.s, c.sub); got != c.want {
			t.Errorf("containsFold(%q, %q) = %v, want %v", c.s, c.sub, got, c.want)
		}
	}
}

func BenchmarkQueryNoMatch100k(b *testing.B) {
	t0 := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	entries := make([]Entry, 100_000)
	for i := range entries {
		entries[i] = lockAt(fmt.Sprintf("org/env:/ws%03d/service-%05d/terraform.tfstate", i%50, i), fmt.Sprintf("ci@runner-%d", i%40), "OperationTypeApply", t0)
	}
	q := ParseQuery("prod apply")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := range entries {
			q.Matches(&entries[j], "demo")
		}
	}
}

func TestQueryNarrows(t *testing.T) {
	for _, c := range []struct {
		q, wider string
		want     bool
	}{
		{"prod", "", true},
		{"prod", "pro", true},
		{"prod a", "prod", true},
		{"prod apply", "prod ap", true},
		{"apply prod", "prod", true},
		{"pro", "prod", false},
		{"prod", "prod a", false},
		{"prod", "rod", true},
		{"", "a", false},
	} {
		if got := ParseQuery(c.q).Narrows(ParseQuery(c.wider)); got != c.want {
			t.Errorf("%q narrows %q = %v, want %v", c.q, c.wider, got, c.want)
		}
	}
}

// Reversed, the known values turn around and the unknown stay last.
func TestReverseRefsKeepsUnknownLast(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	entries := []Entry{
		lockAt("a", "w", "OperationTypePlan", t0.Add(2*time.Minute)),
		lockAt("b", "w", "OperationTypePlan", t0),
		lockAt("c", "", "OperationTypePlan", t0.Add(time.Minute)),
		Classify(Item{"LockID": String("b/x"), "Info": String("bad")}, ""),
		lockAt("d", "w", "OperationTypePlan", time.Time{}),
	}
	ids := func(refs []*Entry) string {
		var s []string
		for _, e := range refs {
			s = append(s, e.LockID)
		}
		return strings.Join(s, ",")
	}
	for key, want := range map[SortKey]string{
		SortAge:  "b/a,b/c,b/b,b/d,b/x",
		SortPath: "b/x,b/d,b/c,b/b,b/a",
		SortWho:  "b/d,b/b,b/a,b/c,b/x",
	} {
		refs := make([]*Entry, len(entries))
		for i := range entries {
			refs[i] = &entries[i]
		}
		slices.SortFunc(refs, func(a, b *Entry) int { return strings.Compare(a.LockID, b.LockID) })
		SortRefs(refs, key)
		ReverseRefs(refs, key)
		if got := ids(refs); got != want {
			t.Errorf("%v reversed: %s, want %s", key, got, want)
		}
	}
}

// A Created time out of the range a duration or a Unix time in
// nanoseconds can hold (before 1678, after 2262, or centuries from now)
// gives an unknown age — never a saturated "292 years" that is stale, nor
// a wrapped-around negative "clock ahead" — and is never stale nor
// reaped.
func TestCreatedOutOfRangeIsAnUnknownAge(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	for _, created := range []string{"1000-01-01T00:00:00Z", "1677-01-01T00:00:00Z", "2263-01-01T00:00:00Z", "9999-12-31T23:59:59Z"} {
		c, err := time.Parse(time.RFC3339, created)
		if err != nil {
			t.Fatal(err)
		}
		e := Entry{Kind: KindLock, LockID: "b/k", Info: LockInfo{ID: "x", Operation: "OperationTypePlan", Created: c}}
		age := e.AgeAt(now)
		if age.Known || !age.OutOfRange || age.String() != "bad Created" || e.Info.CreatedKnown() {
			t.Errorf("Created %s: age %+v %q, CreatedKnown %v", created, age, age, e.Info.CreatedKnown())
		}
		if e.StaleAt(now, time.Hour) {
			t.Errorf("Created %s: called stale", created)
		}
		if ok, why := (ReapPolicy{OlderThan: time.Hour, Operations: []string{"plan"}, MaxPerRun: 3}).ReapCheck(e, now); ok || !strings.Contains(why, "out of range") {
			t.Errorf("Created %s: reaper %v, %q", created, ok, why)
		}
	}
	// Inside the range, even far off, the age is known.
	e := Entry{Kind: KindLock, Info: LockInfo{Created: time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)}}
	if age := e.AgeAt(now); !age.Known || !age.ClockAhead || strings.Contains(age.String(), "-") {
		t.Errorf("2200: %+v %q", age, age)
	}
}

// The state-write evidence says nothing of a lock whose Created is out of
// range: "no sign of life" against year 9999 would be a guess.
func TestStateEvidenceIgnoresCreatedOutOfRange(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	for _, created := range []time.Time{time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)} {
		if got := StateEvidence(created, now.Add(-time.Hour), now, time.Hour); got != "" {
			t.Errorf("Created %s: %q", created, got)
		}
	}
	if got := StateEvidence(now.Add(-2*time.Hour), now.Add(-3*time.Hour), now, time.Hour); !strings.Contains(got, "no sign of life") {
		t.Errorf("in range: %q", got)
	}
}
