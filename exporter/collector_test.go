package exporter

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/model"
)

// fakeReader is a context whose reads the test decides.
type fakeReader struct {
	mu       sync.Mutex
	snap     model.Snapshot
	err      error
	capacity model.TableCapacity
	// hang makes a read wait for its context to end.
	hang bool
	// What the collector asked for, read by read.
	lists     []bool
	pageRates []float64
	describes int
}

func (f *fakeReader) ScanPlaces(ctx context.Context, includeDigests, listFiles bool) (model.Snapshot, error) {
	f.mu.Lock()
	f.lists = append(f.lists, listFiles)
	f.pageRates = append(f.pageRates, lwaws.PageRate(ctx))
	snap, err, hang := f.snap, f.err, f.hang
	f.mu.Unlock()
	if hang {
		<-ctx.Done()
		return model.Snapshot{}, ctx.Err()
	}
	if err != nil {
		return model.Snapshot{}, err
	}
	snap.Entries = slices.Clone(snap.Entries)
	return snap, nil
}

func (f *fakeReader) Capacity(context.Context) (model.TableCapacity, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.describes++
	return f.capacity, nil
}

func (f *fakeReader) set(snap model.Snapshot, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.snap, f.err = snap, err
}

func (f *fakeReader) reads() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.lists)
}

// clock is a settable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var t0 = time.Date(2026, 11, 26, 18, 0, 0, 0, time.UTC)

func lock(path, op, who string, age time.Duration, source model.Source) model.Entry {
	return model.Entry{Kind: model.KindLock, LockID: path, Source: source,
		Info: model.LockInfo{ID: "id-" + path, Operation: op, Who: who, Created: t0.Add(-age), Path: path}}
}

// scrape gathers c as a Prometheus registry would serve it.
func scrape(t *testing.T, c *Collector) []*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(c); err != nil {
		t.Fatal(err)
	}
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

// series returns the metrics of family name whose labels include want.
func series(fams []*dto.MetricFamily, name string, want map[string]string) []*dto.Metric {
	var out []*dto.Metric
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	metrics:
		for _, m := range f.GetMetric() {
			for k, v := range want {
				found := false
				for _, lp := range m.GetLabel() {
					if lp.GetName() == k && lp.GetValue() == v {
						found = true
					}
				}
				if !found {
					continue metrics
				}
			}
			out = append(out, m)
		}
	}
	return out
}

// value is the one value of name{want}; it fails the test when there is
// not exactly one such series.
func value(t *testing.T, fams []*dto.MetricFamily, name string, want map[string]string) float64 {
	t.Helper()
	ms := series(fams, name, want)
	if len(ms) != 1 {
		t.Fatalf("%s%v: %d series, want 1", name, want, len(ms))
	}
	m := ms[0]
	switch {
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	}
	t.Fatalf("%s: neither gauge nor counter", name)
	return 0
}

func ctxLabel(name string) map[string]string { return map[string]string{"context": name} }

func newCollector(clk *clock, opts Options, targets ...Target) *Collector {
	opts.Now = clk.Now
	return New(targets, opts)
}

// waitIdle waits until no read is under way.
func (c *Collector) waitIdle() {
	for _, t := range c.targets {
		t.mu.Lock()
		done := t.inFlight
		t.mu.Unlock()
		if done != nil {
			<-done
		}
	}
}

