package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/lockwarden/lockwarden/audit"
	"github.com/lockwarden/lockwarden/config"
)

const completionConfig = `context: prod
contexts:
  prod:
    table: terraform-locks
  staging:
    table: terraform-locks-staging
  dev:
    table: terraform-locks-dev
`

// completionEnv points the default config at a file holding cfg (none
// when cfg is "") and clears the LOCKWARDEN_* variables, as a fresh shell.
func completionEnv(t *testing.T, cfg string) string {
	t.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, config.EnvPrefix+"_") {
			t.Setenv(name, "")
			os.Unsetenv(name)
		}
	}
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	path := filepath.Join(dir, "lockwarden", "config.yaml")
	if cfg != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func TestCompleteContexts(t *testing.T) {
	completionEnv(t, completionConfig)
	root := newRoot(&Env{})
	for _, tc := range []struct {
		typed string
		want  []string
	}{
		{"", []string{"dev", "prod", "staging"}},
		{"st", []string{"staging"}},
		{"x", nil},
		// Several contexts, comma-separated: the last one is completed
		// after those typed, and none is offered twice.
		{"prod,", []string{"prod,dev", "prod,staging"}},
		{"prod,s", []string{"prod,staging"}},
		{"dev,prod,", []string{"dev,prod,staging"}},
	} {
		got, directive := completeContexts(root, nil, tc.typed)
		if !slices.Equal(got, tc.want) || directive != cobra.ShellCompDirectiveNoFileComp {
			t.Errorf("--context %q: %q (directive %d), want %q (no file completion)", tc.typed, got, directive, tc.want)
		}
	}
}

// A config that cannot be read or parsed gives no completions and no
// file names, and says nothing: the shell is mid-line.
func TestCompleteContextsFailsQuietly(t *testing.T) {
	for name, cfg := range map[string]string{
		"missing":     "",
		"unknown key": "contexts:\n  prod:\n    tabel: x\n",
		"not yaml":    "contexts: [\n",
	} {
		t.Run(name, func(t *testing.T) {
			completionEnv(t, cfg)
			root := newRoot(&Env{})
			got, directive := completeContexts(root, nil, "")
			if len(got) != 0 || directive != cobra.ShellCompDirectiveNoFileComp {
				t.Errorf("%q (directive %d), want nothing and no file completion", got, directive)
			}
			out, errOut, code := run(t, time.Now(), "__complete", "list", "--context", "")
			if code != ExitOK || out != ":4\n" || strings.Contains(errOut, "lockwarden:") || strings.Contains(errOut, "Error") {
				t.Errorf("__complete: exit %d, stdout %q, stderr %q", code, out, errOut)
			}
		})
	}
}

// The shell asks through cobra's hidden __complete command; --config
// given before the flag being completed is the file read.
func TestCompleteContextsThroughMain(t *testing.T) {
	completionEnv(t, "")
	cfg := filepath.Join(t.TempDir(), "team.yaml")
	if err := os.WriteFile(cfg, []byte(completionConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"__complete", "--config", cfg, "--context", ""}, "dev\nprod\nstaging\n:4\n"},
		{[]string{"__complete", "list", "--config", cfg, "--context", "prod,d"}, "prod,dev\n:4\n"},
		// The shell script puts back the "--context=" cobra leaves off.
		{[]string{"__complete", "unlock", "--config", cfg, "--context=st"}, "staging\n:4\n"},
		// No --config and no default file: nothing.
		{[]string{"__complete", "--context", ""}, ":4\n"},
	} {
		out, errOut, code := run(t, now, tc.args...)
		if code != ExitOK || out != tc.want || strings.Contains(errOut, "lockwarden:") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want stdout %q", tc.args, code, out, errOut, tc.want)
		}
	}
}

