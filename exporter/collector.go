// Package exporter is lockwarden's Prometheus exporter: a collector that
// reads each watched context when a scrape asks, keeps what it read for
// --min-interval and within the context's read budget, and serves it as
// metrics. It only reads: there is no write path in this package, and it
// imports only aws and model — never guard.
package exporter

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/model"
)

// Reader reads one context's locks: aws.Locks is one. ScanPlaces reads
// the table and, when listFiles is set, lists the buckets' lock files
// (else merges those of the last listing); Capacity describes the table
// once, for the read budget.
type Reader interface {
	ScanPlaces(ctx context.Context, includeDigests, listFiles bool) (model.Snapshot, error)
	Capacity(ctx context.Context) (model.TableCapacity, error)
}

// Target is one context the exporter watches.
type Target struct {
	// Context names the context: the value of every series' context label.
	Context string
	Reader  Reader
	// Table is set when the context has a lock table: its reads are
	// spaced by the read budget. Buckets is set when it watches buckets'
	// lock files, listed at most every ListEvery.
	Table, Buckets bool
	// BucketPlaces name the watched buckets as lockwarden_partial_read's
	// place label does ("bucket NAME" or "bucket NAME/PREFIX"): each has
	// a series, 1 while it is not read.
	BucketPlaces []string
	ListEvery    time.Duration
	// StaleAfter is the context's stale_after: a lock held this long is
	// stale.
	StaleAfter time.Duration
	Budget     model.ReadBudget
}

// Options tune a Collector; zero values take the defaults.
type Options struct {
	// MinInterval is how long a read is served from the cache before a
	// scrape reads again (default 30s): two Prometheus replicas scraping
	// every 15s cost no more than one.
	MinInterval time.Duration
	// ReadTimeout bounds one context's read, and how long a scrape waits
	// for the reads it started (default 10s). A read the budget paces
	// page by page gets the time its pacing needs on top.
	ReadTimeout time.Duration
	// Parallel bounds how many contexts are read at once (default 4).
	Parallel int
	// Now is the clock that schedules reads and judges staleness.
	Now func() time.Time
	// Logf reports what an operator should know: a context failing, its
	// recovery, a table that cannot be described.
	Logf func(format string, args ...any)
}

// Defaults of Options.
const (
	DefaultMinInterval = 30 * time.Second
	DefaultReadTimeout = 10 * time.Second
	DefaultParallel    = model.ContextReads
)

// Collector is a prometheus.Collector over a fleet of contexts. A scrape
// starts a read of each context whose last read is older than MinInterval
// and whose read budget allows one, waits for those reads at most
// ReadTimeout, and serves every context's last completed read.
type Collector struct {
	opts    Options
	targets []*target
	slots   *semaphore.Weighted
	// ctx ends every read when the collector is closed.
	ctx    context.Context
	cancel context.CancelFunc
}

// target is a Target with what has been read of it.
type target struct {
	Target
	mu sync.Mutex
	// inFlight is closed when the read under way ends; nil when none is.
	inFlight chan struct{}
	last     readResult
	// nextRead is when the table may be read again (min-interval and
	// budget); nextList when the buckets may be listed again.
	nextRead, nextList time.Time
	capacity           model.TableCapacity
	// describe is false once the table's capacity is known, or
	// DescribeTable was refused (it will be refused again).
	describe  bool
	throttles int
	// consumed is what the last good read consumed, to give a paced read
	// the time its pacing needs.
	consumed float64
	// What reading has cost since the exporter started.
	rcuTotal, listsTotal, getsTotal float64
}

// readResult is a completed read.
type readResult struct {
	done     bool // a read has completed
	err      error
	duration time.Duration
	// entries are the locks and malformed items read (no digests).
	entries []model.Entry
	// unread are the places this read could not read: their locks are
	// missing from entries.
	unread []model.UnreadPlace
}

