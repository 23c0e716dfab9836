package ui

import (
	"slices"
	"strings"
	"time"

	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// This file holds the contexts the UI reads — one, or several at once in
// a fleet — each with its own source, schedule, backoff and read budget,
// and finds the context a row belongs to.

// Member is one context of a fleet: its resolved config and its reader.
type Member struct {
	Config Config
	Source Source
}

// NewFleet returns the UI for several contexts at once: one merged table
// with a CONTEXT column, each context read on its own schedule, and each
// row's own context deciding what can be done with it. ui is the UI's own
// config (clock, time zone, log); each member's config is its context's.
func NewFleet(ui Config, contexts []Member) Model {
	ui.defaults()
	ms := make([]contextState, len(contexts))
	names := make([]string, len(contexts))
	for i, mb := range contexts {
		cfg := mb.Config
		cfg.Now, cfg.Location, cfg.Logf = ui.Now, ui.Location, ui.Logf
		cfg.defaults()
		ms[i] = newContextState(cfg, mb.Source)
		names[i] = cfg.Context
	}
	ui.Contexts, ui.Context, ui.Switch = names, "", nil
	m := assemble(ui, ms)
	m.fleet = true
	m.keys.Contexts.SetEnabled(len(ms) > 1)
	return m
}

// rowKey identifies a row among several contexts': a context's LockID.
// Probes use it with the state path in place of the LockID.
type rowKey struct{ ctx, id string }

func keyOf(e *model.Entry) rowKey { return rowKey{e.Context, e.LockID} }

// pathKey is the key of what was read of the state behind e.
func pathKey(e *model.Entry) rowKey { return rowKey{e.Context, e.Path()} }

// contextMark is the context of e as a person reads it: its name, and its
// label when it has one.
func (m Model) contextMark(e *model.Entry) string {
	cfg := m.cfgOf(e)
	if cfg.Label != "" {
		return sanitize.Text(cfg.Context) + " (" + sanitize.Text(cfg.Label) + ")"
	}
	return sanitize.Text(cfg.Context)
}

// contextState is one context being read: its config, source and data,
// and the state of its polling (a fleet member, or the one context).
type contextState struct {
	cfg Config
	src Source
	// words are the context's name and label, for the filter.
	words string

	// Data, replaced by each successful poll; entries sorted by LockID.
	entries  []model.Entry
	digests  int
	rcu      float64
	scanTook time.Duration
	// filesAt is when the buckets were last listed (zero: never), and
	// s3Lists, s3Gets what that listing cost.
	filesAt         time.Time
	s3Lists, s3Gets int
	notes           []string
	// unread are the watched places the last read could not read: the
	// context is partly read, never shown as plainly live.
	unread []model.UnreadPlace
	loaded bool
	lastOK time.Time
	// counts are this context's, as of its last poll or the last tick.
	counts counts
	// team is what was read of the context's shared audit log (team.go).
	team teamState

	// Polling. gen tags every poll; replies and timers of an older
	// generation are dropped.
	gen     int
	polling bool
	// owed is set when a read was asked for (r, a write, d) while one was
	// in flight: it starts as soon as that one answers.
	owed      bool
	failures  int
	lastErr   error
	nextRetry time.Time
	// The read budget: the table's capacity (read once, see budget.go),
	// throttled polls not yet lived down, when the last poll ended and
	// when the next one comes and why it waits longer than the poll
	// interval. budgetNote says the capacity could not be read.
	capacity   model.TableCapacity
	throttles  int
	polledAt   time.Time
	nextPoll   time.Time
	paceReason string
	budgetNote string
}

func newContextState(cfg Config, src Source) contextState {
	words := cfg.Context
	if cfg.Label != "" {
		words += " " + cfg.Label
	}
	return contextState{cfg: cfg, src: src, words: words, polling: true}
}

// The lookups below take the model by pointer: they run per entry in
// the filter, and a Model copied per call costs more than the lookup.

// one is the first context's state (with one context, the only one).
func (m *Model) one() *contextState { return &m.contexts[0] }

// contextIndex is the index of the member reading context name, -1 when
// none does. With one context every row is its.
func (m *Model) contextIndex(name string) int {
	if !m.fleet {
		return 0
	}
	for i := range m.contexts {
		if m.contexts[i].cfg.Context == name {
			return i
		}
	}
	return -1
}

// contextOf is the member an entry was read by. An entry of no context
// read here (none is, today) gets a state that may not write: never
// another context's write path.
func (m *Model) contextOf(e *model.Entry) *contextState {
	if i := m.contextIndex(e.Context); i >= 0 {
		return &m.contexts[i]
	}
	return &contextState{cfg: Config{Settings: config.Settings{Context: e.Context, ReadOnly: true, ReadOnlyWhy: "context " + e.Context + " is not one read here", StaleAfter: model.DefaultStaleAfter}}}
}

// contextPrefix begins a message about e: in a fleet its context's name,
// so that every message says which account; with one context nothing.
func (m *Model) contextPrefix(e *model.Entry) string {
	if !m.fleet {
		return ""
	}
	return e.Context + ": "
}

// cfgOf is the config of the context an entry was read in: its stale
// threshold, its write path, its read-only.
func (m *Model) cfgOf(e *model.Entry) *Config { return &m.contextOf(e).cfg }

// readOnly reports whether the context may not write: read-only, or no
// write path at all.
func (c Config) readOnly() bool { return c.ReadOnly || c.Releaser == nil }

// contextWords is what the filter matches of an entry's context: its name
// and label.
func (m *Model) contextWords(e *model.Entry) string { return m.contextOf(e).words }

// mark is how a context shows in the CONTEXT column: its label, else
// its name.
func (c Config) mark() string {
	if c.Label != "" {
		return c.Label
	}
	return c.Context
}

// anyLoaded reports whether some context has been read.
func (m Model) anyLoaded() bool {
	for i := range m.contexts {
		if m.contexts[i].loaded {
			return true
		}
	}
	return false
}

// anyPolling reports whether a read is in flight.
func (m Model) anyPolling() bool {
	for i := range m.contexts {
		if m.contexts[i].polling {
			return true
		}
	}
	return false
}

// entryCount is the number of entries read, every context's.
func (m Model) entryCount() int {
	n := 0
	for i := range m.contexts {
		n += len(m.contexts[i].entries)
	}
	return n
}

// digestCount is the number of digest items read, every context's.
func (m Model) digestCount() int {
	n := 0
	for i := range m.contexts {
		n += m.contexts[i].digests
	}
	return n
}

// hasTable reports whether some context reads a lock table (where
// digests live).
func (m Model) hasTable() bool {
	for i := range m.contexts {
		if m.contexts[i].cfg.Table != "" {
			return true
		}
	}
	return false
}

// each calls fn on every entry read, context by context.
func (m Model) each(fn func(e *model.Entry)) {
	for i := range m.contexts {
		for j := range m.contexts[i].entries {
			fn(&m.contexts[i].entries[j])
		}
	}
}

// contextChoices are what ':' offers: the configured contexts to switch
// to, or in a fleet "" (all of them) and each context to narrow to.
func (m Model) contextChoices() []string {
	if m.fleet {
		return append([]string{""}, m.cfg.Contexts...)
	}
	return m.cfg.Contexts
}

// markRanks orders the contexts by the mark the CONTEXT column shows,
// ignoring case: the order of sort by context.
func (m *Model) markRanks() map[string]int {
	names := make([]string, len(m.contexts))
	for i := range m.contexts {
		names[i] = m.contexts[i].cfg.Context
	}
	mark := func(name string) string { return strings.ToLower(m.contexts[m.contextIndex(name)].cfg.mark()) }
	slices.SortStableFunc(names, func(a, b string) int { return strings.Compare(mark(a), mark(b)) })
	rank := make(map[string]int, len(names))
	for i, n := range names {
		rank[n] = i
	}
	return rank
}
