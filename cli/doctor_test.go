package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dyntypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/lockwarden/lockwarden/internal/faultproxy"
	"github.com/lockwarden/lockwarden/internal/testenv"
	"github.com/lockwarden/lockwarden/sandbox"
)

// doctor on a versioned MinIO bucket counts the versions and delete
// markers that lock/unlock cycles leave — and no state version — and
// proposes the rule; it writes nothing; warnings exit 1, and a table that
// is not a lock table exits 3.
func TestDoctorOnAVersionedBucket(t *testing.T) {
	sb := testenv.On(t, testenv.MinIO, emptySandbox(t, fixtureNow))
	useConfig(t, "")
	put, del := versionedBucket(t, sb)
	for i := range 5 { // five applies: lock, state write, unlock
		put("app/terraform.tfstate.tflock", `{"ID":"x"}`)
		put("app/terraform.tfstate", fmt.Sprintf(`{"serial":%d}`, i))
		del("app/terraform.tfstate.tflock")
	}
	rec := testenv.NewRecorder(t, sb.S3URL)
	flags := []string{"--table", sandbox.Table, "--endpoint-url", sb.DynamoURL, "--bucket", sandbox.Bucket, "--s3-endpoint-url", rec.URL}
	out, errOut, code := runAt(t, "", false, append([]string{"doctor"}, flags...)...)
	if code != ExitError || !strings.Contains(out, "⚠ lock file versions: 5 old .tflock versions and 5 .tflock delete markers") ||
		!strings.Contains(out, "put-bucket-lifecycle-configuration --bucket tfstate") || !strings.Contains(out, "✓ versioning: bucket tfstate keeps every state version") {
		t.Errorf("doctor: exit %d %s\n%s", code, errOut, out)
	}
	if w := rec.Writes(); len(w) != 0 {
		t.Errorf("doctor wrote: %v", w)
	}
	proposedRuleIsValid(t, sb, out)
	out, _, _ = runAt(t, "", false, append([]string{"doctor", "-o", "json"}, flags...)...)
	var js []struct{ Check, Status, Why, Fix string }
	if err := json.Unmarshal([]byte(out), &js); err != nil || len(js) < 6 {
		t.Fatalf("json: %v %s", err, out)
	}
	for _, f := range js {
		if f.Status != "ok" && f.Status != "warn" {
			t.Errorf("%s: %s %s", f.Check, f.Status, f.Why)
		}
	}
}

// A missing table, or a bucket that does not exist, cannot be safe: 3.
func TestDoctorUnsafe(t *testing.T) {
	sb := emptySandbox(t, fixtureNow)
	useConfig(t, "")
	out, errOut, code := runAt(t, "", false, "doctor", "--table", "no-such-table", "--endpoint-url", sb.DynamoURL, "--bucket", "no-such-bucket", "--s3-endpoint-url", sb.S3URL)
	if code != ExitRefused || !strings.Contains(out, "✗ table:") || !strings.Contains(errOut, "unsafe: table:") {
		t.Errorf("missing: exit %d %s\n%s", code, errOut, out)
	}
	out, _, code = runAt(t, "", false, "doctor", "--bucket", "no-such-bucket", "--s3-endpoint-url", sb.S3URL, "--region", "us-east-1")
	if code != ExitRefused || !strings.Contains(out, "✗ bucket no-such-bucket: bucket no-such-bucket does not exist") {
		t.Errorf("no bucket: exit %d\n%s", code, out)
	}
}

// Permissions come from calls that change nothing: with DeleteItem denied
// (AccessDeniedException injected by the fault proxy), doctor says this
// identity may not release or reap, may read and restore — and the
// table's items are the same before and after.
func TestDoctorProbesPermissionsWithoutWriting(t *testing.T) {
	sb := emptySandbox(t, fixtureNow)
	useConfig(t, "")
	li := sandbox.NewInfo("tfstate/app/terraform.tfstate", "OperationTypeApply", "ci@runner-7", "1.5.7", fixtureNow.Add(-time.Hour))
	if err := sandbox.Lock(context.Background(), sb.Dynamo, sandbox.Table, li); err != nil {
		t.Fatal(err)
	}
	before := scanAll(t, sb)
	proxy := faultproxy.New(t, sb.DynamoURL)
	if err := proxy.Set(faultproxy.Deny, "DeleteItem"); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runAt(t, "", false, "doctor", "--table", sandbox.Table, "--endpoint-url", proxy.URL)
	if code == ExitRefused || !strings.Contains(out, "✓ permissions: may read, restore, repair, exporter; may not release (dynamodb:DeleteItem denied), reap (dynamodb:DeleteItem denied)") {
		t.Errorf("doctor: exit %d %s\n%s", code, errOut, out)
	}
	if after := scanAll(t, sb); after != before {
		t.Errorf("the table changed:\n%s\n%s", before, after)
	}
}

