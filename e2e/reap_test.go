package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lockwarden/lockwarden/internal/testenv"
	"github.com/lockwarden/lockwarden/sandbox"
)

// lockwarden reap with real Terraform: killed applies' locks older than
// the threshold are reaped and plan runs again; a running apply's lock —
// its state written after the lock was taken, or younger than the
// threshold — is kept; an operation not in the policy is kept; a dry run
// and a run over max_per_run write nothing (recording proxies in front of
// the sandbox prove it). Terraform 1.5.7 locks in the table, Terraform
// >= 1.10 with use_lockfile alone.

// holdModule is a root module whose apply holds its lock until the file
// "release" appears, after touching "started". With persisted, it first
// creates a resource and then runs 21s more before holding: Terraform
// (>= 1.5) persists an intermediate state snapshot on the first state
// update 20s after the first — so the running apply has written its state
// after it took its lock, as a long apply does.
func holdModule(backend string, persisted bool) string {
	before := ""
	if persisted {
		before = `
resource "terraform_data" "first" {}

resource "terraform_data" "wait" {
  depends_on = [terraform_data.first]
  provisioner "local-exec" {
    command = "sleep 21"
  }
}
`
	}
	dependsOn := ""
	if persisted {
		dependsOn = "  depends_on       = [terraform_data.wait]\n"
	}
	return backend + before + `
resource "terraform_data" "hold" {
` + dependsOn + `  triggers_replace = timestamp()
  provisioner "local-exec" {
    command = "touch started; while [ ! -f release ]; do sleep 0.1; done"
  }
}
`
}

// newHoldWorkdir is an initialised workdir with holdModule.
func newHoldWorkdir(t *testing.T, tf, backend string, persisted bool) *workdir {
	t.Helper()
	w := writeWorkdir(t, t.TempDir(), tf, holdModule(backend, persisted), sandboxKeys...)
	mustRun(t, w, "init", "-input=false", "-no-color")
	return w
}

