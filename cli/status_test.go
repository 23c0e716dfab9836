package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/lockwarden/lockwarden/internal/testenv"
	"github.com/lockwarden/lockwarden/sandbox"
)

// tfWorkdir makes a Terraform working directory as `terraform init` leaves
// it, its s3 backend pointing at the sandbox (lock table and lock files,
// workspace blue), and runs the rest of the test in it. It returns the
// state's path as its lock names it.
func tfWorkdir(t *testing.T, dynamoURL, s3URL string) string {
	t.Helper()
	useConfig(t, "poll_interval: 50ms\n") // no context: the directory is the context
	dir := t.TempDir()
	backend := fmt.Sprintf(`{"version":3,"terraform_version":"1.11.4","backend":{"type":"s3","config":{
	"bucket":%q,"key":"team/app/terraform.tfstate","region":%q,"dynamodb_table":%q,"use_lockfile":true,
	"workspace_key_prefix":"envs","access_key":"sandbox","secret_key":"sandbox","use_path_style":true,
	"endpoints":{"dynamodb":%q,"s3":%q,"iam":null,"sso":null,"sts":null}}}}`, sandbox.Bucket, sandbox.Region, sandbox.Table, dynamoURL, s3URL)
	for name, body := range map[string]string{"main.tf": "terraform {}\n", ".terraform/terraform.tfstate": backend, ".terraform/environment": "blue"} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	return sandbox.Bucket + "/envs/blue/team/app/terraform.tfstate"
}

// In the working directory, status needs no argument: not locked (0),
// locked (3) with where, by whom and the next step, in JSON too, and
// "cannot tell" (1) when the lock cannot be read.
func TestStatusInAWorkingDirectory(t *testing.T) {
	sb := emptySandbox(t, fixtureNow)
	state := tfWorkdir(t, sb.DynamoURL, sb.S3URL)
	out, errOut, code := runAt(t, "", false, "status")
	if code != 0 || !strings.Contains(out, "s3://"+state+" is not locked (table terraform-locks and bucket tfstate).") {
		t.Fatalf("not locked: exit %d %s\n%s", code, errOut, out)
	}
	if out, _, code := runAt(t, "", false, "status", "-o", "json"); code != 0 || strings.TrimSpace(out) != "[]" {
		t.Errorf("not locked, JSON: exit %d %q", code, out)
	}
	fresh := sandbox.NewInfo(state, "OperationTypeApply", "ci@runner-7", "1.11.4", fixtureNow.Add(-2*time.Minute))
	if err := sandbox.Lock(context.Background(), sb.Dynamo, sandbox.Table, fresh); err != nil {
		t.Fatal(err)
	}
	if err := sandbox.LockFile(context.Background(), sb.S3, fresh); err != nil {
		t.Fatal(err)
	}
	out, _, code = runAt(t, "", false, "status")
	for _, want := range []string{"this directory: team/app/terraform.tfstate · workspace blue", state + " is LOCKED", "held in:    the lock table and s3://" + state + ".tflock",
		"held by:    ci@runner-7", "held for:   2m00s (threshold 1h)", "lock ID:    " + fresh.ID, "Next: wait: it is held 2m00s, under stale_after 1h — lockwarden status --wait 10m (in this directory)"} {
		if code != ExitLocked || !strings.Contains(out, want) {
			t.Errorf("locked: exit %d, lacks %q:\n%s", code, want, out)
		}
	}
	out, _, code = runAt(t, "", false, "status", "-o", "json")
	var recs []map[string]any
	if err := json.Unmarshal([]byte(out), &recs); code != ExitLocked || err != nil || len(recs) != 1 || recs[0]["state"] != state || recs[0]["id"] != fresh.ID || recs[0]["source"] != "dynamodb+s3" {
		t.Errorf("locked, JSON: exit %d %v %s", code, err, out)
	}
	out, _, _ = runAt(t, "", false, "status", "--stale-after", "1m")
	if !strings.Contains(out, "Next: lockwarden unlock (in this directory; it asks for the first 8 characters of the lock ID)") {
		t.Errorf("stale: %s", out)
	}
	// Named elsewhere, the next step names the state and the lock ID.
	t.Chdir(t.TempDir())
	out, _, code = runAt(t, "", false, "status", state, "--table", sandbox.Table, "--endpoint-url", sb.DynamoURL, "--bucket", sandbox.Bucket, "--s3-endpoint-url", sb.S3URL, "--stale-after", "1m")
	if code != ExitLocked || !strings.Contains(out, "Next: lockwarden unlock "+state+" --id "+fresh.ID+" --table terraform-locks") {
		t.Errorf("named: exit %d\n%s", code, out)
	}
	dead := "http://127.0.0.1:" + strconv.Itoa(testenv.FreePort(t))
	if _, errOut, code := runAt(t, "", false, "status", state, "--table", sandbox.Table, "--endpoint-url", dead); code != ExitError || !strings.Contains(errOut, "cannot tell whether "+state+" is locked") {
		t.Errorf("dead endpoint: exit %d %q", code, errOut)
	}
	if _, errOut, code := runAt(t, "", false, "status", "--table", sandbox.Table, "--endpoint-url", sb.DynamoURL); code != ExitUsage || !strings.Contains(errOut, "name a state") {
		t.Errorf("no state, no working directory: exit %d %q", code, errOut)
	}
}

