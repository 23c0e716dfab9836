package cli

import (
	"strings"
	"testing"

	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/model"
)

// Flags override the config; older_than is required from one or the other.
func TestReapFlagsOverrideTheConfig(t *testing.T) {
	const cfg = "table: locks\nreap:\n  older_than: 4h\n  operations: [plan]\n  max_per_run: 5\n"
	useConfig(t, cfg)
	var f reapFlags
	parse := func(args ...string) (string, error) {
		cmd := newReapCmd(&Env{})
		config.AddFlags(cmd.Flags())
		if err := cmd.Flags().Parse(args); err != nil {
			t.Fatal(err)
		}
		f.olderThan, _ = cmd.Flags().GetString("older-than")
		f.operations, _ = cmd.Flags().GetString("operations")
		f.requireNoStateWrite, _ = cmd.Flags().GetBool("require-no-state-write")
		f.maxPerRun, _ = cmd.Flags().GetInt("max-per-run")
		s, err := config.Load(cmd.Flags())
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
	useConfig(t, "table: locks\n")
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
