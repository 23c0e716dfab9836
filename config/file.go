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

// contextConfig is one named context in the config file.
type contextConfig struct {
	Profile            string   `mapstructure:"profile"`
	Region             string   `mapstructure:"region"`
	Table              string   `mapstructure:"table"`
	Endpoint           string   `mapstructure:"endpoint"`
	S3Endpoint         string   `mapstructure:"s3_endpoint"`
	Buckets            []string `mapstructure:"buckets"`
	StaleAfter         string   `mapstructure:"stale_after"`
	PollInterval       string   `mapstructure:"poll_interval"`
	S3PollInterval     string   `mapstructure:"s3_poll_interval"`
	MaxReadShare       *float64 `mapstructure:"max_read_share"`
	MaxReadUnitsPerHr  *float64 `mapstructure:"max_read_units_per_hour"`
	Segments           int      `mapstructure:"segments"`
	WorkspaceKeyPrefix *string  `mapstructure:"workspace_key_prefix"`
	ReadOnly           *bool    `mapstructure:"readonly"`
	AuditFile          string   `mapstructure:"audit_file"`
	// Audit is the team's shared audit log, s3://BUCKET/PREFIX; the
	// audit_* keys say how it is reached when not as the context's S3.
	Audit         string `mapstructure:"audit"`
	AuditRegion   string `mapstructure:"audit_region"`
	AuditProfile  string `mapstructure:"audit_profile"`
	AuditEndpoint string `mapstructure:"audit_endpoint"`
	// AuditRetention puts each record under Object Lock retention for
	// that long (400d), in AuditRetentionMode (governance or compliance).
	AuditRetention     string `mapstructure:"audit_retention"`
	AuditRetentionMode string `mapstructure:"audit_retention_mode"`
	RequireReason      *bool  `mapstructure:"require_reason"`
	// Label and Color mark a context's rows in a fleet (contexts only).
	Label string `mapstructure:"label"`
	Color string `mapstructure:"color"`
	// Reap is the reaper's policy; a context's fields override the file's.
	Reap *reapConfig `mapstructure:"reap"`
}

// reapConfig is the reap: block of a context or of the whole file.
type reapConfig struct {
	OlderThan           string   `mapstructure:"older_than"`
	Operations          []string `mapstructure:"operations"`
	RequireNoStateWrite *bool    `mapstructure:"require_no_state_write"`
	MaxPerRun           *int     `mapstructure:"max_per_run"`
}

// fileConfig is the whole config file: global defaults plus contexts.
type fileConfig struct {
	contextConfig `mapstructure:",squash"`
	// Context is the context used when --context is not given.
	Context  string                   `mapstructure:"context"`
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
