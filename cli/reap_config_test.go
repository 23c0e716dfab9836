package cli

import (
	"strings"
	"testing"

	"github.com/lockwarden/lockwarden/model"
)

// reap: is read strictly, a context's fields over the file's, with the
// documented defaults for what is not set — and no default for older_than.
func TestReapPolicySettings(t *testing.T) {
	const cfg = `
reap:
  older_than: 4h
  max_per_run: 5
contexts:
  ci:
    table: locks
    reap:
      older_than: 2h
      operations: [plan, refresh, apply]
  prod:
    table: locks
    reap:
      require_no_state_write: false
  bare:
    table: locks
`
	cases := []struct {
		ctx    string
		policy string
	}{
		{"ci", "older_than 2h, operations plan,refresh,apply, require_no_state_write true, max_per_run 5"},
		{"prod", "older_than 4h, operations plan,refresh, require_no_state_write false, max_per_run 5"},
		{"bare", "older_than 4h, operations plan,refresh, require_no_state_write true, max_per_run 5"},
	}
	for _, c := range cases {
		s, err := settingsWith(t, cfg, nil, "--context", c.ctx)
		if err != nil || s.Reap.String() != c.policy {
			t.Errorf("context %s: %v %q, want %q", c.ctx, err, s.Reap.String(), c.policy)
		}
	}
	// A bad value says where it is.
	if _, err := settingsWith(t, cfg+"  bad:\n    table: locks\n    reap:\n      older_than: soon\n", nil, "--context", "bad"); err == nil ||
		!strings.Contains(err.Error(), "config.yaml: context bad: reap: older_than must be a positive duration") {
		t.Errorf("bad older_than in a context: %v", err)
	}
	s, err := settingsWith(t, "table: locks\n", nil)
	if err != nil || s.Reap.OlderThan != 0 || s.Reap.MaxPerRun != 3 || !s.Reap.RequireNoStateWrite || strings.Join(s.Reap.Operations, ",") != "plan,refresh" {
		t.Errorf("no reap: block: %v %+v, want no older_than and the defaults", err, s.Reap)
	}
}

func TestReapPolicyConfigErrors(t *testing.T) {
	cases := []struct{ cfg, want string }{
		{"reap:\n  olderthan: 1h\n", `unknown key "olderthan" in reap at the top (did you mean "older_than"?)`},
		{"contexts:\n  ci:\n    reap:\n      max_per_ru: 2\n", `unknown key "max_per_ru" in reap in context "ci" (did you mean "max_per_run"?)`},
		{"reap: 1h\n", "reap at the top must be a map"},
		{"reap:\n  older_than: soon\n", `older_than must be a positive duration such as 90m, 2h or 3d4h, not "soon"`},
		{"reap:\n  older_than: -1h\n", "older_than must be a positive duration"},
		{"reap:\n  older_than: 3600\n", "older_than"},
		{"reap:\n  operations: [plan, destroy]\n", "clients lock a destroy as an apply"},
		{"reap:\n  operations: [plna]\n", `operation "plna" is not one lockwarden knows`},
		{"reap:\n  operations: plan\n", "operations"},
		{"reap:\n  operations: []\n", "operations is empty"},
		{"reap:\n  max_per_run: 0\n", "max_per_run must be a whole number of at least 1, not 0"},
		{"reap:\n  max_per_run: 2.5\n", "max_per_run"},
		{"reap:\n  max_per_run: \"3\"\n", "max_per_run"},
		{"reap:\n  require_no_state_write: no\n", `"no" is not a boolean`},
		{"reap:\n  require_no_state_write: off\n", `"off" is not a boolean`},
	}
	for _, c := range cases {
		_, err := settingsWith(t, "table: locks\n"+c.cfg, nil)
		var ue *usageError
		if err == nil || !strings.Contains(err.Error(), c.want) || !asUsage(err, &ue) {
			t.Errorf("%q: %v, want a usage error with %q", c.cfg, err, c.want)
		}
	}
}

