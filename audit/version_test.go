package audit

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/lockwarden/lockwarden/buildinfo"
)

// Every record says which lockwarden wrote it, even when the caller set
// another version or none.
func TestAppendStampsTheVersion(t *testing.T) {
	l := &Log{Path: filepath.Join(t.TempDir(), "audit.jsonl")}
	for _, r := range []Record{
		{RecordID: "r-1", Phase: PhaseIntent, Action: ActionForceUnlock, LockID: "b/k"},
		{RecordID: "r-1", Phase: PhaseOutcome, Action: ActionForceUnlock, LockID: "b/k", Outcome: OutcomeReleased, LockwardenVersion: "v0.0.1-not-this-binary"},
	} {
		if err := l.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(l.Path)
	if err != nil {
		t.Fatal(err)
	}
	want := buildinfo.Version()
	if want == "" {
		t.Fatal("buildinfo.Version() is empty: there would be nothing to record")
	}
	for _, line := range bytes.Split(bytes.TrimSpace(raw), []byte("\n")) {
		var fields map[string]any
		if err := json.Unmarshal(line, &fields); err != nil {
			t.Fatal(err)
		}
		if got := fields["lockwarden_version"]; got != want {
			t.Errorf("lockwarden_version = %v, want %q in %s", got, want, line)
		}
	}
	recs, err := l.Read()
	if err != nil || len(recs) != 2 {
		t.Fatalf("read: %v, %d records", err, len(recs))
	}
	for _, r := range recs {
		if r.LockwardenVersion != want {
			t.Errorf("record %s read back with version %q, want %q", r.Phase, r.LockwardenVersion, want)
		}
	}
}

// A log written before records carried a version still reads, the
// records in it with no version.
func TestRecordsWithoutAVersionStillRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	old := `{"record_id":"r-20261126-071502-3fa9c1d24b7e8f05","phase":"intent","time":"2026-11-26T07:15:02Z","action":"force-unlock","actor":"arn:aws:iam::1:user/a","region":"us-east-1","table":"terraform-locks","lock_id":"tfstate/app/terraform.tfstate"}
{"record_id":"r-20261126-071502-3fa9c1d24b7e8f05","phase":"outcome","time":"2026-11-26T07:15:03Z","action":"force-unlock","actor":"arn:aws:iam::1:user/a","region":"us-east-1","table":"terraform-locks","lock_id":"tfstate/app/terraform.tfstate","outcome":"released"}
`
	if err := os.WriteFile(path, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	var warned []string
	l := &Log{Path: path, Warn: func(msg string) { warned = append(warned, msg) }}
	in, out, err := l.Find("r-20261126-071502-3fa9c1d24b7e8f05")
	if err != nil || in == nil || out == nil || len(warned) > 0 {
		t.Fatalf("find: %v, intent %v, outcome %v, warnings %q", err, in, out, warned)
	}
	if in.LockwardenVersion != "" || out.Outcome != OutcomeReleased || out.LockID != "tfstate/app/terraform.tfstate" {
		t.Errorf("old records read as %+v / %+v", in, out)
	}
}
