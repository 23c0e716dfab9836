package config

import (
	"cmp"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/lockwarden/lockwarden/audit"
	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// UsageError marks a mistake in how lockwarden was called (exit code 2).
// Context names the context the message already names, if any: a fleet's
// loader then does not name it again.
type UsageError struct{ Msg, Context string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef is a UsageError with a formatted message.
func Usagef(format string, a ...any) error { return &UsageError{Msg: fmt.Sprintf(format, a...)} }

func usagef(format string, a ...any) error { return Usagef(format, a...) }

// contextUsagef is usagef for a mistake in context name's settings: the
// message starts "context NAME: ".
func contextUsagef(name, format string, a ...any) error {
	return &UsageError{Msg: "context " + name + ": " + fmt.Sprintf(format, a...), Context: name}
}

// EnvPrefix is the prefix of lockwarden's environment variables.
const EnvPrefix = "LOCKWARDEN"

// Load resolves the settings for one run. flags are the command's
// flags; an explicitly set flag always wins.
func Load(flags *pflag.FlagSet) (Settings, error) {
	return loadSettings(flags, "", roleStart)
}

// LoadFor resolves the settings for context name, as the UI's
// context switcher does. Write permission is decided again from that
// context's config: --write (or LOCKWARDEN_WRITE) lifts read-only only for
// the context named at start, never for one switched to.
func LoadFor(flags *pflag.FlagSet, name string) (Settings, error) {
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
	path, fc, contexts, names, err := readConfigFile(flags)
	if err != nil {
		return Settings{}, err
	}
	s := Settings{ConfigFile: path, Contexts: names}
	startCtx, ctxName, err := chooseContext(flags, fc.Context, switchTo, how)
	if err != nil {
		return Settings{}, err
	}
	cc, g, err := s.layers(flags, contexts, fc.contextConfig, ctxName, how)
	if err != nil {
		return Settings{}, err
	}
	r := resolver{flags: flags, cc: cc, g: g}
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
			return Settings{}, &UsageError{Msg: fmt.Sprintf("config file %s: context %s: %v", path, s.Context, err), Context: s.Context}
		}
		return Settings{}, usagef("config file %s: %v", path, err)
	}
	s.AuditFile = r.pick("audit-file", cc.AuditFile, r.g.AuditFile)
	if s.AuditFile == "" {
		s.AuditFile = audit.DefaultPath()
	}
	s.AuditFile = expandHome(s.AuditFile)
	if err := r.sharedAudit(&s); err != nil {
		return Settings{}, err
	}
	s.GivenArgs = givenArgs(flags, s.Context != "")
	if s.Buckets, err = r.buckets(); err != nil {
		return Settings{}, err
	}
	return s, nil
}

// layers are what the settings are resolved from below the flags: the
// context named (or, with none, the Terraform working directory this runs
// in), and the file's global settings — without those that say where and
// as whom when the directory says so, wholly: the file's own table,
// buckets, profile or endpoints would point half of it elsewhere (a
// global endpoint at an emulator would say "not locked" of a state locked
// in AWS).
func (s *Settings) layers(flags *pflag.FlagSet, contexts map[string]contextConfig, g contextConfig, ctxName string, how role) (cc, global contextConfig, err error) {
	if ctxName != "" {
		c, ok := contexts[ctxName]
		if !ok {
			if len(s.Contexts) == 0 {
				return cc, g, usagef("context %q: no contexts are configured (config file: %s)", ctxName, orNoneFound(s.ConfigFile))
			}
			return cc, g, usagef("context %q is not configured; known contexts: %s", ctxName, strings.Join(s.Contexts, ", "))
		}
		s.Context = ctxName
		if _, named := FlagOrEnv(flags, "context"); !named && how == roleStart {
			s.WorkdirNote = defaultContextNote(ctxName, s.ConfigFile)
		}
		return c, g, nil
	}
	if how != roleStart {
		return cc, g, nil
	}
	if s.Workdir, err = workdirOf(flags); err != nil || s.Workdir == nil {
		return cc, g, err
	}
	g.Profile, g.Region, g.Table, g.Endpoint, g.S3Endpoint = "", "", "", "", ""
	g.Buckets, g.WorkspaceKeyPrefix = nil, nil
	return s.Workdir.contextConfig(), g, nil
}

// defaultContextNote says, when the file's default context won over the
// Terraform working directory this runs in, that the directory was not
// used; "" when this is no such directory.
func defaultContextNote(ctxName, path string) string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	if w, _ := FindWorkdir(dir, os.Getenv); w == nil {
		return ""
	}
	return "this is a Terraform working directory, but the config's default context " + ctxName + " is in use (set by context: in " + path + ")"
}

