package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sandbox"
)

// require_reason makes --reason mandatory; the reason is kept in the
// audit, and audit filters by time and state and shows holder, place and
// context.
func TestReasonAndAuditFilters(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	sb := emptySandbox(t, now)
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	body := "contexts:\n  prod:\n    table: " + sandbox.Table + "\n    region: " + sandbox.Region + "\n    endpoint: " + sb.DynamoURL +
		"\n    s3_endpoint: " + sb.S3URL + "\n    buckets: [" + sandbox.Bucket + "]\n    require_reason: true\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	lock := func(key string, age time.Duration) model.LockInfo {
		li := sandbox.NewInfo(sandbox.Bucket+"/"+key, "OperationTypeApply", "alice@ci", "1.11.4", now.Add(-age))
		if err := sandbox.Lock(context.Background(), sb.Dynamo, sandbox.Table, li); err != nil {
			t.Fatal(err)
		}
		return li
	}
	app, web := lock("app/terraform.tfstate", 3*time.Hour), lock("web/terraform.tfstate", 5*time.Hour)
	ctxArgs := []string{"--config", cfg, "--context", "prod"}

	_, errOut, code := run(t, now, append([]string{"unlock", app.ID, "--yes"}, ctxArgs...)...)
	if code != ExitRefused || !strings.Contains(errOut, "requires a reason") || !strings.Contains(errOut, "--reason") {
		t.Fatalf("no reason: exit %d %q", code, errOut)
	}
	if _, errOut, code = run(t, now, append([]string{"unlock", app.ID, "--yes", "--reason", "   "}, ctxArgs...)...); code != ExitRefused {
		t.Fatalf("blank reason: exit %d %q", code, errOut)
	}
	if _, errOut, code = run(t, now, append([]string{"unlock", app.ID, "--yes", "--reason", "CI job 4711 was killed"}, ctxArgs...)...); code != 0 {
		t.Fatalf("with a reason: exit %d %q", code, errOut)
	}
	later := now.Add(2 * time.Hour)
	if _, errOut, code = run(t, later, append([]string{"unlock", web.ID, "--yes", "--reason", "laptop closed"}, ctxArgs...)...); code != 0 {
		t.Fatalf("second: exit %d %q", code, errOut)
	}

	out, _, _ := run(t, later, append([]string{"audit", "-o", "json"}, ctxArgs...)...)
	var recs []map[string]any
	if err := json.Unmarshal([]byte(out), &recs); err != nil || len(recs) != 4 || recs[0]["operator_reason"] != "CI job 4711 was killed" {
		t.Fatalf("audit json (%v): %s", err, out)
	}
	// The table: the columns, and one line per action.
	out, _, _ = run(t, later, append([]string{"audit"}, ctxArgs...)...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "STATE") || !strings.Contains(lines[0], "HOLDER") || !strings.Contains(lines[0], "PLACE") ||
		!strings.Contains(lines[0], "CONTEXT") || !strings.Contains(lines[1], "tfstate/app/terraform.tfstate") ||
		!strings.Contains(lines[1], "alice@ci") || !strings.Contains(lines[1], " table ") || !strings.Contains(lines[1], " prod ") {
		t.Fatalf("audit table:\n%s", out)
	}
	// --since and --state narrow it.
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"--since", "1h"}, []string{"web"}},
		{[]string{"--since", "2026-11-26T11:00:00Z"}, []string{"app", "web"}},
		{[]string{"--state", "s3://tfstate/app/terraform.tfstate"}, []string{"app"}},
		{[]string{"--state", "web/terraform.tfstate"}, []string{"web"}},
		{[]string{"--state", "other/terraform.tfstate"}, nil},
	} {
		out, errOut, code := run(t, later, append(append([]string{"audit"}, c.args...), ctxArgs...)...)
		got := strings.Count(out, "\n") - 1
		if code != 0 || got != len(c.want) {
			t.Errorf("%v: exit %d, %d lines, want %v\n%s%s", c.args, code, got, c.want, out, errOut)
		}
		for _, w := range c.want {
			if !strings.Contains(out, "tfstate/"+w+"/terraform.tfstate") {
				t.Errorf("%v: %s missing\n%s", c.args, w, out)
			}
		}
	}
	if _, errOut, code := run(t, later, append([]string{"audit", "--since", "yesterday"}, ctxArgs...)...); code != ExitUsage || !strings.Contains(errOut, "--since must be") {
		t.Errorf("bad --since: exit %d %q", code, errOut)
	}
}

// digest repair of a state with nothing to repair refuses before asking
// (it used to slice an empty MD5 at the prompt).
func TestDigestRepairRefusesBeforeAsking(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	sb := emptySandbox(t, now)
	args := []string{"digest", "repair", "tfstate/nothing/terraform.tfstate", "--table", sandbox.Table, "--region", sandbox.Region,
		"--endpoint-url", sb.DynamoURL, "--bucket", sandbox.Bucket, "--s3-endpoint-url", sb.S3URL}
	out, errOut, code := runAt(t, "", true, args...)
	if code != ExitRefused || !strings.Contains(errOut, "nothing to repair") || strings.Contains(out, "Type the first 8") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
}
