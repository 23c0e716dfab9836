package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/lockwarden/lockwarden/audit"
	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

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
	// AuditFile is where writes are recorded.
	AuditFile string
	// Reap is the reaper's policy from the config, defaults filled in;
	// OlderThan is 0 when none is configured (it has no default).
	Reap model.ReapPolicy
}

// BucketPrefixes are the watched buckets, parsed (LoadSettings checked them).
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
	return lwaws.Connection{Profile: s.Profile, Region: s.Region, Endpoint: s.Endpoint, S3Endpoint: s.S3Endpoint}
}

// DefaultS3PollInterval is model.DefaultS3PollInterval; it keeps a bucket of 10,000 objects — 10 LIST
// requests a poll — at 14,400 LISTs a day, $0.072 at S3's $0.005 per
// 1,000: well under a dollar a day.
const DefaultS3PollInterval = model.DefaultS3PollInterval

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
	RequireReason      *bool    `mapstructure:"require_reason"`
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

// usageError marks a mistake in how lockwarden was called (exit code 2).
// context names the context the message already names, if any: a fleet's
// loader then does not name it again.
type usageError struct{ msg, context string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{msg: fmt.Sprintf(format, a...)} }

// contextUsagef is usagef for a mistake in context name's settings: the
// message starts "context NAME: ".
func contextUsagef(name, format string, a ...any) error {
	return &usageError{msg: "context " + name + ": " + fmt.Sprintf(format, a...), context: name}
}

// envPrefix is the prefix of lockwarden's environment variables.
const envPrefix = "LOCKWARDEN"

// LoadSettings resolves the settings for one run. flags are the command's
// flags; an explicitly set flag always wins.
func LoadSettings(flags *pflag.FlagSet) (Settings, error) {
	return loadSettings(flags, "", roleStart)
}

// LoadSettingsFor resolves the settings for context name, as the UI's
// context switcher does. Write permission is decided again from that
// context's config: --write (or LOCKWARDEN_WRITE) lifts read-only only for
// the context named at start, never for one switched to.
func LoadSettingsFor(flags *pflag.FlagSet, name string) (Settings, error) {
	if name == "" {
		return Settings{}, usagef("no context named to switch to")
	}
	return loadSettings(flags, name, roleSwitched)
}

// role is how a context comes to be used: named at start (the only one
// --write lifts), switched to in the UI, or one of a fleet.
type role int

const (
	roleStart role = iota
	roleSwitched
	roleFleet
)

func loadSettings(flags *pflag.FlagSet, switchTo string, how role) (Settings, error) {
	if err := checkEnv(); err != nil {
		return Settings{}, err
	}
	v := envViper()
	path, fc, contexts, names, err := readConfigFile(flags, v)
	if err != nil {
		return Settings{}, err
	}
	s := Settings{ConfigFile: path, Contexts: names}
	startCtx, ctxName, err := chooseContext(flags, v, fc.Context, switchTo, how)
	if err != nil {
		return Settings{}, err
	}
	var cc contextConfig
	if ctxName != "" {
		c, ok := contexts[ctxName]
		if !ok {
			if len(s.Contexts) == 0 {
				return Settings{}, usagef("context %q: no contexts are configured (config file: %s)", ctxName, orNoneFound(path))
			}
			return Settings{}, usagef("context %q is not configured; known contexts: %s", ctxName, strings.Join(s.Contexts, ", "))
		}
		cc, s.Context = c, ctxName
	}
	r := resolver{flags: flags, v: v, cc: cc, g: fc.contextConfig}
	s.Profile = r.pick("profile", cc.Profile, r.g.Profile)
	s.Region = r.pick("region", cc.Region, r.g.Region)
	s.Table = r.pick("table", cc.Table, r.g.Table)
	s.Endpoint = r.pick("endpoint-url", cc.Endpoint, r.g.Endpoint)
	s.S3Endpoint = r.pick("s3-endpoint-url", cc.S3Endpoint, r.g.S3Endpoint)
	if err := r.timings(&s); err != nil {
		return Settings{}, err
	}
	atStart := how != roleFleet && ctxName == startCtx
	if err := r.writes(&s, how, atStart); err != nil {
		return Settings{}, err
	}
	if s.Reap, err = reapPolicy(cc.Reap, r.g.Reap); err != nil {
		if s.Context != "" {
			return Settings{}, &usageError{msg: fmt.Sprintf("config file %s: context %s: %v", path, s.Context, err), context: s.Context}
		}
		return Settings{}, usagef("config file %s: %v", path, err)
	}
	s.AuditFile = r.pick("audit-file", cc.AuditFile, r.g.AuditFile)
	if s.AuditFile == "" {
		s.AuditFile = audit.DefaultPath()
	}
	s.AuditFile = expandHome(s.AuditFile)
	s.GivenArgs = givenArgs(flags, s.Context != "")
	if s.Buckets, err = r.buckets(); err != nil {
		return Settings{}, err
	}
	return s, nil
}