// scanAll is the sandbox table's items, as text.
func scanAll(t *testing.T, sb *sandbox.Sandbox) string {
	t.Helper()
	out, err := sb.Dynamo.Scan(context.Background(), &dynamodb.ScanInput{TableName: sdkaws.String(sandbox.Table)})
	if err != nil {
		t.Fatal(err)
	}
	var items []string
	for _, it := range out.Items {
		items = append(items, fmt.Sprint(it["LockID"], it["Info"]))
	}
	slices.Sort(items)
	return strings.Join(items, "\n")
}

// --probe-writes finds what each store does with the conditions, as the
// servers really behave — all three honour If-None-Match; gofakes3 and
// MinIO ignore If-Match on DeleteObject, versitygw honours it; the
// emulated DynamoDB refuses a changed item — and leaves nothing behind,
// on a versioned bucket too.
func TestDoctorProbeWrites(t *testing.T) {
	for _, server := range testenv.S3Servers {
		t.Run(string(server), func(t *testing.T) {
			sb := testenv.On(t, server, emptySandbox(t, fixtureNow))
			useConfig(t, "")
			ctx := context.Background()
			if server == testenv.MinIO {
				versionedBucket(t, sb)
			}
			before := scanAll(t, sb)
			out, _, code := runAt(t, "", false, "doctor", "--probe-writes", "--table", sandbox.Table, "--endpoint-url", sb.DynamoURL, "--bucket", sandbox.Bucket, "--s3-endpoint-url", sb.S3URL)
			ifMatch, exit := "✗ If-Match: bucket tfstate deleted an object despite a wrong If-Match", ExitRefused
			if server == testenv.Versity {
				ifMatch, exit = "✓ If-Match: bucket tfstate refuses a DeleteObject with a wrong If-Match", ExitError // warnings only
			}
			for _, want := range []string{"✓ conditional delete: table terraform-locks refuses", "✓ If-None-Match: bucket tfstate refuses a second PutObject", ifMatch} {
				if code != exit || !strings.Contains(out, want) {
					t.Errorf("exit %d, lacks %q:\n%s", code, want, out)
				}
			}
			if strings.Contains(out, "probe cleanup") {
				t.Errorf("a probe was left:\n%s", out)
			}
			versions, err := sb.S3.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: sdkaws.String(sandbox.Bucket), Prefix: sdkaws.String(".lockwarden-doctor")})
			if err == nil && len(versions.Versions)+len(versions.DeleteMarkers) != 0 {
				t.Errorf("left in the bucket: %d versions, %d delete markers", len(versions.Versions), len(versions.DeleteMarkers))
			}
			objs, err := sb.S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: sdkaws.String(sandbox.Bucket)})
			if err != nil || len(objs.Contents) != 0 {
				t.Errorf("left in the bucket: %v %d objects", err, len(objs.Contents))
			}
			if after := scanAll(t, sb); after != before {
				t.Errorf("left in the table:\n%s", after)
			}
			// What doctor found is said when a lock file there is released.
			li := sandbox.NewInfo("tfstate/app/terraform.tfstate", "OperationTypeApply", "ci@runner-7", "1.11.4", fixtureNow.Add(-3*time.Hour))
			if err := sandbox.LockFile(ctx, sb.S3, li); err != nil {
				t.Fatal(err)
			}
			out, _, code = runAt(t, "", false, "unlock", li.Path, "--id", li.ID, "--yes", "--bucket", sandbox.Bucket, "--s3-endpoint-url", sb.S3URL, "--region", sandbox.Region)
			noted := strings.Contains(out, "NOTE: doctor found on 2026-") && strings.Contains(out, "that bucket tfstate ignores If-Match on DeleteObject")
			if code != 0 || noted != (server != testenv.Versity) {
				t.Errorf("unlock: exit %d, noted %v:\n%s", code, noted, out)
			}
		})
	}
}

