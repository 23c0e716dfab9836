package config

import (
	"errors"
	"io"
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
	return Load(flagsWith(t, cfg, env, args...))
}

// flagsWith is settingsWith's set-up: the parsed flags, the config file
// and the environment.
func flagsWith(t *testing.T, cfg string, env map[string]string, args ...string) *pflag.FlagSet {
	t.Helper()
	for _, k := range []string{"CONFIG", "CONTEXT", "ALL_CONTEXTS", "TABLE", "REGION", "PROFILE", "ENDPOINT_URL", "STALE_AFTER", "SEGMENTS", "READONLY", "WRITE", "AUDIT_FILE", "POLL_INTERVAL", "S3_ENDPOINT_URL"} {
		t.Setenv("LOCKWARDEN_"+k, "") // restored after the test
		os.Unsetenv("LOCKWARDEN_" + k)
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
	AddFlags(fs)
	fs.String("poll-interval", "", "")
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs
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

	// --readonly=false does not lift a context's read-only: only --write
	// does, and says so.
	_, err = settingsWith(t, testConfig, nil, "--readonly=false")
	if err == nil || !strings.Contains(err.Error(), "pass --write") {
		t.Errorf("--readonly=false on a read-only context: %v", err)
	}
	s, err = settingsWith(t, testConfig, nil, "--write")
	if err != nil || s.ReadOnly {
		t.Errorf("--write: read-only %v, %v", s.ReadOnly, err)
	}
}

// --stale-after reads durations as lockwarden shows them, days included.
func TestStaleAfterAcceptsDays(t *testing.T) {
	s, err := settingsWith(t, "", nil, "--table", "t", "--stale-after", "3d4h")
	if err != nil || s.StaleAfter != 76*time.Hour {
		t.Errorf("3d4h: %v, %v", s.StaleAfter, err)
	}
	s, err = settingsWith(t, "table: t\nstale_after: 1d\n", nil)
	if err != nil || s.StaleAfter != 24*time.Hour {
		t.Errorf("stale_after: 1d: %v, %v", s.StaleAfter, err)
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
		{"stale_after: forever\ntable: t", nil, `stale-after must be a positive duration such as 90m, 2h or 3d4h, not "forever"`},
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
	for _, key := range append(append([]string{}, contextKeys...), topKeys...) {
		if !strings.Contains(string(b), key+":") {
			t.Errorf("config.example.yaml does not document %s", key)
		}
	}
}

const writableConfig = `
contexts:
  Prod-EU:
    table: locks
    readonly: true
  dev:
    table: locks
`

// Booleans are read strictly, from the environment and the file alike:
// any case of true/false, 1/0; anything else is an error, never false.
func TestStrictBooleans(t *testing.T) {
	for _, val := range []string{"TRUE", "True", "true", "tRuE", "1"} {
		s, err := settingsWith(t, writableConfig, map[string]string{"LOCKWARDEN_READONLY": val}, "--context", "dev")
		if err != nil || !s.ReadOnly {
			t.Errorf("LOCKWARDEN_READONLY=%s: read-only %v, %v", val, s.ReadOnly, err)
		}
	}
	for _, val := range []string{"yes", "on", "t", "y", "enabled", "2", "truee"} {
		s, err := settingsWith(t, writableConfig, map[string]string{"LOCKWARDEN_READONLY": val}, "--context", "dev")
		if err == nil || !strings.Contains(err.Error(), "not a boolean") || !strings.Contains(err.Error(), "LOCKWARDEN_READONLY") {
			t.Errorf("LOCKWARDEN_READONLY=%s: read-only %v, error %v; want an error", val, s.ReadOnly, err)
		}
		_, err = settingsWith(t, writableConfig, map[string]string{"LOCKWARDEN_WRITE": val}, "--context", "Prod-EU")
		if err == nil || !strings.Contains(err.Error(), "not a boolean") {
			t.Errorf("LOCKWARDEN_WRITE=%s: error %v; want an error", val, err)
		}
	}
	for _, name := range []string{"LOCKWARDEN_READONLY", "LOCKWARDEN_WRITE"} {
		_, err := settingsWith(t, writableConfig, map[string]string{name: " "}, "--context", "dev")
		if err == nil || !strings.Contains(err.Error(), name+" is set but empty") {
			t.Errorf("%s set but empty: %v", name, err)
		}
	}
	for _, val := range []string{"TRUE", "True", `"tRuE"`, "1", `"1"`} {
		s, err := settingsWith(t, "table: t\nreadonly: "+val+"\n", nil)
		if err != nil || !s.ReadOnly {
			t.Errorf("readonly: %s: read-only %v, %v", val, s.ReadOnly, err)
		}
	}
	for _, val := range []string{"yes", "on", "2", "[true]", `"t"`, "0.5", "0x0", "00", "+0", "0.0", "1e0", "0x1", "01", "+1", "1.0", "0o1", `"0x0"`} {
		s, err := settingsWith(t, "table: t\nreadonly: "+val+"\n", nil)
		if err == nil || !strings.Contains(err.Error(), "config file") {
			t.Errorf("readonly: %s: read-only %v, error %v; want an error", val, s.ReadOnly, err)
		}
	}
	// The same inside a context, for require_reason, and in a reap: block.
	for _, cfg := range []string{
		"contexts:\n  prod:\n    table: t\n    readonly: 0x0\n",
		"contexts:\n  prod:\n    table: t\n    require_reason: 1e0\n",
		"table: t\nreap:\n  require_no_state_write: +0\n",
		"contexts:\n  prod:\n    table: t\n    reap:\n      require_no_state_write: 0.0\n",
	} {
		if _, err := settingsWith(t, cfg, nil, "--context", "prod"); err == nil || !strings.Contains(err.Error(), "is not a boolean") {
			t.Errorf("%q: %v; want a usage error", cfg, err)
		}
	}
}

// Boolean flags are read as strictly as the config: pflag's own parser
// would take t, f, T and F.
func TestStrictBooleanFlags(t *testing.T) {
	for _, val := range []string{"t", "f", "T", "F", "yes", "00"} {
		for _, flag := range []string{"--readonly", "--write", "--all-contexts"} {
			fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
			fs.SetOutput(io.Discard)
			AddFlags(fs)
			if err := fs.Parse([]string{flag + "=" + val}); err == nil || !strings.Contains(err.Error(), "not a boolean") {
				t.Errorf("%s=%s: %v; want an error", flag, val, err)
			}
		}
	}
	for val, want := range map[string]bool{"true": true, "TRUE": true, "1": true, "false": false, "0": false, "False": false} {
		s, err := settingsWith(t, writableConfig, nil, "--context", "dev", "--readonly="+val)
		if err != nil || s.ReadOnly != want {
			t.Errorf("--readonly=%s: read-only %v, %v", val, s.ReadOnly, err)
		}
	}
}

// A key lockwarden does not know is an error naming the key, the file and
// the nearest known key — at the top and inside a context.
func TestUnknownKeysAreErrors(t *testing.T) {
	cases := []struct{ cfg, key, where, nearest string }{
		{"table: t\nread_only: true\n", "read_only", "at the top", "readonly"},
		{"contexts:\n  prod:\n    table: t\n    readOnly: true\n", "readOnly", `in context "prod"`, "readonly"},
		{"contexts:\n  prod:\n    tabel: t\n", "tabel", `in context "prod"`, "table"},
		{"contexts:\n  prod:\n    table: t\n    READONLY: true\n", "READONLY", `in context "prod"`, "readonly"},
		{"table: t\nbucket: [b]\n", "bucket", "at the top", "buckets"},
		{"table: t\ncontext_name: x\n", "context_name", "at the top", "context"},
	}
	for _, c := range cases {
		s, err := settingsWith(t, c.cfg, nil)
		if err == nil {
			t.Errorf("%q: accepted (%+v)", c.cfg, s)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, `unknown key "`+c.key+`" `+c.where) || !strings.Contains(msg, `did you mean "`+c.nearest+`"`) ||
			!strings.Contains(msg, "config.yaml") {
			t.Errorf("%q: %s", c.cfg, msg)
		}
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Errorf("%q: not a usage error (exit 2): %T", c.cfg, err)
		}
	}
	_, err := settingsWith(t, "contexts:\n  prod:\n    table: t\n    contexts: {}\n", nil)
	if err == nil || !strings.Contains(err.Error(), "belongs at the top") {
		t.Errorf("contexts inside a context: %v", err)
	}
	_, err = settingsWith(t, "contexts:\n  prod: {table: a}\n  Prod: {table: b}\n", nil)
	if err == nil || !strings.Contains(err.Error(), "differ only in case") {
		t.Errorf("contexts differing in case: %v", err)
	}
}

// A LOCKWARDEN_* variable lockwarden would ignore is an error.
func TestUnknownEnvironmentVariable(t *testing.T) {
	_, err := settingsWith(t, writableConfig, map[string]string{"LOCKWARDEN_READ_ONLY": "true"}, "--context", "dev")
	if err == nil || !strings.Contains(err.Error(), "unknown environment variable LOCKWARDEN_READ_ONLY (did you mean LOCKWARDEN_READONLY?)") {
		t.Errorf("LOCKWARDEN_READ_ONLY: %v", err)
	}
}

// Context names keep the case they are written in.
func TestContextNamesKeepCase(t *testing.T) {
	s, err := settingsWith(t, writableConfig, nil, "--context", "Prod-EU")
	if err != nil || s.Context != "Prod-EU" || !s.ReadOnly || strings.Join(s.Contexts, ",") != "Prod-EU,dev" {
		t.Errorf("--context Prod-EU: %+v, %v", s, err)
	}
	_, err = settingsWith(t, writableConfig, nil, "--context", "prod-eu")
	if err == nil || !strings.Contains(err.Error(), "known contexts: Prod-EU, dev") {
		t.Errorf("--context prod-eu: %v", err)
	}
}

// --write lifts read-only only for the context named at start; every
// switch decides again from the new context's config.
func TestWriteIsDecidedPerContext(t *testing.T) {
	flagsFor := func(args ...string) *pflag.FlagSet {
		if _, err := settingsWith(t, writableConfig, nil); err != nil {
			t.Fatal(err)
		}
		fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
		AddFlags(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return fs
	}
	readOnly := func(fs *pflag.FlagSet, name string) bool {
		t.Helper()
		s, err := LoadFor(fs, name)
		if err != nil {
			t.Fatal(err)
		}
		return s.ReadOnly
	}
	// Started writable on dev with --write: switching to Prod-EU is
	// read-only, and stays so however often it is visited.
	fs := flagsFor("--context", "dev", "--write")
	if readOnly(fs, "dev") || !readOnly(fs, "Prod-EU") || readOnly(fs, "dev") || !readOnly(fs, "Prod-EU") {
		t.Error("--write on dev carried over to Prod-EU")
	}
	// Started on Prod-EU with --write: writable there, and on dev by its
	// own config.
	fs = flagsFor("--context", "Prod-EU", "--write")
	if readOnly(fs, "Prod-EU") || readOnly(fs, "dev") || readOnly(fs, "Prod-EU") {
		t.Error("--write did not lift the start context's read-only")
	}
	// --readonly holds for the whole run.
	fs = flagsFor("--context", "dev", "--readonly")
	if !readOnly(fs, "dev") || !readOnly(fs, "Prod-EU") {
		t.Error("--readonly did not hold across switches")
	}
	// Each read-only says why and what lifts it: never "use --write" where
	// --write cannot.
	why := func(fs *pflag.FlagSet, name string) string {
		s, err := LoadFor(fs, name)
		if err != nil {
			t.Fatal(err)
		}
		return s.ReadOnlyWhy
	}
	if w := why(flagsFor("--context", "dev", "--write"), "Prod-EU"); !strings.Contains(w, "--write lifts only the context named at start: restart with --context Prod-EU --write") {
		t.Errorf("switched to a read-only context: %q", w)
	}
	if w := why(flagsFor("--context", "dev", "--readonly"), "dev"); !strings.Contains(w, "--readonly (or LOCKWARDEN_READONLY) is set for this run") {
		t.Errorf("--readonly: %q", w)
	}
	if w := why(flagsFor("--context", "Prod-EU"), "Prod-EU"); !strings.Contains(w, "restart with --context Prod-EU --write to allow writes for one run") {
		t.Errorf("configured: %q", w)
	}
	if w := why(flagsFor("--context", "dev"), "dev"); w != "" {
		t.Errorf("writable, yet %q", w)
	}
}

// A command printed to copy reaches the same place with the same audit
// log: flags that overrode the context are repeated, quoted for a shell.
func TestPrintedCommandsRepeatWhatWasGiven(t *testing.T) {
	s, err := settingsWith(t, writableConfig, nil, "--context", "Prod-EU", "--write", "--profile", "admin", "--audit-file", "/tmp/my audit.jsonl", "--region", "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.CopyArgs(), " --write --context Prod-EU --profile admin --audit-file '/tmp/my audit.jsonl' --region eu-west-1"; got != want {
		t.Errorf("with a context:\n got %q\nwant %q", got, want)
	}
	s, err = settingsWith(t, "", nil, "--table", "locks", "--audit-file", "/tmp/a.jsonl", "--bucket", "tf state")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.CopyArgs(), " --audit-file /tmp/a.jsonl --table locks --bucket 'tf state'"; got != want {
		t.Errorf("without one:\n got %q\nwant %q", got, want)
	}
}

// The read budget comes from the file, the context's over the global one,
// with defaults; a value out of range or of the wrong type is a usage
// error (exit 2), never a silent default.
func TestReadBudgetSettings(t *testing.T) {
	s, err := settingsWith(t, "table: t\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.ReadBudget.Share != 0.25 || s.ReadBudget.UnitsPerHour != 36000 {
		t.Errorf("defaults: %+v", s.ReadBudget)
	}
	s, err = settingsWith(t, "context: a\nmax_read_share: 0.5\nmax_read_units_per_hour: 1000\ncontexts:\n  a:\n    table: t\n    max_read_share: 0.1\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.ReadBudget.Share != 0.1 || s.ReadBudget.UnitsPerHour != 1000 {
		t.Errorf("context over global: %+v", s.ReadBudget)
	}
	for _, cfg := range []string{
		"max_read_share: 0\n", "max_read_share: 1.5\n", "max_read_share: -0.25\n", "max_read_share: 25%\n", "max_read_share: \"0.25\"\n",
		"max_read_units_per_hour: 0\n", "max_read_units_per_hour: -1\n", "max_read_units_per_hour: lots\n", "max_read_units_per_hour: .inf\n",
	} {
		_, err := settingsWith(t, "table: t\n"+cfg, nil)
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Errorf("%q: %v, want a usage error (exit 2)", cfg, err)
		}
	}
}

// A context name that cannot be told from "no context" or from a list of
// contexts is refused at load: a context named "" was used without its
// own readonly: true.
func TestContextNamesThatHideAreRefused(t *testing.T) {
	for _, name := range []string{`""`, `" "`, `"\t"`, `"prod,dev"`, `" prod"`, `"prod "`} {
		cfg := "table: t\nendpoint: http://127.0.0.1:1\ncontexts:\n  " + name + ": {readonly: true}\n  other: {table: u}\n"
		for _, args := range [][]string{nil, {"--context", "other"}} {
			s, err := settingsWith(t, cfg, nil, args...)
			var ue *UsageError
			if err == nil || !errors.As(err, &ue) || !strings.Contains(err.Error(), "context name") {
				t.Errorf("context %s, %v: %+v, %v; want a usage error naming the context name", name, args, s, err)
			}
		}
		fleet, err := LoadFleet(flagsWith(t, cfg, nil, "--all-contexts"))
		if err == nil {
			t.Errorf("context %s: --all-contexts loaded %d contexts", name, len(fleet))
		}
	}
	_, err := settingsWith(t, writableConfig, nil, "--context", "")
	if err == nil || !strings.Contains(err.Error(), "--context is given but empty") {
		t.Errorf(`--context "": %v`, err)
	}
}

// Where says how a context is reached, for the ':' picker.
func TestWhereAContextIs(t *testing.T) {
	fs := flagsWith(t, testConfig+"  local:\n    table: t\n    endpoint: http://127.0.0.1:8000\n    s3_endpoint: http://127.0.0.1:9000\n", nil)
	got := ContextsWhere(fs, []string{"prod", "staging", "local", "nope"})
	want := map[string]string{
		"prod":    "region eu-west-1 · profile prod-admin",
		"staging": "region us-east-2",
		"local":   "region from the AWS default chain · endpoint http://127.0.0.1:8000 · S3 endpoint http://127.0.0.1:9000",
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: %q, want %q", name, got[name], w)
		}
	}
	if !strings.HasPrefix(got["nope"], "cannot be read: ") {
		t.Errorf("an unknown context: %q", got["nope"])
	}
}

