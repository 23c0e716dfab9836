package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/lockwarden/lockwarden/audit"
	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/internal/faultproxy"
	"github.com/lockwarden/lockwarden/internal/testenv"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sandbox"
)

// wantOneLine checks that a failed command said why in exactly one line of
// its own, naming the cause: no stack trace, no multi-line SDK dump.
func wantOneLine(t *testing.T, what string, code int, errOut string, wants ...string) {
	t.Helper()
	if code != ExitError {
		t.Errorf("%s: exit %d, want %d", what, code, ExitError)
	}
	if !strings.HasPrefix(errOut, "lockwarden: ") || strings.Count(errOut, "\n") != 1 || !strings.HasSuffix(errOut, "\n") {
		t.Errorf("%s: stderr is not one line: %q", what, errOut)
	}
	for _, bad := range []string{"goroutine ", "panic", "operation error", "https response error", "RequestID", "tcp 127.0.0.1"} {
		if strings.Contains(errOut, bad) {
			t.Errorf("%s: stderr carries %q: %q", what, bad, errOut)
		}
	}
	for _, w := range wants {
		if !strings.Contains(errOut, w) {
			t.Errorf("%s: stderr %q does not say %q", what, errOut, w)
		}
	}
}

// withAttemptTimeout runs f with HTTP attempts that give up after d.
func withAttemptTimeout(d time.Duration, f func()) {
	was := lwaws.DefaultAttemptTimeout
	lwaws.DefaultAttemptTimeout = d
	defer func() { lwaws.DefaultAttemptTimeout = was }()
	f()
}

// faultyTable is dynalite with one stale lock, behind a fault proxy.
func faultyTable(t *testing.T) (p *faultproxy.Proxy, direct *dynamodb.Client, li model.LockInfo) {
	t.Helper()
	endpoint := testenv.Dynalite(t)
	direct = testenv.DynamoClient(endpoint)
	testenv.CreateLockTable(t, direct, "locks")
	li = sandbox.NewInfo("tfstate/app/terraform.tfstate", "OperationTypeApply", "alice@ci", "1.5.7", fixtureNow.Add(-3*time.Hour))
	if err := sandbox.Lock(t.Context(), direct, "locks", li); err != nil {
		t.Fatal(err)
	}
	return faultproxy.New(t, endpoint), direct, li
}

