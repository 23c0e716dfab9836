package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lockwarden/lockwarden/audit"
	"github.com/lockwarden/lockwarden/internal/testenv"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sandbox"
)

// A team that locks with S3 lock files alone has no lock table: --bucket
// without --table lists, releases by lock ID and by state, restores and
// audits, with every guard of the table path.
// It runs on the sandbox's gofakes3 and on MinIO.
func TestLockFilesOnlyNoTable(t *testing.T) {
	for _, server := range testenv.S3Servers {
		t.Run(string(server), func(t *testing.T) { testLockFilesOnlyNoTable(t, server) })
	}
}

func testLockFilesOnlyNoTable(t *testing.T, server testenv.S3Server) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	sb := testenv.On(t, server, emptySandbox(t, now))
	ctx := context.Background()
	lock := func(key string) model.LockInfo {
		li := sandbox.NewInfo(sandbox.Bucket+"/"+key, "OperationTypeApply", "alice@ci", "1.11.4", now.Add(-3*time.Hour))
		if err := sandbox.LockFile(ctx, sb.S3, li); err != nil {
			t.Fatal(err)
		}
		return li
	}
	payments, dns := lock("payments/terraform.tfstate"), lock("dns/terraform.tfstate")
	// No --table, no --endpoint-url: nothing may reach DynamoDB.
	base := []string{"--region", sandbox.Region, "--bucket", sandbox.Bucket, "--s3-endpoint-url", sb.S3URL}
	with := func(cmd ...string) []string { return append(cmd, base...) }

	out, errOut, code := run(t, now, with("list")...)
	if code != 0 || !strings.Contains(out, "tfstate/payments/terraform.tfstate") || !strings.Contains(out, "tfstate/dns/terraform.tfstate") ||
		!strings.Contains(out, "Bucket tfstate: 2 locks (2 stale") || strings.Contains(out, "digest") || strings.Contains(out, "table") {
		t.Fatalf("list: exit %d\n%s%s", code, out, errOut)
	}
	out, _, code = run(t, now, with("list", "-o", "json")...)
	var recs []map[string]any
	if err := json.Unmarshal([]byte(out), &recs); code != 0 || err != nil || len(recs) != 2 || recs[0]["source"] != "s3" || recs[0]["table"] != "" {
		t.Fatalf("list -o json: exit %d %v\n%s", code, err, out)
	}

	// By lock ID, as Terraform's error gives it.
	out, errOut, code = run(t, now, with("unlock", payments.ID, "--yes")...)
	if code != 0 || !strings.Contains(out, "Released tfstate/payments/terraform.tfstate") || strings.Contains(out, "--table") {
		t.Fatalf("unlock by lock ID: exit %d\n%s%s", code, out, errOut)
	}
	// The undo command repeats the bucket, not a table.
	if !strings.Contains(out, "--bucket tfstate --s3-endpoint-url "+sb.S3URL) {
		t.Errorf("undo command lacks the bucket:\n%s", out)
	}
	recordID := regexp.MustCompile(`Audit record (r-[0-9a-f-]+)\.`).FindStringSubmatch(out)
	if recordID == nil {
		t.Fatalf("no record ID in\n%s", out)
	}
	if exists(t, sb, "payments/terraform.tfstate.tflock") {
		t.Fatal("the lock file is still there after the release")
	}
	// By state, with --id; a wrong holder ID is refused and nothing goes.
	_, errOut, code = run(t, now, with("unlock", "dns/terraform.tfstate", "--id", payments.ID, "--yes")...)
	if code != ExitRefused || !exists(t, sb, "dns/terraform.tfstate.tflock") {
		t.Fatalf("wrong --id: exit %d %s", code, errOut)
	}
	out, errOut, code = run(t, now, with("unlock", "dns/terraform.tfstate", "--id", dns.ID, "--yes")...)
	if code != 0 || !strings.Contains(out, "Released tfstate/dns/terraform.tfstate") || exists(t, sb, "dns/terraform.tfstate.tflock") {
		t.Fatalf("unlock by state: exit %d\n%s%s", code, out, errOut)
	}

	// The audit record names no table; restore puts the file back byte
	// for byte, only where there is no table either.
	recs2 := readAudit(t)
	for _, r := range recs2 {
		if r.Table != "" || (r.Phase == audit.PhaseOutcome && r.File == nil) {
			t.Errorf("record %s: table %q, file %v", r.RecordID, r.Table, r.File)
		}
	}
	_, errOut, code = run(t, now, "restore", recordID[1], "--table", "terraform-locks", "--endpoint-url", sb.DynamoURL, "--region", sandbox.Region,
		"--bucket", sandbox.Bucket, "--s3-endpoint-url", sb.S3URL)
	if code != ExitRefused || !strings.Contains(errOut, "table (none), not terraform-locks") || exists(t, sb, "payments/terraform.tfstate.tflock") {
		t.Errorf("restore into a table context: exit %d %s", code, errOut)
	}
	out, errOut, code = run(t, now, with("restore", recordID[1])...)
	if code != 0 || !strings.Contains(out, "Restored tfstate/payments/terraform.tfstate") {
		t.Fatalf("restore: exit %d\n%s%s", code, out, errOut)
	}
	want, _ := payments.Marshal()
	if got := body(t, sb, "payments/terraform.tfstate.tflock"); got != want {
		t.Errorf("restored body %q, want %q", got, want)
	}
	// A restore over a held lock is refused.
	_, errOut, code = run(t, now, with("restore", recordID[1])...)
	if code != ExitRefused || !strings.Contains(errOut, "already back") {
		t.Errorf("second restore: exit %d %s", code, errOut)
	}

	out, errOut, code = run(t, now, with("audit", "--since", "1d")...)
	if code != 0 || strings.Count(out, "bucket tfstate") != 4 || strings.Contains(out, "table ") {
		t.Errorf("audit: exit %d\n%s%s", code, out, errOut)
	}
}

