package config

import (
	"strings"
	"testing"
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
		var ue *UsageError
		if err == nil || !strings.Contains(err.Error(), c.want) || !asUsage(err, &ue) {
			t.Errorf("%q: %v, want a usage error with %q", c.cfg, err, c.want)
		}
	}
}

func asUsage(err error, ue **UsageError) bool {
	u, ok := err.(*UsageError)
	*ue = u
	return ok
}
