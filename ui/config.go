package ui

import (
	"context"
	"time"

	"github.com/lockwarden/lockwarden/config"
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
	// Settings are the context's as the config package resolved them —
	// its name and mark, the place, the timings and read budget, whether
	// it may write and why not — except Profile and Region, which are
	// what the AWS SDK resolved (the default chain's, when the config
	// names none).
	config.Settings
	// ContextsWhere says how each configured context is reached, by
	// name, beside this one's Where: the ':' picker shows them.
	ContextsWhere map[string]string
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
	// LockFileNotes are, by bucket, what the unlock dialog says of
	// releasing a lock file there (a store doctor found ignoring
	// If-Match).
	LockFileNotes map[string]string
	// Team reads the team's shared audit log (audit:); nil when there is
	// none. h then shows the team's writes of the last day, and a lock's
	// detail when its state was last force-released, by whom and why.
	Team TeamLog
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
	if c.Table == "" && c.lockFiles() {
		return c.S3PollInterval
	}
	return c.PollInterval
}

// lockFiles says whether S3 lock files are watched: the table then shows
// where each lock lives.
func (c Config) lockFiles() bool { return len(c.Buckets) > 0 }

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
