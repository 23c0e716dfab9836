package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/lockwarden/lockwarden/internal/testenv"
	"github.com/lockwarden/lockwarden/sandbox"
)

// terraformLockfile finds a Terraform that locks with S3 lock files
// (use_lockfile, Terraform >= 1.10): LOCKWARDEN_TERRAFORM_LOCKFILE, else
// `terraform` on PATH. Terraform >= 1.10 cannot be built with go install
// (its go.mod has replace directives), so `make test` cannot install it.
func terraformLockfile(t *testing.T) (bin, version string) {
	t.Helper()
	bin = os.Getenv("LOCKWARDEN_TERRAFORM_LOCKFILE")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("terraform"); err != nil {
			testenv.Unavailable(t, "no Terraform >= 1.10 for S3 lock files: none on PATH, and LOCKWARDEN_TERRAFORM_LOCKFILE is not set")
		}
	}
	cmd := exec.Command(bin, "version", "-json")
	cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1", "TF_CLI_CONFIG_FILE="+os.DevNull)
	out, err := cmd.Output()
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err != nil || json.Unmarshal(out, &v) != nil {
		testenv.Unavailable(t, "%s does not run as Terraform: %v", bin, err)
	}
	parts := strings.SplitN(v.Version, ".", 3)
	major, _ := strconv.Atoi(parts[0])
	minor := 0
	if len(parts) > 1 {
		minor, _ = strconv.Atoi(parts[1])
	}
	if major < 1 || major == 1 && minor < 10 {
		testenv.Unavailable(t, "%s is Terraform %s, and S3 lock files (use_lockfile) need >= 1.10: put one on PATH or set LOCKWARDEN_TERRAFORM_LOCKFILE", bin, v.Version)
	}
	return bin, v.Version
}

// s3Side is where a scenario's S3 lives and the keys that sign for it.
type s3Side struct {
	url, accessKey, secretKey string
	client                    *s3.Client
}

// lockfileSetup is one place to run a lock-file scenario: the sandbox's
// DynamoDB, and its gofakes3 or a MinIO.
type lockfileSetup struct {
	sb *sandbox.Sandbox
	s3 s3Side
}

// newLockfileSetup starts the sandbox (with a lock table unless
// filesOnly) and puts its S3 side on server.
func newLockfileSetup(t *testing.T, server testenv.S3Server, filesOnly bool) lockfileSetup {
	t.Helper()
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Empty: true, LockFilesOnly: filesOnly})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	side := s3Side{url: sb.S3URL, accessKey: "sandbox", secretKey: "sandbox", client: sb.S3}
	if server == testenv.MinIO {
		sb = testenv.On(t, server, sb)
		side = s3Side{url: sb.S3URL, accessKey: testenv.MinioUser, secretKey: testenv.MinioPassword, client: sb.S3}
	}
	return lockfileSetup{sb: sb, s3: side}
}

// backend is the S3 backend block with use_lockfile, and with the
// sandbox's lock table too when withTable.
func (s lockfileSetup) backend(key string, withTable bool) string {
	table, dynamo := "", ""
	if withTable {
		table = fmt.Sprintf("    dynamodb_table = %q\n", sandbox.Table)
		dynamo = fmt.Sprintf("      dynamodb = %q\n", s.sb.DynamoURL)
	}
	return fmt.Sprintf(`terraform {
  backend "s3" {
    bucket       = %q
    key          = %q
    region       = %q
    use_lockfile = true
%s    access_key   = %q
    secret_key   = %q
    endpoints = {
      s3 = %q
%s    }
    use_path_style              = true
    skip_credentials_validation = true
    skip_requesting_account_id  = true
    skip_metadata_api_check     = true
    skip_region_validation      = true
    skip_s3_checksum            = true
  }
}
`, sandbox.Bucket, key, sandbox.Region, table, s.s3.accessKey, s.s3.secretKey, s.s3.url, dynamo)
}