// A bucket named twice would be read, listed and served as metrics twice.
func TestABucketWatchedTwiceIsRefused(t *testing.T) {
	for _, cfg := range []string{"buckets: [tf, tf]\n", "buckets: [tf/teams, \" tf/teams\"]\n"} {
		_, err := settingsWith(t, cfg, nil)
		var ue *UsageError
		if err == nil || !errors.As(err, &ue) || !strings.Contains(err.Error(), "is watched twice") {
			t.Errorf("%q: %v", cfg, err)
		}
	}
	if _, err := settingsWith(t, "", nil, "--bucket", "tf", "--bucket", "tf"); err == nil || !strings.Contains(err.Error(), "bucket tf is watched twice") {
		t.Errorf("--bucket twice: %v", err)
	}
}

// A context name with a dot is one context, as written: read through
// viper, prod.eu was split into prod → eu and the file refused with
// "'contexts[prod]' has invalid keys: eu".
func TestContextNamesWithDots(t *testing.T) {
	const cfg = "contexts:\n  prod.eu:\n    table: t\n    readonly: true\n  dev:\n    table: d\n"
	s, err := settingsWith(t, cfg, nil, "--context", "prod.eu")
	if err != nil || s.Context != "prod.eu" || s.Table != "t" || !s.ReadOnly {
		t.Errorf("--context prod.eu: %+v, %v", s, err)
	}
}