// Every fault of the endpoint ends list with exit 1 and one line that
// names the cause, after the SDK's retries (the default five attempts),
// and never hangs: a held answer times out. Each run is a fresh process's
// worth of wiring (cli.Main), as cron or a monitor would run it.
func TestListFailsInOneLineOnEveryFault(t *testing.T) {
	p, _, li := faultyTable(t)
	args := []string{"list", "--table", "locks", "--region", "us-east-1", "--endpoint-url", p.URL, "--segments", "1"}
	where := `dynamodb:Scan on table "locks" in region us-east-1 at ` + p.URL
	cases := []struct {
		mode  faultproxy.Mode
		wants []string
		// attempts is how many Scan requests reach the proxy: the SDK
		// retries everything but access denied.
		attempts int
	}{
		{faultproxy.Refuse, []string{"cannot reach " + p.URL + ": connection refused", "check the endpoint: --endpoint-url, or endpoint in the context"}, 0},
		{faultproxy.Reset, []string{"cannot reach " + p.URL + ": the connection was dropped before an answer came"}, 5},
		{faultproxy.Throttle, []string{"DynamoDB throttled " + where, "5 attempts did not get through", "try again in a minute"}, 5},
		{faultproxy.ServerError, []string{where + " failed on the server side after 5 attempts: InternalServerError", "try again"}, 5},
		{faultproxy.Unavailable, []string{where + " failed on the server side after 5 attempts: ServiceUnavailableException"}, 5},
		{faultproxy.Hold, []string{where + " timed out: no answer after 5 attempts"}, 5},
		{faultproxy.Deny, []string{"access denied: " + where + " is not allowed for these credentials", "not authorized to perform: dynamodb:Scan"}, 1},
	}
	for _, c := range cases {
		if err := p.Set(c.mode); err != nil {
			t.Fatal(err)
		}
		p.ResetCounts()
		start := time.Now()
		var errOut string
		var code int
		if c.mode == faultproxy.Hold {
			// Five held attempts of 10s would make a slow test; the
			// runs with the fault lifted keep the default, so that a
			// busy machine does not time them out.
			withAttemptTimeout(250*time.Millisecond, func() { _, errOut, code = run(t, fixtureNow, args...) })
		} else {
			_, errOut, code = run(t, fixtureNow, args...)
		}
		took := time.Since(start)
		wantOneLine(t, c.mode.String(), code, errOut, c.wants...)
		if got := p.Count("Scan"); got.Requests != c.attempts || got.Faulted != c.attempts {
			t.Errorf("%s: the proxy saw %+v, want %d faulted attempts", c.mode, got, c.attempts)
		}
		t.Logf("%-8s exit %d after %d attempts in %s: %s", c.mode, code, p.Count("Scan").Requests, took.Round(10*time.Millisecond), strings.TrimSpace(errOut))

		// The fault lifted, the next run lists the lock again.
		if err := p.Clear(); err != nil {
			t.Fatal(err)
		}
		out, errOut, code := run(t, fixtureNow, args...)
		if code != 0 || errOut != "" || !strings.Contains(out, "! "+li.Path) {
			t.Fatalf("%s lifted: exit %d, stderr %q, out %q", c.mode, code, errOut, out)
		}
	}
}

// With the default four parallel segments, several failing scans still
// make one line: the first real cause.
func TestListWithParallelSegmentsFailsInOneLine(t *testing.T) {
	p, _, _ := faultyTable(t)
	for _, mode := range []faultproxy.Mode{faultproxy.Deny, faultproxy.ServerError} {
		if err := p.Set(mode); err != nil {
			t.Fatal(err)
		}
		_, errOut, code := run(t, fixtureNow, "list", "--table", "locks", "--region", "us-east-1", "--endpoint-url", p.URL)
		wantOneLine(t, mode.String(), code, errOut, `dynamodb:Scan on table "locks"`)
	}
}

// A real dynalite killed (SIGKILL) and started again on the same port with
// its data directory: list fails in one line while it is down and lists
// the same lock once it is back.
func TestListAcrossAKilledAndRestartedDynalite(t *testing.T) {
	d := testenv.RestartableDynalite(t)
	c := testenv.DynamoClient(d.URL)
	testenv.CreateLockTable(t, c, "locks")
	li := sandbox.NewInfo("tfstate/app/terraform.tfstate", "OperationTypeApply", "alice@ci", "1.5.7", fixtureNow.Add(-3*time.Hour))
	if err := sandbox.Lock(t.Context(), c, "locks", li); err != nil {
		t.Fatal(err)
	}
	args := []string{"list", "--table", "locks", "--region", "us-east-1", "--endpoint-url", d.URL}

	d.Kill()
	start := time.Now()
	_, errOut, code := run(t, fixtureNow, args...)
	wantOneLine(t, "killed", code, errOut, "cannot reach "+d.URL+": connection refused")
	t.Logf("killed: exit %d in %s: %s", code, time.Since(start).Round(10*time.Millisecond), strings.TrimSpace(errOut))

	d.Restart(t)
	out, errOut, code := run(t, fixtureNow, args...)
	if code != 0 || errOut != "" || !strings.Contains(out, "! "+li.Path) || !strings.Contains(out, li.ID[:8]) {
		t.Fatalf("restarted: exit %d, stderr %q, out %q", code, errOut, out)
	}
}

