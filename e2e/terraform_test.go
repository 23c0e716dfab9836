// Package e2e runs real Terraform against lockwarden's sandbox and checks
// what the lockwarden binary reports, as a user would see it: 1.5.7 for the
// lock table, and a Terraform >= 1.10 from PATH for S3 lock files, on the
// sandbox's gofakes3 and on MinIO.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lockwarden/lockwarden/internal/testenv"
	"github.com/lockwarden/lockwarden/sandbox"
)

// lockwardenBin is the binary under test, built once per run.
var lockwardenBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lockwarden-e2e")
	if err != nil {
		panic(err)
	}
	lockwardenBin = filepath.Join(dir, "lockwarden")
	build := exec.Command("go", "build", "-o", lockwardenBin, "..")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		panic("build lockwarden: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// terraform finds Terraform 1.5.7: LOCKWARDEN_TERRAFORM, else the cache
// that `make test` fills.
func terraform(t *testing.T) string {
	t.Helper()
	bin := testenv.CachedTool("LOCKWARDEN_TERRAFORM", "terraform-1.5.7/terraform")
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		testenv.Unavailable(t, "Terraform 1.5.7 is not at %s", bin)
	}
	if !strings.Contains(string(out), "v1.5.7") {
		testenv.Unavailable(t, "%s is not Terraform 1.5.7: %s", bin, strings.SplitN(string(out), "\n", 2)[0])
	}
	return bin
}

// workdir is a Terraform root module whose apply signals that it holds
// the lock (file "started") and then waits for the file "release".
type workdir struct {
	t   *testing.T
	dir string
	tf  string
	env []string
}

func newWorkdir(t *testing.T, sb *sandbox.Sandbox, key string) *workdir {
	dir := t.TempDir()
	main := sb.LegacyBackendBlock(key) + `
resource "terraform_data" "hold" {
  triggers_replace = timestamp()
  provisioner "local-exec" {
    command = "touch started; while [ ! -f release ]; do sleep 0.1; done"
  }
}
`
	w := writeWorkdir(t, dir, terraform(t), main, sandboxKeys...)
	w.run("init", "-input=false", "-no-color")
	return w
}

// sandboxKeys are the credentials the sandbox takes (any work).
var sandboxKeys = []string{"AWS_ACCESS_KEY_ID=sandbox", "AWS_SECRET_ACCESS_KEY=sandbox"}

// writeWorkdir writes mainTF into dir with an empty CLI config of its own
// (TF_CLI_CONFIG_FILE may point at a missing file on a CI machine), and
// returns the workdir with Terraform's environment plus extra.
func writeWorkdir(t *testing.T, dir, tf, mainTF string, extra ...string) *workdir {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(mainTF), 0o644); err != nil {
		t.Fatal(err)
	}
	rc := filepath.Join(dir, "empty.tfrc")
	if err := os.WriteFile(rc, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "AWS_EC2_METADATA_DISABLED=true")
	return &workdir{t: t, dir: dir, tf: tf, env: append(env, extra...)}
}

