package config

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
)

// This file declares the flags that say where and as whom lockwarden
// works, and reads booleans — flags, variables and the file's — strictly.

// AddFlags declares the flags every command shares: where and as whom
// lockwarden works, and whether it may write. Their LOCKWARDEN_*
// variables are read by the same names (EnvName).
func AddFlags(f *pflag.FlagSet) {
	f.String("config", "", "config file (default $XDG_CONFIG_HOME/lockwarden/config.yaml)")
	f.String("context", "", "named context from the config file; the UI, list and exporter take several: a,b")
	f.Bool("all-contexts", false, "watch every configured context at once (the UI, list and exporter)")
	f.String("profile", "", "AWS profile (default: AWS_PROFILE or the default chain)")
	f.String("region", "", "AWS region of the lock table (default: AWS_REGION or the profile's)")
	f.String("table", "", "DynamoDB lock table name")
	f.String("endpoint-url", "", "DynamoDB endpoint URL (also AWS_ENDPOINT_URL_DYNAMODB)")
	f.StringSlice("bucket", nil, "state bucket to watch for S3 lock files, BUCKET or BUCKET/PREFIX (repeatable)")
	f.String("s3-endpoint-url", "", "S3 endpoint URL (also AWS_ENDPOINT_URL_S3)")
	f.String("stale-after", "", "call a lock stale when held at least this long (default 1h)")
	f.String("segments", "", "parallel scan segments (default 4)")
	f.Bool("readonly", false, "never offer or make any write")
	f.Bool("write", false, "allow writes for this run even if the context is read-only")
	f.String("audit-file", "", "audit log of writes (default $XDG_STATE_HOME/lockwarden/audit.jsonl); with --audit, this machine's copy")
	f.String("audit", "", "the team's shared audit log, s3://BUCKET/PREFIX (audit in the config)")
	f.Bool("no-workdir", false, "do not read the Terraform working directory this runs in (.terraform/terraform.tfstate)")
	StrictBools(f)
}

// ParseBool reads a boolean strictly: true or false in any case, 1 or 0.
// Anything else ("yes", "on", "t", "") is an error, never false.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean: write true or false (or 1 or 0)", s)
}

// strictBool wraps a boolean flag's value so that it is read as the
// config and the environment are (ParseBool): pflag's own parser takes t,
// f, T and F, which the config refuses — --readonly=f must not pass where
// readonly: f would not.
type strictBool struct{ pflag.Value }

// Set reads s strictly and hands the flag its canonical value.
func (b strictBool) Set(s string) error {
	v, err := ParseBool(s)
	if err != nil {
		return err
	}
	return b.Value.Set(strconv.FormatBool(v))
}

// StrictBools wraps every boolean flag of fs in strictBool, once.
func StrictBools(fs *pflag.FlagSet) {
	fs.VisitAll(func(f *pflag.Flag) {
		if _, done := f.Value.(strictBool); !done && f.Value.Type() == "bool" {
			f.Value = strictBool{f.Value}
		}
	})
}

// FlagName is the name of the flag, and of the LOCKWARDEN_* variable,
// that sets a config key for one run, where one does: the key with "-"
// for "_", but for these.
func FlagName(key string) string {
	switch key {
	case "endpoint":
		return "endpoint-url"
	case "s3_endpoint":
		return "s3-endpoint-url"
	case "buckets":
		return "bucket"
	}
	return strings.ReplaceAll(key, "_", "-")
}

// HasEnv says whether lockwarden reads flag's LOCKWARDEN_* variable.
func HasEnv(flag string) bool { return slices.Contains(envSettings, flag) }
