package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/lockwarden/lockwarden/internal/testenv"
	"github.com/lockwarden/lockwarden/sandbox"
)

// reapScene is a sandbox seeded with one lock of each kind the reaper
// must tell apart, behind recording proxies, and a config whose context
// main watches it with a reap: policy (ro is the same place, read-only).
type reapScene struct {
	sb         *sandbox.Sandbox
	dyn, s3rec *testenv.Recorder
	config     string
	ids        map[string]string // state name → the holder's lock ID
}

// reapNow is the reaper's clock in these tests.
var reapNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func newReapScene(t *testing.T) *reapScene {
	t.Helper()
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	var mu sync.Mutex
	clock := reapNow
	setClock := func(at time.Time) {
		mu.Lock()
		clock = at
		mu.Unlock()
	}
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Empty: true, Now: func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return clock
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	ctx := context.Background()
	sc := &reapScene{sb: sb, ids: map[string]string{}}
	state := func(name string, written time.Time) {
		setClock(written)
		if err := sandbox.WriteState(ctx, sb, name+"/terraform.tfstate", sandbox.State(1, "lineage", "1.5.7")); err != nil {
			t.Fatal(err)
		}
	}
	lock := func(name, op string, created time.Time) {
		li := sandbox.NewInfo("tfstate/"+name+"/terraform.tfstate", op, name+"@ci", "1.5.7", created)
		if err := sandbox.Lock(ctx, sb.Dynamo, sandbox.Table, li); err != nil {
			t.Fatal(err)
		}
		sc.ids[name] = li.ID
	}
	// Would go: a plan held 3h over a state last written before it, and
	// a refresh held 2h over a state never written.
	state("old-plan", reapNow.Add(-5*time.Hour))
	lock("old-plan", "OperationTypePlan", reapNow.Add(-3*time.Hour))
	lock("nostate", "OperationTypeRefresh", reapNow.Add(-2*time.Hour))
	// Kept: an apply (not in the policy), a plan whose state was written
	// after it was taken, a plan under older_than.
	state("old-apply", reapNow.Add(-4*time.Hour))
	lock("old-apply", "OperationTypeApply", reapNow.Add(-3*time.Hour))
	state("alive", reapNow.Add(-time.Hour))
	lock("alive", "OperationTypePlan", reapNow.Add(-3*time.Hour))
	lock("young", "OperationTypePlan", reapNow.Add(-10*time.Minute))
	// Kept: a malformed item, and a lock file alone for a state that
	// has a digest item (flagged ≠).
	if err := sandbox.PutRaw(ctx, sb.Dynamo, sandbox.Table, map[string]types.AttributeValue{
		"LockID": &types.AttributeValueMemberS{Value: "tfstate/broken/terraform.tfstate"}, "Info": &types.AttributeValueMemberS{Value: "{not json"}}); err != nil {
		t.Fatal(err)
	}
	state("split", reapNow.Add(-5*time.Hour))
	split := sandbox.NewInfo("tfstate/split/terraform.tfstate", "OperationTypePlan", "split@ci", "1.11.4", reapNow.Add(-3*time.Hour))
	setClock(reapNow.Add(-3 * time.Hour))
	if err := sandbox.LockFile(ctx, sb.S3, split); err != nil {
		t.Fatal(err)
	}
	setClock(reapNow)

	sc.dyn, sc.s3rec = testenv.NewRecorder(t, sb.DynamoURL), testenv.NewRecorder(t, sb.S3URL)
	place := fmt.Sprintf("    region: %s\n    table: %s\n    endpoint: %s\n    s3_endpoint: %s\n    buckets: [%s]\n",
		sandbox.Region, sandbox.Table, sc.dyn.URL, sc.s3rec.URL, sandbox.Bucket)
	sc.config = filepath.Join(t.TempDir(), "config.yaml")
	cfg := "reap:\n  older_than: 1h\n  operations: [plan, refresh]\ncontexts:\n  main:\n" + place + "  ro:\n" + place + "    readonly: true\n"
	if err := os.WriteFile(sc.config, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return sc
}

func (sc *reapScene) reap(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	return run(t, reapNow, append([]string{"reap", "--config", sc.config}, args...)...)
}

func (sc *reapScene) writes() []string { return append(sc.dyn.Writes(), sc.s3rec.Writes()...) }

func (sc *reapScene) resetRecorders() {
	sc.dyn.Reset()
	sc.s3rec.Reset()
}

// decisions reads -o json: one decision a line, by state.
func decisions(t *testing.T, out string) map[string]reapLine {
	t.Helper()
	got := map[string]reapLine{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var l reapLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("not a JSON line: %q: %v", line, err)
		}
		name := strings.TrimSuffix(strings.TrimPrefix(l.LockID, "tfstate/"), "/terraform.tfstate")
		got[name] = l
	}
	return got
}

