package cli

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lockwarden/lockwarden/config"
	"github.com/spf13/pflag"
)

// Every spelling of read-only — environment and config file — leaves the
// UI with no write path at all, and the header badge on.
func TestReadOnlySpellingsGiveTheUINoWritePath(t *testing.T) {
	rec, _, _ := seededTable(t)
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, "c.yaml")
		if err := os.WriteFile(p, []byte("contexts:\n  prod:\n    table: locks\n    endpoint: "+rec.URL+"\n"+body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		env  map[string]string
		body string
	}{
		{map[string]string{"LOCKWARDEN_READONLY": "TRUE"}, ""},
		{map[string]string{"LOCKWARDEN_READONLY": "True"}, ""},
		{map[string]string{"LOCKWARDEN_READONLY": "1"}, ""},
		{nil, "    readonly: TRUE\n"},
		{nil, "    readonly: \"True\"\n"},
		{nil, "    readonly: 1\n"},
	}
	for _, c := range cases {
		for k, v := range c.env {
			t.Setenv(k, v)
		}
		fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
		config.AddFlags(fs)
		if err := fs.Parse([]string{"--config", write(c.body), "--context", "prod"}); err != nil {
			t.Fatal(err)
		}
		s, err := config.Load(fs)
		if err != nil {
			t.Fatalf("%v %q: %v", c.env, c.body, err)
		}
		_, cfg, err := connect(context.Background(), &Env{Now: func() time.Time { return fixtureNow }}, s, func(string, ...any) {})
		if err != nil {
			t.Fatal(err)
		}
		if !cfg.ReadOnly || cfg.Releaser != nil {
			t.Errorf("%v %q: UI read-only %v, write path %v", c.env, c.body, cfg.ReadOnly, cfg.Releaser != nil)
		}
		for k := range c.env {
			os.Unsetenv(k) // t.Setenv above restores it after the test
		}
	}
	if w := rec.writes(); len(w) != 0 {
		t.Fatalf("writes: %v", w)
	}
}