// flags are lockwarden's connection flags for the setup: the bucket and
// its endpoint, and the table only when withTable.
func (s lockfileSetup) flags(t *testing.T, withTable bool) []string {
	f := []string{"--region", sandbox.Region, "--bucket", sandbox.Bucket, "--s3-endpoint-url", s.s3.url,
		"--audit-file", filepath.Join(t.TempDir(), "audit.jsonl")}
	if withTable {
		f = append(f, "--table", sandbox.Table, "--endpoint-url", s.sb.DynamoURL)
	}
	return f
}

// lockFileExists asks the S3 server itself whether key's lock file is there.
func (s lockfileSetup) lockFileExists(t *testing.T, key string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := s.s3.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: sdkaws.String(sandbox.Bucket), Key: sdkaws.String(key + ".tflock")})
	return err == nil
}

// newLockfileWorkdir is a workdir (the file-signal hold of
// terraform_test.go) initialised with Terraform >= 1.10 and backend.
func newLockfileWorkdir(t *testing.T, tf, backend string) *workdir {
	t.Helper()
	dir := t.TempDir()
	main := backend + `
resource "terraform_data" "hold" {
  triggers_replace = timestamp()
  provisioner "local-exec" {
    command = "touch started; while [ ! -f release ]; do sleep 0.1; done"
  }
}
`
	w := writeWorkdir(t, dir, tf, main)
	mustRun(t, w, "init", "-input=false", "-no-color")
	return w
}

// terraformTimeout bounds one Terraform command; with no providers to
// download each takes about a second here.
const terraformTimeout = 2 * time.Minute