// New returns a collector for targets. Close it to end reads under way.
func New(targets []Target, opts Options) *Collector {
	if opts.MinInterval <= 0 {
		opts.MinInterval = DefaultMinInterval
	}
	if opts.ReadTimeout <= 0 {
		opts.ReadTimeout = DefaultReadTimeout
	}
	if opts.Parallel <= 0 {
		opts.Parallel = DefaultParallel
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Collector{opts: opts, slots: semaphore.NewWeighted(int64(opts.Parallel)), ctx: ctx, cancel: cancel}
	for _, t := range targets {
		c.targets = append(c.targets, &target{Target: t, describe: t.Table})
	}
	return c
}

// Close ends the reads under way.
func (c *Collector) Close() { c.cancel() }

// refresh starts the reads that are due and waits for them, and for reads
// already under way, at most ReadTimeout. A read still going then goes on
// and serves a later scrape; this one serves the last completed read.
func (c *Collector) refresh() {
	now := c.opts.Now()
	var pending []<-chan struct{}
	for _, t := range c.targets {
		if done := c.start(t, now); done != nil {
			pending = append(pending, done)
		}
	}
	if len(pending) == 0 {
		return
	}
	wait := time.NewTimer(c.opts.ReadTimeout)
	defer wait.Stop()
	for _, done := range pending {
		select {
		case <-done:
		case <-wait.C:
			return
		}
	}
}

// start begins a read of t when one is due, and returns what to wait on:
// the read it started or the one already under way; nil when t is served
// from its cache.
func (c *Collector) start(t *target, now time.Time) <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.inFlight != nil {
		return t.inFlight
	}
	due, list := t.due(now)
	if !due {
		return nil
	}
	done := make(chan struct{})
	t.inFlight = done
	go c.read(t, now, list, done)
	return done
}

// due says whether t is read now, and whether its buckets are listed with
// it. A table is read when min-interval and its budget allow; buckets
// alone when their listing interval has passed. Buckets watched beside a
// table are listed with a table read once their interval has passed, else
// the last listing is merged: S3 bills every request.
func (t *target) due(now time.Time) (due, list bool) {
	list = t.Buckets && !now.Before(t.nextList)
	if !t.Table {
		return list, list
	}
	return !now.Before(t.nextRead), list
}

// read reads t once, records what it read, and logs what changed.
func (c *Collector) read(t *target, started time.Time, list bool, done chan struct{}) {
	defer close(done)
	snap, took, err := c.scan(t, list)
	if news := c.record(t, started, list, snap, took, err); news != "" {
		c.opts.Logf("%s", news)
	}
}

// record keeps a read's result and cost, and sets when the next read may
// come: min-interval, spaced further by the read budget and throttling.
// It returns what to log.
func (c *Collector) record(t *target, started time.Time, list bool, snap model.Snapshot, took time.Duration, err error) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	news := c.news(t, snap, err)
	t.inFlight = nil
	t.rcuTotal += snap.ConsumedRCU
	if snap.FilesRead {
		t.listsTotal += float64(snap.S3Lists)
		t.getsTotal += float64(snap.S3Gets)
	}
	switch {
	case err == nil:
		t.throttles = max(0, t.throttles-1) // lived down one good read at a time
		t.consumed = snap.ConsumedRCU
	case lwaws.IsThrottled(err):
		t.throttles++
	}
	pace := model.PacePolls(c.opts.MinInterval, snap.ConsumedRCU, t.capacity, t.Budget, t.throttles)
	t.nextRead = started.Add(pace.Wait)
	if list || !t.Table {
		t.nextList = started.Add(max(c.opts.MinInterval, t.ListEvery, pace.Wait))
	}
	t.last = readResult{done: true, err: err, duration: took}
	if err == nil {
		t.last.entries, t.last.unread = snap.Entries, snap.Unread
	}
	return news
}