// The dry run says what would go and why everything else stays, and
// writes nothing; --apply releases exactly the candidates, each audited
// with the reaper's actor, the policy and the evidence, and restorable.
func TestReapDecidesAndReleasesOnlyWhatThePolicyAllows(t *testing.T) {
	sc := newReapScene(t)
	want := map[string]struct{ action, why string }{
		"old-plan":  {"would-release", "held 3h00m ≥ older_than 1h, operation plan; state last written 5h00m ago, before the lock was taken: no sign of life"},
		"nostate":   {"would-release", "held 2h00m ≥ older_than 1h, operation refresh; no state object: never written"},
		"old-apply": {"keep", "operation apply is not in the policy (plan, refresh)"},
		"alive":     {"keep", "state written 1h00m ago, after the lock was taken"},
		"young":     {"keep", "held 10m00s, under older_than 1h"},
		"broken":    {"keep", "malformed item (Info is not LockInfo JSON"},
		"split":     {"keep", "flagged ≠"},
	}
	out, errOut, code := sc.reap(t, "--context", "main", "-o", "json")
	got := decisions(t, out)
	if code != 0 || len(got) != len(want) {
		t.Fatalf("dry run: exit %d, %d decisions\n%s\n%s", code, len(got), out, errOut)
	}
	for name, w := range want {
		if g := got[name]; g.Action != w.action || !strings.Contains(g.Why, w.why) {
			t.Errorf("%s: %s %q, want %s %q", name, g.Action, g.Why, w.action, w.why)
		}
	}
	if w := sc.writes(); len(w) != 0 {
		t.Fatalf("the dry run wrote: %v", w)
	}
	if sc.dyn.Requests() == 0 || sc.s3rec.Requests() == 0 {
		t.Fatal("the recorders saw no requests: the test is not watching the reaper")
	}

	// The table, for people: the decisions and a summary line.
	out, _, code = sc.reap(t, "--context", "main")
	if code != 0 || !regexp.MustCompile(`(?m)^would-release +tfstate/old-plan/terraform.tfstate +plan +old-plan@ci +3h00m +held 3h00m`).MatchString(out) ||
		!strings.Contains(out, "Dry run: 2 would be released, 5 kept. Nothing was written; --apply releases.") {
		t.Errorf("table: exit %d\n%s", code, out)
	}

	// More candidates than max_per_run: nothing at all, exit 3.
	sc.resetRecorders()
	out, errOut, code = sc.reap(t, "--context", "main", "--max-per-run", "1", "--apply")
	if code != ExitRefused || !strings.Contains(errOut, "nothing released: context main: 2 locks would be released, max_per_run is 1") ||
		!strings.Contains(out, "Refused by max_per_run: nothing released, 7 kept.") {
		t.Errorf("max_per_run: exit %d\n%s\n%s", code, out, errOut)
	}
	if w := sc.writes(); len(w) != 0 {
		t.Fatalf("a run refused by max_per_run wrote: %v", w)
	}

	// A read-only context is never reaped, --write notwithstanding.
	for _, extra := range [][]string{nil, {"--write"}} {
		out, errOut, code = sc.reap(t, append([]string{"--context", "ro", "--apply", "-o", "json"}, extra...)...)
		for name, d := range decisions(t, out) {
			if d.Action != "keep" || d.Why != "context is read-only: never reaped" {
				t.Errorf("read-only %v: %s: %s %q", extra, name, d.Action, d.Why)
			}
		}
		if code != 0 {
			t.Errorf("read-only %v: exit %d %s", extra, code, errOut)
		}
	}
	if w := sc.writes(); len(w) != 0 {
		t.Fatalf("a read-only context was written: %v", w)
	}

	// Applied: exactly the two candidates go, each by its own DeleteItem.
	out, errOut, code = sc.reap(t, "--context", "main", "--apply", "-o", "json")
	got = decisions(t, out)
	if code != 0 || got["old-plan"].Action != "released" || got["nostate"].Action != "released" || got["old-plan"].RecordID == "" {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, errOut)
	}
	if w := strings.Join(sc.writes(), ","); w != "DeleteItem,DeleteItem" {
		t.Errorf("writes %s, want two DeleteItem", w)
	}
	for name, d := range got {
		if d.Action == "released" && name != "old-plan" && name != "nostate" {
			t.Errorf("released %s", name)
		}
	}
	records := readAudit(t)
	if len(records) != 4 {
		t.Fatalf("want an intent and an outcome per release, got %d records", len(records))
	}
	host, _ := os.Hostname()
	for _, r := range records {
		if r.Actor != "reaper@"+host || r.Policy != "older_than 1h, operations plan,refresh, require_no_state_write true, max_per_run 3" || r.Context != "main" {
			t.Errorf("audit record %s %s: actor %q, policy %q, context %q", r.RecordID, r.Phase, r.Actor, r.Policy, r.Context)
		}
		if r.Phase == "intent" && !strings.HasPrefix(r.Reason, "reaped: held ") {
			t.Errorf("intent reason %q does not carry the evidence", r.Reason)
		}
		if r.Phase == "outcome" && r.Outcome != "released" {
			t.Errorf("outcome %q", r.Outcome)
		}
	}

	// Run again: nothing left to do, exit 0, nothing written.
	sc.resetRecorders()
	out, _, code = sc.reap(t, "--context", "main", "--apply")
	if code != 0 || !strings.Contains(out, "Released 0, 5 kept.") || len(sc.writes()) != 0 {
		t.Errorf("second run: exit %d, writes %v\n%s", code, sc.writes(), out)
	}

	// A reaped lock is restored like any release.
	out, errOut, code = run(t, reapNow, "restore", got["old-plan"].RecordID, "--config", sc.config, "--context", "main")
	if code != 0 || !strings.Contains(out, "Restored tfstate/old-plan/terraform.tfstate") {
		t.Errorf("restore: exit %d\n%s\n%s", code, out, errOut)
	}
	if cur, _, _ := sc.reap(t, "--context", "main", "-o", "json"); decisions(t, cur)["old-plan"].ID != sc.ids["old-plan"] {
		t.Errorf("after restore, old-plan is not held by its holder again:\n%s", cur)
	}
}