// startApplyAsync starts an apply and returns at once; held waits until
// it holds the lock and runs its provisioner.
func (w *workdir) startApplyAsync() (cmd *exec.Cmd, held func()) {
	w.t.Helper()
	_ = os.Remove(filepath.Join(w.dir, "started"))
	_ = os.Remove(filepath.Join(w.dir, "release"))
	cmd = w.command("apply", "-auto-approve", "-input=false", "-no-color")
	out := &testenv.LockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	return cmd, func() {
		w.t.Helper()
		deadline := time.Now().Add(2 * time.Minute)
		for {
			if _, err := os.Stat(filepath.Join(w.dir, "started")); err == nil {
				return
			}
			if time.Now().After(deadline) {
				w.t.Fatalf("apply did not reach its provisioner in 2m:\n%s", out.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// reapDecision is one line of lockwarden reap -o json.
type reapDecision struct {
	Action    string `json:"action"`
	LockID    string `json:"lock_id"`
	Source    string `json:"source"`
	ID        string `json:"id"`
	Operation string `json:"operation"`
	Why       string `json:"why"`
	RecordID  string `json:"record_id"`
}

// reapJSON runs lockwarden reap -o json and returns its decisions by
// state key, and its exit code and stderr.
func reapJSON(t *testing.T, flags []string, args ...string) (map[string]reapDecision, int, string) {
	t.Helper()
	code, out, errOut := lockwarden(t, append(append([]string{"reap", "-o", "json"}, flags...), args...)...)
	got := map[string]reapDecision{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var d reapDecision
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatalf("reap -o json: not a JSON line %q (exit %d, %s)", line, code, errOut)
		}
		got[strings.TrimPrefix(d.LockID, sandbox.Bucket+"/")] = d
	}
	return got, code, errOut
}

// waitPastStateWrite returns once the clock is past the second after the
// state object's last write: S3 says LastModified in whole seconds, and
// the reaper counts a write in the lock's second as after it (on doubt,
// keep). A lock taken now is then after the write by S3's reckoning too.
func waitPastStateWrite(t *testing.T, c *s3.Client, key string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: sdkaws.String(sandbox.Bucket), Key: sdkaws.String(key)})
	if err != nil {
		t.Fatalf("the finished apply wrote no state %s: %v", key, err)
	}
	time.Sleep(time.Until(sdkaws.ToTime(head.LastModified).Add(1100 * time.Millisecond)))
}

// reapScenario is the scenario, with Terraform tf and backend(key) the
// backend block for a state; flags reach the same places through
// recording proxies (dyn is nil without a table); deleteOp is the write
// that releases one lock there.
type reapScenario struct {
	tf       string
	backend  func(key string) string
	flags    []string
	dyn, s3  *testenv.Recorder
	client   *s3.Client
	deleteOp func(key string) string
	source   string
}

func (sc reapScenario) writes() []string {
	w := sc.s3.Writes()
	if sc.dyn != nil {
		w = append(sc.dyn.Writes(), w...)
	}
	return w
}

func (sc reapScenario) reset() {
	sc.s3.Reset()
	if sc.dyn != nil {
		sc.dyn.Reset()
	}
}

func runReapScenario(t *testing.T, sc reapScenario) {
	const (
		keyWritten = "e2e/reap/written/terraform.tfstate" // killed; state written by an earlier apply
		keyFirst   = "e2e/reap/first/terraform.tfstate"   // killed first apply: no state object
		keyRunning = "e2e/reap/running/terraform.tfstate" // running, state written after its lock
	)
	running := newHoldWorkdir(t, sc.tf, sc.backend(keyRunning), true)
	runningApply, runningHeld := running.startApplyAsync()

	written := newHoldWorkdir(t, sc.tf, sc.backend(keyWritten), false)
	done, _ := written.startApply()
	written.release()
	if err := done.Wait(); err != nil {
		t.Fatalf("the first apply of %s failed: %v", keyWritten, err)
	}
	waitPastStateWrite(t, sc.client, keyWritten)
	apply, _ := written.startApply()
	killApply(t, apply)

	first := newHoldWorkdir(t, sc.tf, sc.backend(keyFirst), false)
	apply, _ = first.startApply()
	killApply(t, apply)
	runningHeld()

	got, code, errOut := reapJSON(t, sc.flags, "--older-than", "1ms", "--stale-after", "1ms", "--operations", "apply")
	if code != 0 || len(got) != 3 {
		t.Fatalf("dry run: exit %d, %d decisions %+v\n%s", code, len(got), got, errOut)
	}
	for key, want := range map[string]struct{ action, why string }{
		keyWritten: {"would-release", "before the lock was taken: no sign of life"},
		keyFirst:   {"would-release", "no state object: never written"},
		keyRunning: {"keep", "after the lock was taken"},
	} {
		if d := got[key]; d.Action != want.action || !strings.Contains(d.Why, want.why) || d.Operation != "OperationTypeApply" || d.Source != sc.source {
			t.Errorf("%s: %+v, want %s %q from %s", key, d, want.action, want.why, sc.source)
		}
	}
	t.Logf("dry run, running apply: %s", got[keyRunning].Why)
	planBlocked(t, written, got[keyWritten].ID)
	planBlocked(t, first, got[keyFirst].ID)

	// Not in the policy, or younger than the threshold: kept.
	notListed, code, _ := reapJSON(t, sc.flags, "--older-than", "1ms", "--stale-after", "1ms")
	young, code2, _ := reapJSON(t, sc.flags, "--older-than", "1h", "--operations", "apply")
	for _, key := range []string{keyWritten, keyFirst, keyRunning} {
		if d := notListed[key]; d.Action != "keep" || d.Why != "operation apply is not in the policy (plan, refresh)" {
			t.Errorf("default operations, %s: %+v", key, d)
		}
		if d := young[key]; d.Action != "keep" || !strings.Contains(d.Why, "under older_than 1h") {
			t.Errorf("older_than 1h, %s: %+v", key, d)
		}
	}
	if code != 0 || code2 != 0 {
		t.Errorf("runs that keep everything: exit %d and %d", code, code2)
	}

	// Over max_per_run: nothing released, exit 3.
	over, code, errOut := reapJSON(t, sc.flags, "--older-than", "1ms", "--stale-after", "1ms", "--operations", "apply", "--max-per-run", "1", "--apply")
	if code != 3 || !strings.Contains(errOut, "2 locks would be released, max_per_run is 1") || over[keyWritten].Action != "keep" {
		t.Errorf("max_per_run 1: exit %d %s %+v", code, errOut, over)
	}
	if w := sc.writes(); len(w) != 0 {
		t.Fatalf("the dry runs and the refused run wrote: %v", w)
	}
	planBlocked(t, written, got[keyWritten].ID)

	// Applied: the two killed applies' locks go, each by one delete.
	sc.reset()
	applied, code, errOut := reapJSON(t, sc.flags, "--older-than", "1ms", "--stale-after", "1ms", "--operations", "apply", "--apply")
	if code != 0 || applied[keyWritten].Action != "released" || applied[keyFirst].Action != "released" || applied[keyRunning].Action != "keep" {
		t.Fatalf("apply: exit %d %s\n%+v", code, errOut, applied)
	}
	if w, want := strings.Join(sc.writes(), ","), sc.deleteOp(keyWritten)+","+sc.deleteOp(keyFirst); w != want && w != sc.deleteOp(keyFirst)+","+sc.deleteOp(keyWritten) {
		t.Errorf("writes %s, want %s", w, want)
	}
	mustRun(t, written, "plan", "-input=false", "-no-color", "-lock-timeout=0s")
	mustRun(t, first, "plan", "-input=false", "-no-color", "-lock-timeout=0s")

	// The running apply kept its lock: plan is still blocked, and the
	// apply finishes and releases its own lock.
	planBlocked(t, running, got[keyRunning].ID)
	running.release()
	if err := runningApply.Wait(); err != nil {
		t.Fatalf("the running apply failed after the reap: %v", err)
	}
	mustRun(t, running, "plan", "-input=false", "-no-color", "-lock-timeout=0s")
}

// Terraform 1.5.7, locks in the DynamoDB table.
func TestReapWithTerraformTable(t *testing.T) {
	tf := terraform(t)
	sb := startSandbox(t)
	dyn, s3rec := testenv.NewRecorder(t, sb.DynamoURL), testenv.NewRecorder(t, sb.S3URL)
	runReapScenario(t, reapScenario{
		tf: tf, backend: sb.LegacyBackendBlock, dyn: dyn, s3: s3rec, client: sb.S3, source: "dynamodb",
		flags: []string{"--table", sandbox.Table, "--region", sandbox.Region, "--endpoint-url", dyn.URL, "--s3-endpoint-url", s3rec.URL,
			"--audit-file", filepath.Join(t.TempDir(), "audit.jsonl")},
		deleteOp: func(string) string { return "DeleteItem" },
	})
}

// Terraform >= 1.10 with use_lockfile alone: S3 lock files, no table, on
// the sandbox's gofakes3 and on MinIO.
func TestReapWithTerraformLockFiles(t *testing.T) {
	for _, server := range testenv.S3Servers {
		t.Run(string(server), func(t *testing.T) { testReapWithLockFiles(t, server) })
	}
}

func testReapWithLockFiles(t *testing.T, server testenv.S3Server) {
	tf, _ := terraformLockfile(t)
	s := newLockfileSetup(t, server, true)
	s3rec := testenv.NewRecorder(t, s.s3.url)
	runReapScenario(t, reapScenario{
		tf: tf, backend: func(key string) string { return s.backend(key, false) }, s3: s3rec, client: s.s3.client, source: "s3",
		flags: []string{"--region", sandbox.Region, "--bucket", sandbox.Bucket, "--s3-endpoint-url", s3rec.URL,
			"--audit-file", filepath.Join(t.TempDir(), "audit.jsonl")},
		deleteOp: func(key string) string { return fmt.Sprintf("DELETE /%s/%s.tflock", sandbox.Bucket, key) },
	})
}
