package e2e

import (
	"strings"
	"syscall"
	"testing"

	"github.com/lockwarden/lockwarden/sandbox"
)

func tableFlags(sb *sandbox.Sandbox, t *testing.T) []string {
	return []string{"--table", sandbox.Table, "--endpoint-url", sb.DynamoURL, "--audit-file", t.TempDir() + "/audit.jsonl"}
}

// A killed apply leaves its lock; lockwarden releases it without an
// initialised backend, and the next plan runs.
func TestUnlockAfterKilledApplyLetsPlanRun(t *testing.T) {
	sb := startSandbox(t)
	w := newWorkdir(t, sb, "e2e/killed-unlock/terraform.tfstate")
	apply, _ := w.startApply()
	if err := syscall.Kill(-apply.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = apply.Wait()
	locks := listJSON(t, sb)
	if len(locks) != 1 {
		t.Fatalf("want the killed apply's lock: %+v", locks)
	}

	// While the lock is there, plan fails to lock.
	planOut, err := w.command("plan", "-input=false", "-no-color").CombinedOutput()
	if err == nil || !strings.Contains(string(planOut), "Error acquiring the state lock") {
		t.Fatalf("plan should fail on the stale lock: %v\n%s", err, planOut)
	}

	args := append([]string{"unlock", locks[0].LockID, "--id", locks[0].ID, "--yes", "--stale-after", "1ms"}, tableFlags(sb, t)...)
	code, out, errOut := lockwarden(t, args...)
	if code != 0 || !strings.Contains(out, "Released "+locks[0].LockID) {
		t.Fatalf("unlock: exit %d\n%s\n%s", code, out, errOut)
	}
	w.run("plan", "-input=false", "-no-color")
}

// A lock held by a running apply is refused as fresh; with --allow-fresh it
// goes, and the apply then fails to release it — which proves the right
// lock went.
func TestUnlockOfARunningApply(t *testing.T) {
	sb := startSandbox(t)
	w := newWorkdir(t, sb, "e2e/running/terraform.tfstate")
	apply, applyOut := w.startApply()
	locks := listJSON(t, sb)
	if len(locks) != 1 {
		t.Fatalf("want the running apply's lock: %+v", locks)
	}
	flags := tableFlags(sb, t)
	code, _, errOut := lockwarden(t, append([]string{"unlock", locks[0].LockID, "--id", locks[0].ID, "--yes"}, flags...)...)
	if code != 3 || !strings.Contains(errOut, "is not stale") {
		t.Fatalf("a running apply's lock must be refused as fresh: exit %d %s", code, errOut)
	}
	if still := listJSON(t, sb); len(still) != 1 {
		t.Fatal("the refused unlock removed the lock")
	}
	code, out, errOut := lockwarden(t, append([]string{"unlock", locks[0].LockID, "--id", locks[0].ID, "--yes", "--allow-fresh"}, flags...)...)
	if code != 0 || !strings.Contains(out, "WARNING: this lock is not stale") {
		t.Fatalf("--allow-fresh: exit %d\n%s\n%s", code, out, errOut)
	}
	w.release()
	if err := apply.Wait(); err == nil {
		t.Fatalf("the apply should fail to release its lock:\n%s", applyOut)
	}
	if !strings.Contains(applyOut.String(), "Error releasing the state lock") {
		t.Errorf("apply output lacks the release error:\n%s", applyOut)
	}
}
