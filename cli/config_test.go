package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lockwarden/lockwarden/config"
	"github.com/spf13/pflag"
)

// useConfig makes cfg the config file a run reads by default, with no
// LOCKWARDEN_* variable set and an audit file of the test's own: what the
// config package's tests check, seen through the commands.
func useConfig(t *testing.T, cfg string) {
	t.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "LOCKWARDEN_") {
			t.Setenv(name, "") // restored after the test
			os.Unsetenv(name)
		}
	}
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("XDG_STATE_HOME", t.TempDir()) // the audit file too: never the real one
	p := filepath.Join(dir, "lockwarden", "config.yaml")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Every command's own boolean flags are read as strictly as the config's
// (config.StrictBools): pflag's own parser would take t, f, T and F.
func TestCommandBooleanFlagsAreStrict(t *testing.T) {
	_, errOut, code := run(t, time.Now(), "list", "--table", "t", "--stale=t")
	if code != ExitUsage || !strings.Contains(errOut, "not a boolean") {
		t.Errorf("list --stale=t: exit %d %q", code, errOut)
	}
}

// connectionFlags parses args as the flags every command shares.
func connectionFlags(t *testing.T, args ...string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	config.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs
}
