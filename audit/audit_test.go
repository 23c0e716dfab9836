package audit

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockwarden/lockwarden/model"
)

func TestAppendReadFind(t *testing.T) {
	l := &Log{Path: filepath.Join(t.TempDir(), "state", "lockwarden", "audit.jsonl")}
	if _, err := l.Read(); !errors.Is(err, ErrNoLog) {
		t.Fatalf("missing log: %v", err)
	}
	now := time.Date(2026, 11, 26, 7, 15, 2, 0, time.UTC)
	id := NewRecordID(now)
	item := model.Item{"LockID": model.String("b/k"), "Info": model.String(`{"ID":"x"}`), "N": {Type: model.TypeN, S: "7"}}
	for _, r := range []Record{
		{RecordID: id, Phase: PhaseIntent, Time: now, Action: ActionForceUnlock, LockID: "b/k", Observed: item},
		{RecordID: "r-other", Phase: PhaseIntent, Time: now, Action: ActionForceUnlock, LockID: "b/j"},
		{RecordID: id, Phase: PhaseOutcome, Time: now, Action: ActionForceUnlock, LockID: "b/k", Item: item, Outcome: OutcomeReleased},
	} {
		if err := l.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	st, _ := os.Stat(l.Path)
	dir, _ := os.Stat(filepath.Dir(l.Path))
	if st.Mode().Perm() != 0o600 || dir.Mode().Perm() != 0o700 {
		t.Errorf("modes: file %v dir %v", st.Mode().Perm(), dir.Mode().Perm())
	}
	in, out, err := l.Find(id)
	if err != nil || in == nil || out == nil || out.Item.JSON() != item.JSON() || in.Observed.JSON() != item.JSON() {
		t.Fatalf("find: %v %+v %+v", err, in, out)
	}
	if _, _, err := l.Find("r-missing"); err == nil || !strings.Contains(err.Error(), "lockwarden audit lists them") {
		t.Errorf("missing record: %v", err)
	}
}

func TestRecordIDs(t *testing.T) {
	now := time.Date(2026, 11, 26, 7, 15, 2, 0, time.FixedZone("CET", 3600))
	format := regexp.MustCompile(`^r-20261126-061502-[0-9a-f]{16}$`)
	seen := map[string]bool{}
	for range 1000 {
		id := NewRecordID(now)
		if !format.MatchString(id) {
			t.Fatalf("record ID %q does not match %s", id, format)
		}
		if seen[id] {
			t.Fatalf("record ID %q made twice in 1000", id)
		}
		seen[id] = true
	}
}

// warnings collects what a Log tells its Warn.
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) warn(msg string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, msg)
}

func (w *warnings) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.msgs...)
}

// warnedLog is a Log in a fresh directory whose warnings are collected.
func warnedLog(t *testing.T) (*Log, *warnings) {
	t.Helper()
	w := &warnings{}
	return &Log{Path: filepath.Join(t.TempDir(), "audit.jsonl"), Warn: w.warn}, w
}

// line is one record as Append writes it.
func line(t *testing.T, r Record) string {
	t.Helper()
	b, err := encodeLine(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func ids(recs []Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.RecordID+"/"+r.Phase)
	}
	return out
}

// A crash or a full disk during an append leaves a torn last line: every
// record before it must stay listable and findable, and the line must be
// told once, with its number, however often the log is read.
func TestTornLastLine(t *testing.T) {
	l, w := warnedLog(t)
	now := time.Date(2026, 11, 26, 7, 15, 2, 0, time.UTC)
	item := model.Item{"LockID": model.String("b/k")}
	full := line(t, Record{RecordID: "r-3", Phase: PhaseIntent, Time: now, Action: ActionForceUnlock, LockID: "b/k", Observed: item})
	content := line(t, Record{RecordID: "r-1", Phase: PhaseIntent, Time: now, Action: ActionForceUnlock, LockID: "b/k", Observed: item}) +
		line(t, Record{RecordID: "r-1", Phase: PhaseOutcome, Time: now, Action: ActionForceUnlock, LockID: "b/k", Item: item, Outcome: OutcomeReleased}) +
		line(t, Record{RecordID: "r-2", Phase: PhaseIntent, Time: now, Action: ActionRestore, LockID: "b/k"}) +
		full[:len(full)/2]
	if err := os.WriteFile(l.Path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		recs, err := l.Read()
		if err != nil || strings.Join(ids(recs), " ") != "r-1/intent r-1/outcome r-2/intent" {
			t.Fatalf("read: %v %v", err, ids(recs))
		}
		in, out, err := l.Find("r-1")
		if err != nil || in == nil || out == nil || out.Item.JSON() != item.JSON() {
			t.Fatalf("find: %v %+v %+v", err, in, out)
		}
	}
	got := w.all()
	if len(got) != 1 || !strings.HasPrefix(got[0], "audit log "+l.Path+" line 4 is damaged and was skipped: unexpected end of JSON input") {
		t.Errorf("warnings %q, want line 4 once", got)
	}
	// The torn record itself is not found, and the error says why it may
	// be missing.
	if _, _, err := l.Find("r-3"); err == nil || !strings.Contains(err.Error(), "1 damaged line(s) in it were skipped") {
		t.Errorf("find torn record: %v", err)
	}
}

