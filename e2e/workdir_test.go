package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lockwarden/lockwarden/internal/testenv"
	"github.com/lockwarden/lockwarden/sandbox"
)

// lockwardenIn runs the binary in dir with Terraform's environment plus
// extra, and returns its exit code and output.
func lockwardenIn(t *testing.T, w *workdir, stdin string, args ...string) (int, string, string) {
	t.Helper()
	config, state := t.TempDir(), t.TempDir()
	return runLockwarden(t, 2*time.Minute, func(cmd *exec.Cmd) {
		cmd.Dir = w.dir
		cmd.Env = append(w.env, "XDG_CONFIG_HOME="+config, "XDG_STATE_HOME="+state)
		cmd.Stdin = strings.NewReader(stdin)
	}, args...)
}

// statusID is the holder's lock ID that status -o json reports in w.
func statusID(t *testing.T, w *workdir) string {
	t.Helper()
	code, out, errOut := lockwardenIn(t, w, "", "status", "-o", "json")
	var recs []struct {
		ID, State string
	}
	if code != 3 || json.Unmarshal([]byte(out), &recs) != nil || len(recs) != 1 {
		t.Fatalf("status -o json: exit %d %s\n%s", code, errOut, out)
	}
	return recs[0].ID
}

// From the working directory of a real Terraform, with no flag and no
// config: status reports the apply holding the lock (exit 3), status
// --wait returns 0 when the apply ends, and after an apply killed with
// SIGKILL, unlock with no state releases exactly that lock and plan runs.
// Terraform 1.11.4 with use_lockfile and a table, in workspace blue with
// TF_DATA_DIR set; Terraform 1.11.4 with the lock file alone; Terraform
// 1.5.7 with the table alone.
func TestTerraformWorkingDirectory(t *testing.T) {
	t.Run("1.11.4 lock file and table, workspace, TF_DATA_DIR", func(t *testing.T) {
		tf, _ := terraformLockfile(t)
		setup := newLockfileSetup(t, testenv.Gofakes3, false)
		w := writeWorkdir(t, t.TempDir(), tf, holdModule(setup.backend("team/app/terraform.tfstate", true), false), "TF_DATA_DIR=tfdata")
		mustRun(t, w, "init", "-input=false", "-no-color")
		mustRun(t, w, "workspace", "new", "-no-color", "blue")
		if _, err := os.Stat(filepath.Join(w.dir, "tfdata", "terraform.tfstate")); err != nil {
			t.Fatalf("TF_DATA_DIR not used by terraform: %v", err)
		}
		testWorkdirLock(t, w, sandbox.Bucket+"/env:/blue/team/app/terraform.tfstate", "workspace blue")
	})
	t.Run("1.11.4 lock file alone", func(t *testing.T) {
		tf, _ := terraformLockfile(t)
		setup := newLockfileSetup(t, testenv.Gofakes3, true)
		w := writeWorkdir(t, t.TempDir(), tf, holdModule(setup.backend("lonely/terraform.tfstate", false), false))
		mustRun(t, w, "init", "-input=false", "-no-color")
		testWorkdirLock(t, w, sandbox.Bucket+"/lonely/terraform.tfstate", "")
	})
	t.Run("1.5.7 table", func(t *testing.T) {
		sb, err := sandbox.Start(context.Background(), sandbox.Options{Empty: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(sb.Close)
		w := newWorkdir(t, sb, "legacy/terraform.tfstate")
		testWorkdirLock(t, w, sandbox.Bucket+"/legacy/terraform.tfstate", "")
	})
}

// testWorkdirLock runs the scenario in w, whose state is state.
func testWorkdirLock(t *testing.T, w *workdir, state, workspace string) {
	if code, out, errOut := lockwardenIn(t, w, "", "status"); code != 0 || !strings.Contains(out, "s3://"+state+" is not locked") {
		t.Fatalf("before: exit %d %s\n%s", code, errOut, out)
	}
	apply, held := w.startApplyAsync()
	held()
	code, out, _ := lockwardenIn(t, w, "", "status")
	if code != 3 || !strings.Contains(out, state+" is LOCKED") || !strings.Contains(out, "operation:  apply") || !strings.Contains(out, workspace) {
		t.Errorf("while applying: exit %d\n%s", code, out)
	}
	// --wait returns once the apply ends.
	waited := make(chan int, 1)
	go func() {
		code, _, _ := lockwardenIn(t, w, "", "status", "--wait", "90s")
		waited <- code
	}()
	if err := os.WriteFile(filepath.Join(w.dir, "release"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := apply.Wait(); err != nil {
		t.Fatalf("apply: %v", err)
	}
	if code := <-waited; code != 0 {
		t.Errorf("status --wait: exit %d, want 0 once the apply ended", code)
	}
	// A killed apply: its lock stays until unlock, run here with no state.
	apply, held = w.startApplyAsync()
	held()
	killApply(t, apply)
	id := statusID(t, w)
	code, out, errOut := lockwardenIn(t, w, "", "unlock", "--id", id, "--yes", "--allow-fresh")
	if code != 0 || !strings.Contains(out, "Released "+state) {
		t.Fatalf("unlock: exit %d %s\n%s", code, errOut, out)
	}
	mustRun(t, w, "plan", "-input=false", "-no-color", "-lock-timeout=0s")
}