// A MinIO identity with a read-only policy (as AWS's AmazonS3ReadOnlyAccess:
// s3:Get*, s3:List*): doctor says it may read and may not release, from
// probes MinIO took no write of — and the root identity, probed the same
// way, may release, so the probe tells the two apart.
func TestDoctorReadOnlyUserOnMinio(t *testing.T) {
	useConfig(t, "")
	m := testenv.StartMinio(t)
	m.CreateBucket(t, sandbox.Bucket)
	ctx := context.Background()
	li := sandbox.NewInfo("tfstate/app/terraform.tfstate", "OperationTypeApply", "ci@runner-7", "1.11.4", fixtureNow.Add(-time.Hour))
	if _, err := m.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: sdkaws.String(sandbox.Bucket), Key: sdkaws.String("app/terraform.tfstate"),
		Body: strings.NewReader(string(sandbox.State(1, "lin", "1.11.4")))}); err != nil {
		t.Fatal(err)
	}
	if err := sandbox.LockFile(ctx, m.Client, li); err != nil {
		t.Fatal(err)
	}
	doctorAs := func(creds sdkaws.Credentials) (string, *testenv.Recorder) {
		t.Setenv("AWS_ACCESS_KEY_ID", creds.AccessKeyID)
		t.Setenv("AWS_SECRET_ACCESS_KEY", creds.SecretAccessKey)
		t.Setenv("AWS_SESSION_TOKEN", creds.SessionToken)
		rec := testenv.NewRecorder(t, m.URL)
		out, errOut, code := runAt(t, "", false, "doctor", "--bucket", sandbox.Bucket, "--s3-endpoint-url", rec.URL, "--region", "us-east-1")
		if code == ExitRefused {
			t.Errorf("doctor: exit %d %s\n%s", code, errOut, out)
		}
		return out, rec
	}
	readOnly := m.AssumeRole(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":["arn:aws:s3:::*"]}]}`)
	out, rec := doctorAs(readOnly)
	if !strings.Contains(out, "✓ permissions: may read, repair, exporter; may not release (s3:DeleteObject denied), reap (s3:DeleteObject denied)") {
		t.Errorf("read-only:\n%s", out)
	}
	if len(rec.Writes()) == 0 {
		t.Errorf("no write was probed: %v", rec.Writes())
	}
	if w := rec.SucceededWrites(); len(w) > 0 {
		t.Errorf("MinIO took writes of the read-only identity's probes: %v", w)
	}
	out, _ = doctorAs(sdkaws.Credentials{AccessKeyID: testenv.MinioUser, SecretAccessKey: testenv.MinioPassword})
	if !strings.Contains(out, "✓ permissions: may read, release, repair, reap, exporter;") {
		t.Errorf("root:\n%s", out)
	}
	list, err := m.Client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: sdkaws.String(sandbox.Bucket)})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range list.Contents {
		keys = append(keys, sdkaws.ToString(o.Key))
	}
	if want := []string{"app/terraform.tfstate", "app/terraform.tfstate.tflock"}; !slices.Equal(keys, want) {
		t.Errorf("the bucket holds %q, want %q", keys, want)
	}
}

