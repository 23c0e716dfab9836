package ui

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// This file is polling: each context read on its own schedule — the poll
// interval, spaced by the read budget (pace), backed off after failures —
// one read at a time per context and at most maxReads in all, and what a
// read's answer does.

// scan reads context i's places in a command; the reply carries its
// current generation. The buckets are listed only when S3PollInterval
// has passed since their last listing: in between, their last lock files
// are shown with the fresh table.
func (m Model) scan(i int) tea.Cmd {
	mem := &m.contexts[i]
	src, digests, now, gen, name := mem.src, m.showDigests, m.cfg.Now, mem.gen, mem.cfg.Context
	timeout := max(30*time.Second, 3*mem.cfg.PollInterval)
	listFiles := mem.filesDue(now())
	rate := mem.pageRate()
	if rate > 0 {
		// A paced scan takes about consumed / rate by design.
		timeout += 2 * time.Duration(mem.rcu/rate*float64(time.Second))
	}
	fleet, reads := m.fleet, m.reads
	return func() tea.Msg {
		// At most maxReads contexts are read at once — the first reads
		// of a fleet, and any read not paced by a read budget; a context
		// waiting its turn is not timed out for it. A paced read spends
		// most of its time waiting between pages, so it holds no turn:
		// four long paced scans must not keep every other context unread.
		if rate == 0 {
			reads <- struct{}{}
			defer func() { <-reads }()
		}
		ctx, cancel := context.WithTimeout(lwaws.WithPageRate(context.Background(), rate), timeout)
		defer cancel()
		start := now()
		var snap model.Snapshot
		var err error
		if ps, ok := src.(PlacesSource); ok {
			snap, err = ps.ScanPlaces(ctx, digests, listFiles)
		} else {
			snap, err = src.Scan(ctx, digests)
		}
		if fleet {
			// Rows of a fleet know their context.
			for j := range snap.Entries {
				snap.Entries[j].Context = name
			}
		}
		return snapshotMsg{member: i, gen: gen, snap: snap, err: err, took: now().Sub(start), start: start}
	}
}

func pollAfter(d time.Duration, member, gen int) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return pollDueMsg{member: member, gen: gen} })
}

// refreshAfterWrite re-reads the context written to now, buckets
// included: a poll that reused the last bucket listing would show a lock
// file just released as still held (and the lock flagged ≠), or one just
// restored as missing.
func (m *Model) refreshAfterWrite(context string) tea.Cmd {
	i := m.contextIndex(context)
	if i < 0 {
		return nil
	}
	m.contexts[i].filesAt = time.Time{}
	return m.refreshContext(i)
}

// refreshNow asks a new read of every context: started now, or, where
// one is in flight, owed and started when it answers (refreshContext).
func (m *Model) refreshNow() tea.Cmd {
	cmds := make([]tea.Cmd, len(m.contexts))
	for i := range m.contexts {
		cmds[i] = m.refreshContext(i)
	}
	return tea.Batch(cmds...)
}

// refreshContext starts a new poll generation of context i. A context has
// one read at a time: while one is in flight, the new read is owed and
// starts when that one answers (see next), so pressing r at a hanging
// context never piles scans onto it, and a paced table is never scanned
// twice at once behind its read budget's back.
func (m *Model) refreshContext(i int) tea.Cmd {
	if m.contexts[i].polling {
		m.contexts[i].owed = true
		return nil
	}
	m.contexts[i].gen++
	m.contexts[i].polling = true
	return m.scan(i)
}

// next arms context i's next poll after a read ended at at: now, when a
// read was asked for while that one was in flight, else after wait.
func (m *Model) next(i int, at time.Time, wait time.Duration, reason string) tea.Cmd {
	if mem := &m.contexts[i]; mem.owed {
		mem.owed = false
		return m.refreshContext(i)
	}
	return m.contexts[i].schedule(i, at, wait, reason)
}

