package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"

	"github.com/lockwarden/lockwarden/sanitize"
)

// This file reads the config file: its keys, as Go types, decoded strictly.

// contextConfig is one named context in the config file. Each field's
// doc comment is its entry in docs/reference/config.md (go run
// ./internal/docgen), so say there what a user needs: what it does, its
// form, its default.
type contextConfig struct {
	// The AWS profile from ~/.aws/config (SSO profiles work: run aws sso
	// login). Default: the standard AWS chain (AWS_PROFILE, environment
	// keys, instance roles).
	Profile string `mapstructure:"profile"`
	// The AWS region of the table and buckets. Default: the standard AWS
	// chain (AWS_REGION, the profile's region).
	Region string `mapstructure:"region"`
	// The lock table: the backend's dynamodb_table.
	Table string `mapstructure:"table"`
	// The DynamoDB endpoint, for a local emulator or a VPC endpoint
	// (AWS_ENDPOINT_URL_DYNAMODB is honoured too).
	Endpoint string `mapstructure:"endpoint"`
	// The S3 endpoint; with it lockwarden uses path-style addressing,
	// which local emulators need.
	S3Endpoint string `mapstructure:"s3_endpoint"`
	// State buckets to watch for S3 lock files (.tflock), each "bucket"
	// or "bucket/prefix".
	Buckets []string `mapstructure:"buckets"`
	// A lock held at least this long is called stale (90m, 2h, 3d4h).
	// Default 1h.
	StaleAfter string `mapstructure:"stale_after"`
	// How often the terminal UI re-reads the table. Default 5s; the read
	// budget may space polls further apart.
	PollInterval string `mapstructure:"poll_interval"`
	// How often the terminal UI re-lists the watched buckets' lock files.
	// A poll costs ceil(objects/1000) LIST requests per bucket. Default 60s.
	S3PollInterval string `mapstructure:"s3_poll_interval"`
	// On a provisioned table, the share of its read capacity the UI's
	// polls may use on average, so that they never take the reads
	// Terraform needs. Needs dynamodb:DescribeTable. Default 0.25.
	MaxReadShare *float64 `mapstructure:"max_read_share"`
	// On an on-demand table, the read request units the UI's polls may
	// use an hour. Default 36000 (about $0.11 a day in us-east-1).
	MaxReadUnitsPerHr *float64 `mapstructure:"max_read_units_per_hour"`
	// Parallel scan segments: more is faster on big tables and costs the
	// same capacity. Default 4.
	Segments int `mapstructure:"segments"`
	// The S3 backend's workspace_key_prefix: states of non-default
	// workspaces live under PREFIX/WORKSPACE/KEY. Default "env:".
	WorkspaceKeyPrefix *string `mapstructure:"workspace_key_prefix"`
	// Never offer or make any write (release, restore, digest repair);
	// --write lifts it for one context and one run, --readonly=false
	// does not. Default false.
	ReadOnly *bool `mapstructure:"readonly"`
	// Where this machine records every write (JSON Lines, mode 0600).
	// Default $XDG_STATE_HOME/lockwarden/audit.jsonl
	// (~/.local/state/lockwarden/audit.jsonl).
	AuditFile string `mapstructure:"audit_file"`
	// The team's shared audit log, s3://BUCKET/PREFIX: each write's
	// intent is stored there before the write (none stored, nothing
	// written) and its outcome after, one object per record, never
	// overwritten; audit_file then keeps this machine's copy.
	Audit string `mapstructure:"audit"`
	// The region of the shared audit log's bucket. Default: region.
	AuditRegion string `mapstructure:"audit_region"`
	// The AWS profile that writes the shared audit log. Default: profile.
	AuditProfile string `mapstructure:"audit_profile"`
	// The S3 endpoint of the shared audit log. Default: s3_endpoint.
	AuditEndpoint string `mapstructure:"audit_endpoint"`
	// On a bucket with S3 Object Lock, put each record under retention
	// for this long (400d). Default: the bucket's default retention.
	AuditRetention string `mapstructure:"audit_retention"`
	// The retention mode of audit_retention: governance or compliance.
	// Default governance.
	AuditRetentionMode string `mapstructure:"audit_retention_mode"`
	// Make unlock --reason mandatory: every release says why, in the
	// operator's words, in the audit log. Default false.
	RequireReason *bool `mapstructure:"require_reason"`
	// With several contexts on screen, the CONTEXT column shows this
	// label instead of the name (at most 12 characters, unique). The
	// label is the mark: NO_COLOR keeps it. Contexts only.
	Label string `mapstructure:"label"`
	// The label's colour: a name, an ANSI number 0-255 or #rrggbb.
	// Contexts only.
	Color string `mapstructure:"color"`
	// The reaper's policy (lockwarden reap). A context's keys override
	// the file's, flags override both; a read-only context is never
	// reaped.
	Reap *reapConfig `mapstructure:"reap"`
}