// readConfigFile reads the config file named by --config (or its
// variable), else the default one if it exists: its global settings, its
// contexts by name, and their names sorted. path is "" when there is none.
func readConfigFile(flags *pflag.FlagSet, v *viper.Viper) (path string, fc fileConfig, contexts map[string]contextConfig, names []string, err error) {
	path, explicit := flagOrEnv(flags, v, "config")
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
	fc, contexts, names, err = decodeConfig(v, path, raw)
	return path, fc, contexts, names, err
}

// chooseContext decides which context a run uses: the one switched to, or
// --context (or its variable), or the file's default; none for a fleet's
// first pass over the file. startCtx is the context named at start, the
// only one --write lifts.
func chooseContext(flags *pflag.FlagSet, v *viper.Viper, fileDefault, switchTo string, how role) (startCtx, ctxName string, err error) {
	startCtx, ctxGiven := flagOrEnv(flags, v, "context")
	if ctxGiven && strings.TrimSpace(startCtx) == "" {
		// Empty is "no context": the global settings, not a context's
		// readonly. Said on purpose, it is a mistake.
		return "", "", usagef("--context is given but empty: name a context, or leave the flag out")
	}
	if how == roleStart {
		if err := oneContext(flags, v, startCtx); err != nil {
			return "", "", err
		}
	}
	if startCtx == "" {
		startCtx = fileDefault
	}
	ctxName = startCtx
	if how == roleFleet && switchTo == "" {
		ctxName = "" // the file alone: which contexts there are
	}
	if switchTo != "" {
		ctxName = switchTo
	}
	return startCtx, ctxName, nil
}

// resolver resolves each setting by one precedence: a flag (or its
// LOCKWARDEN_* variable), then the context's value, then the file's.
type resolver struct {
	flags *pflag.FlagSet
	v     *viper.Viper
	cc, g contextConfig
}

// pick is flag > environment > context > global for one setting.
func (r resolver) pick(flag string, ctxVal, globalVal string) string {
	if val, set := flagOrEnv(r.flags, r.v, flag); set || val != "" {
		return val
	}
	if ctxVal != "" {
		return ctxVal
	}
	return globalVal
}

// timings resolves how often and how much is read: stale_after, the poll
// intervals, the read budget, the scan segments, the workspace prefix.
func (r resolver) timings(s *Settings) error {
	cc, g := r.cc, r.g
	var err error
	if s.StaleAfter, err = parsePositiveDuration("stale-after", r.pick("stale-after", cc.StaleAfter, g.StaleAfter), model.DefaultStaleAfter); err != nil {
		return err
	}
	if s.PollInterval, err = parsePositiveDuration("poll-interval", r.pick("poll-interval", cc.PollInterval, g.PollInterval), model.DefaultPollInterval); err != nil {
		return err
	}
	if s.S3PollInterval, err = parsePositiveDuration("s3-poll-interval", r.pick("s3-poll-interval", cc.S3PollInterval, g.S3PollInterval), DefaultS3PollInterval); err != nil {
		return err
	}
	if s.ReadBudget, err = readBudget(cc, g); err != nil {
		return err
	}
	segments := r.pick("segments", intString(cc.Segments), intString(g.Segments))
	s.Segments = lwaws.DefaultSegments
	if segments != "" {
		n, err := strconv.Atoi(segments)
		if err != nil || n < 1 || n > 1000 {
			return usagef("segments must be a whole number from 1 to 1000, not %q", segments)
		}
		s.Segments = n
	}
	s.WorkspaceKeyPrefix = model.DefaultWorkspaceKeyPrefix
	if p := firstSet(cc.WorkspaceKeyPrefix, g.WorkspaceKeyPrefix); p != nil && *p != "" {
		s.WorkspaceKeyPrefix = *p
	}
	return nil
}