// doctor on dynalite, a DynamoDB that reports its status and capacity: a
// provisioned table is judged ACTIVE, its read budget is read from what a
// scan of it consumed, and its conditional delete refuses a changed item.
func TestDoctorOnDynalite(t *testing.T) {
	useConfig(t, "")
	endpoint := testenv.Dynalite(t)
	c := testenv.DynamoClient(endpoint)
	ctx := context.Background()
	if _, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: sdkaws.String("locks"),
		AttributeDefinitions:  []dyntypes.AttributeDefinition{{AttributeName: sdkaws.String("LockID"), AttributeType: dyntypes.ScalarAttributeTypeS}},
		KeySchema:             []dyntypes.KeySchemaElement{{AttributeName: sdkaws.String("LockID"), KeyType: dyntypes.KeyTypeHash}},
		ProvisionedThroughput: &dyntypes.ProvisionedThroughput{ReadCapacityUnits: sdkaws.Int64(5), WriteCapacityUnits: sdkaws.Int64(5)}}); err != nil {
		t.Fatal(err)
	}
	// 400 locks of about 1 KB: a scan reads some 50 RCU of the 5 a second.
	for i := range 400 {
		li := sandbox.NewInfo(fmt.Sprintf("tfstate/app%03d/terraform.tfstate", i), "OperationTypeApply", "ci@runner-7", "1.5.7", fixtureNow.Add(-time.Hour))
		li.Info = strings.Repeat("x", 900)
		if err := sandbox.Lock(ctx, c, "locks", li); err != nil {
			t.Fatal(err)
		}
	}
	rec := testenv.NewRecorder(t, endpoint)
	out, errOut, code := runAt(t, "", false, "doctor", "--table", "locks", "--endpoint-url", rec.URL)
	for _, want := range []string{"✓ table: table locks is ACTIVE, keyed by LockID (S)", "✓ read budget: provisioned, 5 RCU; a scan read ",
		"⚠ deletion protection: off", "✓ permissions: may read, release, restore, repair, reap, exporter"} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q: exit %d %s\n%s", want, code, errOut, out)
		}
	}
	// The budget: a quarter of 5 RCU a second, so a scan of R RCU every
	// R/1.25 seconds.
	m := regexp.MustCompile(`a scan read ([0-9.]+) RCU, so the UI polls every ([0-9]+)s`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no pace:\n%s", out)
	}
	rcu, _ := strconv.ParseFloat(m[1], 64)
	every, _ := strconv.Atoi(m[2])
	if rcu < 40 || math.Abs(float64(every)-rcu/1.25) > 1 {
		t.Errorf("a scan of %.1f RCU polled every %ds, want %.0fs", rcu, every, rcu/1.25)
	}
	if w := rec.SucceededWrites(); len(w) != 0 {
		t.Errorf("dynalite took writes of doctor's probes: %v", w)
	}
	out, _, _ = runAt(t, "", false, "doctor", "--probe-writes", "--table", "locks", "--endpoint-url", endpoint)
	if !strings.Contains(out, "✓ conditional delete: table locks refuses to delete an item that changed") || strings.Contains(out, "probe cleanup") {
		t.Errorf("--probe-writes:\n%s", out)
	}
}

// doctor checks the team's audit log too: one whose bucket is missing
// refuses every write (✗); one that exists is read, and said not to keep
// its records from being replaced when the bucket has no Object Lock.
func TestDoctorChecksTheAuditLog(t *testing.T) {
	sb := emptySandbox(t, fixtureNow)
	useConfig(t, "")
	flags := []string{"doctor", "--bucket", sandbox.Bucket, "--s3-endpoint-url", sb.S3URL, "--region", sandbox.Region}
	out, _, code := runAt(t, "", false, append(flags, "--audit", "s3://team-audit/lockwarden")...)
	if code != ExitRefused || !strings.Contains(out, "✗ audit log: s3://team-audit/lockwarden: bucket team-audit does not exist") {
		t.Errorf("missing: exit %d\n%s", code, out)
	}
	if _, err := sb.S3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: sdkaws.String("team-audit")}); err != nil {
		t.Fatal(err)
	}
	out, _, code = runAt(t, "", false, append(flags, "--audit", "s3://team-audit/lockwarden")...)
	if code != ExitError || !strings.Contains(out, "⚠ audit log: s3://team-audit/lockwarden: bucket team-audit has no Object Lock") {
		t.Errorf("unprotected: exit %d\n%s", code, out)
	}
}

// Lock files tagged as OpenTofu's lock_tags tags them: doctor proposes a
// lifecycle rule that selects them by their tags, and MinIO takes the rule
// as proposed (it is a valid lifecycle configuration, not prose).
func TestDoctorProposesATagRuleForLockTags(t *testing.T) {
	sb := testenv.On(t, testenv.MinIO, emptySandbox(t, fixtureNow))
	useConfig(t, "")
	put, del := versionedBucket(t, sb)
	ctx := context.Background()
	for i := range 3 {
		if _, err := sb.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: sdkaws.String(sandbox.Bucket), Key: sdkaws.String("app/terraform.tfstate.tflock"),
			Body: strings.NewReader(`{"ID":"x"}`), Tagging: sdkaws.String("object%2Ftype=lock")}); err != nil {
			t.Fatal(err)
		}
		put("app/terraform.tfstate", fmt.Sprintf(`{"serial":%d}`, i))
		del("app/terraform.tfstate.tflock")
	}
	out, errOut, code := runAt(t, "", false, "doctor", "--bucket", sandbox.Bucket, "--s3-endpoint-url", sb.S3URL, "--region", sandbox.Region)
	if code != ExitError || !strings.Contains(out, "it selects lock files by their lock_tags") ||
		!strings.Contains(out, `"Filter":{"Tag":{"Key":"object/type","Value":"lock"}}`) {
		t.Fatalf("exit %d %s\n%s", code, errOut, out)
	}
	proposedRuleIsValid(t, sb, out)
}