// The shared audit log is reached as the context's S3 unless the audit_*
// keys say otherwise; --audit wins; a location that is not s3:// is
// refused, never taken for no shared log.
func TestSharedAuditSettings(t *testing.T) {
	const cfg = "audit: s3://team-audit/lockwarden\ncontexts:\n  prod:\n    table: t\n    region: eu-west-1\n    profile: p\n    s3_endpoint: http://127.0.0.1:9000\n" +
		"  sec:\n    table: t\n    region: eu-west-1\n    audit: s3://sec-audit\n    audit_region: us-east-1\n    audit_profile: auditor\n    audit_endpoint: http://127.0.0.1:9999\n"
	s, err := settingsWith(t, cfg, nil, "--context", "prod")
	if err != nil || s.Audit != "s3://team-audit/lockwarden" || s.AuditRegion != "eu-west-1" || s.AuditProfile != "p" || s.AuditEndpoint != "http://127.0.0.1:9000" {
		t.Errorf("prod: %+v %v", s, err)
	}
	s, err = settingsWith(t, cfg, nil, "--context", "sec")
	if err != nil || s.Audit != "s3://sec-audit" || s.AuditRegion != "us-east-1" || s.AuditProfile != "auditor" || s.AuditEndpoint != "http://127.0.0.1:9999" {
		t.Errorf("sec: %+v %v", s, err)
	}
	s, err = settingsWith(t, cfg, map[string]string{"LOCKWARDEN_AUDIT": "s3://env-audit/x"}, "--context", "prod")
	if err != nil || s.Audit != "s3://env-audit/x" {
		t.Errorf("LOCKWARDEN_AUDIT: %q %v", s.Audit, err)
	}
	s, err = settingsWith(t, cfg, nil, "--context", "prod", "--audit", "s3://flag-audit")
	if err != nil || s.Audit != "s3://flag-audit" || !strings.Contains(s.CopyArgs(), "--audit s3://flag-audit") {
		t.Errorf("--audit: %q %q %v", s.Audit, s.CopyArgs(), err)
	}
	for _, bad := range []string{"team-audit", "s3://", "https://team-audit.s3.amazonaws.com/x", "s3://b/a//c"} {
		if _, err := settingsWith(t, cfg, nil, "--context", "prod", "--audit", bad); err == nil || !strings.Contains(err.Error(), "is not an S3 location") {
			t.Errorf("--audit %q: %v", bad, err)
		}
	}
}

// Retention is a duration of at least a day, in a mode S3 knows; a mode
// with no retention is refused, not ignored.
func TestSharedAuditRetention(t *testing.T) {
	const base = "table: t\naudit: s3://team-audit\n"
	s, err := settingsWith(t, base+"audit_retention: 400d\n", nil)
	if err != nil || s.AuditRetention != 400*24*time.Hour || s.AuditRetentionMode != "GOVERNANCE" {
		t.Errorf("400d: %v %q %v", s.AuditRetention, s.AuditRetentionMode, err)
	}
	s, err = settingsWith(t, base+"audit_retention: 30d\naudit_retention_mode: Compliance\n", nil)
	if err != nil || s.AuditRetentionMode != "COMPLIANCE" {
		t.Errorf("compliance: %q %v", s.AuditRetentionMode, err)
	}
	for cfg, want := range map[string]string{
		"audit_retention_mode: governance\n":                  "without audit_retention",
		"audit_retention: 1h\n":                               "at least a day",
		"audit_retention: 30d\naudit_retention_mode: legal\n": "governance or compliance",
	} {
		if _, err := settingsWith(t, base+cfg, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", cfg, err, want)
		}
	}
}
