package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lockwarden/lockwarden/internal/testenv"
	"github.com/lockwarden/lockwarden/sandbox"
)

// terminal is the real lockwarden binary running in a tmux pane.
type terminal struct {
	t      *testing.T
	socket string
}

func startTerminal(t *testing.T, width, height int, env []string, args ...string) *terminal {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		testenv.Unavailable(t, "tmux is not installed")
	}
	term := &terminal{t: t, socket: fmt.Sprintf("lockwarden-e2e-%d-%d", os.Getpid(), time.Now().UnixNano())}
	cmdline := strings.Join(append(env, append([]string{lockwardenBin}, args...)...), " ")
	term.tmux("new-session", "-d", "-s", "lw", "-x", fmt.Sprint(width), "-y", fmt.Sprint(height), cmdline)
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", term.socket, "kill-server").Run() })
	return term
}

func (term *terminal) tmux(args ...string) string {
	term.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", term.socket}, args...)...).CombinedOutput()
	if err != nil {
		term.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (term *terminal) screen() string { return term.tmux("capture-pane", "-p", "-t", "lw") }

// waitFor polls the screen until it shows every want, or fails with the
// last screen.
func (term *terminal) waitFor(what string, want ...string) string {
	term.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		last = term.screen()
		ok := true
		for _, w := range want {
			if !strings.Contains(last, w) {
				ok = false
			}
		}
		if ok {
			return last
		}
		time.Sleep(50 * time.Millisecond)
	}
	term.t.Fatalf("the screen never showed %s (%q); last screen:\n%s", what, want, last)
	return ""
}

func TestTUIShowsALockAppearAndGo(t *testing.T) {
	sb := startSandbox(t)
	term := startTerminal(t, 120, 35, []string{"NO_COLOR=1"}, "--table", sandbox.Table, "--endpoint-url", sb.DynamoURL, "--poll-interval", "200ms")
	term.waitFor("the empty table", "No locks in table terraform-locks", "● live")

	ctx := context.Background()
	li := sandbox.NewInfo("tfstate/e2e/tui/terraform.tfstate", "OperationTypeApply", "tmux@e2e", "1.5.7", time.Now())
	if err := sandbox.Lock(ctx, sb.Dynamo, sandbox.Table, li); err != nil {
		t.Fatal(err)
	}
	term.waitFor("the new lock", "+ tfstate/e2e/tui/terraform.tfstate", "tmux@e2e", "1 lock", "1 new")
	// NO_COLOR: attributes such as bold and reverse may stay, colours go.
	withEscapes := term.tmux("capture-pane", "-p", "-e", "-t", "lw")
	for _, colour := range []string{"[38;", "[48;", "[31m", "[32m", "[33m", "[91m"} {
		if strings.Contains(withEscapes, colour) {
			t.Errorf("NO_COLOR screen holds the colour sequence %q", colour)
		}
	}
	if !regexp.MustCompile(`\x1b\[[0-9;]*7m(\x1b\[[0-9;]*m)*\+ tfstate/e2e/tui`).MatchString(withEscapes) {
		t.Error("the selected row is not shown in reverse video")
	}

	if err := sandbox.Unlock(ctx, sb.Dynamo, sandbox.Table, li); err != nil {
		t.Fatal(err)
	}
	term.waitFor("the release", "released: tfstate/e2e/tui/terraform.tfstate — apply by tmux@e2e", "No locks in table")

	term.tmux("send-keys", "-t", "lw", "q")
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if err := exec.Command("tmux", "-L", term.socket, "has-session", "-t", "lw").Run(); err != nil {
			return // the program quit and its session ended
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("q did not quit lockwarden")
}