// require_no_state_write: false lets a lock go without its state read —
// the unreadable one and the one whose state was written after it.
func TestReapWithoutTheStateWriteCheck(t *testing.T) {
	sc := newReapScene(t)
	out, errOut, code := sc.reap(t, "--context", "main", "--require-no-state-write=false", "-o", "json")
	got := decisions(t, out)
	for _, name := range []string{"old-plan", "nostate", "alive"} {
		if got[name].Action != "would-release" || !strings.Contains(got[name].Why, "state not checked (require_no_state_write: false)") {
			t.Errorf("%s: %+v", name, got[name])
		}
	}
	if code != 0 || got["young"].Action != "keep" || got["old-apply"].Action != "keep" {
		t.Errorf("exit %d %s\n%s", code, errOut, out)
	}
	// Three candidates over max_per_run 2: the dry run says what --apply
	// would do — refuse, exit 3.
	out, errOut, code = sc.reap(t, "--context", "main", "--require-no-state-write=false", "--max-per-run", "2")
	if code != ExitRefused || !strings.Contains(errOut, "context main: 3 locks would be released, max_per_run is 2") || !strings.Contains(out, "Refused by max_per_run") {
		t.Errorf("dry run over max_per_run: exit %d\n%s\n%s", code, out, errOut)
	}
}

// Without older_than nothing runs; a bad flag is a usage error.
func TestReapUsage(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	base := []string{"reap", "--table", "locks", "--endpoint-url", "http://127.0.0.1:1"}
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "reap needs older_than"},
		{[]string{"--older-than", "1h", "--operations", "destroy"}, "clients lock a destroy as an apply"},
		{[]string{"--older-than", "1h", "-o", "yaml"}, "yaml"},
		{[]string{"--older-than", "1h", "extra"}, "unknown command"},
	} {
		_, errOut, code := run(t, reapNow, append(base, c.args...)...)
		if code != ExitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d %q, want 2 and %q", c.args, code, errOut, c.want)
		}
	}
}