// Each kind of damaged line in the middle is skipped and told, and the
// records around it are read.
func TestDamagedLinesInTheMiddle(t *testing.T) {
	l, w := warnedLog(t)
	content := line(t, Record{RecordID: "r-1", Phase: PhaseIntent}) +
		"{half a line\n" +
		`{"record_id":"","phase":"intent"}` + "\n" +
		`{"phase":"outcome"}` + "\n" +
		`{"record_id":"r-x","phase":"done"}` + "\n" +
		"null\n" +
		"\n" + // a blank line is not damage
		"\x1b]0;pwned\x07\x1b[2J\n" +
		`{"record_id":"r-y","phase":"intent","time":"yesterday"}` + "\n" +
		line(t, Record{RecordID: "r-1", Phase: PhaseOutcome})
	if err := os.WriteFile(l.Path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	recs, err := l.Read()
	if err != nil || strings.Join(ids(recs), " ") != "r-1/intent r-1/outcome" {
		t.Fatalf("read: %v %v", err, ids(recs))
	}
	got := w.all()
	want := []string{
		"line 2 is damaged and was skipped: invalid character 'h'",
		"line 3 is damaged and was skipped: no record_id",
		"line 4 is damaged and was skipped: no record_id",
		`line 5 is damaged and was skipped: unknown phase "done"`,
		"line 6 is damaged and was skipped: no record_id",
		`line 8 is damaged and was skipped: invalid character '\x1b'`,
		`line 9 is damaged and was skipped: parsing time "yesterday"`,
	}
	if len(got) != len(want) {
		t.Fatalf("warnings %q", got)
	}
	for i := range want {
		if !strings.Contains(got[i], want[i]) {
			t.Errorf("warning %q, want %q", got[i], want[i])
		}
		if strings.ContainsAny(got[i], "\x1b\x07\n") {
			t.Errorf("warning %q has control characters", got[i])
		}
	}
}

// A line longer than the reader's limit used to stop the read; it is
// damaged like any other line.
func TestOverlongLine(t *testing.T) {
	l, w := warnedLog(t)
	content := line(t, Record{RecordID: "r-1", Phase: PhaseIntent}) +
		`{"record_id":"r-2","phase":"intent","reason":"` + strings.Repeat("x", maxLine) + `"}` + "\n" +
		line(t, Record{RecordID: "r-3", Phase: PhaseIntent}) +
		strings.Repeat("y", maxLine+1) // the last line, with no newline
	if err := os.WriteFile(l.Path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	recs, err := l.Read()
	if err != nil || strings.Join(ids(recs), " ") != "r-1/intent r-3/intent" {
		t.Fatalf("read: %v %v", err, ids(recs))
	}
	got := w.all()
	if len(got) != 2 || !strings.Contains(got[0], "line 2 is damaged and was skipped: longer than 8388608 bytes") ||
		!strings.Contains(got[1], "line 4 is damaged") {
		t.Errorf("warnings %q", got)
	}
}

// A line of exactly the limit is still a record.
func TestLineAtTheLimit(t *testing.T) {
	short := line(t, Record{RecordID: "r-1", Phase: PhaseIntent})
	recs, n, err := readRecords(strings.NewReader(short+short), len(short)-1, func(int, string) {})
	if err != nil || len(recs) != 2 || n != 0 {
		t.Errorf("at the limit: %v %d records, %d damaged", err, len(recs), n)
	}
	recs, n, err = readRecords(strings.NewReader(short+short), len(short)-2, func(int, string) {})
	if err != nil || len(recs) != 0 || n != 2 {
		t.Errorf("over the limit: %v %d records, %d damaged", err, len(recs), n)
	}
}

func TestRefusesAFileOthersCanRead(t *testing.T) {
	l := &Log{Path: filepath.Join(t.TempDir(), "audit.jsonl")}
	if err := os.WriteFile(l.Path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(l.Path, 0o644); err != nil {
		t.Fatal(err)
	}
	err := l.Append(Record{RecordID: "r-1"})
	if err == nil || !strings.Contains(err.Error(), "readable by others") {
		t.Errorf("err %v", err)
	}
}
