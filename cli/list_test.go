package cli

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/lockwarden/lockwarden/internal/testenv"
)

// updating reports whether -update was given (the flag is registered by
// x/exp/golden, which teatest brings in): rewrite golden files, then read
// the diff before committing.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// run calls lockwarden as a user would and returns stdout, stderr and the
// exit code.
func run(t *testing.T, now time.Time, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Now: func() time.Time { return now }})
	return out.String(), errb.String(), code
}

// loadFixture puts a scan captured from real clients into a new table.
func loadFixture(t *testing.T, endpoint, table, name string) {
	t.Helper()
	testenv.LoadFixture(t, testenv.DynamoClient(endpoint), table, name)
}

// fixtureNow is one hour after the killed apply took its lock, minus 5s,
// and about an hour after the other captures.
var fixtureNow = time.Date(2026, 11, 26, 7, 29, 56, 446472855, time.UTC)

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if updating() {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update once, then read the file)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestListJSONOverRealClientFixtures(t *testing.T) {
	for _, b := range testenv.Backends {
		t.Run(b.Name, func(t *testing.T) {
			endpoint := b.Start(t)
			for _, fx := range []string{"scan-while-applying", "scan-after-apply", "scan-after-killed-apply"} {
				loadFixture(t, endpoint, fx, fx+".json")
				for _, all := range []bool{false, true} {
					args := []string{"list", "-o", "json", "--table", fx, "--region", "us-east-1", "--endpoint-url", endpoint}
					name := fx + ".json"
					if all {
						args = append(args, "--all")
						name = fx + ".all.json"
					}
					out, errOut, code := run(t, fixtureNow, args...)
					if code != 0 || errOut != "" {
						t.Fatalf("%s: exit %d, stderr %q", fx, code, errOut)
					}
					golden(t, name, strings.ReplaceAll(out, endpoint, "ENDPOINT"))
				}
			}
		})
	}
}

// The fields promised to monitors must be there, with these names and
// types, for every lock.
func TestListJSONFieldContract(t *testing.T) {
	endpoint := testenv.Minidyn(t)
	loadFixture(t, endpoint, "locks", "scan-while-applying.json")
	out, _, code := run(t, fixtureNow, "list", "-o", "json", "--table", "locks", "--endpoint-url", endpoint)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var recs []map[string]any
	if err := json.Unmarshal([]byte(out), &recs); err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("%d records, want the 2 locks (digests left out without --all)", len(recs))
	}
	for _, r := range recs {
		for _, f := range []string{"source", "table", "lock_id", "path", "bucket", "key", "workspace", "id", "operation", "who", "version", "created"} {
			if _, ok := r[f].(string); !ok {
				t.Errorf("field %s missing or not a string in %v", f, r)
			}
		}
		if _, ok := r["age_seconds"].(float64); !ok {
			t.Errorf("age_seconds missing or not a number")
		}
		if _, ok := r["stale"].(bool); !ok {
			t.Errorf("stale missing or not a bool")
		}
		if r["source"] != "dynamodb" {
			t.Errorf("source %v", r["source"])
		}
		if _, err := time.Parse(time.RFC3339, r["created"].(string)); err != nil {
			t.Errorf("created is not RFC 3339: %v", err)
		}
	}
}

func TestListMalformedItemsExitZero(t *testing.T) {
	for _, b := range testenv.Backends {
		t.Run(b.Name, func(t *testing.T) {
			endpoint := b.Start(t)
			c := testenv.DynamoClient(endpoint)
			testenv.CreateLockTable(t, c, "locks")
			s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
			testenv.PutItem(t, c, "locks", map[string]types.AttributeValue{"LockID": s("tfstate/broken/terraform.tfstate"), "Info": s("not json")})
			testenv.PutItem(t, c, "locks", map[string]types.AttributeValue{"LockID": s("tfstate/migrated/terraform.tfstate-md5")})
			testenv.PutItem(t, c, "locks", map[string]types.AttributeValue{"LockID": s("tfstate/esc/terraform.tfstate"), "Info": s("\x1b]0;pwned\x07")})

			out, errOut, code := run(t, fixtureNow, "list", "-o", "json", "--table", "locks", "--endpoint-url", endpoint)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			golden(t, "malformed.json", out)

			out, _, code = run(t, fixtureNow, "list", "--table", "locks", "--endpoint-url", endpoint)
			if code != 0 {
				t.Fatalf("exit %d", code)
			}
			golden(t, "malformed.txt", out)
			if strings.ContainsRune(out, 0x1b) || strings.ContainsRune(out, 0x07) {
				t.Error("an escape sequence from the table reached the terminal")
			}
		})
	}
}