// proposedRuleIsValid puts the lifecycle rule doctor proposed in out on
// the sandbox's bucket: the store takes it as written.
func proposedRuleIsValid(t *testing.T, sb *sandbox.Sandbox, out string) {
	t.Helper()
	m := regexp.MustCompile(`--lifecycle-configuration '([^']*)'`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no rule proposed:\n%s", out)
	}
	var rules s3types.BucketLifecycleConfiguration
	if err := json.Unmarshal([]byte(m[1]), &rules); err != nil {
		t.Fatal(err)
	}
	if _, err := sb.S3.PutBucketLifecycleConfiguration(context.Background(), &s3.PutBucketLifecycleConfigurationInput{Bucket: sdkaws.String(sandbox.Bucket),
		LifecycleConfiguration: &rules}); err != nil {
		t.Errorf("the store refused the rule doctor proposes: %v\n%s", err, m[1])
	}
}

// A record of doctor's findings that cannot be read is said, not taken
// as "nothing found": the unlock of a lock file notes that whether its
// store honours If-Match is not known here.
func TestUnreadableStoreRecordIsSaid(t *testing.T) {
	sb := emptySandbox(t, fixtureNow)
	useConfig(t, "")
	if err := os.MkdirAll(filepath.Dir(storeNotesPath()), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(storeNotesPath(), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	li := sandbox.NewInfo("tfstate/app/terraform.tfstate", "OperationTypeApply", "ci@runner-7", "1.11.4", fixtureNow.Add(-3*time.Hour))
	if err := sandbox.LockFile(context.Background(), sb.S3, li); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runAt(t, "", false, "unlock", li.Path, "--id", li.ID, "--yes", "--bucket", sandbox.Bucket, "--s3-endpoint-url", sb.S3URL, "--region", sandbox.Region)
	if code != 0 || !strings.Contains(out, "what doctor --probe-writes found of the stores could not be read") {
		t.Errorf("exit %d %s\n%s", code, errOut, out)
	}
	// doctor --probe-writes replaces it, and says that the rest is gone.
	out, _, _ = runAt(t, "", false, "doctor", "--probe-writes", "--bucket", sandbox.Bucket, "--s3-endpoint-url", sb.S3URL, "--region", sandbox.Region)
	if !strings.Contains(out, "⚠ probe record: keeping what was found of bucket tfstate for unlock's prompt: the record could not be read") ||
		!strings.Contains(out, "was replaced: what it held of other buckets is gone") {
		t.Errorf("doctor over an unreadable record:\n%s", out)
	}
	if checks, err := readStoreChecks(); err != nil || len(checks) != 1 {
		t.Errorf("the record after doctor: %v %v", checks, err)
	}
}

// An identity allowed to write and read the team's log but not to read
// its bucket's Object Lock configuration is told that protection is not
// known (⚠), not that the log is unreachable (✗): the log is there, and
// its writes go through.
func TestDoctorAuditLogProtectionDeniedIsAWarning(t *testing.T) {
	useConfig(t, "")
	m := testenv.StartMinio(t)
	m.CreateBucket(t, "team-audit")
	creds := m.AssumeRole(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:ListBucket"],"Resource":["arn:aws:s3:::team-audit","arn:aws:s3:::team-audit/*"]}]}`)
	t.Setenv("AWS_ACCESS_KEY_ID", creds.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", creds.SecretAccessKey)
	t.Setenv("AWS_SESSION_TOKEN", creds.SessionToken)
	out, errOut, code := runAt(t, "", false, "doctor", "--audit", "s3://team-audit/lockwarden", "--bucket", "team-audit/states", "--s3-endpoint-url", m.URL, "--region", "us-east-1")
	if !strings.Contains(out, "⚠ audit log: s3://team-audit/lockwarden: whether Object Lock protects its records is not known: access denied") ||
		strings.Contains(out, "✗ audit log") {
		t.Errorf("exit %d %s\n%s", code, errOut, out)
	}
}