func TestScrapesWithinMinIntervalServeTheCache(t *testing.T) {
	clk := &clock{now: t0}
	r := &fakeReader{snap: model.Snapshot{Entries: []model.Entry{lock("tfstate/a", "OperationTypeApply", "alice@laptop", time.Minute, model.SourceDynamoDB)}}}
	c := newCollector(clk, Options{MinInterval: 30 * time.Second}, Target{Context: "prod", Reader: r, Table: true, StaleAfter: time.Hour})
	defer c.Close()

	fams := scrape(t, c)
	if got := value(t, fams, "lockwarden_locks", map[string]string{"context": "prod", "source": "dynamodb"}); got != 1 {
		t.Fatalf("locks = %v, want 1", got)
	}
	// The table changes; within min-interval the scrape serves what it read.
	r.set(model.Snapshot{}, nil)
	clk.advance(29 * time.Second)
	fams = scrape(t, c)
	if r.reads() != 1 {
		t.Fatalf("a scrape within min-interval read again: %d reads", r.reads())
	}
	if got := value(t, fams, "lockwarden_locks", map[string]string{"context": "prod", "source": "dynamodb"}); got != 1 {
		t.Fatalf("cached locks = %v, want 1", got)
	}
	clk.advance(time.Second)
	fams = scrape(t, c)
	if r.reads() != 2 {
		t.Fatalf("a scrape after min-interval did not read: %d reads", r.reads())
	}
	if got := value(t, fams, "lockwarden_locks", map[string]string{"context": "prod", "source": "dynamodb"}); got != 0 {
		t.Fatalf("locks after the release = %v, want 0", got)
	}
	if n := len(series(fams, "lockwarden_lock_created_timestamp_seconds", ctxLabel("prod"))); n != 0 {
		t.Fatalf("a released lock still has %d created series", n)
	}
}

// A provisioned table of 4 RCU with max_read_share 0.25 may be read at 1
// RCU a second on average: a scan that consumed 120 RCU is followed by the
// next one 120 s later, not at min-interval; it is paced page by page.
func TestReadBudgetSpacesReadsOfAProvisionedTable(t *testing.T) {
	clk := &clock{now: t0}
	r := &fakeReader{snap: model.Snapshot{ConsumedRCU: 120}, capacity: model.TableCapacity{Mode: model.BillingProvisioned, ReadUnits: 4}}
	c := newCollector(clk, Options{MinInterval: 30 * time.Second},
		Target{Context: "prod", Reader: r, Table: true, StaleAfter: time.Hour, Budget: model.ReadBudget{Share: 0.25}})
	defer c.Close()

	for _, step := range []struct {
		advance time.Duration
		reads   int
	}{{0, 1}, {30 * time.Second, 1}, {89 * time.Second, 1}, {time.Second, 2}, {119 * time.Second, 2}, {time.Second, 3}} {
		clk.advance(step.advance)
		scrape(t, c)
		if got := r.reads(); got != step.reads {
			t.Fatalf("at +%s: %d reads, want %d", clk.Now().Sub(t0), got, step.reads)
		}
	}
	if r.describes != 1 {
		t.Errorf("DescribeTable asked %d times, want once", r.describes)
	}
	if want := []float64{0, 1, 1}; !slices.Equal(r.pageRates, want) {
		t.Errorf("page rates %v, want %v (the first read may burst, later ones keep to the budget)", r.pageRates, want)
	}
}

// On demand, max_read_units_per_hour bounds the reads: 3,600 RRU an hour
// is 1 a second, so a scan of 90 RRU is followed by the next 90 s later.
func TestReadBudgetSpacesReadsOfAnOnDemandTable(t *testing.T) {
	clk := &clock{now: t0}
	r := &fakeReader{snap: model.Snapshot{ConsumedRCU: 90}, capacity: model.TableCapacity{Mode: model.BillingOnDemand}}
	c := newCollector(clk, Options{MinInterval: 30 * time.Second},
		Target{Context: "dev", Reader: r, Table: true, StaleAfter: time.Hour, Budget: model.ReadBudget{UnitsPerHour: 3600}})
	defer c.Close()
	scrape(t, c)
	clk.advance(89 * time.Second)
	scrape(t, c)
	if r.reads() != 1 {
		t.Fatalf("read again before the budget allowed: %d reads", r.reads())
	}
	clk.advance(time.Second)
	scrape(t, c)
	if r.reads() != 2 {
		t.Fatalf("not read again once the budget allowed: %d reads", r.reads())
	}
}

// throttled is DynamoDB refusing reads for their rate.
var throttled = &smithy.GenericAPIError{Code: "ProvisionedThroughputExceededException", Message: "slow down"}