func TestListStaleAndExitCode(t *testing.T) {
	endpoint := testenv.Minidyn(t)
	loadFixture(t, endpoint, "locks", "scan-after-killed-apply.json")
	base := []string{"list", "--table", "locks", "--endpoint-url", endpoint}

	// 59m55s after the lock was taken: held, not yet stale at 1h.
	out, _, code := run(t, fixtureNow, append(base, "--stale", "--exit-code")...)
	if code != 0 || !strings.Contains(out, "No stale locks in table locks (2 digest items).") {
		t.Errorf("exit %d, out %q", code, out)
	}
	out, _, code = run(t, fixtureNow, append(base, "--exit-code")...)
	if code != ExitListed || !strings.Contains(out, "tfstate/legacy/app/terraform.tfstate") {
		t.Errorf("--exit-code with a lock listed: exit %d, out %q", code, out)
	}
	// Ten seconds later it has been held an hour.
	out, _, code = run(t, fixtureNow.Add(10*time.Second), append(base, "--stale", "--exit-code")...)
	if code != ExitListed || !strings.Contains(out, "! tfstate/legacy/app/terraform.tfstate") {
		t.Errorf("stale lock: exit %d, out %q", code, out)
	}
	out, _, code = run(t, fixtureNow, append(base, "--stale", "--stale-after", "30m")...)
	if code != 0 || !strings.Contains(out, "held 30m or longer") {
		t.Errorf("--stale-after 30m: exit %d, out %q", code, out)
	}
}

func TestListEmptyTable(t *testing.T) {
	endpoint := testenv.Minidyn(t)
	testenv.CreateLockTable(t, testenv.DynamoClient(endpoint), "locks")
	out, _, code := run(t, fixtureNow, "list", "--table", "locks", "--endpoint-url", endpoint)
	if code != 0 || out != "No locks in table locks (0 digest items).\n" {
		t.Errorf("exit %d, out %q", code, out)
	}
	out, _, _ = run(t, fixtureNow, "list", "-o", "json", "--table", "locks", "--endpoint-url", endpoint)
	if strings.TrimSpace(out) != "[]" {
		t.Errorf("empty JSON list must be [], got %q", out)
	}
}

func TestListErrorsAreOneLine(t *testing.T) {
	endpoint := testenv.Minidyn(t)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"list", "--table", "missing", "--region", "eu-west-1", "--endpoint-url", endpoint}, ExitError, `table "missing" in region eu-west-1`},
		{[]string{"list"}, ExitUsage, "no lock table or bucket given: pass --table NAME (and --region) for a DynamoDB lock table, --bucket NAME[/PREFIX]"},
		{[]string{"list", "--table", "t", "-o", "yaml"}, ExitUsage, "--output must be table or json"},
		{[]string{"list", "--nope"}, ExitUsage, "unknown flag: --nope"},
		{[]string{"list", "--table", "t", "--stale-after", "soon"}, ExitUsage, "stale-after must be a positive duration"},
		{[]string{"list", "--table", "t", "--segments", "0"}, ExitUsage, "segments must be a whole number"},
		{[]string{"list", "extra"}, ExitUsage, "unknown command"},
	}
	for _, c := range cases {
		_, errOut, code := run(t, fixtureNow, c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, code, errOut, c.code, c.want)
		}
		if strings.Count(strings.TrimSpace(errOut), "\n") > 1 || strings.Contains(errOut, "goroutine") {
			t.Errorf("%v: stderr is not a short message: %q", c.args, errOut)
		}
	}
}

// The SDK's own AWS_ENDPOINT_URL_DYNAMODB works like --endpoint-url, and a
// loopback one needs no credentials.
func TestListHonoursEndpointFromEnvironment(t *testing.T) {
	endpoint := testenv.Minidyn(t)
	loadFixture(t, endpoint, "locks", "scan-after-killed-apply.json")
	for k, v := range map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": endpoint, "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
		"AWS_PROFILE": "", "AWS_CONFIG_FILE": t.TempDir() + "/none", "AWS_SHARED_CREDENTIALS_FILE": t.TempDir() + "/none", "AWS_REGION": ""} {
		t.Setenv(k, v)
	}
	out, errOut, code := run(t, fixtureNow, "list", "--table", "locks")
	if code != 0 || !strings.Contains(out, "tfstate/legacy/app/terraform.tfstate") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
}
