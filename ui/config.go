package ui

import (
	"context"
	"time"

	"github.com/lockwarden/lockwarden/model"
)

// Source reads the lock table. The aws package's LockTable is one; tests
// use fakes. Scan must return entries sorted by LockID, one per LockID.
type Source interface {
	Scan(ctx context.Context, includeDigests bool) (model.Snapshot, error)
}

// PlacesSource is a Source that can leave the buckets out of a poll,
// re-using their last listing (aws.Locks is one). S3 bills every LIST and
// GET request, so the UI lists buckets every S3PollInterval while the
// table keeps its own PollInterval.
type PlacesSource interface {
	Source
	ScanPlaces(ctx context.Context, includeDigests, listFiles bool) (model.Snapshot, error)
}

// Config is what the UI needs to know, resolved by the caller. The UI never
// reads flags, files or the environment itself.
type Config struct {
	// Context names the configured context in use ("" for none).
	Context string
	// Label marks the context's rows in a fleet's CONTEXT column (default
	// its name); Color is the label's colour ("" none): a colour name, an
	// ANSI number or #rrggbb. The label is the mark; colour only adds.
	Label, Color string
	// Contexts lists every configured context; with more than one, ":"
	// opens the context switcher.
	Contexts []string
	// Where says how this context is reached (region, endpoints,
	// profile), and ContextsWhere the same of each configured context by
	// name: the ':' picker shows them.
	Where         string
	ContextsWhere map[string]string
	Profile       string
	Region        string
	// Table is the lock table; "" when only S3 lock files are watched
	// (use_lockfile alone): there are no digests then.
	Table string
	// Buckets are the watched buckets (BUCKET or BUCKET/PREFIX), named in
	// the header beside the table.
	Buckets []string
	// StaleAfter is the age from which a lock is called stale.
	StaleAfter time.Duration
	// PollInterval is the time between two reads of the table.
	PollInterval time.Duration
	// S3PollInterval is the time between two listings of the buckets
	// (default DefaultS3PollInterval).
	S3PollInterval time.Duration
	// ReadBudget bounds what polling reads of the table (max_read_share,
	// max_read_units_per_hour); a zero field takes the default.
	ReadBudget model.ReadBudget
	// ReadOnly shows the read-only badge.
	ReadOnly bool
	// ReadOnlyWhy says why a read-only run is read-only and what lifts it;
	// the write keys show it.
	ReadOnlyWhy string
	// RequireReason makes the release dialog ask why, for the audit
	// (require_reason in the context).
	RequireReason bool
	// LockFiles is set when S3 lock files are watched too: the table then
	// shows where each lock lives.
	LockFiles bool
	// Now is the clock (default time.Now); Location the local time zone
	// shown beside UTC (default time.Local).
	Now      func() time.Time
	Location *time.Location
	// Switch connects to another configured context. It runs in a command,
	// never in Update.
	Switch func(ctx context.Context, name string) (Source, Config, error)
	// Releaser is the guarded write path; nil, or ReadOnly, means the UI
	// offers no write at all.
	Releaser Releaser
	// Prober reads state objects and digests; nil disables the evidence
	// and digest health in the detail view.
	Prober Prober
	// Logf receives debug lines (--log-file); the UI never prints.
	Logf func(format string, a ...any)
}

// DefaultS3PollInterval is how often buckets are listed when the caller
// does not say: a 10,000-object bucket then costs 14,400 LIST requests a
// day, $0.072.
const DefaultS3PollInterval = model.DefaultS3PollInterval

// pollEvery is the wait between two polls: the table's interval, or with
// lock files alone the buckets'.
func (c Config) pollEvery() time.Duration {
	if c.Table == "" && c.LockFiles {
		return c.S3PollInterval
	}
	return c.PollInterval
}

func (c *Config) defaults() {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Location == nil {
		c.Location = time.Local
	}
	if c.StaleAfter <= 0 {
		c.StaleAfter = model.DefaultStaleAfter
	}
	if c.PollInterval <= 0 {
		c.PollInterval = model.DefaultPollInterval
	}
	if c.S3PollInterval <= 0 {
		c.S3PollInterval = DefaultS3PollInterval
	}
	if c.ReadBudget.Share <= 0 {
		c.ReadBudget.Share = model.DefaultMaxReadShare
	}
	if c.ReadBudget.UnitsPerHour <= 0 {
		c.ReadBudget.UnitsPerHour = model.DefaultMaxReadUnitsPerHour
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
}
