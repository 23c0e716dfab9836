package config

import (
	"strings"
	"time"

	"github.com/spf13/pflag"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// This file holds the resolved settings of one context and what is said of them.

// Settings is everything a command needs, resolved from flags, LOCKWARDEN_*
// environment variables, the chosen context and the global config, in that
// order. Nothing past this point reads viper.
type Settings struct {
	// Context is the name of the context in use ("" when none).
	Context string
	// Contexts lists every configured context name, for the switcher.
	Contexts []string
	Profile  string
	Region   string
	Table    string
	Endpoint string
	// S3Endpoint overrides the S3 endpoint (--s3-endpoint-url).
	S3Endpoint   string
	Buckets      []string
	StaleAfter   time.Duration
	PollInterval time.Duration
	// S3PollInterval is how often the UI re-lists the buckets: S3 bills
	// every LIST and GET, DynamoDB a scan by the capacity it reads.
	S3PollInterval time.Duration
	// ReadBudget bounds what the UI's polls read of the table
	// (max_read_share, max_read_units_per_hour).
	ReadBudget         model.ReadBudget
	Segments           int
	WorkspaceKeyPrefix string
	ReadOnly           bool
	// GivenArgs repeats the flags given on the command line that say
	// where and as whom lockwarden works (--config, --profile, --region,
	// --table, --endpoint-url, --bucket, --s3-endpoint-url, --audit-file),
	// or, without a context, those that are not repeated from the
	// resolved settings: a command printed to copy must reach the same
	// place with the same audit log.
	GivenArgs string
	// ReadOnlyWhy says, when ReadOnly, why and what lifts it: --readonly
	// cannot be lifted by --write; a context switched to is not lifted by
	// the --write given for the start context.
	ReadOnlyWhy string
	// WriteLifted is set when --write lifted a configured read-only: a
	// command printed for the operator to copy must say --write too.
	WriteLifted bool
	// RequireReason makes --reason mandatory for a release.
	RequireReason bool
	// Label is the context's short mark in a fleet's CONTEXT column
	// (default its name); Color the label's colour ("" for none).
	Label, Color string
	ConfigFile   string
	// AuditFile is where writes are recorded: the log itself, or with a
	// shared log (Audit) this machine's copy of the records it wrote.
	AuditFile string
	// Audit is the team's shared audit log, s3://BUCKET[/PREFIX] ("" for
	// none), reached with AuditRegion, AuditProfile and AuditEndpoint:
	// the context's region, profile and S3 endpoint unless audit_region,
	// audit_profile and audit_endpoint say otherwise.
	Audit                                    string
	AuditRegion, AuditProfile, AuditEndpoint string
	// AuditRetention, when set, puts each shared record under Object Lock
	// retention for that long in AuditRetentionMode (GOVERNANCE or
	// COMPLIANCE); unset, the bucket's default retention applies.
	AuditRetention     time.Duration
	AuditRetentionMode string
	// Workdir is the Terraform working directory the run stands in for a
	// context, when no context is named and --no-workdir is not given;
	// nil otherwise.
	Workdir *Workdir
	// WorkdirNote says, when the file's default context was used in a
	// Terraform working directory, that the directory was not.
	WorkdirNote string
	// Reap is the reaper's policy from the config, defaults filled in;
	// OlderThan is 0 when none is configured (it has no default).
	Reap model.ReapPolicy
}

// BucketPrefixes are the watched buckets, parsed (Load checked them).
func (s Settings) BucketPrefixes() []lwaws.BucketPrefix {
	var out []lwaws.BucketPrefix
	for _, b := range s.Buckets {
		if bp, err := lwaws.ParseBucketPrefix(b); err == nil {
			out = append(out, bp)
		}
	}
	return out
}

// Watched says what is watched, for headers and messages: "table T",
// "bucket B", or both.
func (s Settings) Watched() string {
	var parts []string
	if s.Table != "" {
		parts = append(parts, "table "+s.Table)
	}
	switch len(s.Buckets) {
	case 0:
	case 1:
		parts = append(parts, "bucket "+s.Buckets[0])
	default:
		parts = append(parts, "buckets "+strings.Join(s.Buckets, ", "))
	}
	return strings.Join(parts, " and ")
}

// Where says how the context is reached — region, endpoints, profile —
// for the ':' picker, where two contexts with the same table must not
// look alike.
func (s Settings) Where() string {
	region := s.Region
	if region == "" {
		region = "from the AWS default chain"
	}
	parts := []string{"region " + region}
	if s.Endpoint != "" {
		parts = append(parts, "endpoint "+s.Endpoint)
	}
	if s.S3Endpoint != "" && s.S3Endpoint != s.Endpoint {
		parts = append(parts, "S3 endpoint "+s.S3Endpoint)
	}
	if s.Profile != "" {
		parts = append(parts, "profile "+s.Profile)
	}
	return strings.Join(parts, " · ")
}

// Connection returns the AWS connection settings.
func (s Settings) Connection() lwaws.Connection {
	c := lwaws.Connection{Profile: s.Profile, Region: s.Region, Endpoint: s.Endpoint, S3Endpoint: s.S3Endpoint}
	if w := s.Workdir; w != nil {
		// The credentials the working directory's backend uses, so that
		// the reads go to the account Terraform's do.
		c.AccessKey, c.SecretKey, c.Token = w.AccessKey, w.SecretKey, w.Token
		c.SharedConfigFiles, c.SharedCredentialsFiles = w.SharedConfigFiles, w.SharedCredentialsFiles
		c.AssumeRole = w.AssumeRole
	}
	return c
}

// CopyArgs are the flags a command printed for the operator to copy must
// carry to reach the same place with the same audit log, and as the same
// writer: --write when it lifted a read-only, the context and the flags
// that overrode it (GivenArgs), or without a context the table, region,
// endpoints and buckets resolved. It is the one place that command is
// built.
func (s Settings) CopyArgs() string {
	out := ""
	if s.WriteLifted {
		out = " --write"
	}
	if s.Context != "" {
		// The context, and whatever flags overrode it on this run.
		return sanitize.Text(out + " --context " + ShellWord(s.Context) + s.GivenArgs)
	}
	if s.Workdir != nil {
		// Run in the same Terraform working directory, it reaches the
		// same state with the backend's credentials and role; the flags
		// that name a place would put the directory aside.
		return sanitize.Text(out + s.GivenArgs)
	}
	out += s.GivenArgs
	if s.Table != "" {
		out += " --table " + ShellWord(s.Table)
	}
	if s.Region != "" {
		out += " --region " + ShellWord(s.Region)
	}
	if s.Endpoint != "" {
		out += " --endpoint-url " + ShellWord(s.Endpoint)
	}
	for _, b := range s.Buckets {
		out += " --bucket " + ShellWord(b)
	}
	if s.S3Endpoint != "" {
		out += " --s3-endpoint-url " + ShellWord(s.S3Endpoint)
	}
	return sanitize.Text(out)
}

// givenArgs repeats the connection flags set on the command line. With a
// context all of them; without one, the table's and buckets' flags are
// rebuilt from the resolved settings instead, so only the others.
func givenArgs(flags *pflag.FlagSet, withContext bool) string {
	if flags == nil {
		return ""
	}
	names := []string{"config", "profile", "audit-file", "audit"}
	if withContext {
		names = append(names, "region", "table", "endpoint-url", "bucket", "s3-endpoint-url")
	}
	var out strings.Builder
	for _, name := range names {
		f := flags.Lookup(name)
		if f == nil || !f.Changed {
			continue
		}
		if name == "bucket" {
			buckets, _ := flags.GetStringSlice("bucket")
			for _, b := range buckets {
				out.WriteString(" --bucket " + ShellWord(b))
			}
			continue
		}
		out.WriteString(" --" + name + " " + ShellWord(f.Value.String()))
	}
	return out.String()
}

// ShellWord quotes s for a POSIX shell when it holds anything but plain
// word characters, so a printed command can be pasted as it is.
func ShellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:@=+,-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Mark is how the context shows in a fleet's CONTEXT column: its label,
// else its name.
func (s Settings) Mark() string {
	if s.Label != "" {
		return s.Label
	}
	return s.Context
}