// Digests live in a lock table: digest check and repair say so in one
// line (exit 2) when only buckets are watched.
func TestDigestRefusesWithoutTable(t *testing.T) {
	for _, args := range [][]string{{"digest", "check"}, {"digest", "repair", "tfstate/app/terraform.tfstate", "--yes"}} {
		_, errOut, code := run(t, time.Now(), append(args, "--bucket", "tfstate", "--region", "us-east-1")...)
		if code != ExitUsage || !strings.Contains(errOut, "digests live in a DynamoDB lock table, and none is configured (only bucket tfstate)") ||
			strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%v: exit %d %q", args, code, errOut)
		}
	}
}

// With neither a table nor a bucket the error names both ways out.
func TestNeitherTableNorBucket(t *testing.T) {
	for _, args := range [][]string{{"list"}, {"unlock", "4536794d-0000-0000-0000-000000000000"}, {"restore", "r-1"}, {"digest", "check"}} {
		_, errOut, code := run(t, time.Now(), args...)
		if code != ExitUsage || !strings.Contains(errOut, "--table NAME") || !strings.Contains(errOut, "--bucket NAME[/PREFIX]") {
			t.Errorf("%v: exit %d %q", args, code, errOut)
		}
	}
}

func exists(t *testing.T, sb *sandbox.Sandbox, key string) bool {
	t.Helper()
	_, err := sb.S3.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: sdkaws.String(sandbox.Bucket), Key: sdkaws.String(key)})
	return err == nil
}

func body(t *testing.T, sb *sandbox.Sandbox, key string) string {
	t.Helper()
	obj, err := sb.S3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: sdkaws.String(sandbox.Bucket), Key: sdkaws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := obj.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String()
}

func readAudit(t *testing.T) []audit.Record {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(os.Getenv("XDG_STATE_HOME"), "lockwarden", "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var out []audit.Record
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var r audit.Record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// The demo's lock-files-only setup names no table, and the command line
// the sandbox prints for it lists the team's lock files.
func TestDemoLockFilesOnly(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env := &Env{Now: time.Now}
	sb, s, err := startDemoSandboxWith(ctx, env, t.Logf, true)
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	if s.Table != "" || s.Endpoint != "" || len(s.Buckets) != 1 {
		t.Errorf("settings: table %q, endpoint %q, buckets %v", s.Table, s.Endpoint, s.Buckets)
	}
	args := strings.Fields(sb.InspectCommand("list"))[1:]
	out, errOut, code := run(t, time.Now(), args...)
	if code != 0 || !strings.Contains(out, "tfstate/env:/prod/network/terraform.tfstate") || !strings.Contains(out, "Bucket tfstate: ") {
		t.Errorf("%v: exit %d\n%s%s", args, code, out, errOut)
	}
}