// reapConfig is the reap: block of a context or of the whole file.
type reapConfig struct {
	// Release only locks held at least this long. Required: no default
	// ever releases anything.
	OlderThan string `mapstructure:"older_than"`
	// The operations it may release, as lockwarden shows them (plan,
	// refresh, apply, import/other, state rm). Default: plan, refresh;
	// apply only when listed.
	Operations []string `mapstructure:"operations"`
	// Release only when the state object was read and was not written
	// after the lock was taken. A state that cannot be read keeps its
	// lock. Default true.
	RequireNoStateWrite *bool `mapstructure:"require_no_state_write"`
	// More candidates than this in one run: release none and exit 3 (a
	// mass expiry is an incident, not a chore). Default 3.
	MaxPerRun *int `mapstructure:"max_per_run"`
}

// fileConfig is the whole config file: global defaults plus contexts.
type fileConfig struct {
	contextConfig `mapstructure:",squash"`
	// The context used when --context is not given. Top of the file only.
	Context string `mapstructure:"context"`
	// The named contexts, each holding any of the keys above but context
	// and contexts. Top of the file only.
	Contexts map[string]contextConfig `mapstructure:"contexts"`
}

// DefaultConfigPath is $XDG_CONFIG_HOME/lockwarden/config.yaml, or
// ~/.config/lockwarden/config.yaml.
func DefaultConfigPath() string {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "lockwarden", "config.yaml")
}

// readConfigFile reads the config file named by --config (or its
// variable), else the default one if it exists: its global settings, its
// contexts by name, and their names sorted. path is "" when there is none.
func readConfigFile(flags *pflag.FlagSet) (path string, fc fileConfig, contexts map[string]contextConfig, names []string, err error) {
	path, explicit := FlagOrEnv(flags, "config")
	if path == "" {
		path = DefaultConfigPath()
	}
	if path == "" {
		return "", fc, nil, nil, nil
	}
	raw, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && explicit:
		return "", fc, nil, nil, usagef("config file %s does not exist", path)
	case errors.Is(err, fs.ErrNotExist):
		return "", fc, nil, nil, nil
	case err != nil:
		return "", fc, nil, nil, usagef("config file %s: %v", path, err)
	}
	fc, contexts, names, err = decodeConfig(path, raw)
	return path, fc, contexts, names, err
}

// decodeConfig reads a config file's bytes strictly: unknown keys
// anywhere, and values of the wrong type, are errors. It returns the
// contexts by their names as written, and those names, sorted. The YAML
// is read as written — a context named prod.eu is one context, and case
// is kept — and decoded into the types below by mapstructure, with no
// weak typing.
func decodeConfig(path string, raw []byte) (fileConfig, map[string]contextConfig, []string, error) {
	var fc fileConfig
	names, err := checkKeys(path, raw)
	if err != nil {
		return fc, nil, nil, err
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return fc, nil, nil, usagef("config file %s: %s", path, sanitize.OneLine(err.Error()))
	}
	dec, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		Result:      &fc,
		ErrorUnused: true,
		DecodeHook: mapstructure.ComposeDecodeHookFunc(
			strictBoolHook,
			mapstructure.StringToTimeDurationHookFunc(),
			mapstructure.StringToSliceHookFunc(","),
		),
	})
	if err == nil {
		err = dec.Decode(doc)
	}
	if err != nil {
		return fc, nil, nil, usagef("config file %s: %s", path, sanitize.OneLine(err.Error()))
	}
	contexts := map[string]contextConfig{}
	for _, name := range names {
		contexts[name] = fc.Contexts[name]
	}
	return fc, contexts, names, nil
}

// strictBoolHook lets YAML's own booleans through and reads strings and
// numbers with ParseBool; any other value for a bool field is an error.
func strictBoolHook(from, to reflect.Type, data any) (any, error) {
	if to.Kind() != reflect.Bool {
		return data, nil
	}
	switch v := data.(type) {
	case bool:
		return v, nil
	case string:
		return ParseBool(v)
	case int, int64, uint64, float64:
		return ParseBool(fmt.Sprint(v))
	}
	return nil, fmt.Errorf("%v is not a boolean: write true or false", data)
}

// ContextNames reads the context names from the config file a run with
// these flags would read (--config, LOCKWARDEN_CONFIG, or the default
// path), resolving nothing else: a stale LOCKWARDEN_CONTEXT must not stop
// the operator completing a good one.
func ContextNames(flags *pflag.FlagSet) ([]string, error) {
	_, _, _, names, err := readConfigFile(flags)
	return names, err
}