// scan takes a read slot, describes the table while its capacity is
// unknown, and reads t within its timeout: the first read at full speed
// (it may use burst capacity), later ones paced page by page within the
// budget, with the time that pacing needs added to the timeout.
func (c *Collector) scan(t *target, list bool) (model.Snapshot, time.Duration, error) {
	if err := c.slots.Acquire(c.ctx, 1); err != nil {
		return model.Snapshot{}, 0, err
	}
	defer c.slots.Release(1)
	c.describe(t)

	t.mu.Lock()
	rate := 0.0
	if t.last.done {
		rate = model.ReadRate(t.capacity, t.Budget) / float64(int(1)<<min(t.throttles, 6))
	}
	timeout := c.opts.ReadTimeout
	if rate > 0 {
		timeout += time.Duration(t.consumed / rate * float64(time.Second))
	}
	t.mu.Unlock()

	ctx, cancel := context.WithTimeout(lwaws.WithPageRate(c.ctx, rate), timeout)
	defer cancel()
	began := time.Now()
	snap, err := t.Reader.ScanPlaces(ctx, false, list)
	took := time.Since(began)
	if err != nil && ctx.Err() != nil && c.ctx.Err() == nil {
		err = &timeoutError{after: timeout, err: err}
	}
	return snap, took, err
}

// timeoutError is a read that ran out of time.
type timeoutError struct {
	after time.Duration
	err   error
}

func (e *timeoutError) Error() string {
	return "no answer within " + model.FormatThreshold(e.after) + ": " + e.err.Error()
}

func (e *timeoutError) Unwrap() error { return e.err }

// describe reads the table's capacity until it is known, or refused.
func (c *Collector) describe(t *target) {
	t.mu.Lock()
	ask := t.describe
	t.mu.Unlock()
	if !ask {
		return
	}
	ctx, cancel := context.WithTimeout(c.ctx, c.opts.ReadTimeout)
	defer cancel()
	capacity, err := t.Reader.Capacity(ctx)
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case err == nil:
		t.capacity, t.describe = capacity, false
	case lwaws.IsAccessDenied(err):
		t.describe = false
		c.opts.Logf("context %s: dynamodb:DescribeTable is not allowed: reads are spaced by --min-interval alone, without a read budget (max_read_share): %v", t.Context, err)
	}
	// Any other failure: asked again before the next read.
}

// news is what to log of a read's outcome: a context that starts
// failing, fails differently, or recovers; a place that stops or starts
// being read; "" for a context failing the same way again, and for reads
// ended by Close.
func (c *Collector) news(t *target, snap model.Snapshot, err error) string {
	prev := t.last
	switch {
	case c.ctx.Err() != nil:
		return ""
	case err != nil && (!prev.done || prev.err == nil || prev.err.Error() != err.Error()):
		return fmt.Sprintf("context %s: read failed: %v", t.Context, err)
	case err == nil && prev.done && prev.err != nil:
		return fmt.Sprintf("context %s: read again after a failure", t.Context) + partlyNews(t.Context, nil, snap.Unread)
	case err == nil:
		return strings.TrimPrefix(partlyNews(t.Context, prev.unread, snap.Unread), "; ")
	}
	return ""
}

// partlyNews says which places stopped being read, or are read again,
// between two reads; "" when nothing changed.
func partlyNews(name string, before, now []model.UnreadPlace) string {
	was := map[string]bool{}
	for _, u := range before {
		was[u.Place] = true
	}
	var out []string
	for _, u := range now {
		if !was[u.Place] {
			out = append(out, fmt.Sprintf("context %s: %s not read, its lock files are missing from the metrics (lockwarden_partial_read 1): %s", name, u.Place, u.Why))
		}
		delete(was, u.Place)
	}
	for place := range was {
		out = append(out, fmt.Sprintf("context %s: %s read again", name, place))
	}
	slices.Sort(out)
	if len(out) == 0 {
		return ""
	}
	return "; " + strings.Join(out, "; ")
}