// runBounded runs one Terraform command, killing its process group if it
// outlives terraformTimeout.
func runBounded(t *testing.T, w *workdir, args ...string) (string, error) {
	t.Helper()
	cmd := w.command(args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(terraformTimeout, func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	err := cmd.Wait()
	if !timer.Stop() {
		return out.String(), fmt.Errorf("killed after %s", terraformTimeout)
	}
	return out.String(), err
}

// mustRun runs a Terraform command that must succeed.
func mustRun(t *testing.T, w *workdir, args ...string) string {
	t.Helper()
	out, err := runBounded(t, w, args...)
	if err != nil {
		t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// killApply ends a running apply as a crash would (SIGKILL to its group).
func killApply(t *testing.T, apply *exec.Cmd) {
	t.Helper()
	if err := syscall.Kill(-apply.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = apply.Wait()
}

// planBlocked runs plan and requires it to fail on the state lock.
func planBlocked(t *testing.T, w *workdir, id string) {
	t.Helper()
	out, err := runBounded(t, w, "plan", "-input=false", "-no-color", "-lock-timeout=0s")
	if err == nil || !strings.Contains(out, "Error acquiring the state lock") || !strings.Contains(out, id) {
		t.Fatalf("plan should fail on lock %s: %v\n%s", id, err, out)
	}
}

// fileLock is one row of `lockwarden list -o json`, with where it lives.
type fileLock struct {
	Source    string `json:"source"`
	Kind      string `json:"kind"`
	LockID    string `json:"lock_id"`
	ObjectKey string `json:"object_key"`
	ID        string `json:"id"`
	Operation string `json:"operation"`
	Who       string `json:"who"`
	Version   string `json:"version"`
	Stale     bool   `json:"stale"`
}

func listLocks(t *testing.T, flags []string, extra ...string) []fileLock {
	t.Helper()
	code, out, errOut := lockwarden(t, append(append([]string{"list", "-o", "json"}, flags...), extra...)...)
	if code != 0 && code != 3 {
		t.Fatalf("lockwarden list: exit %d: %s", code, errOut)
	}
	var locks []fileLock
	if err := json.Unmarshal([]byte(out), &locks); err != nil {
		t.Fatalf("list output is not JSON: %v\n%s", err, out)
	}
	return locks
}

// checkHeldBy requires the one lock listed to be the running apply's.
func checkHeldBy(t *testing.T, locks []fileLock, source, lockID, version string) fileLock {
	t.Helper()
	host, _ := os.Hostname()
	if len(locks) != 1 {
		t.Fatalf("want the apply's lock as one row, got %+v", locks)
	}
	l := locks[0]
	if l.Source != source || l.Kind != "lock" || l.LockID != lockID || l.Operation != "OperationTypeApply" ||
		l.Version != version || !strings.HasSuffix(l.Who, "@"+host) || len(l.ID) != 36 {
		t.Fatalf("the listed lock is not the running apply's (want source %s, %s, version %s): %+v", source, lockID, version, l)
	}
	t.Logf("listed: %+v", l)
	return l
}

// Both places (use_lockfile and dynamodb_table, a team mid-migration): a
// running apply's lock is one row, dynamodb+s3; after the apply is killed
// one release frees both, and plan runs again.
func TestTerraformBothPlacesOneRowOneRelease(t *testing.T) {
	for _, server := range testenv.S3Servers {
		t.Run(string(server), func(t *testing.T) { testBothPlaces(t, server) })
	}
}

func testBothPlaces(t *testing.T, server testenv.S3Server) {
	tf, version := terraformLockfile(t)
	s := newLockfileSetup(t, server, false)
	const key = "e2e/both/terraform.tfstate"
	w := newLockfileWorkdir(t, tf, s.backend(key, true))
	flags := s.flags(t, true)

	apply, _ := w.startApply()
	l := checkHeldBy(t, listLocks(t, flags), "dynamodb+s3", "tfstate/"+key, version)
	if l.ObjectKey != key+".tflock" || !s.lockFileExists(t, key) {
		t.Fatalf("the lock file is not where Terraform put it: %+v", l)
	}
	killApply(t, apply)
	planBlocked(t, w, l.ID)

	code, out, errOut := lockwarden(t, append([]string{"unlock", l.ID, "--allow-fresh", "--yes"}, flags...)...)
	if code != 0 || !strings.Contains(out, "Released tfstate/"+key) {
		t.Fatalf("unlock: exit %d\n%s\n%s", code, out, errOut)
	}
	if left := listLocks(t, flags); len(left) != 0 {
		t.Fatalf("after one release, still listed: %+v", left)
	}
	if s.lockFileExists(t, key) {
		t.Fatal("the lock file is still in the bucket")
	}
	mustRun(t, w, "plan", "-input=false", "-no-color", "-lock-timeout=0s")
}

// use_lockfile alone, and no table in lockwarden either: the running
// apply's lock file is listed; killed, it goes stale; released, plan runs;
// restored, it blocks plan again; Terraform's own force-unlock removes the
// restored file — the restore put back exactly what Terraform wrote.
func TestTerraformLockFileOnlyReleaseRestoreForceUnlock(t *testing.T) {
	for _, server := range testenv.S3Servers {
		t.Run(string(server), func(t *testing.T) { testLockFileOnly(t, newLockfileSetup(t, server, true)) })
	}
}

// State buckets are usually versioned. There a release leaves a delete
// marker over the lock file's old version: lockwarden lists neither as a
// lock, restore and Terraform's force-unlock work the same, and the
// released lock file's bytes stay in the bucket's history.
func TestTerraformLockFileInAVersionedBucket(t *testing.T) {
	s := newLockfileSetup(t, testenv.MinIO, true)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := s.s3.client.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: sdkaws.String(sandbox.Bucket),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatalf("enable versioning on MinIO: %v", err)
	}
	id := testLockFileOnly(t, s)

	versions, err := s.s3.client.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: sdkaws.String(sandbox.Bucket), Prefix: sdkaws.String(lockFileOnlyKey + ".tflock")})
	if err != nil {
		t.Fatal(err)
	}
	latestIsMarker, keptApplys := false, false
	for _, m := range versions.DeleteMarkers {
		latestIsMarker = latestIsMarker || sdkaws.ToBool(m.IsLatest)
	}
	for _, v := range versions.Versions {
		obj, err := s.s3.client.GetObject(ctx, &s3.GetObjectInput{Bucket: sdkaws.String(sandbox.Bucket), Key: v.Key, VersionId: v.VersionId})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(obj.Body)
		obj.Body.Close()
		keptApplys = keptApplys || strings.Contains(string(body), id)
	}
	t.Logf("%s.tflock: %d versions, %d delete markers", lockFileOnlyKey, len(versions.Versions), len(versions.DeleteMarkers))
	if !latestIsMarker || !keptApplys || len(versions.DeleteMarkers) < 2 {
		t.Errorf("want delete markers over the lock file's versions, the apply's kept: %d versions, %d delete markers, latest a marker %v, apply's kept %v",
			len(versions.Versions), len(versions.DeleteMarkers), latestIsMarker, keptApplys)
	}
}

// lockFileOnlyKey is the state the use_lockfile-alone scenario locks.
const lockFileOnlyKey = "e2e/files/terraform.tfstate"

// testLockFileOnly runs the use_lockfile-alone scenario on s and returns
// the killed apply's lock ID.
func testLockFileOnly(t *testing.T, s lockfileSetup) string {
	tf, version := terraformLockfile(t)
	const key = lockFileOnlyKey
	w := newLockfileWorkdir(t, tf, s.backend(key, false))
	flags := s.flags(t, false)

	apply, _ := w.startApply()
	l := checkHeldBy(t, listLocks(t, flags), "s3", "tfstate/"+key, version)
	if l.Stale {
		t.Fatalf("a running apply's lock is not stale at 1h: %+v", l)
	}
	killApply(t, apply)

	code, out, _ := lockwarden(t, append([]string{"list", "--stale", "--exit-code", "--stale-after", "1ms"}, flags...)...)
	if code != 3 || !strings.Contains(out, "! tfstate/"+key) {
		t.Fatalf("with --stale-after 1ms the killed apply's lock file is stale: exit %d\n%s", code, out)
	}
	planBlocked(t, w, l.ID)

	// Stale, so no --allow-fresh.
	code, out, errOut := lockwarden(t, append([]string{"unlock", l.ID, "--yes", "--stale-after", "1ms"}, flags...)...)
	if code != 0 || !strings.Contains(out, "Released tfstate/"+key) {
		t.Fatalf("unlock: exit %d\n%s\n%s", code, out, errOut)
	}
	record := regexp.MustCompile(`Audit record (r-[0-9a-f-]+)\.`).FindStringSubmatch(out)
	if record == nil {
		t.Fatalf("no audit record in\n%s", out)
	}
	if s.lockFileExists(t, key) {
		t.Fatal("the lock file is still in the bucket")
	}
	if left := listLocks(t, flags); len(left) != 0 {
		t.Fatalf("after the release, still listed: %+v", left)
	}
	mustRun(t, w, "plan", "-input=false", "-no-color", "-lock-timeout=0s")

	code, out, errOut = lockwarden(t, append([]string{"restore", record[1]}, flags...)...)
	if code != 0 || !strings.Contains(out, "Restored tfstate/"+key) {
		t.Fatalf("restore: exit %d\n%s\n%s", code, out, errOut)
	}
	if back := checkHeldBy(t, listLocks(t, flags), "s3", "tfstate/"+key, version); back.ID != l.ID {
		t.Fatalf("restored lock %s, released %s", back.ID, l.ID)
	}
	planBlocked(t, w, l.ID)

	t.Logf("terraform force-unlock: %s", strings.TrimSpace(mustRun(t, w, "force-unlock", "-force", "-no-color", l.ID)))
	if s.lockFileExists(t, key) {
		t.Fatal("terraform force-unlock left the restored lock file")
	}
	if left := listLocks(t, flags); len(left) != 0 {
		t.Fatalf("after force-unlock, still listed: %+v", left)
	}
	mustRun(t, w, "plan", "-input=false", "-no-color", "-lock-timeout=0s")
	return l.ID
}
