package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lockwarden/lockwarden/audit"
	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/guard"
)

// tornAuditLog writes two actions to an audit file and then half of a
// third record, as a crash during the append leaves it.
func tornAuditLog(t *testing.T) (path, first, second string) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "audit.jsonl")
	l := &audit.Log{Path: path}
	first, second = audit.NewRecordID(fixtureNow), audit.NewRecordID(fixtureNow)
	for _, r := range []audit.Record{
		{RecordID: first, Phase: audit.PhaseIntent, Time: fixtureNow, Action: audit.ActionForceUnlock, LockID: "tfstate/app/terraform.tfstate", Table: "locks"},
		{RecordID: first, Phase: audit.PhaseOutcome, Time: fixtureNow, Action: audit.ActionForceUnlock, LockID: "tfstate/app/terraform.tfstate", Table: "locks", Outcome: audit.OutcomeReleased},
		{RecordID: second, Phase: audit.PhaseIntent, Time: fixtureNow, Action: audit.ActionForceUnlock, LockID: "tfstate/web/terraform.tfstate", Table: "locks"},
	} {
		if err := l.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(`{"record_id":"r-20261126-072956-0123456789abcdef","phase":"outcome","ti`); err != nil {
		t.Fatal(err)
	}
	return path, first, second
}

// A torn last line used to make 'lockwarden audit' fail for every record;
// it lists the others, exits 0 and warns once.
func TestAuditListsPastATornLine(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	path, first, second := tornAuditLog(t)
	warning := "lockwarden: warning: audit log " + path + " line 4 is damaged and was skipped: unexpected end of JSON input\n"

	out, errOut, code := runAt(t, "", false, "audit", "--audit-file", path)
	if code != 0 || errOut != warning {
		t.Fatalf("audit: exit %d, stderr %q; want 0 and %q", code, errOut, warning)
	}
	if !strings.Contains(out, first+"  2026-11-26 07:29:56  force-unlock  released ") || !strings.Contains(out, second+"  2026-11-26 07:29:56  force-unlock  no outcome recorded") {
		t.Errorf("audit table:\n%s", out)
	}

	out, errOut, code = runAt(t, "", false, "audit", "--audit-file", path, "-o", "json")
	var recs []audit.Record
	if err := json.Unmarshal([]byte(out), &recs); err != nil || len(recs) != 3 || code != 0 || errOut != warning {
		t.Errorf("audit -o json: exit %d, %v, %d records, stderr %q", code, err, len(recs), errOut)
	}
}

// The terminal UI owns the terminal: a damaged audit line read by an undo
// goes to its log, never to stderr.
func TestUIAuditWarningsGoToItsLog(t *testing.T) {
	rec, _, _ := seededTable(t)
	path, first, _ := tornAuditLog(t)
	var stderr strings.Builder
	env := &Env{Now: func() time.Time { return fixtureNow }, Stderr: &stderr}
	var lines []string
	logf := func(format string, a ...any) { lines = append(lines, fmt.Sprintf(format, a...)) }
	s := config.Settings{Table: "locks", Endpoint: rec.URL, StaleAfter: time.Hour, PollInterval: time.Second, Segments: 1, AuditFile: path}
	_, cfg, err := connect(context.Background(), env, s, logf)
	if err != nil {
		t.Fatal(err)
	}
	svc := cfg.Releaser.(*guard.Service)
	_, _ = svc.Restore(context.Background(), first) // the lock is held again: refused, after reading the log
	if stderr.Len() != 0 || len(lines) != 1 || !strings.Contains(lines[0], "warning: audit log "+path+" line 4 is damaged") {
		t.Errorf("stderr %q, log %q", stderr.String(), lines)
	}
}