func (m Model) onSnapshot(msg snapshotMsg) (tea.Model, tea.Cmd) {
	mem := &m.contexts[msg.member]
	if msg.gen != mem.gen {
		m.cfg.Logf("dropped reply of poll %d of %s (current %d)", msg.gen, sanitize.OrDash(mem.cfg.Context), mem.gen)
		return m, nil
	}
	mem.polling = false
	at := m.cfg.Now()
	m.now, mem.polledAt = at, at
	if msg.err != nil {
		mem.failures++
		mem.lastErr = msg.err
		wait := mem.backoff(mem.failures)
		if lwaws.IsThrottled(msg.err) {
			// The table refused reads for their rate: wait at least
			// twice the budgeted spacing, more with each throttle.
			mem.throttles++
			wait = max(wait, mem.pace().Wait)
		}
		mem.nextRetry = at.Add(wait)
		m.cfg.Logf("poll %d of %s failed (%d in a row): %v; retry in %s", msg.gen, sanitize.OrDash(mem.cfg.Context), mem.failures, msg.err, wait)
		cmd := m.next(msg.member, at, wait, "")
		if m.healthPending && m.showDigests && !m.anyPolling() {
			// H waits for every context's answer, a failure included.
			m.healthPending = false
			m.setStatus(statusInfo, at, fmt.Sprintf("checking %d digests against their state objects…", m.digestCount()))
			return m, tea.Batch(cmd, m.checkDigests())
		}
		return m, cmd
	}
	if mem.failures > 0 {
		what := fmt.Sprintf("reconnected after %d failed refresh%s", mem.failures, model.Plural(mem.failures, "", "es"))
		if m.fleet {
			what = mem.cfg.Context + ": " + what
		}
		m.setStatus(statusInfo, at, what)
	}
	mem.failures, mem.lastErr = 0, nil
	m.cfg.Logf("poll %d of %s: %d entries in %s", msg.gen, sanitize.OrDash(mem.cfg.Context), len(msg.snap.Entries), msg.took.Round(time.Millisecond))
	mem.scanTook, mem.rcu, mem.digests, mem.notes, mem.unread = msg.took, msg.snap.ConsumedRCU, msg.snap.Digests, msg.snap.Notes, msg.snap.Unread
	if msg.snap.FilesRead {
		mem.filesAt, mem.s3Lists, mem.s3Gets = msg.start, msg.snap.S3Lists, msg.snap.S3Gets
	}
	m.apply(msg.member, msg.snap.Entries, at)
	// The scan's consumed capacity spaces the next one within the read
	// budget; a throttle is lived down one good poll at a time.
	// A scan paced page by page already spent part of that spacing.
	pace := mem.pace()
	if pace.Reason != "" {
		pace.Wait = max(mem.cfg.pollEvery(), pace.Wait-msg.took)
	}
	mem.throttles = max(0, mem.throttles-1)
	next := m.next(msg.member, at, pace.Wait, pace.Reason)
	if m.healthPending && m.showDigests && !m.anyPolling() {
		m.healthPending = false
		m.setStatus(statusInfo, at, fmt.Sprintf("checking %d digests against their state objects…", m.digestCount()))
		return m, tea.Batch(next, m.checkDigests())
	}
	return m, next
}

// filesDue reports whether the next poll lists the buckets.
func (mem *contextState) filesDue(now time.Time) bool {
	return mem.filesAt.IsZero() || !now.Before(mem.filesAt.Add(mem.cfg.S3PollInterval))
}

// backoff is the wait before retry n (1-based) after failures: doubling
// from the poll interval, capped.
func (mem *contextState) backoff(n int) time.Duration {
	d := mem.cfg.PollInterval
	for i := 0; i < n && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

// schedule arms context i's next poll after wait and remembers when it
// comes and why it is later than the poll interval, for the header.
func (mem *contextState) schedule(i int, at time.Time, wait time.Duration, reason string) tea.Cmd {
	mem.nextPoll, mem.paceReason = at.Add(wait), reason
	return pollAfter(wait, i, mem.gen)
}

// pace is the wait after a poll that read mem.rcu, within the read budget.
func (mem *contextState) pace() model.PollPace {
	return model.PacePolls(mem.cfg.pollEvery(), mem.rcu, mem.capacity, mem.cfg.ReadBudget, mem.throttles)
}

// pageRate is the rate a scan keeps to between its pages: the budget's,
// slowed by throttling, once the first read (which may use burst) is done.
func (mem *contextState) pageRate() float64 {
	if !mem.loaded {
		return 0
	}
	return model.ReadRate(mem.capacity, mem.cfg.ReadBudget) / float64(int(1)<<min(mem.throttles, 6))
}