// writes resolves what the run may write and how it is marked: read-only
// and why, --write's lift (only for the context named at start), the
// label and colour, require_reason.
func (r resolver) writes(s *Settings, how role, atStart bool) error {
	configured := firstSet(r.cc.ReadOnly, r.g.ReadOnly)
	var err error
	if s.ReadOnly, err = resolveReadOnly(r.flags, r.v, configured, s.Context, atStart); err != nil {
		return err
	}
	s.WriteLifted = !s.ReadOnly && configured != nil && *configured
	whyRole := how
	if atStart {
		whyRole = roleStart // a switch back to the start context
	}
	s.ReadOnlyWhy = readOnlyWhy(r.flags, r.v, *s, whyRole)
	if s.Label, err = checkMark(s.Context, r.cc.Label, r.cc.Color); err != nil {
		return err
	}
	s.Color = r.cc.Color
	if b := firstSet(r.cc.RequireReason, r.g.RequireReason); b != nil {
		s.RequireReason = *b
	}
	return nil
}

// buckets resolves the watched buckets — --bucket over the context's over
// the file's — each checked, none twice: read twice, its locks and
// metrics would be told twice.
func (r resolver) buckets() ([]string, error) {
	buckets := r.cc.Buckets
	if len(buckets) == 0 {
		buckets = r.g.Buckets
	}
	if r.flags != nil {
		if f := r.flags.Lookup("bucket"); f != nil && f.Changed {
			buckets, _ = r.flags.GetStringSlice("bucket")
		}
	}
	seen := map[string]bool{}
	for _, b := range buckets {
		bp, err := lwaws.ParseBucketPrefix(b)
		if err != nil {
			return nil, usagef("%v", err)
		}
		if seen[bp.String()] {
			return nil, usagef("bucket %s is watched twice: name each bucket (or BUCKET/PREFIX) once", bp.String())
		}
		seen[bp.String()] = true
	}
	return buckets, nil
}

// envViper reads lockwarden's LOCKWARDEN_* variables by their flags' names.
func envViper() *viper.Viper {
	v := viper.New()
	v.SetEnvPrefix(envPrefix)
	v.SetEnvKeyReplacer(strings.NewReplacer("-", "_"))
	v.AutomaticEnv()
	return v
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
		return sanitize.Text(out + " --context " + shellWord(s.Context) + s.GivenArgs)
	}
	out += s.GivenArgs
	if s.Table != "" {
		out += " --table " + shellWord(s.Table)
	}
	if s.Region != "" {
		out += " --region " + shellWord(s.Region)
	}
	if s.Endpoint != "" {
		out += " --endpoint-url " + shellWord(s.Endpoint)
	}
	for _, b := range s.Buckets {
		out += " --bucket " + shellWord(b)
	}
	if s.S3Endpoint != "" {
		out += " --s3-endpoint-url " + shellWord(s.S3Endpoint)
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
	names := []string{"config", "profile", "audit-file"}
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
				out.WriteString(" --bucket " + shellWord(b))
			}
			continue
		}
		out.WriteString(" --" + name + " " + shellWord(f.Value.String()))
	}
	return out.String()
}

