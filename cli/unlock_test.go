package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/truora/minidyn/server"

	"github.com/lockwarden/lockwarden/internal/testenv"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sandbox"
)

// recorder is a DynamoDB endpoint (minidyn) that records every operation
// it is asked for, to prove what lockwarden did and did not call.
type recorder struct {
	mu  sync.Mutex
	ops []string
	URL string
}

func newRecorder(t *testing.T) *recorder {
	r := &recorder{}
	inner := server.NewServer()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		target := req.Header.Get("X-Amz-Target")
		r.mu.Lock()
		r.ops = append(r.ops, target[strings.LastIndex(target, ".")+1:])
		r.mu.Unlock()
		inner.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

func (r *recorder) writes() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var w []string
	for _, op := range r.ops {
		switch op {
		case "DeleteItem", "PutItem", "UpdateItem", "BatchWriteItem", "TransactWriteItems":
			w = append(w, op)
		}
	}
	return w
}

func (r *recorder) reset() {
	r.mu.Lock()
	r.ops = nil
	r.mu.Unlock()
}

// seededTable starts a recording endpoint with one stale and one fresh lock.
func seededTable(t *testing.T) (rec *recorder, staleID, freshID string) {
	t.Helper()
	rec = newRecorder(t)
	c := testenv.DynamoClient(rec.URL)
	testenv.CreateLockTable(t, c, "locks")
	stale := sandbox.NewInfo("tfstate/app/terraform.tfstate", "OperationTypeApply", "alice@ci", "1.5.7", fixtureNow.Add(-3*time.Hour))
	fresh := sandbox.NewInfo("tfstate/web/terraform.tfstate", "OperationTypePlan", "bob@ws", "1.12.6", fixtureNow.Add(-2*time.Minute))
	if err := sandbox.Lock(t.Context(), c, "locks", stale); err != nil {
		t.Fatal(err)
	}
	if err := sandbox.Lock(t.Context(), c, "locks", fresh); err != nil {
		t.Fatal(err)
	}
	rec.reset()
	return rec, stale.ID, fresh.ID
}

// runAt runs lockwarden with a typed answer on a pretend terminal.
func runAt(t *testing.T, answer string, terminal bool, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	env := Env{Stdin: strings.NewReader(answer), Stdout: &out, Stderr: &errb, Now: func() time.Time { return fixtureNow },
		IsTerminal: func(s any) bool { _, isReader := s.(io.Reader); return terminal && isReader }}
	code := Main(args, env)
	return out.String(), errb.String(), code
}

func TestUnlockCLI(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	rec, staleID, freshID := seededTable(t)
	base := []string{"--table", "locks", "--endpoint-url", rec.URL}
	unlockArgs := func(lockID, id string, extra ...string) []string {
		return append(append([]string{"unlock", lockID, "--id", id}, base...), extra...)
	}

	cases := []struct {
		name     string
		answer   string
		terminal bool
		args     []string
		code     int
		want     string
	}{
		{"no --id", "", true, append([]string{"unlock", "tfstate/app/terraform.tfstate"}, base...), ExitUsage, "--id is required"},
		{"wrong holder ID", "", true, unlockArgs("tfstate/app/terraform.tfstate", "deadbeef"), ExitRefused, "is held with lock ID " + staleID + ", not deadbeef"},
		{"fresh refused", "", true, unlockArgs("tfstate/web/terraform.tfstate", freshID), ExitRefused, "is not stale: held 2m00s by bob@ws"},
		{"digest row", "", true, unlockArgs("tfstate/app/terraform.tfstate-md5", "x"), ExitRefused, "is a digest (-md5) item"},
		{"not found", "", true, unlockArgs("tfstate/none/terraform.tfstate", "x"), ExitNotFound, "no lock is held on tfstate/none/terraform.tfstate in table locks: it is not locked now"},
		{"no terminal, no --yes", "", false, unlockArgs("tfstate/app/terraform.tfstate", staleID), ExitRefused, "no terminal to confirm on"},
		{"bare enter", "\n", true, unlockArgs("tfstate/app/terraform.tfstate", staleID), ExitRefused, "the confirmation did not match"},
		{"wrong prefix", "00000000\n", true, unlockArgs("tfstate/app/terraform.tfstate", staleID), ExitRefused, "the confirmation did not match"},
	}
	for _, c := range cases {
		out, errOut, code := runAt(t, c.answer, c.terminal, c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: exit %d stderr %q (stdout %q); want %d and %q", c.name, code, errOut, out, c.code, c.want)
		}
	}
	if w := rec.writes(); len(w) != 0 {
		t.Fatalf("refused unlocks wrote to the table: %v", w)
	}

	out, errOut, code := runAt(t, staleID[:8]+"\n", true, unlockArgs("tfstate/app/terraform.tfstate", staleID)...)
	if code != 0 || !strings.Contains(out, "Type the first 8 characters of the lock ID ("+staleID[:8]+")") || !strings.Contains(out, "Released tfstate/app/terraform.tfstate.") {
		t.Fatalf("typed confirmation: exit %d\n%s\n%s", code, out, errOut)
	}
	if w := rec.writes(); len(w) != 1 || w[0] != "DeleteItem" {
		t.Errorf("writes %v, want one DeleteItem", w)
	}
	recordID := out[strings.Index(out, "restore ")+len("restore ") : strings.Index(out, "restore ")+len("restore ")+len("r-20261126-000000-0000000000000000")]

	// --allow-fresh --yes releases the fresh lock, with a warning shown.
	out, _, code = runAt(t, "", false, unlockArgs("tfstate/web/terraform.tfstate", freshID, "--allow-fresh", "--yes")...)
	if code != 0 || !strings.Contains(out, "WARNING: this lock is not stale") {
		t.Errorf("--allow-fresh: exit %d\n%s", code, out)
	}

	// The audit lists both; restore puts the first back.
	out, _, _ = runAt(t, "", false, "audit", "-o", "json")
	var recs []map[string]any
	if err := json.Unmarshal([]byte(out), &recs); err != nil || len(recs) != 4 {
		t.Fatalf("audit -o json: %v, %d records", err, len(recs))
	}
	out, errOut, code = runAt(t, "", false, append([]string{"restore", recordID}, base...)...)
	if code != 0 || !strings.Contains(out, "Restored tfstate/app/terraform.tfstate: held by alice@ci") {
		t.Fatalf("restore: exit %d\n%s%s", code, out, errOut)
	}
	_, errOut, code = runAt(t, "", false, append([]string{"restore", recordID}, base...)...)
	if code != ExitRefused || !strings.Contains(errOut, "already back as it was") {
		t.Errorf("second restore: exit %d %s", code, errOut)
	}
	out, _, _ = runAt(t, "", false, "audit")
	if strings.Count(out, " force-unlock  released ") != 2 || strings.Count(out, " restore ") != 2 || !strings.Contains(out, "refused: held again") {
		t.Errorf("audit table:\n%s", out)
	}
}