// chooseContext decides which context a run uses: the one switched to, or
// --context (or its variable), or the file's default; none for a fleet's
// first pass over the file. startCtx is the context named at start, the
// only one --write lifts.
func chooseContext(flags *pflag.FlagSet, fileDefault, switchTo string, how role) (startCtx, ctxName string, err error) {
	startCtx, ctxGiven := FlagOrEnv(flags, "context")
	if ctxGiven && strings.TrimSpace(startCtx) == "" {
		// Empty is "no context": the global settings, not a context's
		// readonly. Said on purpose, it is a mistake.
		return "", "", usagef("--context is given but empty: name a context, or leave the flag out")
	}
	if how == roleStart {
		if err := oneContext(flags, startCtx); err != nil {
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
	cc, g contextConfig
}

// pick is flag > environment > context > global for one setting.
func (r resolver) pick(flag string, ctxVal, globalVal string) string {
	if val, set := FlagOrEnv(r.flags, flag); set || val != "" {
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
	if s.S3PollInterval, err = parsePositiveDuration("s3-poll-interval", r.pick("s3-poll-interval", cc.S3PollInterval, g.S3PollInterval), model.DefaultS3PollInterval); err != nil {
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
	if s.ReadOnly, err = resolveReadOnly(r.flags, configured, s.Context, atStart); err != nil {
		return err
	}
	s.WriteLifted = !s.ReadOnly && configured != nil && *configured
	whyRole := how
	if atStart {
		whyRole = roleStart // a switch back to the start context
	}
	s.ReadOnlyWhy = readOnlyWhy(r.flags, *s, whyRole)
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

// readOnlyWhy explains a read-only run in one line, with what lifts it.
func readOnlyWhy(flags *pflag.FlagSet, s Settings, how role) string {
	if !s.ReadOnly {
		return ""
	}
	if val, set := FlagOrEnv(flags, "readonly"); set {
		if b, _ := ParseBool(val); b {
			return "read-only: --readonly (or " + EnvName("readonly") + ") is set for this run; without it, --write lifts a context's read-only"
		}
	}
	where := "the config says readonly: true"
	restart := "restart with --write"
	if s.Context != "" {
		where = "context " + s.Context + " is read-only in the config"
		restart = "restart with --context " + ShellWord(s.Context) + " --write"
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
func resolveReadOnly(flags *pflag.FlagSet, configured *bool, ctxName string, atStart bool) (bool, error) {
	readOnly := configured != nil && *configured
	for _, name := range []string{"readonly", "write"} {
		if val, ok := os.LookupEnv(EnvName(name)); ok && strings.TrimSpace(val) == "" {
			return true, usagef("%s is set but empty: set it to true or false, or unset it", EnvName(name))
		}
	}
	roVal, roSet := FlagOrEnv(flags, "readonly")
	var roForced bool
	if roSet {
		b, err := ParseBool(roVal)
		if err != nil {
			return true, usagef("--readonly / %s: %v", EnvName("readonly"), err)
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
	wVal, wSet := FlagOrEnv(flags, "write")
	var write bool
	if wSet {
		b, err := ParseBool(wVal)
		if err != nil {
			return true, usagef("--write / %s: %v", EnvName("write"), err)
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

// FlagOrEnv returns a flag's value when it was set on the command line,
// else the LOCKWARDEN_* environment variable. set reports whether either
// was given.
func FlagOrEnv(flags *pflag.FlagSet, name string) (string, bool) {
	if flags != nil {
		if f := flags.Lookup(name); f != nil && f.Changed {
			return f.Value.String(), true
		}
	}
	if val, ok := os.LookupEnv(EnvName(name)); ok && val != "" {
		return val, true
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

// RequirePlace passes s on when it names a place locks live: a lock
// table, a bucket of S3 lock files, or both. A team that locks with
// use_lockfile alone has no table.
func RequirePlace(s Settings, err error) (Settings, error) {
	if err != nil {
		return s, err
	}
	if s.Table == "" && len(s.Buckets) == 0 {
		return s, usagef("no lock table or bucket given: pass --table NAME (and --region) for a DynamoDB lock table, --bucket NAME[/PREFIX] for S3 lock files (use_lockfile), or both; choose a context with --context (see config.example.yaml); or run it in the Terraform working directory whose state is locked (after terraform init); or try 'lockwarden demo'")
	}
	return s, nil
}

// ContextsWhere says how each configured context is reached, for the
// ':' picker; a context that cannot be resolved says why instead.
func ContextsWhere(flags *pflag.FlagSet, names []string) map[string]string {
	out := map[string]string{}
	for _, name := range names {
		s, err := LoadFor(flags, name)
		if err != nil {
			out[name] = "cannot be read: " + sanitize.OneLine(err.Error())
			continue
		}
		out[name] = s.Where()
	}
	return out
}

// sharedAudit resolves the team's shared audit log and how it is reached:
// audit_region, audit_profile and audit_endpoint, else the context's
// region, profile and S3 endpoint. A location that is not s3://BUCKET is
// refused: a log lockwarden cannot write must never pass for one.
func (r resolver) sharedAudit(s *Settings) error {
	s.Audit = r.pick("audit", r.cc.Audit, r.g.Audit)
	if s.Audit == "" {
		return nil
	}
	if _, _, err := audit.ParseLocation(s.Audit); err != nil {
		return usagef("audit: %v", err)
	}
	s.AuditRegion = cmp.Or(r.cc.AuditRegion, r.g.AuditRegion, s.Region)
	s.AuditProfile = cmp.Or(r.cc.AuditProfile, r.g.AuditProfile, s.Profile)
	s.AuditEndpoint = cmp.Or(r.cc.AuditEndpoint, r.g.AuditEndpoint, s.S3Endpoint)
	retention := cmp.Or(r.cc.AuditRetention, r.g.AuditRetention)
	mode := strings.ToUpper(cmp.Or(r.cc.AuditRetentionMode, r.g.AuditRetentionMode))
	switch {
	case retention == "" && mode != "":
		return usagef("audit_retention_mode is set without audit_retention: give how long records are retained (400d)")
	case retention == "":
		return nil
	case mode == "":
		mode = "GOVERNANCE"
	case mode != "GOVERNANCE" && mode != "COMPLIANCE":
		return usagef("audit_retention_mode must be governance or compliance, not %q", mode)
	}
	d, err := model.ParseDuration(retention)
	if err != nil || d < 24*time.Hour {
		return usagef("audit_retention must be a duration of at least a day, such as 400d, not %q", retention)
	}
	s.AuditRetention, s.AuditRetentionMode = d, mode
	return nil
}
