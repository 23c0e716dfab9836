package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lockwarden/lockwarden/internal/testenv"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sandbox"
)

// list shows S3 lock files beside the table's locks, as a user sees them
// with --bucket, in JSON and as a table.
// It runs on the sandbox's gofakes3 and on MinIO.
func TestListIncludesS3LockFiles(t *testing.T) {
	for _, server := range testenv.S3Servers {
		t.Run(string(server), func(t *testing.T) { testListIncludesS3LockFiles(t, server) })
	}
}

func testListIncludesS3LockFiles(t *testing.T, server testenv.S3Server) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	sb := testenv.On(t, server, emptySandbox(t, now))
	body, err := os.ReadFile(filepath.Join(testenv.ModuleRoot(t), "model", "testdata", "real-clients", "tflock-object-body.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sb.S3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: sdkaws.String(sandbox.Bucket),
		Key: sdkaws.String("env:/staging/network/terraform.tfstate.tflock"), Body: strings.NewReader(string(body))}); err != nil {
		t.Fatal(err)
	}
	li, _ := model.ParseLockInfo(string(body))
	if err := sandbox.Lock(context.Background(), sb.Dynamo, sandbox.Table, li); err != nil {
		t.Fatal(err)
	}
	other := sandbox.NewInfo("tfstate/s3only/terraform.tfstate", "OperationTypePlan", "bob@ws", "1.12.6", now.Add(-time.Minute))
	raw, _ := other.Marshal()
	if _, err := sb.S3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: sdkaws.String(sandbox.Bucket),
		Key: sdkaws.String("s3only/terraform.tfstate.tflock"), Body: strings.NewReader(raw)}); err != nil {
		t.Fatal(err)
	}
	args := []string{"list", "--table", sandbox.Table, "--endpoint-url", sb.DynamoURL, "--bucket", sandbox.Bucket, "--s3-endpoint-url", sb.S3URL}
	out, errOut, code := run(t, now, append(args, "-o", "json")...)
	if code != 0 {
		t.Fatalf("exit %d %s", code, errOut)
	}
	var recs []map[string]any
	if err := json.Unmarshal([]byte(out), &recs); err != nil || len(recs) != 2 {
		t.Fatalf("%v: %s", err, out)
	}
	both, s3only := recs[0], recs[1]
	if both["source"] != "dynamodb+s3" || both["object_key"] != "env:/staging/network/terraform.tfstate.tflock" || both["etag"] != `"cabb2f313aa7e43134dcc2893dbaf67a"` ||
		both["id"] != "1ae49c0f-dba0-1c3c-81fa-2756dd3e0470" || both["workspace"] != "staging" {
		t.Errorf("both places: %v", both)
	}
	if s3only["source"] != "s3" || s3only["bucket"] != "tfstate" || s3only["key"] != "s3only/terraform.tfstate" || s3only["who"] != "bob@ws" || s3only["etag"] == "" {
		t.Errorf("s3 only: %v", s3only)
	}
	out, _, _ = run(t, now, args...)
	if !strings.Contains(out, "SOURCE") || !strings.Contains(out, "both") || !strings.Contains(out, "s3    ") {
		t.Errorf("table:\n%s", out)
	}

	// A bucket that cannot be read does not stop the table being listed,
	// but it is named NOT READ, never counted as holding no locks, and the
	// exit code says the listing is partial — with --exit-code too, and
	// with nothing listed at all.
	partial := append(args[:len(args)-4:len(args)-4], "--bucket", "no-such-bucket", "--s3-endpoint-url", sb.S3URL)
	out, errOut, code = run(t, now, partial...)
	if code != ExitError || !strings.Contains(errOut, "warning: S3 lock files not read: bucket no-such-bucket does not exist") ||
		!strings.Contains(errOut, "partly read: bucket no-such-bucket not read") || !strings.Contains(out, "tfstate/env:/staging/network/terraform.tfstate") ||
		!strings.Contains(out, "NOT READ: bucket no-such-bucket — ") || !strings.Contains(out, "\nTable terraform-locks: 1 lock") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	_, errOut, code = run(t, now, append(partial, "-o", "json", "--exit-code")...)
	if code != ExitError || !strings.Contains(errOut, "partly read: bucket no-such-bucket not read") {
		t.Errorf("json --exit-code: exit %d\nstderr %s", code, errOut)
	}
	out, errOut, code = run(t, now, append(partial, "--stale", "--stale-after", "30d", "--exit-code")...)
	if code != ExitError || strings.Contains(out, "bucket no-such-bucket (") || !strings.Contains(out, "No stale locks in table terraform-locks (") ||
		!strings.Contains(out, "NOT READ: bucket no-such-bucket") {
		t.Errorf("nothing listed, --exit-code: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
}

// digest repair asks on a terminal, refuses without one, and writes only
// when confirmed; read-only refuses before any call.
func TestDigestRepairCLIGuards(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	now := time.Now()
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	const path = "tfstate/env:/staging/api/terraform.tfstate" // seeded mismatched
	base := []string{"digest", "repair", path, "--table", sandbox.Table, "--endpoint-url", sb.DynamoURL, "--s3-endpoint-url", sb.S3URL}
	stored := func() string {
		out, _, _ := run(t, now, "digest", "check", path, "-o", "json", "--table", sandbox.Table, "--endpoint-url", sb.DynamoURL, "--s3-endpoint-url", sb.S3URL)
		var recs []map[string]any
		if err := json.Unmarshal([]byte(out), &recs); err != nil || len(recs) != 1 {
			t.Fatalf("check: %v %s", err, out)
		}
		return recs[0]["stored"].(string) + " " + recs[0]["status"].(string)
	}
	before := stored()
	if !strings.HasSuffix(before, " mismatch") {
		t.Fatalf("seed: %s", before)
	}
	for _, c := range []struct {
		name     string
		answer   string
		terminal bool
		extra    []string
		want     string
	}{
		{"read-only", "", true, []string{"--readonly"}, "read-only"},
		{"no terminal", "", false, nil, "no terminal to confirm on"},
		{"bare enter", "\n", true, nil, "the confirmation did not match"},
	} {
		_, errOut, code := runAt(t, c.answer, c.terminal, append(base, c.extra...)...)
		if code != ExitRefused || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: exit %d %q", c.name, code, errOut)
		}
		if stored() != before {
			t.Fatalf("%s: the digest was written", c.name)
		}
	}
	out, errOut, code := runAt(t, "", false, append(base, "--yes")...)
	if code != 0 || !strings.Contains(out, "Check that the state object is the state you want") && !strings.Contains(out, "check that the state object is the state you want") {
		t.Fatalf("repair: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.HasSuffix(stored(), " ok") {
		t.Error("the repair did not take")
	}
}

// The CLI flags a lock file alone for a state with a digest item, as list
// and the UI do, and refuses it (exit 3, naming the disagreement) unless
// --allow-split.
func TestUnlockRefusesAFlaggedLockWithoutAllowSplit(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	sb := emptySandbox(t, now)
	li := sandbox.NewInfo("tfstate/app/terraform.tfstate", "OperationTypeApply", "alice@ci", "1.12.6", now.Add(-3*time.Hour))
	raw, _ := li.Marshal()
	if _, err := sb.S3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: sdkaws.String(sandbox.Bucket),
		Key: sdkaws.String("app/terraform.tfstate.tflock"), Body: strings.NewReader(raw)}); err != nil {
		t.Fatal(err)
	}
	testenv.PutItem(t, sb.Dynamo, sandbox.Table, map[string]types.AttributeValue{
		"LockID": &types.AttributeValueMemberS{Value: li.Path + model.DigestSuffix},
		"Digest": &types.AttributeValueMemberS{Value: "0123456789abcdef0123456789abcdef"},
	})
	base := []string{"--table", sandbox.Table, "--endpoint-url", sb.DynamoURL, "--bucket", sandbox.Bucket, "--s3-endpoint-url", sb.S3URL}
	out, _, _ := run(t, now, append([]string{"list"}, base...)...)
	if !strings.Contains(out, "≠") {
		t.Fatalf("list does not flag it:\n%s", out)
	}
	unlockArgs := append([]string{"unlock", li.Path, "--id", li.ID, "--yes"}, base...)
	_, errOut, code := run(t, now, unlockArgs...)
	if code != ExitRefused || !strings.Contains(errOut, "flagged ≠: held in the S3 lock file only") || !strings.Contains(errOut, "--allow-split") {
		t.Fatalf("exit %d %q", code, errOut)
	}
	if _, err := sb.S3.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: sdkaws.String(sandbox.Bucket), Key: sdkaws.String("app/terraform.tfstate.tflock")}); err != nil {
		t.Fatal("refused, yet the lock file is gone")
	}
	out, errOut, code = run(t, now, append(unlockArgs, "--allow-split")...)
	if code != 0 || !strings.Contains(out, "Released "+li.Path) {
		t.Fatalf("--allow-split: exit %d %s %s", code, out, errOut)
	}
}