// Several contexts: each judged by its own settings, the read-only one
// kept whole; a context that cannot be read is named on stderr and makes
// the exit code 1, and does not stop the others' releases.
func TestReapAFleet(t *testing.T) {
	sc := newReapScene(t)
	cfg, err := os.ReadFile(sc.config)
	if err != nil {
		t.Fatal(err)
	}
	dead := fmt.Sprintf("  dead:\n    region: %s\n    table: %s\n    endpoint: http://127.0.0.1:%d\n", sandbox.Region, sandbox.Table, testenv.FreePort(t))
	if err := os.WriteFile(sc.config, append(cfg, dead...), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := sc.reap(t, "--context", "main,ro")
	if code != 0 || !regexp.MustCompile(`(?m)^ACTION +CONTEXT +STATE`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^keep +ro +tfstate/old-plan/terraform.tfstate .*context is read-only: never reaped$`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^would-release +main +tfstate/old-plan/terraform.tfstate`).MatchString(out) {
		t.Errorf("main,ro: exit %d\n%s\n%s", code, out, errOut)
	}

	out, errOut, code = sc.reap(t, "--context", "main,dead", "--apply", "-o", "json")
	released := 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var l reapLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatal(err)
		}
		if l.Context != "main" {
			t.Errorf("a decision from context %q: %s", l.Context, line)
		}
		if l.Action == "released" {
			released++
		}
	}
	if code != ExitError || released != 2 || !strings.Contains(errOut, "lockwarden: context dead: ") {
		t.Errorf("main,dead: exit %d, %d released\n%s\n%s", code, released, out, errOut)
	}
	if w := strings.Join(sc.writes(), ","); w != "DeleteItem,DeleteItem" {
		t.Errorf("writes %s", w)
	}

	// One context, not read: its error in one line, and no table that
	// would say there are no locks.
	out, errOut, code = sc.reap(t, "--context", "dead", "--apply")
	if code != ExitError || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "cannot reach") {
		t.Errorf("dead: exit %d\nstdout %q\nstderr %q", code, out, errOut)
	}
}

// A context not wholly read — one of its buckets could not be listed —
// reaps nothing: the part not read may be the other half of a lock.
func TestReapNothingOnAPartialRead(t *testing.T) {
	sc := newReapScene(t)
	out, errOut, code := run(t, reapNow, "reap", "--older-than", "1h", "--apply", "-o", "json", "--table", sandbox.Table, "--region", sandbox.Region,
		"--endpoint-url", sc.dyn.URL, "--s3-endpoint-url", sc.s3rec.URL, "--bucket", sandbox.Bucket, "--bucket", "no-such-bucket")
	got := decisions(t, out)
	if d := got["old-plan"]; d.Action != "keep" || d.Why != "context not wholly read: never reaped on half the evidence" {
		t.Errorf("old-plan: %+v", d)
	}
	if code != ExitError || !strings.Contains(errOut, "not wholly read, nothing reaped here: S3 lock files not read: bucket no-such-bucket does not exist") {
		t.Errorf("exit %d\n%s", code, errOut)
	}
	if w := sc.writes(); len(w) != 0 {
		t.Errorf("a partly read context was written: %v", w)
	}
}

// A state that cannot be read keeps its lock, and the run says so and
// exits 1: a reaper that cannot see must not pass for one with nothing to
// do. With require_no_state_write off, the state is not read at all.
func TestReapKeepsALockWhoseStateCannotBeRead(t *testing.T) {
	sc := newReapScene(t)
	li := sandbox.NewInfo("nobucket/app/terraform.tfstate", "OperationTypePlan", "x@ci", "1.5.7", reapNow.Add(-3*time.Hour))
	if err := sandbox.Lock(context.Background(), sc.sb.Dynamo, sandbox.Table, li); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := sc.reap(t, "--context", "main", "--apply", "-o", "json")
	got := decisions(t, out)
	if d := got["nobucket/app"]; d.Action != "keep" || !strings.HasPrefix(d.Why, "state not read (") || !strings.HasSuffix(d.Why, "): kept while require_no_state_write is on") {
		t.Errorf("nobucket: %+v", d)
	}
	if code != ExitError || !strings.Contains(errOut, "lockwarden: context main: the state of nobucket/app/terraform.tfstate could not be read, so its lock is kept: ") {
		t.Errorf("exit %d\n%s", code, errOut)
	}
	// The others were judged and released all the same.
	if got["old-plan"].Action != "released" || got["nostate"].Action != "released" {
		t.Errorf("old-plan %+v, nostate %+v", got["old-plan"], got["nostate"])
	}

	out, errOut, code = sc.reap(t, "--context", "main", "--require-no-state-write=false", "--max-per-run", "5", "-o", "json")
	if d := decisions(t, out)["nobucket/app"]; code != 0 || d.Action != "would-release" {
		t.Errorf("require_no_state_write off: exit %d %s, %+v", code, errOut, d)
	}
}