func (w *workdir) command(args ...string) *exec.Cmd {
	cmd := exec.Command(w.tf, args...)
	cmd.Dir, cmd.Env = w.dir, w.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

func (w *workdir) run(args ...string) string {
	w.t.Helper()
	out, err := w.command(args...).CombinedOutput()
	if err != nil {
		w.t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// startApply starts an apply and returns once it holds the lock and is
// running its provisioner.
func (w *workdir) startApply() (*exec.Cmd, *bytes.Buffer) {
	w.t.Helper()
	_ = os.Remove(filepath.Join(w.dir, "started"))
	_ = os.Remove(filepath.Join(w.dir, "release"))
	cmd := w.command("apply", "-auto-approve", "-input=false", "-no-color")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if _, err := os.Stat(filepath.Join(w.dir, "started")); err == nil {
			return cmd, &out
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("apply did not reach its provisioner in 2m:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (w *workdir) release() {
	if err := os.WriteFile(filepath.Join(w.dir, "release"), nil, 0o644); err != nil {
		w.t.Fatal(err)
	}
}

type listed struct {
	Kind, LockID, Path, Workspace, ID, Operation, Who, Version, Created string
	Stale                                                               bool
}

// lockwarden runs the binary and returns its exit code and output.
func lockwarden(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runLockwarden(t, time.Minute, func(*exec.Cmd) {}, args...)
}

// runLockwarden runs the binary for at most limit, set up by setup (its
// directory, environment, input), and returns its exit code and output.
func runLockwarden(t *testing.T, limit time.Duration, setup func(*exec.Cmd), args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, lockwardenBin, args...)
	setup(cmd)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

func listJSON(t *testing.T, sb *sandbox.Sandbox, extra ...string) []listed {
	t.Helper()
	args := append([]string{"list", "-o", "json", "--table", sandbox.Table, "--region", sandbox.Region, "--endpoint-url", sb.DynamoURL}, extra...)
	code, out, errOut := lockwarden(t, args...)
	if code != 0 && code != 3 {
		t.Fatalf("lockwarden list: exit %d: %s", code, errOut)
	}
	var recs []struct {
		Kind      string `json:"kind"`
		LockID    string `json:"lock_id"`
		Path      string `json:"path"`
		Workspace string `json:"workspace"`
		ID        string `json:"id"`
		Operation string `json:"operation"`
		Who       string `json:"who"`
		Version   string `json:"version"`
		Created   string `json:"created"`
		Stale     bool   `json:"stale"`
	}
	if err := json.Unmarshal([]byte(out), &recs); err != nil {
		t.Fatalf("list output is not JSON: %v\n%s", err, out)
	}
	var res []listed
	for _, r := range recs {
		res = append(res, listed{r.Kind, r.LockID, r.Path, r.Workspace, r.ID, r.Operation, r.Who, r.Version, r.Created, r.Stale})
	}
	return res
}

func startSandbox(t *testing.T) *sandbox.Sandbox {
	t.Helper()
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Empty: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	return sb
}

func TestTerraformApplyLockIsListed(t *testing.T) {
	sb := startSandbox(t)
	w := newWorkdir(t, sb, "e2e/app/terraform.tfstate")

	apply, out := w.startApply()
	locks := listJSON(t, sb)
	if len(locks) != 1 {
		t.Fatalf("want the apply's lock, got %+v", locks)
	}
	l := locks[0]
	host, _ := os.Hostname()
	if l.Kind != "lock" || l.Path != "tfstate/e2e/app/terraform.tfstate" || l.Operation != "OperationTypeApply" ||
		l.Version != "1.5.7" || !strings.HasSuffix(l.Who, "@"+host) || l.Workspace != "default" || len(l.ID) != 36 || l.Stale {
		t.Errorf("listed lock does not match the running apply: %+v", l)
	}

	w.release()
	if err := apply.Wait(); err != nil {
		t.Fatalf("apply failed: %v\n%s", err, out)
	}
	if after := listJSON(t, sb); len(after) != 0 {
		t.Errorf("after the apply finished, locks are still listed: %+v", after)
	}
	all := listJSON(t, sb, "--all")
	if len(all) != 1 || all[0].Kind != "digest" || all[0].LockID != "tfstate/e2e/app/terraform.tfstate-md5" {
		t.Errorf("after the apply, --all should show its digest only: %+v", all)
	}
}

func TestTerraformKilledApplyLeavesAStaleLock(t *testing.T) {
	sb := startSandbox(t)
	w := newWorkdir(t, sb, "e2e/killed/terraform.tfstate")

	apply, _ := w.startApply()
	if err := syscall.Kill(-apply.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = apply.Wait()

	locks := listJSON(t, sb)
	if len(locks) != 1 || locks[0].Path != "tfstate/e2e/killed/terraform.tfstate" || locks[0].Stale {
		t.Fatalf("a killed apply must leave its lock, not yet stale at 1h: %+v", locks)
	}
	code, out, _ := lockwarden(t, "list", "--stale", "--exit-code", "--table", sandbox.Table, "--endpoint-url", sb.DynamoURL)
	if code != 0 || !strings.Contains(out, "No stale locks") {
		t.Errorf("with the default 1h nothing is stale yet: exit %d\n%s", code, out)
	}
	code, out, _ = lockwarden(t, "list", "--stale", "--exit-code", "--stale-after", "1ms", "--table", sandbox.Table, "--endpoint-url", sb.DynamoURL)
	if code != 3 || !strings.Contains(out, "! tfstate/e2e/killed/terraform.tfstate") || !strings.Contains(out, "apply") {
		t.Errorf("with --stale-after 1ms the killed apply's lock is stale: exit %d\n%s", code, out)
	}
}
