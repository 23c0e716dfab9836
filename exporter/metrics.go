package exporter

import (
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lockwarden/lockwarden/model"
)

// The metrics. Their names and labels are a contract: alert rules and
// dashboards are written against them (docs/admin/alerting.md).
var (
	upDesc = prometheus.NewDesc("lockwarden_up",
		"1 when the last read of the context succeeded, else 0; its lock series are absent while it is 0.",
		[]string{"context"}, nil)
	locksDesc = prometheus.NewDesc("lockwarden_locks",
		"Locks held, by where they are held: dynamodb (the lock table), s3 (a .tflock lock file) or dynamodb+s3 (both).",
		[]string{"context", "source"}, nil)
	staleDesc = prometheus.NewDesc("lockwarden_stale_locks",
		"Locks held at least the context's stale_after (see lockwarden_stale_after_seconds).",
		[]string{"context"}, nil)
	malformedDesc = prometheus.NewDesc("lockwarden_malformed_items",
		"Lock table items and lock files that are neither a readable lock nor a digest; Terraform cannot take the lock of their state.",
		[]string{"context"}, nil)
	createdDesc = prometheus.NewDesc("lockwarden_lock_created_timestamp_seconds",
		"When each held lock was taken, by its holder's clock (Unix seconds); one series per lock. A lock without a Created time, or with one out of range (before 1678 or after 2262), has none.",
		[]string{"context", "path", "operation", "who", "source"}, nil)
	partialDesc = prometheus.NewDesc("lockwarden_partial_read",
		"1 while a watched place of the context (a bucket of lock files) could not be read: its locks are missing from the other series, however calm they look; 0 when it was read. Absent while lockwarden_up is 0.",
		[]string{"context", "place"}, nil)
	staleAfterDesc = prometheus.NewDesc("lockwarden_stale_after_seconds",
		"The context's stale_after: a lock held this long is stale.",
		[]string{"context"}, nil)
	durationDesc = prometheus.NewDesc("lockwarden_read_duration_seconds",
		"How long the context's last completed read took, successful or not.",
		[]string{"context"}, nil)
	rcuDesc = prometheus.NewDesc("lockwarden_read_capacity_units_total",
		"DynamoDB read capacity units the exporter's scans of the lock table consumed.",
		[]string{"context"}, nil)
	s3Desc = prometheus.NewDesc("lockwarden_s3_requests_total",
		"S3 requests the exporter made to read lock files, by type: list (ListObjectsV2) or get (GetObject).",
		[]string{"context", "type"}, nil)
)

// Describe sends the descriptions of every metric the collector serves.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{upDesc, locksDesc, staleDesc, malformedDesc, createdDesc, partialDesc, staleAfterDesc, durationDesc, rcuDesc, s3Desc} {
		ch <- d
	}
}

// Collect reads what is due (see Collector) and sends every context's
// metrics from its last completed read.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.refresh()
	now := c.opts.Now()
	for _, t := range c.targets {
		t.collect(ch, now)
	}
}

// collect sends t's metrics. A context whose last read failed, or that
// has not been read yet, has lockwarden_up 0 and no lock series: no alert
// may fire on what is no longer known (LockwardenContextDown says that
// the context is not watched). Its cost
// counters stay: what it cost is still true, and a counter that vanishes
// breaks rate().
func (t *target) collect(ch chan<- prometheus.Metric, now time.Time) {
	t.mu.Lock()
	last, rcu, lists, gets := t.last, t.rcuTotal, t.listsTotal, t.getsTotal
	t.mu.Unlock()

	name := t.Context
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	up := last.done && last.err == nil
	gauge(upDesc, boolValue(up), name)
	gauge(staleAfterDesc, t.StaleAfter.Seconds(), name)
	if t.Table {
		counter(rcuDesc, rcu, name)
	}
	if t.Buckets {
		counter(s3Desc, lists, name, "list")
		counter(s3Desc, gets, name, "get")
	}
	if last.done {
		gauge(durationDesc, last.duration.Seconds(), name)
	}
	if !up {
		return
	}

	unread := map[string]bool{}
	for _, u := range last.unread {
		unread[u.Place] = true
	}
	for _, place := range t.BucketPlaces {
		gauge(partialDesc, boolValue(unread[place]), name, place)
		delete(unread, place)
	}
	for place := range unread { // a place not named in the target: still told
		gauge(partialDesc, 1, name, place)
	}

	held := map[string]float64{}
	for _, s := range t.sources() {
		held[s] = 0
	}
	var tally model.Tally
	seen := map[string]bool{}
	for i := range last.entries {
		e := &last.entries[i]
		tally.Add(e, now, t.StaleAfter)
		if e.Kind != model.KindLock {
			continue
		}
		source := e.Source.String()
		held[source]++
		if !e.Info.CreatedKnown() {
			continue // none, or out of range: no timestamp to give
		}
		// Label values are what the lock says, as it says it: Prometheus
		// escapes them. Only bytes that are not UTF-8 are replaced, as
		// the exposition format requires; a lock that then collides with
		// another is served once.
		labels := []string{name, valid(e.Path()), valid(e.Info.Operation), valid(e.Info.Who), source}
		key := strings.Join(labels, "\xff")
		if seen[key] {
			continue
		}
		seen[key] = true
		gauge(createdDesc, float64(e.Info.Created.UnixNano())/1e9, labels...)
	}
	for source, n := range held {
		gauge(locksDesc, n, name, source)
	}
	gauge(staleDesc, float64(tally.Stale), name)
	gauge(malformedDesc, float64(tally.Malformed), name)
}

// sources are the places t watches, as lockwarden_locks labels them: each
// is served, 0 when nothing is held there.
func (t *target) sources() []string {
	var out []string
	if t.Table {
		out = append(out, model.SourceDynamoDB.String())
	}
	if t.Buckets {
		out = append(out, model.SourceS3.String())
	}
	if t.Table && t.Buckets {
		out = append(out, model.SourceBoth.String())
	}
	return out
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// valid replaces what is not UTF-8: a label value must be UTF-8.
func valid(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