// A throttled read doubles the spacing; each good read lives one down.
func TestThrottlingSlowsReads(t *testing.T) {
	clk := &clock{now: t0}
	r := &fakeReader{err: throttled}
	c := newCollector(clk, Options{MinInterval: 30 * time.Second}, Target{Context: "prod", Reader: r, Table: true, StaleAfter: time.Hour})
	defer c.Close()
	scrape(t, c)
	clk.advance(59 * time.Second)
	scrape(t, c)
	if r.reads() != 1 {
		t.Fatalf("read again within twice min-interval after a throttle: %d reads", r.reads())
	}
	clk.advance(time.Second)
	r.set(model.Snapshot{}, nil)
	fams := scrape(t, c)
	if r.reads() != 2 || value(t, fams, "lockwarden_up", ctxLabel("prod")) != 1 {
		t.Fatalf("not read again after the throttled spacing: %d reads", r.reads())
	}
}

// A context that fails has lockwarden_up 0 and no lock series — not those
// of its last good read — while the others are served as usual.
func TestAFailedContextIsDownWithoutLockSeries(t *testing.T) {
	clk := &clock{now: t0}
	good := &fakeReader{snap: model.Snapshot{Entries: []model.Entry{lock("tfstate/a", "OperationTypeApply", "alice", 2*time.Hour, model.SourceDynamoDB)}}}
	bad := &fakeReader{snap: good.snap}
	var logged []string
	c := newCollector(clk, Options{MinInterval: 30 * time.Second, Logf: func(f string, a ...any) { logged = append(logged, fmt.Sprintf(f, a...)) }},
		Target{Context: "good", Reader: good, Table: true, StaleAfter: time.Hour},
		Target{Context: "bad", Reader: bad, Table: true, StaleAfter: time.Hour})
	defer c.Close()
	fams := scrape(t, c)
	if value(t, fams, "lockwarden_up", ctxLabel("bad")) != 1 || value(t, fams, "lockwarden_stale_locks", ctxLabel("bad")) != 1 {
		t.Fatal("before failing, bad is up with its stale lock")
	}

	bad.set(model.Snapshot{}, errors.New("scan terraform-locks: connection refused"))
	clk.advance(30 * time.Second)
	fams = scrape(t, c)
	if value(t, fams, "lockwarden_up", ctxLabel("bad")) != 0 {
		t.Error("a failed context is not down")
	}
	for _, name := range []string{"lockwarden_locks", "lockwarden_stale_locks", "lockwarden_malformed_items", "lockwarden_lock_created_timestamp_seconds"} {
		if n := len(series(fams, name, ctxLabel("bad"))); n != 0 {
			t.Errorf("a failed context still has %d %s series", n, name)
		}
		if n := len(series(fams, name, ctxLabel("good"))); n == 0 {
			t.Errorf("the good context lost its %s", name)
		}
	}
	if value(t, fams, "lockwarden_up", ctxLabel("good")) != 1 {
		t.Error("the good context is down")
	}
	// Failing again the same way is logged once.
	clk.advance(30 * time.Second)
	scrape(t, c)
	if n := countContaining(logged, "context bad: read failed"); n != 1 {
		t.Errorf("the failure was logged %d times, want once: %q", n, logged)
	}
}

func countContaining(lines []string, s string) int {
	n := 0
	for _, l := range lines {
		if strings.Contains(l, s) {
			n++
		}
	}
	return n
}

// A context that does not answer holds the scrape up no longer than the
// read timeout; it is down, the others are served.
func TestASlowContextDoesNotHoldTheScrape(t *testing.T) {
	clk := &clock{now: t0}
	good := &fakeReader{}
	slow := &fakeReader{hang: true}
	var mu sync.Mutex
	var logged []string
	c := newCollector(clk, Options{ReadTimeout: 200 * time.Millisecond, Logf: func(f string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		logged = append(logged, fmt.Sprintf(f, a...))
	}},
		Target{Context: "good", Reader: good, Table: true, StaleAfter: time.Hour},
		Target{Context: "slow", Reader: slow, Table: true, StaleAfter: time.Hour})
	defer c.Close()
	began := time.Now()
	fams := scrape(t, c)
	if took := time.Since(began); took > 2*time.Second {
		t.Fatalf("the scrape took %s with a 200ms read timeout", took)
	}
	if value(t, fams, "lockwarden_up", ctxLabel("slow")) != 0 || value(t, fams, "lockwarden_up", ctxLabel("good")) != 1 {
		t.Fatal("want slow down and good up")
	}
	// The read that ran out of time is recorded as such.
	c.waitIdle()
	mu.Lock()
	defer mu.Unlock()
	if countContaining(logged, "context slow: read failed: no answer within 200ms") != 1 {
		t.Errorf("the timeout was not logged: %q", logged)
	}
}

