package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sandbox"
)

// list tells a person at a terminal what the read cost (on stderr), and
// says nothing of it to a script.
func TestListPrintsPollCostOnATerminal(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	sb := emptySandbox(t, now)
	li := sandbox.NewInfo(sandbox.Bucket+"/app/terraform.tfstate", "OperationTypeApply", "alice@ci", "1.11.4", now.Add(-time.Hour))
	if err := sandbox.LockFile(context.Background(), sb.S3, li); err != nil {
		t.Fatal(err)
	}
	args := []string{"list", "--region", sandbox.Region, "--table", sandbox.Table, "--endpoint-url", sb.DynamoURL,
		"--bucket", sandbox.Bucket, "--s3-endpoint-url", sb.S3URL}
	listOn := func(stderrIsTerminal bool, env map[string]string) (string, string, int) {
		for k, v := range env {
			t.Setenv(k, v)
		}
		var out, errb bytes.Buffer
		e := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Now: func() time.Time { return now },
			IsTerminal: func(w any) bool { return stderrIsTerminal && w == any(&errb) }}
		code := Main(args, e)
		return out.String(), errb.String(), code
	}
	out, errOut, code := listOn(true, nil)
	// The LIST count is the listing's own (it may descend prefixes); the
	// one lock file is fetched once.
	want := regexp.MustCompile(`lockwarden: poll cost: table terraform-locks 0\.0 RCU; bucket tfstate [1-9][0-9]* LIST \+ 1 GET per poll, every 1m: ≈ \$0\.0[0-9]{2}/day \(s3_poll_interval`)
	if code != 0 || !want.MatchString(errOut) || strings.Contains(out, "poll cost") {
		t.Errorf("on a terminal: exit %d\nstdout %s\nstderr %s\nwant %s", code, out, errOut, want)
	}
	_, errOut, _ = listOn(true, map[string]string{"LOCKWARDEN_S3_POLL_INTERVAL": "10m"})
	if !strings.Contains(errOut, "every 10m: ≈ $0.00") {
		t.Errorf("LOCKWARDEN_S3_POLL_INTERVAL=10m: %s", errOut)
	}
	out, errOut, code = listOn(false, nil)
	if code != 0 || strings.Contains(errOut+out, "poll cost") {
		t.Errorf("not a terminal: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
}

// s3_poll_interval is read strictly, from the flag, the environment and
// the config file: a value that is not a positive duration stops the run.
func TestS3PollIntervalIsStrict(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	for path, body := range map[string]string{good: "5m", bad: "often"} {
		if err := os.WriteFile(path, []byte("contexts:\n  prod:\n    table: t\n    s3_poll_interval: "+body+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	s, err := loadWith(t, []string{"--config", good, "--context", "prod"})
	if err != nil || s.S3PollInterval != 5*time.Minute {
		t.Errorf("config 5m: %v %v", s.S3PollInterval, err)
	}
	if s, err := loadWith(t, []string{"--table", "t"}); err != nil || s.S3PollInterval != model.DefaultS3PollInterval {
		t.Errorf("default: %v %v", s.S3PollInterval, err)
	}
	if s, err := loadWith(t, []string{"--config", good, "--context", "prod", "--s3-poll-interval", "2m"}); err != nil || s.S3PollInterval != 2*time.Minute {
		t.Errorf("flag over config: %v %v", s.S3PollInterval, err)
	}
	for name, c := range map[string]struct {
		args []string
		env  string
	}{
		"config": {[]string{"list", "--config", bad, "--context", "prod"}, ""},
		"flag":   {[]string{"--table", "t", "--s3-poll-interval", "0s"}, ""},
		"env":    {[]string{"list", "--table", "t"}, "-1m"},
	} {
		t.Run(name, func(t *testing.T) {
			if c.env != "" {
				t.Setenv("LOCKWARDEN_S3_POLL_INTERVAL", c.env)
			}
			_, errOut, code := run(t, time.Now(), c.args...)
			if code != ExitUsage || !strings.Contains(errOut, "s3-poll-interval must be a positive duration") {
				t.Errorf("exit %d %q", code, errOut)
			}
		})
	}
}

// loadWith resolves settings from args as the root command parses them,
// with no config file but the one given.
func loadWith(t *testing.T, args []string) (config.Settings, error) {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	root := newRoot(&Env{})
	if err := root.ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	return config.Load(root.Flags())
}

// A poll that leaves the buckets out shows their last listing, with the
// table read afresh; the next listing sees what changed.
func TestScanPlacesReusesTheLastListing(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	sb := emptySandbox(t, now)
	ctx := context.Background()
	li := sandbox.NewInfo(sandbox.Bucket+"/app/terraform.tfstate", "OperationTypeApply", "alice@ci", "1.11.4", now.Add(-time.Hour))
	if err := sandbox.LockFile(ctx, sb.S3, li); err != nil {
		t.Fatal(err)
	}
	s := config.Settings{Region: sandbox.Region, Buckets: []string{sandbox.Bucket}, S3Endpoint: sb.S3URL}
	cfg, err := lwaws.LoadConfig(ctx, s.Connection())
	if err != nil {
		t.Fatal(err)
	}
	locks := openLocks(cfg, s)
	if locks.Table != nil {
		t.Fatal("a table reader with no table")
	}
	first, err := locks.ScanPlaces(ctx, false, false) // never listed: lists anyway
	if err != nil || !first.FilesRead || len(first.Entries) != 1 || first.S3Gets != 1 {
		t.Fatalf("first: %+v %v", first, err)
	}
	if err := sandbox.UnlockFile(ctx, sb.S3, li); err != nil {
		t.Fatal(err)
	}
	cached, err := locks.ScanPlaces(ctx, false, false)
	if err != nil || cached.FilesRead || len(cached.Entries) != 1 {
		t.Errorf("between listings: %+v %v", cached, err)
	}
	listed, err := locks.ScanPlaces(ctx, false, true)
	if err != nil || !listed.FilesRead || len(listed.Entries) != 0 {
		t.Errorf("listed again: %+v %v", listed, err)
	}
}
