package audit

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
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

func TestDamagedLineIsReported(t *testing.T) {
	l := &Log{Path: filepath.Join(t.TempDir(), "audit.jsonl")}
	if err := os.WriteFile(l.Path, []byte(`{"record_id":"r-1","phase":"intent"}`+"\n{half a line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	recs, err := l.Read()
	if err == nil || !strings.Contains(err.Error(), "line 2 is damaged") || len(recs) != 1 {
		t.Errorf("err %v, %d records", err, len(recs))
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