// Cost counters add up what every read consumed and requested.
func TestCostCountersIncrease(t *testing.T) {
	clk := &clock{now: t0}
	r := &fakeReader{snap: model.Snapshot{ConsumedRCU: 2.5, FilesRead: true, S3Lists: 3, S3Gets: 2}}
	c := newCollector(clk, Options{MinInterval: 30 * time.Second},
		Target{Context: "prod", Reader: r, Table: true, Buckets: true, ListEvery: 30 * time.Second, StaleAfter: time.Hour})
	defer c.Close()
	scrape(t, c)
	clk.advance(30 * time.Second)
	fams := scrape(t, c)
	if got := value(t, fams, "lockwarden_read_capacity_units_total", ctxLabel("prod")); got != 5 {
		t.Errorf("read capacity units = %v, want 5", got)
	}
	if got := value(t, fams, "lockwarden_s3_requests_total", map[string]string{"context": "prod", "type": "list"}); got != 6 {
		t.Errorf("list requests = %v, want 6", got)
	}
	if got := value(t, fams, "lockwarden_s3_requests_total", map[string]string{"context": "prod", "type": "get"}); got != 4 {
		t.Errorf("get requests = %v, want 4", got)
	}
	// A failed read keeps the counters: they must never go down.
	r.set(model.Snapshot{}, errors.New("down"))
	clk.advance(30 * time.Second)
	fams = scrape(t, c)
	if got := value(t, fams, "lockwarden_read_capacity_units_total", ctxLabel("prod")); got != 5 {
		t.Errorf("after a failure, read capacity units = %v, want 5", got)
	}
}

// Buckets beside a table are listed at their own, slower interval; the
// table's reads between merge the last listing.
func TestBucketsAreListedAtTheirOwnInterval(t *testing.T) {
	clk := &clock{now: t0}
	r := &fakeReader{}
	c := newCollector(clk, Options{MinInterval: 30 * time.Second},
		Target{Context: "prod", Reader: r, Table: true, Buckets: true, ListEvery: time.Minute, StaleAfter: time.Hour})
	defer c.Close()
	for range 5 {
		scrape(t, c)
		clk.advance(30 * time.Second)
	}
	if want := []bool{true, false, true, false, true}; !slices.Equal(r.lists, want) {
		t.Errorf("listed %v, want %v", r.lists, want)
	}
}