// shellWord quotes s for a POSIX shell when it holds anything but plain
// word characters, so a printed command can be pasted as it is.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:@=+,-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// decodeConfig reads a config file's bytes with viper, strictly: unknown
// keys anywhere, and values of the wrong type, are errors. It returns the
// contexts by their names as written (viper lowercases keys) and those
// names, sorted.
func decodeConfig(v *viper.Viper, path string, raw []byte) (fileConfig, map[string]contextConfig, []string, error) {
	var fc fileConfig
	names, err := checkKeys(path, raw)
	if err != nil {
		return fc, nil, nil, err
	}
	v.SetConfigType("yaml")
	if err := v.ReadConfig(bytes.NewReader(raw)); err != nil {
		return fc, nil, nil, usagef("config file %s: %s", path, sanitize.OneLine(err.Error()))
	}
	if err := v.UnmarshalExact(&fc, strictDecoding); err != nil {
		return fc, nil, nil, usagef("config file %s: %s", path, sanitize.OneLine(err.Error()))
	}
	contexts := map[string]contextConfig{}
	for _, name := range names {
		contexts[name] = fc.Contexts[strings.ToLower(name)]
	}
	return fc, contexts, names, nil
}

// readOnlyWhy explains a read-only run in one line, with what lifts it.
func readOnlyWhy(flags *pflag.FlagSet, v *viper.Viper, s Settings, how role) string {
	if !s.ReadOnly {
		return ""
	}
	if val, set := flagOrEnv(flags, v, "readonly"); set {
		if b, _ := parseBool(val); b {
			return "read-only: --readonly (or " + envName("readonly") + ") is set for this run; without it, --write lifts a context's read-only"
		}
	}
	where := "the config says readonly: true"
	restart := "restart with --write"
	if s.Context != "" {
		where = "context " + s.Context + " is read-only in the config"
		restart = "restart with --context " + shellWord(s.Context) + " --write"
	}
	switch how {
	case roleFleet:
		return "read-only: " + where + ", and --write is for one context: " + restart
	case roleSwitched:
		return "read-only: " + where + ", and --write lifts only the context named at start: " + restart
	}
	return "read-only: " + where + ": " + restart + " to allow writes for one run"
}

// resolveReadOnly decides whether a run may write in context ctxName.
// configured is the context's (or global) readonly. --readonly and
// LOCKWARDEN_READONLY can only add read-only, for the whole run; only
// --write (or LOCKWARDEN_WRITE) lifts a configured read-only, and only for
// the context named at start (atStart).
func resolveReadOnly(flags *pflag.FlagSet, v *viper.Viper, configured *bool, ctxName string, atStart bool) (bool, error) {
	readOnly := configured != nil && *configured
	for _, name := range []string{"readonly", "write"} {
		if val, ok := os.LookupEnv(envName(name)); ok && strings.TrimSpace(val) == "" {
			return true, usagef("%s is set but empty: set it to true or false, or unset it", envName(name))
		}
	}
	roVal, roSet := flagOrEnv(flags, v, "readonly")
	var roForced bool
	if roSet {
		b, err := parseBool(roVal)
		if err != nil {
			return true, usagef("--readonly / %s: %v", envName("readonly"), err)
		}
		if !b && readOnly {
			where := "the config says readonly: true"
			if ctxName != "" {
				where = fmt.Sprintf("context %s is read-only in the config", ctxName)
			}
			return true, usagef("%s, and --readonly=false does not lift it: pass --write to allow writes for this run", where)
		}
		roForced = b
	}
	wVal, wSet := flagOrEnv(flags, v, "write")
	var write bool
	if wSet {
		b, err := parseBool(wVal)
		if err != nil {
			return true, usagef("--write / %s: %v", envName("write"), err)
		}
		write = b
	}
	switch {
	case roForced && write:
		return true, usagef("--readonly and --write contradict each other: give one")
	case roForced:
		return true, nil
	case write && atStart:
		// --write lifts a configured read-only for this run only.
		return false, nil
	}
	return readOnly, nil
}

// flagOrEnv returns a flag's value when it was set on the command line,
// else the LOCKWARDEN_* environment variable. set reports whether either
// was given.
func flagOrEnv(flags *pflag.FlagSet, v *viper.Viper, name string) (string, bool) {
	if flags != nil {
		if f := flags.Lookup(name); f != nil && f.Changed {
			return f.Value.String(), true
		}
	}
	if val, ok := os.LookupEnv(envName(name)); ok && val != "" {
		return v.GetString(name), true
	}
	return "", false
}