// A release during an outage fails closed: exit 1 in one line, the lock
// still in the table once the endpoint is back, and the audit file holds
// the intent and a failed outcome for the same record.
func TestUnlockDuringAnOutageFailsClosed(t *testing.T) {
	p, direct, li := faultyTable(t)
	w := &lwaws.LockWriter{Client: direct, Table: "locks", Region: "us-east-1"}
	cases := []struct {
		mode  faultproxy.Mode
		wants []string
	}{
		{faultproxy.Unavailable, []string{"dynamodb:DeleteItem", "ServiceUnavailableException"}},
		{faultproxy.Reset, []string{"cannot reach " + p.URL + ": the connection was dropped before an answer came"}},
		{faultproxy.Deny, []string{"access denied: dynamodb:DeleteItem"}},
	}
	for _, c := range cases {
		auditFile := t.TempDir() + "/audit.jsonl"
		// Only the delete fails: the read before it goes through, as when
		// an endpoint goes down between the look and the release.
		if err := p.Set(c.mode, "DeleteItem"); err != nil {
			t.Fatal(err)
		}
		p.ResetCounts()
		_, errOut, code := runAt(t, "", false, "unlock", li.Path, "--id", li.ID, "--yes",
			"--table", "locks", "--region", "us-east-1", "--endpoint-url", p.URL, "--audit-file", auditFile)
		wantOneLine(t, "unlock "+c.mode.String(), code, errOut, c.wants...)
		t.Logf("unlock with %s on DeleteItem: exit %d, %d DeleteItem attempts: %s", c.mode, code, p.Count("DeleteItem").Requests, strings.TrimSpace(errOut))
		if err := p.Clear(); err != nil {
			t.Fatal(err)
		}

		if e, found, err := w.Get(t.Context(), li.Path); err != nil || !found || e.Info.ID != li.ID {
			t.Fatalf("%s: after the outage the lock is found=%v (%v), want it still held by %s", c.mode, found, err, li.ID)
		}
		recs, err := (&audit.Log{Path: auditFile}).Read()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 2 || recs[0].Phase != audit.PhaseIntent || recs[1].Phase != audit.PhaseOutcome ||
			recs[0].RecordID != recs[1].RecordID || recs[1].Outcome != audit.OutcomeFailed || recs[1].Error == "" {
			t.Errorf("%s: audit records %+v, want intent and failed outcome of one record", c.mode, recs)
		}
	}
}

// A delete carried out whose answer was lost is a release: unlock says
// Released and gives the record to undo it, which restore then does.
func TestUnlockWhoseAnswerIsLost(t *testing.T) {
	p, direct, li := faultyTable(t)
	auditFile := t.TempDir() + "/audit.jsonl"
	base := []string{"--table", "locks", "--region", "us-east-1", "--endpoint-url", p.URL, "--audit-file", auditFile}
	if err := p.Set(faultproxy.LoseAnswer, "DeleteItem"); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runAt(t, "", false, append([]string{"unlock", li.Path, "--id", li.ID, "--yes"}, base...)...)
	if code != 0 || !strings.Contains(out, "Released "+li.Path) {
		t.Fatalf("exit %d, stderr %q, out %q", code, errOut, out)
	}
	w := &lwaws.LockWriter{Client: direct, Table: "locks", Region: "us-east-1"}
	if _, found, _ := w.Get(t.Context(), li.Path); found {
		t.Fatal("unlock said released, but the lock is there")
	}
	i := strings.Index(out, "lockwarden restore ")
	if i < 0 {
		t.Fatalf("no restore command in %q", out)
	}
	recordID := strings.Fields(out[i+len("lockwarden restore "):])[0]
	if err := p.Clear(); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := runAt(t, "", false, append([]string{"restore", recordID}, base...)...); code != 0 {
		t.Fatalf("restore: exit %d, stderr %q, out %q", code, errOut, out)
	}
	if e, found, _ := w.Get(t.Context(), li.Path); !found || e.Info.ID != li.ID {
		t.Fatal("restore did not put the lock back")
	}
}