// Each held lock is a series of its own with its created timestamp and
// its labels as the lock says them; stale and malformed are counted.
func TestLockSeries(t *testing.T) {
	clk := &clock{now: t0}
	who := "mallory\"} 1\nlockwarden_up{context=\"x\"} 0 \\ ü"
	r := &fakeReader{snap: model.Snapshot{Entries: []model.Entry{
		lock("tfstate/env:/prod/network/terraform.tfstate", "OperationTypeApply", "ci@runner-7", 76*time.Hour, model.SourceDynamoDB),
		lock("tfstate/env:/staging/dns/terraform.tfstate", "OperationTypePlan", "ci@runner-2", time.Minute, model.SourceBoth),
		lock("tfstate/app/terraform.tfstate", "OperationTypeApply", who, 2*time.Hour, model.SourceS3),
		lock("tfstate/iam/terraform.tfstate", "OperationTypeApply", "dana", -3*time.Minute, model.SourceDynamoDB), // clock ahead
		{Kind: model.KindMalformed, LockID: "tfstate/broken", Problem: "no Info attribute"},
	}}}
	c := newCollector(clk, Options{}, Target{Context: "prod", Reader: r, Table: true, Buckets: true, StaleAfter: time.Hour})
	defer c.Close()
	fams := scrape(t, c)
	for source, want := range map[string]float64{"dynamodb": 2, "s3": 1, "dynamodb+s3": 1} {
		if got := value(t, fams, "lockwarden_locks", map[string]string{"context": "prod", "source": source}); got != want {
			t.Errorf("locks{source=%q} = %v, want %v", source, got, want)
		}
	}
	if got := value(t, fams, "lockwarden_stale_locks", ctxLabel("prod")); got != 2 {
		t.Errorf("stale = %v, want 2 (a clock ahead is not stale)", got)
	}
	if got := value(t, fams, "lockwarden_malformed_items", ctxLabel("prod")); got != 1 {
		t.Errorf("malformed = %v, want 1", got)
	}
	if got := value(t, fams, "lockwarden_stale_after_seconds", ctxLabel("prod")); got != 3600 {
		t.Errorf("stale after = %v, want 3600", got)
	}
	got := value(t, fams, "lockwarden_lock_created_timestamp_seconds",
		map[string]string{"context": "prod", "path": "tfstate/env:/prod/network/terraform.tfstate", "operation": "OperationTypeApply", "who": "ci@runner-7", "source": "dynamodb"})
	if want := float64(t0.Add(-76 * time.Hour).Unix()); got != want {
		t.Errorf("created = %v, want %v", got, want)
	}
	// The holder's text goes in as it is, not as a second series.
	if n := len(series(fams, "lockwarden_lock_created_timestamp_seconds", map[string]string{"who": who, "source": "s3"})); n != 1 {
		t.Errorf("the lock with a hostile holder has %d series, want 1", n)
	}
	if n := len(series(fams, "lockwarden_up", nil)); n != 1 {
		t.Errorf("%d lockwarden_up series: a label value made another", n)
	}
	if n := len(series(fams, "lockwarden_lock_created_timestamp_seconds", nil)); n != 4 {
		t.Errorf("%d created series, want one per lock", n)
	}
}

// No lock ID label: a lock's series is named by its state.
func TestNoLockIDLabel(t *testing.T) {
	ch := make(chan *prometheus.Desc, 20)
	New(nil, Options{}).Describe(ch)
	close(ch)
	for d := range ch {
		if s := d.String(); strings.Contains(strings.ToLower(s), "lock_id") || strings.Contains(s, `"id"`) {
			t.Errorf("a lock ID label: %s", s)
		}
		if !strings.Contains(d.String(), `help: "`) || strings.Contains(d.String(), `help: ""`) {
			t.Errorf("no HELP: %s", d)
		}
	}
}

// countingReader counts the reads under way at once.
type countingReader struct {
	mu          sync.Mutex
	now, most   int
	hold        time.Duration
	description model.TableCapacity
}

func (r *countingReader) ScanPlaces(ctx context.Context, _, _ bool) (model.Snapshot, error) {
	r.mu.Lock()
	r.now++
	r.most = max(r.most, r.now)
	r.mu.Unlock()
	time.Sleep(r.hold)
	r.mu.Lock()
	r.now--
	r.mu.Unlock()
	return model.Snapshot{}, nil
}

func (r *countingReader) Capacity(context.Context) (model.TableCapacity, error) {
	return r.description, nil
}

// Contexts are read in parallel, never more than Parallel at once.
func TestContextsAreReadInParallelWithinTheBound(t *testing.T) {
	clk := &clock{now: t0}
	r := &countingReader{hold: 50 * time.Millisecond}
	var targets []Target
	for i := range 6 {
		targets = append(targets, Target{Context: fmt.Sprintf("c%d", i), Reader: r, Table: true, StaleAfter: time.Hour})
	}
	c := newCollector(clk, Options{Parallel: 2, ReadTimeout: 10 * time.Second}, targets...)
	defer c.Close()
	fams := scrape(t, c)
	for _, tg := range targets {
		if value(t, fams, "lockwarden_up", ctxLabel(tg.Context)) != 1 {
			t.Errorf("%s is not up", tg.Context)
		}
	}
	if r.most != 2 {
		t.Errorf("%d reads at once, want 2", r.most)
	}
}