func asUsage(err error, ue **usageError) bool {
	u, ok := err.(*usageError)
	*ue = u
	return ok
}

// Flags override the config; older_than is required from one or the other.
func TestReapFlagsOverrideTheConfig(t *testing.T) {
	const cfg = "table: locks\nreap:\n  older_than: 4h\n  operations: [plan]\n  max_per_run: 5\n"
	flagsWith(t, cfg, nil) // the config file, and no LOCKWARDEN_* variables
	var f reapFlags
	parse := func(args ...string) (string, error) {
		cmd := newReapCmd(&Env{})
		addConnectionFlags(cmd.Flags())
		if err := cmd.Flags().Parse(args); err != nil {
			t.Fatal(err)
		}
		f.olderThan, _ = cmd.Flags().GetString("older-than")
		f.operations, _ = cmd.Flags().GetString("operations")
		f.requireNoStateWrite, _ = cmd.Flags().GetBool("require-no-state-write")
		f.maxPerRun, _ = cmd.Flags().GetInt("max-per-run")
		s, err := LoadSettings(cmd.Flags())
		if err != nil {
			return "", err
		}
		p, err := f.policyFor(cmd.Flags(), s)
		return p.String(), err
	}
	cases := []struct {
		args []string
		want string
	}{
		{nil, "older_than 4h, operations plan, require_no_state_write true, max_per_run 5"},
		{[]string{"--older-than", "90m", "--operations", "plan,refresh,apply", "--require-no-state-write=false", "--max-per-run", "1"},
			"older_than 1h30m, operations plan,refresh,apply, require_no_state_write false, max_per_run 1"},
		{[]string{"--older-than", "1d"}, "older_than 1d, operations plan,"},
		// A lower stale_after allows a lower older_than: never under it.
		{[]string{"--older-than", "1ms", "--stale-after", "1ms"}, "older_than 1ms,"},
	}
	for _, c := range cases {
		got, err := parse(c.args...)
		if err != nil || !strings.HasPrefix(got, c.want) {
			t.Errorf("%q: %v %q, want %q", c.args, err, got, c.want)
		}
	}
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"--older-than", "0s"}, "--older-than must be a positive duration"},
		{[]string{"--operations", "destroy"}, "list apply"},
		{[]string{"--max-per-run", "0"}, "--max-per-run must be at least 1"},
		// Under stale_after (1h by default): the reaper would release
		// locks nobody calls stale.
		{[]string{"--older-than", "1ns"}, "older_than 1ns is under stale_after 1h: the reaper releases only stale locks"},
		{[]string{"--older-than", "59m"}, "older_than 59m is under stale_after 1h"},
		{[]string{"--older-than", "2h", "--stale-after", "3h"}, "older_than 2h is under stale_after 3h"},
	} {
		if _, err := parse(bad.args...); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: %v, want %q", bad.args, err, bad.want)
		}
	}
	// Without older_than anywhere, nothing runs.
	flagsWith(t, "table: locks\n", nil)
	if _, err := parse(); err == nil || !strings.Contains(err.Error(), "reap needs older_than") {
		t.Errorf("no older_than: %v", err)
	}
}

// --operations completes the words a policy takes, after those typed,
// and each completion parses.
func TestCompleteOperations(t *testing.T) {
	cases := []struct{ typed, want string }{
		{"", "apply plan refresh import/other init backend-from-plan migration-source-state migration-destination-state state-mv state-push state-rm state-replace-provider taint untaint workspace-new workspace-delete"},
		{"st", "state-mv state-push state-rm state-replace-provider"},
		{"plan,re", "plan,refresh"},
		{"plan,refresh,p", ""},
	}
	for _, c := range cases {
		got, _ := completeOperations(nil, nil, c.typed)
		if strings.Join(got, " ") != c.want {
			t.Errorf("%q: %q, want %q", c.typed, got, c.want)
		}
		for _, g := range got {
			if _, err := model.ParseReapOperations([]string{g}); err != nil {
				t.Errorf("%q completes to %q, which does not parse: %v", c.typed, g, err)
			}
		}
	}
}