func parsePositiveDuration(name, val string, def time.Duration) (time.Duration, error) {
	if val == "" {
		return def, nil
	}
	d, err := model.ParseDuration(val)
	if err != nil || d <= 0 {
		return 0, usagef("%s must be a positive duration such as 90m, 2h or 3d4h, not %q", name, val)
	}
	return d, nil
}

func firstSet[T any](vals ...*T) *T {
	for _, v := range vals {
		if v != nil {
			return v
		}
	}
	return nil
}

func intString(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// orNoneFound names a config file, or says none was found.
func orNoneFound(path string) string {
	if path == "" {
		return "none found"
	}
	return path
}

// expandHome turns a leading ~/ into the home directory, as a shell would;
// config files are not read by a shell.
func expandHome(path string) string {
	rest, ok := strings.CutPrefix(path, "~/")
	if !ok {
		return path
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return path
	}
	return filepath.Join(home, rest)
}

// readBudget resolves max_read_share and max_read_units_per_hour, the
// context's over the file's, strictly: a share outside (0, 1] or a rate
// that is not positive is a usage error, never a silent default.
func readBudget(cc, g contextConfig) (model.ReadBudget, error) {
	b := model.ReadBudget{Share: model.DefaultMaxReadShare, UnitsPerHour: model.DefaultMaxReadUnitsPerHour}
	if share := firstSet(cc.MaxReadShare, g.MaxReadShare); share != nil {
		if !(*share > 0 && *share <= 1) {
			return b, usagef("max_read_share must be a fraction of the provisioned read capacity above 0 and at most 1 (0.25 is a quarter), not %v", *share)
		}
		b.Share = *share
	}
	if units := firstSet(cc.MaxReadUnitsPerHr, g.MaxReadUnitsPerHr); units != nil {
		if !(*units > 0) || math.IsInf(*units, 0) {
			return b, usagef("max_read_units_per_hour must be a positive number of read request units, not %v", *units)
		}
		b.UnitsPerHour = *units
	}
	return b, nil
}

// reapPolicy resolves the reap: policy, each field of the context's block
// over the file's, strictly: an unparsable or out-of-range value is a
// usage error, never a default. older_than has none: it stays 0 here, and
// reap refuses to run without it.
func reapPolicy(cc, g *reapConfig) (model.ReapPolicy, error) {
	p := model.ReapPolicy{Operations: model.DefaultReapOperations, RequireNoStateWrite: true, MaxPerRun: model.DefaultReapMaxPerRun}
	field := func(get func(*reapConfig) bool) *reapConfig {
		for _, r := range []*reapConfig{cc, g} {
			if r != nil && get(r) {
				return r
			}
		}
		return nil
	}
	if r := field(func(r *reapConfig) bool { return r.OlderThan != "" }); r != nil {
		d, err := model.ParseDuration(r.OlderThan)
		if err != nil || d <= 0 {
			return p, usagef("reap: older_than must be a positive duration such as 90m, 2h or 3d4h, not %q", r.OlderThan)
		}
		p.OlderThan = d
	}
	if r := field(func(r *reapConfig) bool { return r.Operations != nil }); r != nil {
		ops, err := model.ParseReapOperations(r.Operations)
		if err != nil {
			return p, usagef("reap: %v", err)
		}
		p.Operations = ops
	}
	if r := field(func(r *reapConfig) bool { return r.RequireNoStateWrite != nil }); r != nil {
		p.RequireNoStateWrite = *r.RequireNoStateWrite
	}
	if r := field(func(r *reapConfig) bool { return r.MaxPerRun != nil }); r != nil {
		if *r.MaxPerRun < 1 {
			return p, usagef("reap: max_per_run must be a whole number of at least 1, not %d", *r.MaxPerRun)
		}
		p.MaxPerRun = *r.MaxPerRun
	}
	return p, nil
}