func TestCompleteRecordIDs(t *testing.T) {
	completionEnv(t, "")
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l := &audit.Log{Path: path}
	at := func(min int) time.Time { return time.Date(2026, 11, 26, 7, min, 0, 0, time.UTC) }
	write := func(recs ...audit.Record) {
		for _, r := range recs {
			if err := l.Append(r); err != nil {
				t.Fatal(err)
			}
		}
	}
	act := func(id, action, lockID string, min int, outcome string, restoreOf string) []audit.Record {
		in := audit.Record{RecordID: id, Phase: audit.PhaseIntent, Time: at(min), Action: action, LockID: lockID, RestoreOf: restoreOf}
		if outcome == "" {
			return []audit.Record{in}
		}
		out := in
		out.Phase, out.Outcome = audit.PhaseOutcome, outcome
		return []audit.Record{in, out}
	}
	const (
		released  = "r-20261126-070100-0000000000000001"
		undone    = "r-20261126-070200-0000000000000002"
		refused   = "r-20261126-070300-0000000000000003"
		repaired  = "r-20261126-070400-0000000000000004"
		noOutcome = "r-20261126-070500-0000000000000005"
		restore   = "r-20261126-070600-0000000000000006"
	)
	write(act(released, audit.ActionForceUnlock, "tfstate/app/terraform.tfstate", 1, audit.OutcomeReleased, "")...)
	write(act(undone, audit.ActionForceUnlock, "tfstate/web/terraform.tfstate", 2, audit.OutcomeReleased, "")...)
	write(act(refused, audit.ActionForceUnlock, "tfstate/db/terraform.tfstate", 3, audit.OutcomeChanged, "")...)
	write(act(repaired, audit.ActionDigestRepair, "tfstate/net/terraform.tfstate-md5", 4, audit.OutcomeRepaired, "")...)
	write(act(noOutcome, audit.ActionForceUnlock, "tfstate/dns/terraform.tfstate", 5, "", "")...)
	write(act(restore, audit.ActionRestore, "tfstate/web/terraform.tfstate", 6, audit.OutcomeRestored, undone)...)

	// Newest first; neither the restored release, the refused one nor the
	// restore itself.
	want := []string{
		noOutcome + "\trelease (outcome unknown: restore checks it went) tfstate/dns/terraform.tfstate 2026-11-26 07:05 UTC",
		repaired + "\tdigest repaired tfstate/net/terraform.tfstate 2026-11-26 07:04 UTC",
		released + "\treleased tfstate/app/terraform.tfstate 2026-11-26 07:01 UTC",
	}
	root := newRoot(&Env{})
	restoreCmd, _, err := root.Find([]string{"restore"})
	if err != nil {
		t.Fatal(err)
	}
	if err := restoreCmd.ParseFlags([]string{"--audit-file", path}); err != nil {
		t.Fatal(err)
	}
	got, directive := completeRecordIDs(restoreCmd, nil, "")
	if !slices.Equal(got, want) || directive != cobra.ShellCompDirectiveNoFileComp|cobra.ShellCompDirectiveKeepOrder {
		t.Errorf("restore completions (directive %d):\n%s\nwant:\n%s", directive, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got, _ := completeRecordIDs(restoreCmd, nil, "r-20261126-0704"); !slices.Equal(got, want[1:2]) {
		t.Errorf("restore r-20261126-0704: %q, want %q", got, want[1:2])
	}
	if got, _ := completeRecordIDs(restoreCmd, []string{released}, ""); len(got) != 0 {
		t.Errorf("a second argument: %q, want none (restore takes one)", got)
	}

	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	out, errOut, code := run(t, now, "__complete", "restore", "--audit-file", path, "")
	if code != ExitOK || out != strings.Join(want, "\n")+"\n:36\n" || strings.Contains(errOut, "lockwarden:") {
		t.Errorf("__complete restore: exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
	// No audit log yet, or one that cannot be read: nothing, quietly.
	for _, p := range []string{filepath.Join(t.TempDir(), "none.jsonl"), t.TempDir()} {
		out, errOut, code = run(t, now, "__complete", "restore", "--audit-file", p, "")
		if code != ExitOK || out != ":4\n" || strings.Contains(errOut, "lockwarden:") {
			t.Errorf("__complete restore (audit file %s): exit %d, stdout %q, stderr %q", p, code, out, errOut)
		}
	}
}

// cobra's completion command writes each shell's script.
func TestCompletionScripts(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	for _, shell := range []string{"bash", "zsh", "fish"} {
		out, errOut, code := run(t, now, "completion", shell)
		if code != ExitOK || !strings.Contains(out, "__complete") || !strings.Contains(out, "lockwarden") || errOut != "" {
			t.Errorf("completion %s: exit %d, stderr %q, %d bytes", shell, code, errOut, len(out))
		}
	}
}
