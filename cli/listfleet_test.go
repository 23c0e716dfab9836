package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/lockwarden/lockwarden/internal/testenv"
)

// fleetOf writes a config of three contexts on endpoint — killed (the
// killed apply's stale lock), applying (a fresh apply, labelled PROD) and
// dead (an endpoint nothing listens on) — and returns its path.
func fleetOf(t *testing.T, endpoint string) string {
	t.Helper()
	loadFixture(t, endpoint, "killed", "scan-after-killed-apply.json")
	loadFixture(t, endpoint, "applying", "scan-while-applying.json")
	dead := "http://127.0.0.1:" + strconv.Itoa(testenv.FreePort(t))
	body := "region: us-east-1\ncontexts:\n" +
		"  killed:\n    table: killed\n    endpoint: " + endpoint + "\n" +
		"  applying:\n    table: applying\n    endpoint: " + endpoint + "\n    label: PROD\n    readonly: true\n" +
		"  dead:\n    table: nowhere\n    endpoint: " + dead + "\n"
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestListOverAFleetShowsEveryContextThatAnswered(t *testing.T) {
	endpoint := testenv.Minidyn(t)
	cfg := fleetOf(t, endpoint)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")

	out, errOut, code := run(t, fixtureNow, "list", "--config", cfg, "--all-contexts", "-o", "json")
	if code != ExitError {
		t.Errorf("exit %d, want 1: a context could not be read", code)
	}
	if !strings.Contains(errOut, "lockwarden: context dead: ") || strings.Contains(errOut, "context killed:") || strings.Contains(errOut, "context applying:") {
		t.Errorf("stderr must name the dead context, and only it:\n%s", errOut)
	}
	var entries []struct {
		Context, Path, Who, Operation string
		Stale                         bool
	}
	if err := json.Unmarshal([]byte(out), &entries); err != nil {
		t.Fatalf("stdout is not the JSON array: %v\n%s", err, out)
	}
	byContext := map[string]int{}
	for _, e := range entries {
		byContext[e.Context]++
		// At fixtureNow the killed apply's lock is 59m55s old, the two
		// applies' an hour: each judged against stale_after 1h.
		if e.Context == "killed" && e.Stale || e.Context == "applying" && !e.Stale {
			t.Errorf("staleness judged wrongly: %+v", e)
		}
	}
	if byContext["killed"] != 1 || byContext["applying"] != 2 || len(byContext) != 2 {
		t.Errorf("entries by context: %v", byContext)
	}

	// The table: a CONTEXT column with the label, a line per context.
	out, errOut, code = run(t, fixtureNow, "list", "--config", cfg, "--context", "applying,killed,dead")
	if code != ExitError || !strings.Contains(errOut, "1 of 3 contexts could not be read whole: dead") {
		t.Errorf("exit %d, stderr:\n%s", code, errOut)
	}
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[0], "  CONTEXT") || !strings.HasPrefix(lines[1], "! PROD") || !strings.HasPrefix(lines[3], "  killed") {
		t.Errorf("table (oldest first, each row's context):\n%s", out)
	}
	for _, want := range []string{
		"applying (PROD): table applying: 2 locks (2 stale: held 1h or longer, marked !), 1 digest item.",
		"killed: table killed: 1 lock, 2 digest items.",
		"dead: table nowhere: NOT READ — ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}

	// Only the contexts that answered: exit 0, --exit-code still counts.
	_, errOut, code = run(t, fixtureNow, "list", "--config", cfg, "--context", "killed,applying", "--stale", "--exit-code")
	if code != ExitListed || errOut != "" {
		t.Errorf("--stale --exit-code over two good contexts: exit %d, stderr %q", code, errOut)
	}
	// Commands that act on one context refuse a fleet.
	_, errOut, code = run(t, fixtureNow, "unlock", "--config", cfg, "--all-contexts", "x")
	if code != ExitUsage || !strings.Contains(errOut, "one context at a time") {
		t.Errorf("unlock --all-contexts: exit %d, %s", code, errOut)
	}
}