// A bucket that stops being read while the table still is (403 on LIST)
// must not look healthy: lockwarden_partial_read names it with 1, its
// lock files are gone from the lock series, the log says so once, and
// when it is read again the gauge goes back to 0 and the log says that.
func TestAPartlyReadContextSaysWhichPlace(t *testing.T) {
	clk := &clock{now: t0}
	file := lock("tf-state/app/terraform.tfstate", "OperationTypeApply", "alice", 2*time.Hour, model.SourceS3)
	r := &fakeReader{snap: model.Snapshot{Entries: []model.Entry{file}}}
	var logged []string
	c := newCollector(clk, Options{MinInterval: 30 * time.Second, Logf: func(f string, a ...any) { logged = append(logged, fmt.Sprintf(f, a...)) }},
		Target{Context: "prod", Reader: r, Table: true, Buckets: true, BucketPlaces: []string{"bucket tf-state", "bucket tf-other/teams"}, StaleAfter: time.Hour})
	defer c.Close()
	place := func(p string) map[string]string { return map[string]string{"context": "prod", "place": p} }

	fams := scrape(t, c)
	if value(t, fams, "lockwarden_partial_read", place("bucket tf-state")) != 0 || value(t, fams, "lockwarden_partial_read", place("bucket tf-other/teams")) != 0 {
		t.Fatal("a context read whole is said to be partly read")
	}

	r.set(model.Snapshot{Unread: []model.UnreadPlace{{Place: "bucket tf-state", Why: "s3:ListBucket on bucket tf-state: access denied"}}}, nil)
	clk.advance(30 * time.Second)
	fams = scrape(t, c)
	if value(t, fams, "lockwarden_partial_read", place("bucket tf-state")) != 1 {
		t.Error("the bucket that was not read is not named")
	}
	if value(t, fams, "lockwarden_partial_read", place("bucket tf-other/teams")) != 0 {
		t.Error("the bucket that was read is said not to be")
	}
	if value(t, fams, "lockwarden_up", ctxLabel("prod")) != 1 {
		t.Error("the table was read: up should stay 1")
	}
	clk.advance(30 * time.Second)
	scrape(t, c) // unread again: not logged again
	if n := countContaining(logged, "context prod: bucket tf-state not read"); n != 1 {
		t.Errorf("the unread bucket was logged %d times, want once: %q", n, logged)
	}

	r.set(model.Snapshot{Entries: []model.Entry{file}}, nil)
	clk.advance(30 * time.Second)
	fams = scrape(t, c)
	if value(t, fams, "lockwarden_partial_read", place("bucket tf-state")) != 0 {
		t.Error("the bucket read again is still said not to be")
	}
	if n := countContaining(logged, "context prod: bucket tf-state read again"); n != 1 {
		t.Errorf("the recovery was logged %d times, want once: %q", n, logged)
	}
}

// A lock whose Created is out of range (year 9999: UnixNano wraps to
// 1816, -4.85e9) has no created series, so StaleLock cannot fire on a
// wrapped-around time, and is not counted stale; a lock from 1000 AD is
// not "292 years old" either.
func TestCreatedOutOfRangeHasNoTimestamp(t *testing.T) {
	clk := &clock{now: t0}
	future := lock("tfstate/future", "OperationTypeApply", "dana@skewed", 0, model.SourceDynamoDB)
	future.Info.Created = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	past := lock("tfstate/past", "OperationTypeApply", "erin@old", 0, model.SourceDynamoDB)
	past.Info.Created = time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)
	r := &fakeReader{snap: model.Snapshot{Entries: []model.Entry{future, past}}}
	c := newCollector(clk, Options{}, Target{Context: "prod", Reader: r, Table: true, StaleAfter: time.Hour})
	defer c.Close()
	fams := scrape(t, c)
	if n := len(series(fams, "lockwarden_lock_created_timestamp_seconds", ctxLabel("prod"))); n != 0 {
		t.Errorf("%d created series for locks created out of range", n)
	}
	if v := value(t, fams, "lockwarden_stale_locks", ctxLabel("prod")); v != 0 {
		t.Errorf("%v stale locks, want 0", v)
	}
	if v := value(t, fams, "lockwarden_locks", map[string]string{"context": "prod", "source": "dynamodb"}); v != 2 {
		t.Errorf("%v locks, want 2: they are held all the same", v)
	}
}
