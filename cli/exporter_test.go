package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lockwarden/lockwarden/internal/testenv"
	"github.com/lockwarden/lockwarden/sandbox"
)

var servingLine = regexp.MustCompile(`serving (https?://\S+/metrics)`)

// startExporter runs `lockwarden exporter args…` until the test ends and
// returns its metrics URL, from the line it prints once it listens.
func startExporter(t *testing.T, now time.Time, args ...string) (url string, stderr *testenv.LockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stderr = &testenv.LockedBuffer{}
	exited := make(chan int, 1)
	go func() {
		exited <- mainContext(ctx, append([]string{"exporter", "--listen", "127.0.0.1:0"}, args...),
			Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: stderr, Now: func() time.Time { return now }})
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-exited; code != 0 {
			t.Errorf("the exporter exited %d when stopped: %s", code, stderr)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := servingLine.FindStringSubmatch(stderr.String()); m != nil {
			return m[1], stderr
		}
		select {
		case code := <-exited:
			exited <- code
			t.Fatalf("the exporter exited %d: %s", code, stderr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the exporter did not start in 30s: %s", stderr)
		}
	}
}

// scrapeText is one scrape of url, as Prometheus would make it.
func scrapeText(t *testing.T, url string) string {
	t.Helper()
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %d %v\n%s", resp.StatusCode, err, body)
	}
	return string(body)
}

// sample is the value of the series written exactly as series, or "".
func sample(text, series string) string {
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v
		}
	}
	return ""
}

func seededSandbox(t *testing.T, now time.Time) *sandbox.Sandbox {
	t.Helper()
	sb, err := sandbox.Start(context.Background(), sandbox.Options{DynamoAddr: "127.0.0.1:0", S3Addr: "127.0.0.1:0", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	return sb
}

// The exporter serves the sandbox's locks: each by its created time, the
// stale ones counted, where each is held.
func TestExporterServesTheSandbox(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	sb := seededSandbox(t, now)
	url, _ := startExporter(t, now, "--region", sandbox.Region, "--table", sandbox.Table, "--endpoint-url", sb.DynamoURL,
		"--bucket", sandbox.Bucket, "--s3-endpoint-url", sb.S3URL)
	text := scrapeText(t, url)

	for series, want := range map[string]string{
		`lockwarden_up{context="default"}`:                         "1",
		`lockwarden_stale_locks{context="default"}`:                "2",
		`lockwarden_locks{context="default",source="dynamodb"}`:    "5",
		`lockwarden_locks{context="default",source="dynamodb+s3"}`: "1",
		`lockwarden_locks{context="default",source="s3"}`:          "0",
		`lockwarden_malformed_items{context="default"}`:            "2",
		`lockwarden_stale_after_seconds{context="default"}`:        "3600",
		`lockwarden_lock_created_timestamp_seconds{context="default",operation="OperationTypeApply",path="tfstate/env:/prod/network/terraform.tfstate",source="dynamodb",who="ci@runner-7"}`: fmt.Sprint(float64(now.Add(-(76*time.Hour + 12*time.Minute)).Unix())),
	} {
		if got := sample(text, series); got != want {
			t.Errorf("%s = %q, want %q", series, got, want)
		}
	}
	if !strings.Contains(text, "# HELP lockwarden_s3_requests_total ") || sample(text, `lockwarden_s3_requests_total{context="default",type="list"}`) == "0" {
		t.Errorf("no S3 list requests counted:\n%s", text)
	}
}

// In a fleet, a context that cannot be read is down and has no lock
// series; it holds the scrape up no longer than --read-timeout, and the
// other context is served.
func TestExporterFleetWithADeadContext(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	sb := seededSandbox(t, now)
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "http://" + dead.Addr().String()
	dead.Close() // nothing answers there now
	config := fmt.Sprintf(`
contexts:
  sandbox:
    region: us-east-1
    table: %s
    endpoint: %s
    buckets: [%s]
    s3_endpoint: %s
  dead:
    region: us-east-1
    table: terraform-locks
    endpoint: %s
`, sandbox.Table, sb.DynamoURL, sandbox.Bucket, sb.S3URL, deadURL)
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	url, stderr := startExporter(t, now, "--config", path, "--all-contexts", "--read-timeout", "3s")
	began := time.Now()
	text := scrapeText(t, url)
	if took := time.Since(began); took > 10*time.Second {
		t.Errorf("the scrape took %s with --read-timeout 3s", took)
	}
	if got := sample(text, `lockwarden_up{context="dead"}`); got != "0" {
		t.Errorf("dead is up: %q\n%s", got, text)
	}
	if got := sample(text, `lockwarden_up{context="sandbox"}`); got != "1" {
		t.Errorf("sandbox is not up: %q\n%s", got, text)
	}
	if got := sample(text, `lockwarden_stale_locks{context="sandbox"}`); got != "2" {
		t.Errorf("sandbox's stale locks = %q, want 2", got)
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, `context="dead"`) && !strings.HasPrefix(line, "lockwarden_up{") && !strings.HasPrefix(line, "lockwarden_stale_after_seconds{") &&
			!strings.HasPrefix(line, "lockwarden_read_") {
			t.Errorf("the dead context has a series: %s", line)
		}
	}
	// The failure is said once, on one line, naming the context.
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(stderr.String(), "context dead: read failed") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(stderr.String(), "context dead: read failed") {
		t.Errorf("the dead context's failure was not logged: %s", stderr)
	}
}

// An address in use is one clear line and exit 1.
func TestExporterListenAddressInUse(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	out, errOut, code := run(t, time.Now(), "exporter", "--listen", taken.Addr().String(), "--table", "locks", "--region", "us-east-1",
		"--endpoint-url", "http://127.0.0.1:1")
	if code != ExitError || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	want := "lockwarden: --listen " + taken.Addr().String() + ": the address is already in use"
	if lines := strings.Split(strings.TrimSpace(errOut), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], want) {
		t.Errorf("stderr %q, want one line starting %q", errOut, want)
	}
}

func TestExporterUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--write"}, "the exporter never writes"},
		{[]string{"--min-interval", "0s"}, "--min-interval must be longer than 0"},
		{[]string{"--min-interval", "soon"}, "--min-interval"},
		{[]string{"--read-timeout", "-1s"}, "--read-timeout must be longer than 0"},
		{[]string{"--listen", "9858"}, "--listen \"9858\" is not an address"},
	} {
		args := append([]string{"exporter", "--table", "locks", "--region", "us-east-1"}, tc.args...)
		_, errOut, code := run(t, time.Now(), args...)
		if code != ExitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d %q, want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
	// LOCKWARDEN_WRITE is refused as --write is: the exporter must not
	// seem to accept a write permission it has no use for.
	for _, val := range []string{"1", "true", "TRUE", "yes"} {
		t.Setenv("LOCKWARDEN_WRITE", val)
		_, errOut, code := run(t, time.Now(), "exporter", "--table", "locks", "--region", "us-east-1", "--listen", "9858")
		if code != ExitUsage || !strings.Contains(errOut, "the exporter never writes: --write (or LOCKWARDEN_WRITE)") {
			t.Errorf("LOCKWARDEN_WRITE=%s: exit %d %q, want 2 and the exporter never writes", val, code, errOut)
		}
	}
}