// --wait returns 0 once the lock is released, and 3 at its deadline while
// it is held.
func TestStatusWaits(t *testing.T) {
	sb := emptySandbox(t, fixtureNow)
	state := tfWorkdir(t, sb.DynamoURL, sb.S3URL)
	li := sandbox.NewInfo(state, "OperationTypeApply", "ci@runner-7", "1.11.4", fixtureNow.Add(-time.Minute))
	if err := sandbox.Lock(context.Background(), sb.Dynamo, sandbox.Table, li); err != nil {
		t.Fatal(err)
	}
	var out string
	var code int
	logLines := &strings.Builder{}
	env := Env{Stdin: strings.NewReader(""), Stdout: &strings.Builder{}, Stderr: logLines, Now: time.Now}
	if code = Main([]string{"status", "--wait", "300ms"}, env); code != ExitLocked {
		t.Errorf("held to the deadline: exit %d", code)
	}
	// Not on a terminal (a CI log): one line says it waits, not silence.
	if got := logLines.String(); strings.Count(got, "\n") != 1 || !strings.Contains(got, "lockwarden: waiting up to 300ms for s3://"+state+": held by ci@runner-7 (apply)") {
		t.Errorf("the log: %q", got)
	}
	// Waiting: the progress line shows it held; then it is released.
	done := make(chan struct{})
	progress := &testenv.LockedBuffer{}
	go func() {
		defer close(done)
		var b strings.Builder
		code = Main([]string{"status", "--wait", "30s"}, Env{Stdin: strings.NewReader(""), Stdout: &b, Stderr: progress, Now: time.Now,
			IsTerminal: func(f any) bool { return f == progress }})
		out = b.String()
	}()
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(progress.String(), "waiting for s3://"+state+": held by ci@runner-7 (apply)"); {
		if time.Now().After(deadline) {
			t.Fatalf("no progress line: %q", progress.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := sandbox.Unlock(context.Background(), sb.Dynamo, sandbox.Table, li); err != nil {
		t.Fatal(err)
	}
	<-done
	if code != 0 || !strings.Contains(out, "is not locked") {
		t.Errorf("released while waiting: exit %d %q", code, out)
	}
}

// unlock with no argument in a working directory releases that
// directory's lock, confirmed by typing its lock ID's first 8 characters;
// a wrong answer, --yes without --id, or no working directory release
// nothing.
func TestUnlockInAWorkingDirectory(t *testing.T) {
	sb := emptySandbox(t, fixtureNow)
	state := tfWorkdir(t, sb.DynamoURL, sb.S3URL)
	li := sandbox.NewInfo(state, "OperationTypeApply", "ci@runner-7", "1.11.4", fixtureNow.Add(-3*time.Hour))
	if err := sandbox.Lock(context.Background(), sb.Dynamo, sandbox.Table, li); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runAt(t, "", false, "unlock", "--yes"); code != ExitUsage || !strings.Contains(errOut, "--yes needs --id here") {
		t.Errorf("--yes without --id: exit %d %q", code, errOut)
	}
	if _, _, code := runAt(t, "nope0000\n", true, "unlock"); code != ExitRefused {
		t.Errorf("a wrong answer: exit %d", code)
	}
	if _, held := getLock(t, sb, state); !held {
		t.Fatal("released on a wrong answer")
	}
	out, errOut, code := runAt(t, li.ID[:8]+"\n", true, "unlock", "--reason", "INC-7")
	if code != 0 || !strings.Contains(out, "Released "+state) {
		t.Fatalf("unlock: exit %d %s\n%s", code, errOut, out)
	}
	if _, held := getLock(t, sb, state); held {
		t.Error("still held after the release")
	}
	// restore with no argument puts back this directory's latest release.
	if out, errOut, code := runAt(t, "", false, "restore"); code != 0 || !strings.Contains(out, "Restored "+state) {
		t.Errorf("restore: exit %d %s\n%s", code, errOut, out)
	}
	if _, held := getLock(t, sb, state); !held {
		t.Error("not held after the restore")
	}
	t.Chdir(t.TempDir())
	if _, errOut, code := runAt(t, "", false, "unlock", "--table", sandbox.Table, "--endpoint-url", sb.DynamoURL); code != ExitUsage || !strings.Contains(errOut, "or run it in the Terraform working directory") {
		t.Errorf("no working directory: exit %d %q", code, errOut)
	}
}

// getLock says whether the sandbox's lock table holds an item for state.
func getLock(t *testing.T, sb *sandbox.Sandbox, state string) (map[string]types.AttributeValue, bool) {
	t.Helper()
	out, err := sb.Dynamo.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: sdkaws.String(sandbox.Table), ConsistentRead: sdkaws.Bool(true),
		Key: map[string]types.AttributeValue{"LockID": &types.AttributeValueMemberS{Value: state}}})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item, out.Item != nil
}

// A backend that assumes a role: the reads go out with the role's
// credentials, from the backend's STS endpoint — a stand-in that answers
// AssumeRole — as a recording endpoint in front of DynamoDB sees them.
func TestAWorkingDirectoryAssumesItsRole(t *testing.T) {
	sb := emptySandbox(t, fixtureNow)
	var mu sync.Mutex // the handlers run on the servers' goroutines
	var assumed, keys []string
	sts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		defer mu.Unlock()
		assumed = append(assumed, r.Form.Get("Action")+" "+r.Form.Get("RoleArn")+" "+r.Form.Get("RoleSessionName")+" "+r.Form.Get("ExternalId"))
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>
<AccessKeyId>ASIAASSUMEDROLE</AccessKeyId><SecretAccessKey>assumed-secret</SecretAccessKey><SessionToken>assumed-token</SessionToken>
<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/LockReader/oncall</Arn>
<AssumedRoleId>AROAEXAMPLE:oncall</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AssumeRoleResponse>`)
	}))
	t.Cleanup(sts.Close)
	upstream, _ := url.Parse(sb.DynamoURL)
	proxy := httputil.NewSingleHostReverseProxy(upstream)
	rec := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, cred, _ := strings.Cut(r.Header.Get("Authorization"), "Credential=")
		key, _, _ := strings.Cut(cred, "/")
		mu.Lock()
		keys = append(keys, key)
		mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(rec.Close)
	useConfig(t, "")
	dir := t.TempDir()
	backend := fmt.Sprintf(`{"version":3,"backend":{"type":"s3","config":{"bucket":"tfstate","key":"app/terraform.tfstate","region":"us-east-1",
	"dynamodb_table":%q,"access_key":"AKIABASE","secret_key":"base-secret",
	"assume_role":{"role_arn":"arn:aws:iam::123456789012:role/LockReader","session_name":"oncall","external_id":"ext-1"},
	"endpoints":{"dynamodb":%q,"s3":%q,"sts":%q}}}}`, sandbox.Table, rec.URL, sb.S3URL, sts.URL)
	if err := os.MkdirAll(filepath.Join(dir, ".terraform"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".terraform", "terraform.tfstate"), []byte(backend), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	if out, errOut, code := runAt(t, "", false, "status"); code != 0 || !strings.Contains(out, "is not locked") {
		t.Fatalf("status: exit %d %s\n%s", code, errOut, out)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(assumed) == 0 || assumed[0] != "AssumeRole arn:aws:iam::123456789012:role/LockReader oncall ext-1" {
		t.Errorf("STS was asked %q", assumed)
	}
	if len(keys) == 0 {
		t.Fatal("no DynamoDB request recorded")
	}
	for _, k := range keys {
		if k != "ASIAASSUMEDROLE" {
			t.Errorf("a DynamoDB request signed with %q, not the assumed role's key", k)
		}
	}
}