// Read-only runs make no write call at all, whatever is asked.
func TestReadOnlyCLIMakesNoWrites(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	rec, staleID, _ := seededTable(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte("contexts:\n  prod:\n    table: locks\n    endpoint: "+rec.URL+"\n    readonly: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"unlock", "tfstate/app/terraform.tfstate", "--id", staleID, "--yes", "--config", cfg, "--context", "prod"},
		{"unlock", "tfstate/app/terraform.tfstate", "--id", staleID, "--yes", "--table", "locks", "--endpoint-url", rec.URL, "--readonly"},
		{"restore", "r-20261126-000000-000000", "--config", cfg, "--context", "prod"},
		{"list", "--config", cfg, "--context", "prod"},
	} {
		_, errOut, code := runAt(t, staleID[:8]+"\n", true, args...)
		if args[0] != "list" && (code != ExitRefused || !strings.Contains(errOut, "read-only") || !strings.Contains(errOut, "--write")) {
			t.Errorf("%v: exit %d %q", args, code, errOut)
		}
	}
	// Every spelling of read-only holds, from the environment and the
	// file; a spelling lockwarden cannot read for sure refuses to run
	// (exit 2) rather than guess.
	writeCfg := func(body string) string {
		p := filepath.Join(t.TempDir(), "config.yaml")
		if err := os.WriteFile(p, []byte("contexts:\n  prod:\n    table: locks\n    endpoint: "+rec.URL+"\n"+body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	unlockWith := func(cfg string) []string {
		return []string{"unlock", "tfstate/app/terraform.tfstate", "--id", staleID, "--yes", "--config", cfg, "--context", "prod"}
	}
	plain := writeCfg("")
	for _, val := range []string{"TRUE", "True", "1"} {
		t.Setenv("LOCKWARDEN_READONLY", val)
		if _, errOut, code := runAt(t, "", false, unlockWith(plain)...); code != ExitRefused || !strings.Contains(errOut, "read-only") {
			t.Errorf("LOCKWARDEN_READONLY=%s: exit %d %q", val, code, errOut)
		}
	}
	for _, val := range []string{"yes", "on"} {
		t.Setenv("LOCKWARDEN_READONLY", val)
		if _, errOut, code := runAt(t, "", false, unlockWith(plain)...); code != ExitUsage || !strings.Contains(errOut, "not a boolean") {
			t.Errorf("LOCKWARDEN_READONLY=%s: exit %d %q", val, code, errOut)
		}
	}
	os.Unsetenv("LOCKWARDEN_READONLY") // t.Setenv above restores it after the test
	for _, body := range []string{"    readonly: TRUE\n", "    readonly: \"True\"\n", "    readonly: 1\n"} {
		if _, errOut, code := runAt(t, "", false, unlockWith(writeCfg(body))...); code != ExitRefused || !strings.Contains(errOut, "read-only") {
			t.Errorf("%q: exit %d %q", body, code, errOut)
		}
	}
	for _, body := range []string{"    read_only: true\n", "    readOnly: true\n", "    readonly: yes\n", "    readonly: true\n    tabel: x\n"} {
		if _, errOut, code := runAt(t, "", false, unlockWith(writeCfg(body))...); code != ExitUsage || !strings.Contains(errOut, "config file") {
			t.Errorf("%q: exit %d %q", body, code, errOut)
		}
	}
	if w := rec.writes(); len(w) != 0 {
		t.Fatalf("read-only runs wrote: %v", w)
	}
	// --write lifts the context's read-only for one run.
	out, errOut, code := runAt(t, "", false, "unlock", "tfstate/app/terraform.tfstate", "--id", staleID, "--yes", "--config", cfg, "--context", "prod", "--write")
	if code != 0 {
		t.Fatalf("--write: exit %d %s", code, errOut)
	}
	// The undo it prints works as printed: the context is read-only, so
	// the restore needs --write too.
	if !strings.Contains(out, " --write --context prod --config "+cfg+"\n") {
		t.Errorf("the printed restore lacks --write:\n%s", out)
	}
}

func TestUnlockWithUnwritableAuditDeletesNothing(t *testing.T) {
	rec, staleID, _ := seededTable(t)
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := runAt(t, "", false, "unlock", "tfstate/app/terraform.tfstate", "--id", staleID, "--yes",
		"--table", "locks", "--endpoint-url", rec.URL, "--audit-file", filepath.Join(blocker, "audit.jsonl"))
	if code != ExitNotRecorded || !strings.Contains(errOut, "nothing released: the audit record could not be written") {
		t.Errorf("exit %d %q", code, errOut)
	}
	if w := rec.writes(); len(w) != 0 {
		t.Fatalf("wrote without an audit record: %v", w)
	}
}

// The demo's writes must be audited (found by trying the demo: the first
// repair was refused for want of an audit file), apart from real ones.
func TestDemoAuditsToItsOwnFile(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	env := &Env{Now: time.Now}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sb, s, err := startDemoSandbox(ctx, env, func(string, ...any) {})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	if filepath.Base(s.AuditFile) != "demo-audit.jsonl" || !strings.HasPrefix(s.AuditFile, os.Getenv("XDG_STATE_HOME")) {
		t.Fatalf("demo audit file %q", s.AuditFile)
	}
	svc, err := newService(ctx, env, s)
	if err != nil {
		t.Fatal(err)
	}
	observed, _, err := svc.Get(ctx, "tfstate/env:/prod/network/terraform.tfstate")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Release(ctx, observed, model.ReleaseRequest{ConfirmID: observed.Info.ID, Now: time.Now(), StaleAfter: time.Hour}, "demo"); err != nil {
		t.Fatalf("a demo release failed: %v", err)
	}
}

// A release whose outcome was never recorded (a crash between intent and
// outcome) may not have happened: restore asks before putting the lock
// back when nothing tells, writes nothing without the typed answer, and
// restores with it (or --yes).
func TestRestoreOfAnUnrecordedReleaseAsks(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	rec, staleID, _ := seededTable(t)
	base := []string{"--table", "locks", "--endpoint-url", rec.URL}
	out, errOut, code := runAt(t, "", false, append([]string{"unlock", "tfstate/app/terraform.tfstate", "--id", staleID, "--yes"}, base...)...)
	if code != 0 {
		t.Fatalf("unlock: exit %d\n%s\n%s", code, out, errOut)
	}
	// The outcome line is lost, as in a crash after the delete.
	path := filepath.Join(state, "lockwarden", "audit.jsonl")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"phase":"intent"`) {
		t.Fatalf("audit: %s", raw)
	}
	if err := os.WriteFile(path, []byte(lines[0]), 0o600); err != nil {
		t.Fatal(err)
	}
	rec.reset()
	restore := append([]string{"restore", "tfstate/app/terraform.tfstate"}, base...)
	for _, answer := range []string{"", "yes\n", "\n"} {
		out, errOut, code = runAt(t, answer, true, restore...)
		if code != ExitRefused || !strings.Contains(out, "Release r-") || !strings.Contains(out, "no recorded outcome") || !strings.Contains(out, "Type restore to confirm") {
			t.Errorf("answer %q: exit %d\nstdout %s\nstderr %s", answer, code, out, errOut)
		}
	}
	if _, errOut, code = runAt(t, "restore\n", false, restore...); code != ExitRefused || !strings.Contains(errOut, "not restored: no terminal to confirm on") {
		t.Errorf("no terminal: exit %d %q", code, errOut)
	}
	if w := rec.writes(); len(w) != 0 {
		t.Fatalf("an unconfirmed restore wrote %v", w)
	}
	out, errOut, code = runAt(t, "restore\n", true, restore...)
	if code != 0 || !strings.Contains(out, "Restored") {
		t.Fatalf("confirmed: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	if w := rec.writes(); len(w) != 1 || w[0] != "PutItem" {
		t.Errorf("writes %v, want one PutItem", w)
	}
}
