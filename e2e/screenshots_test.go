package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lockwarden/lockwarden/internal/testenv"
	"github.com/lockwarden/lockwarden/sandbox"
)

// The pictures in the README and docs are captures of the real binary in
// tmux, on the sandbox's seed, at 120×32: docs/images/NAME.ansi, with
// their escapes, rendered to NAME.svg by charmbracelet/freeze. This test
// takes each capture again and fails when what the screen says has
// changed since: its characters in order — digits, lock IDs, colours and
// blanks aside, as ages tick, IDs are new in every sandbox, terminals
// differ, and a time with fewer digits moves where a long line wraps. `make screenshots` (LOCKWARDEN_UPDATE_SCREENSHOTS=1)
// writes the captures and renders them instead.
func TestScreenshots(t *testing.T) {
	update := os.Getenv("LOCKWARDEN_UPDATE_SCREENSHOTS") == "1"
	sb, err := sandbox.Start(context.Background(), sandbox.Options{DynamoAddr: "127.0.0.1:0", S3Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	// The sandbox as one place, and as a fleet: its table as prod, its
	// bucket's lock files as staging.
	home := configHome(t, sandboxConfig(sb)+fmt.Sprintf(`contexts:
  prod:
    label: PROD
    color: red
    table: %[1]s
    endpoint: %[2]s
  staging:
    label: STAGING
    color: yellow
    buckets: [%[3]s]
    s3_endpoint: %[4]s
`, sandbox.Table, sb.DynamoURL, sandbox.Bucket, sb.S3URL))
	env := []string{"XDG_CONFIG_HOME=" + home, "XDG_STATE_HOME=" + t.TempDir(), "AWS_ACCESS_KEY_ID=sandbox", "AWS_SECRET_ACCESS_KEY=sandbox", "COLORTERM=truecolor"}
	const stale = "env:/prod/network"
	scenes := []struct {
		name string
		args []string
		keys []string
		want []string
	}{
		{"main", nil, nil, []string{stale, "table terraform-locks", "● live"}},
		{"detail", nil, []string{"Enter"}, []string{"Lock ID", "Operation"}},
		{"unlock", nil, []string{"x"}, []string{"to confirm:"}},
		{"fleet", []string{"--all-contexts"}, nil, []string{"PROD", "STAGING", stale}},
	}
	for _, sc := range scenes {
		t.Run(sc.name, func(t *testing.T) {
			term := startTerminal(t, 120, 32, env, append([]string{"--no-workdir"}, sc.args...)...)
			term.waitFor("the locks", stale)
			for _, k := range sc.keys {
				term.tmux("send-keys", "-t", "lw", k)
			}
			term.waitFor(sc.name, sc.want...)
			capture := term.settled()
			file := filepath.Join("..", "docs", "images", sc.name+".ansi")
			if update {
				writeScreenshot(t, file, capture)
				return
			}
			committed, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v: run make screenshots", err)
			}
			if svg, err := os.Stat(strings.TrimSuffix(file, ".ansi") + ".svg"); err != nil || svg.Size() == 0 {
				t.Errorf("the picture of %s is missing: run make screenshots", sc.name)
			}
			if got, want := screenText(capture), screenText(string(committed)); !sameScreen(got, want) {
				t.Errorf("docs/images/%s.ansi is not what the screen shows now: run make screenshots, look at the pictures, commit them\nnow:\n%s\ncommitted:\n%s", sc.name, got, want)
			}
		})
	}
}

var (
	escapes = regexp.MustCompile(`\x1b\[[0-9;:?]*[a-zA-Z]|\x1b\][^\x07]*\x07`)
	// lockIDs are the seed's lock IDs, new in every sandbox: whole, or
	// their first 8 characters as the table shows them.
	lockIDs = regexp.MustCompile(`\b[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}\b|\b[0-9a-f]{8}\b`)
	digits  = regexp.MustCompile(`[0-9]+`)
)

// settled is the screen with its escapes once two captures in a row say
// the same: the frame a person would see, not one being drawn.
func (term *terminal) settled() string {
	term.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	last := term.tmux("capture-pane", "-p", "-e", "-t", "lw")
	for time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		now := term.tmux("capture-pane", "-p", "-e", "-t", "lw")
		if sameScreen(screenText(now), screenText(last)) {
			return now
		}
		last = now
	}
	term.t.Fatalf("the screen never settled; last:\n%s", screenText(last))
	return ""
}

var blanks = regexp.MustCompile(` {2,}`)

// sameScreen says two screens' texts say the same, wherever their lines
// break or however many blanks stand between their words.
func sameScreen(a, b string) bool {
	return strings.Join(strings.Fields(a), "") == strings.Join(strings.Fields(b), "")
}

// screenText is what a capture says: no escapes, lock IDs as ID, digits
// as #, runs of blanks as one (a number one digit longer moves its
// neighbours), no trailing blanks.
func screenText(capture string) string {
	lines := strings.Split(escapes.ReplaceAllString(capture, ""), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(blanks.ReplaceAllString(digits.ReplaceAllString(lockIDs.ReplaceAllString(l, "ID"), "#"), " "), " ")
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}

// writeScreenshot keeps a capture and renders it to SVG beside it.
func writeScreenshot(t *testing.T, file, capture string) {
	t.Helper()
	freeze := testenv.CachedTool("LOCKWARDEN_FREEZE", "freeze-0.2.2/freeze")
	if _, err := os.Stat(freeze); err != nil { // before the capture is kept: never one without its picture
		testenv.Unavailable(t, "freeze is not at %s (make screenshots installs it)", freeze)
	}
	if err := os.WriteFile(file, []byte(capture), 0o644); err != nil {
		t.Fatal(err)
	}
	svg := strings.TrimSuffix(file, ".ansi") + ".svg"
	cmd := exec.Command(freeze, "--language", "ansi", "--window", "--padding", "20", "--output", svg, file)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("freeze: %v\n%s", err, out)
	}
}
