package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

const testConfig = `
context: prod
stale_after: 2h
table: global-table
segments: 8
contexts:
  prod:
    profile: prod-admin
    region: eu-west-1
    table: terraform-locks
    readonly: true
  staging:
    region: us-east-2
    stale_after: 15m
    workspace_key_prefix: workspaces
`

// settingsWith parses args as the root command's flags against a config
// file holding cfg, with no LOCKWARDEN_* variables but those given.
func settingsWith(t *testing.T, cfg string, env map[string]string, args ...string) (Settings, error) {
	t.Helper()
	for _, k := range []string{"CONFIG", "CONTEXT", "TABLE", "REGION", "PROFILE", "ENDPOINT_URL", "STALE_AFTER", "SEGMENTS", "READONLY", "POLL_INTERVAL", "S3_ENDPOINT_URL"} {
		t.Setenv("LOCKWARDEN_"+k, "")
	}
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	if cfg != "" {
		p := filepath.Join(dir, "lockwarden", "config.yaml")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	addConnectionFlags(fs)
	fs.String("poll-interval", "", "")
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return LoadSettings(fs)
}

func TestSettingsPrecedence(t *testing.T) {
	// The default context applies; the global stale_after fills in.
	s, err := settingsWith(t, testConfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Context != "prod" || s.Profile != "prod-admin" || s.Region != "eu-west-1" || s.Table != "terraform-locks" ||
		!s.ReadOnly || s.StaleAfter != 2*time.Hour || s.Segments != 8 || s.WorkspaceKeyPrefix != "env:" {
		t.Errorf("default context: %+v", s)
	}
	if strings.Join(s.Contexts, ",") != "prod,staging" {
		t.Errorf("contexts %v", s.Contexts)
	}

	// --context picks another; the context's values beat the global ones.
	s, err = settingsWith(t, testConfig, nil, "--context", "staging")
	if err != nil {
		t.Fatal(err)
	}
	if s.Table != "global-table" || s.Region != "us-east-2" || s.StaleAfter != 15*time.Minute || s.ReadOnly || s.WorkspaceKeyPrefix != "workspaces" {
		t.Errorf("staging context: %+v", s)
	}

	// Environment beats the config file; a flag beats the environment.
	s, err = settingsWith(t, testConfig, map[string]string{"LOCKWARDEN_TABLE": "env-table", "LOCKWARDEN_REGION": "ap-south-1"}, "--region", "sa-east-1")
	if err != nil {
		t.Fatal(err)
	}
	if s.Table != "env-table" || s.Region != "sa-east-1" {
		t.Errorf("env/flag precedence: table %q region %q", s.Table, s.Region)
	}

	// --readonly=false lifts a context's read-only for this run.
	s, _ = settingsWith(t, testConfig, nil, "--readonly=false")
	if s.ReadOnly {
		t.Error("--readonly=false did not win over the context")
	}
}

func TestSettingsWithoutConfigFile(t *testing.T) {
	s, err := settingsWith(t, "", nil, "--table", "locks", "--region", "eu-west-1", "--endpoint-url", "http://127.0.0.1:8000", "--stale-after", "90m")
	if err != nil {
		t.Fatal(err)
	}
	if s.Table != "locks" || s.Region != "eu-west-1" || s.Endpoint != "http://127.0.0.1:8000" || s.StaleAfter != 90*time.Minute ||
		s.Segments != 4 || s.PollInterval != 5*time.Second || s.ConfigFile != "" {
		t.Errorf("%+v", s)
	}
}

func TestSettingsErrors(t *testing.T) {
	cases := []struct {
		cfg  string
		args []string
		want string
	}{
		{testConfig, []string{"--context", "nope"}, `context "nope" is not configured; known contexts: prod, staging`},
		{"", []string{"--context", "prod"}, `context "prod": no contexts are configured`},
		{"", []string{"--config", "/nonexistent/lockwarden.yaml"}, "config file /nonexistent/lockwarden.yaml does not exist"},
		{"contexts: [1, 2", nil, "config file"},
		{"stale_after: forever\ntable: t", nil, `stale-after must be a positive duration such as 90m or 2h, not "forever"`},
	}
	for _, c := range cases {
		_, err := settingsWith(t, c.cfg, nil, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.args, err, c.want)
		}
	}
}

// config.example.yaml must stay loadable and cover every key the loader
// knows.
func TestExampleConfigLoads(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "config.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := settingsWith(t, string(b), nil)
	if err != nil {
		t.Fatalf("config.example.yaml: %v", err)
	}
	home, _ := os.UserHomeDir()
	if !strings.HasPrefix(s.AuditFile, home+"/") {
		t.Errorf("audit_file ~/ not expanded: %s", s.AuditFile)
	}
	if len(s.Contexts) < 2 || s.Table == "" {
		t.Errorf("example config should define contexts and a default: %+v", s)
	}
	for _, key := range []string{"context:", "contexts:", "profile:", "region:", "table:", "endpoint:", "s3_endpoint:", "buckets:", "stale_after:", "poll_interval:", "segments:", "workspace_key_prefix:", "readonly:", "audit_file:"} {
		if !strings.Contains(string(b), key) {
			t.Errorf("config.example.yaml does not document %s", key)
		}
	}
}
