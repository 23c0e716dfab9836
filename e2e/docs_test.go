package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/lockwarden/lockwarden/internal/testenv"
	"github.com/lockwarden/lockwarden/sandbox"
)

// snippet is one command of a docs block marked "sh sandbox", and the
// exit code the page says it has (0 unless the line ends "# exit N").
type snippet struct {
	where, command string
	exit           int
}

var expectedExit = regexp.MustCompile(`\s+#\s*exit\s+(\d+)\s*$`)

// Every command the docs mark as runnable on the sandbox (a fence
// "```sh sandbox") runs: bare `lockwarden …` with a config that points at
// a freshly seeded sandbox, one sandbox per block, no terminal on stdin,
// exiting as the page says. A command renamed, a flag dropped or an exit
// code changed fails here, not in a reader's terminal.
func TestDocsSnippetsRunOnTheSandbox(t *testing.T) {
	blocks := sandboxBlocks(t)
	if len(blocks) < 5 {
		t.Fatalf("%d runnable blocks in the docs: is the fence still \"```sh sandbox\"?", len(blocks))
	}
	for _, block := range blocks {
		t.Run(block.where, func(t *testing.T) {
			if len(block.commands) == 0 {
				t.Fatalf("%s: a block marked sh sandbox holds no command", block.where)
			}
			env, dir := sandboxShell(t), t.TempDir() // one directory a block's commands share
			for _, s := range block.commands {
				cmd := exec.Command("bash", "-c", s.command)
				cmd.Env, cmd.Dir = env, dir
				out, err := cmd.CombinedOutput()
				code := 0
				var exit *exec.ExitError
				if errors.As(err, &exit) {
					code = exit.ExitCode()
				} else if err != nil {
					t.Fatal(err)
				}
				if code != s.exit {
					t.Errorf("%s: %s: exit %d, the page says %d\n%s", s.where, s.command, code, s.exit, out)
				}
			}
		})
	}
}

// sandboxBlock is a marked block: where it opens, and its commands.
type sandboxBlock struct {
	where    string
	commands []snippet
}

// sandboxBlocks are the marked blocks of the README and docs/.
func sandboxBlocks(t *testing.T) []sandboxBlock {
	t.Helper()
	var blocks []sandboxBlock
	for _, file := range testenv.MarkdownFiles(t, "..") {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel("..", file)
		var block sandboxBlock
		in := false
		for n, line := range strings.Split(string(raw), "\n") {
			trimmed := strings.TrimSpace(line)
			switch {
			case !in && trimmed == "```sh sandbox":
				in, block = true, sandboxBlock{where: fmt.Sprintf("%s:%d", rel, n+1)}
			case in && trimmed == "```":
				in = false
				blocks = append(blocks, block)
			case in && trimmed != "" && !strings.HasPrefix(trimmed, "#"):
				s := snippet{where: fmt.Sprintf("%s:%d", rel, n+1), command: trimmed}
				if m := expectedExit.FindStringSubmatch(trimmed); m != nil {
					s.exit, _ = strconv.Atoi(m[1])
					s.command = strings.TrimSpace(strings.TrimSuffix(trimmed, m[0]))
				}
				block.commands = append(block.commands, s)
			}
		}
	}
	return blocks
}

// sandboxShell starts a seeded sandbox and returns the environment a
// docs command runs in: lockwarden first on PATH, a config file pointing
// at the sandbox, its own state directory.
func sandboxShell(t *testing.T) []string {
	t.Helper()
	sb, err := sandbox.Start(context.Background(), sandbox.Options{DynamoAddr: "127.0.0.1:0", S3Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	home := configHome(t, sandboxConfig(sb))
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LOCKWARDEN_") && !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "PATH=") {
			env = append(env, kv)
		}
	}
	return append(env, "PATH="+filepath.Dir(lockwardenBin)+":"+os.Getenv("PATH"), "XDG_CONFIG_HOME="+home, "XDG_STATE_HOME="+t.TempDir(),
		"AWS_ACCESS_KEY_ID=sandbox", "AWS_SECRET_ACCESS_KEY=sandbox", "NO_COLOR=1")
}

// sandboxConfig is a config file's top-level keys pointing at sb: its
// table and its bucket.
func sandboxConfig(sb *sandbox.Sandbox) string {
	return fmt.Sprintf("region: %s\ntable: %s\nendpoint: %s\nbuckets: [%s]\ns3_endpoint: %s\n", sandbox.Region, sandbox.Table, sb.DynamoURL, sandbox.Bucket, sb.S3URL)
}

// configHome is an XDG_CONFIG_HOME whose lockwarden/config.yaml is config.
func configHome(t *testing.T, config string) string {
	t.Helper()
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, "lockwarden"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "lockwarden", "config.yaml"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return home
}
