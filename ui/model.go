// Package ui is lockwarden's terminal interface: one Bubble Tea root model,
// its panes and dialogs, keys and styles. It renders and routes; all I/O
// happens in tea.Cmds built from the aws package.
package ui

import (
	"context"
	"fmt"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// screen is what fills the body of the UI.
type screen int

const (
	screenMain screen = iota
	screenDetail
	screenHistory
	screenHelp
	screenContexts
)

// Timing of the UI, independent of the poll interval.
const (
	// newFor is how long a lock that appeared is marked new.
	newFor = 10 * time.Second
	// maxBackoff caps the wait between failed polls.
	maxBackoff = time.Minute
	// historyLimit bounds the session's release history.
	historyLimit = 500
)

// Model is the one root model of the UI: it owns all state. Panes are
// rendered by methods; no nested tea.Models.
type Model struct {
	cfg    Config
	src    Source
	keys   KeyMap
	styles Styles
	help   help.Model
	filter textinput.Model

	width, height int
	now           time.Time

	// Data, replaced by each successful poll.
	// entries is sorted by LockID.
	entries  []model.Entry
	digests  int
	rcu      float64
	scanTook time.Duration
	// filesAt is when the buckets were last listed (zero: never), and
	// s3Lists, s3Gets what that listing cost.
	filesAt         time.Time
	s3Lists, s3Gets int
	notes           []string
	loaded          bool
	lastOK          time.Time

	// Polling. gen tags every poll; replies and timers of an older
	// generation are dropped.
	gen       int
	polling   bool
	failures  int
	lastErr   error
	nextRetry time.Time
	// The read budget: the table's capacity (read once per context, see
	// budget.go), throttled polls not yet lived down, when the last poll
	// ended and when the next one comes and why it waits longer than the
	// poll interval. budgetNote says the capacity could not be read.
	capacity   model.TableCapacity
	throttles  int
	polledAt   time.Time
	nextPoll   time.Time
	paceReason string
	budgetNote string
	// switches counts context switches, to drop a description of the
	// table of a context left.
	switches int

	// counts are recomputed when data or time changes, not every frame.
	counts counts
	// polls counts the snapshots applied, to date new marks.
	polls int

	// What changed.
	newSince map[string]newMark
	history  []event
	status   string
	statusAt time.Time
	// ownGone holds the locks lockwarden released, by LockID (value: the
	// holder's ID), until a poll sees them gone: the history already has
	// them, with their audit record.
	ownGone map[string]string
	// writes is every write this session made, for Writes.
	writes []Write

	// View state.
	screen      screen
	filtering   bool
	sortKey     model.SortKey
	sortReverse bool // S: the key's usual direction turned around
	showDigests bool
	ordered     []*model.Entry // every shown entry, sorted; rows filters it
	rows        []*model.Entry
	rowsQuery   *model.Query // the filter rows were made with; nil: from scratch
	cursor      int
	offset      int
	selected    string // LockID under the cursor, kept across polls
	detail      *model.Entry
	detailTop   int // first line of the detail view on screen
	helpTop     int // first line of the help on screen
	ctxCursor   int

	// probes holds what the state objects said, by state path.
	probes map[string]lwaws.DigestReport
	// healthPending: H was pressed before digests were loaded.
	healthPending bool
	// dual remembers the states seen locked in both places this session:
	// such a state held in one place only is flagged.
	dual map[string]bool

	// The force-unlock dialog, when open, the undo on offer, and the
	// question whether to take it.
	dialog  *unlockDialog
	undo    *undoOffer
	undoAsk *undoDialog
}

// New returns the UI for one lock table.
func New(cfg Config, src Source) Model {
	cfg.defaults()
	fi := textinput.New()
	fi.Prompt = "/"
	fi.Placeholder = "words: path, who, operation, lock ID, context"
	keys := DefaultKeyMap()
	keys.Contexts.SetEnabled(len(cfg.Contexts) > 1 && cfg.Switch != nil)
	// Repairs and checks need the state objects.
	keys.Repair.SetEnabled(cfg.Prober != nil && cfg.Table != "")
	keys.Health.SetEnabled(cfg.Prober != nil && cfg.Table != "")
	// Digests live in a lock table: without one, d leaves the help too
	// (and d, H, R only say why, see noDigests).
	keys.Digests.SetEnabled(cfg.Table != "")
	return Model{
		cfg: cfg, src: src, keys: keys, styles: NewStyles(true), help: help.New(), filter: fi,
		width: 80, height: 24, now: cfg.Now(), newSince: map[string]newMark{},
		polling: true, probes: map[string]lwaws.DigestReport{}, dual: map[string]bool{}, ownGone: map[string]string{},
	}
}

// noDigests are the digest keys (d, H, R). With no lock table they are
// not offered, and pressing one says why instead of doing nothing.
var noDigests = func() key.Binding {
	k := DefaultKeyMap()
	return key.NewBinding(key.WithKeys(append(append(k.Digests.Keys(), k.Health.Keys()...), k.Repair.Keys()...)...))
}()

// Messages. Each I/O result comes back as one of these.
type (
	tickMsg     time.Time
	pollDueMsg  struct{ gen int }
	snapshotMsg struct {
		gen  int
		snap lwaws.Snapshot
		err  error
		took time.Duration
		// start is when the read began: a bucket listing is dated by it.
		start time.Time
	}
	switchedMsg struct {
		src Source
		cfg Config
		err error
	}
)

// Init starts the first poll, the second ticker and asks the terminal for
// its background colour.
func (m Model) Init() tea.Cmd {
	return tea.Batch(m.scan(m.gen), m.describe(), tick(), tea.RequestBackgroundColor)
}

func tick() tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// scan reads the table in a command; the reply carries gen. The buckets
// are listed only when S3PollInterval has passed since their last
// listing: in between, their last lock files are shown with the fresh
// table.
func (m Model) scan(gen int) tea.Cmd {
	src, digests, now := m.src, m.showDigests, m.cfg.Now
	timeout := max(30*time.Second, 3*m.cfg.PollInterval)
	listFiles := m.filesDue()
	rate := m.pageRate()
	if rate > 0 {
		// A paced scan takes about consumed / rate by design.
		timeout += 2 * time.Duration(m.rcu/rate*float64(time.Second))
	}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(lwaws.WithPageRate(context.Background(), rate), timeout)
		defer cancel()
		start := now()
		var snap lwaws.Snapshot
		var err error
		if ps, ok := src.(PlacesSource); ok {
			snap, err = ps.ScanPlaces(ctx, digests, listFiles)
		} else {
			snap, err = src.Scan(ctx, digests)
		}
		return snapshotMsg{gen: gen, snap: snap, err: err, took: now().Sub(start), start: start}
	}
}

// filesDue reports whether the next poll lists the buckets.
func (m Model) filesDue() bool {
	return m.filesAt.IsZero() || !m.cfg.Now().Before(m.filesAt.Add(m.cfg.S3PollInterval))
}

func pollAfter(d time.Duration, gen int) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return pollDueMsg{gen: gen} })
}

// refreshAfterWrite re-reads every place now, buckets included: a poll
// that reused the last bucket listing would show a lock file just released
// as still held (and the lock flagged ≠), or one just restored as missing.
func (m *Model) refreshAfterWrite() tea.Cmd {
	m.filesAt = time.Time{}
	return m.refreshNow()
}

// refreshNow starts a new poll generation, dropping whatever is in flight.
func (m *Model) refreshNow() tea.Cmd {
	m.gen++
	m.polling = true
	return m.scan(m.gen)
}

// backoff is the wait before retry n (1-based) after failures: doubling
// from the poll interval, capped.
func (m Model) backoff(n int) time.Duration {
	d := m.cfg.PollInterval
	for i := 0; i < n && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

// Update routes a message. It does no I/O: reads happen in commands.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		m.clampCursor()
		return m, nil
	case tea.BackgroundColorMsg:
		m.styles = NewStyles(msg.IsDark())
		m.help.Styles = help.DefaultStyles(msg.IsDark())
		return m, nil
	case tickMsg:
		// The configured clock, not the tick's, so that an injected clock
		// governs every age on screen.
		m.now = m.cfg.Now()
		m.expireNew()
		m.expireUndo()
		m.recount()
		return m, tick()
	case pollDueMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		m.polling = true
		return m, m.scan(m.gen)
	case snapshotMsg:
		return m.onSnapshot(msg)
	case switchedMsg:
		return m.onSwitched(msg)
	case capacityMsg:
		return m.onCapacity(msg)
	case probeMsg:
		probes := make(map[string]lwaws.DigestReport, len(m.probes)+1)
		for k, v := range m.probes {
			probes[k] = v
		}
		probes[msg.path] = msg.report
		m.probes = probes
		return m, nil
	case releasedMsg:
		return m.onReleased(msg)
	case repairedMsg:
		return m.onRepaired(msg)
	case healthMsg:
		return m.onHealth(msg)
	case restoredMsg:
		return m.onRestored(msg)
	case tea.KeyPressMsg:
		return m.onKey(msg)
	}
	return m, nil
}

func (m Model) onSnapshot(msg snapshotMsg) (tea.Model, tea.Cmd) {
	if msg.gen != m.gen {
		m.cfg.Logf("dropped reply of poll %d (current %d)", msg.gen, m.gen)
		return m, nil
	}
	m.polling = false
	at := m.cfg.Now()
	m.now, m.polledAt = at, at
	if msg.err != nil {
		m.failures++
		m.lastErr = msg.err
		wait := m.backoff(m.failures)
		if lwaws.IsThrottled(msg.err) {
			// The table refused reads for their rate: wait at least
			// twice the budgeted spacing, more with each throttle.
			m.throttles++
			wait = max(wait, m.pace().Wait)
		}
		m.nextRetry = at.Add(wait)
		m.cfg.Logf("poll %d failed (%d in a row): %v; retry in %s", msg.gen, m.failures, msg.err, wait)
		return m, m.schedule(at, wait, "")
	}
	if m.failures > 0 {
		m.setStatus(at, fmt.Sprintf("reconnected after %d failed refresh%s", m.failures, plural(m.failures, "", "es")))
	}
	m.failures, m.lastErr = 0, nil
	m.scanTook, m.rcu, m.digests, m.notes = msg.took, msg.snap.ConsumedRCU, msg.snap.Digests, msg.snap.Notes
	if msg.snap.FilesRead {
		m.filesAt, m.s3Lists, m.s3Gets = msg.start, msg.snap.S3Lists, msg.snap.S3Gets
	}
	m.apply(msg.snap.Entries, at)
	// The scan's consumed capacity spaces the next one within the read
	// budget; a throttle is lived down one good poll at a time.
	// A scan paced page by page already spent part of that spacing.
	pace := m.pace()
	if pace.Reason != "" {
		pace.Wait = max(m.cfg.pollEvery(), pace.Wait-msg.took)
	}
	m.throttles = max(0, m.throttles-1)
	next := m.schedule(at, pace.Wait, pace.Reason)
	if m.healthPending && m.showDigests {
		m.healthPending = false
		m.setStatus(at, fmt.Sprintf("checking %d digests against their state objects…", m.digests))
		return m, tea.Batch(next, m.checkDigests())
	}
	return m, next
}

// setStatus shows s on the status line. Status text quotes lock items,
// errors and context names, so it is sanitized here, once, and callers
// pass it raw: sanitizing twice would escape the marks of the first pass.
func (m *Model) setStatus(at time.Time, s string) {
	m.status, m.statusAt = sanitize.Text(s), at
}

// rebuildRows sorts the shown entries and filters them into the rows, keeping
// the selection on the same LockID when it is still there.
func (m *Model) rebuildRows() {
	ordered := make([]*model.Entry, 0, len(m.entries))
	for i := range m.entries {
		if e := &m.entries[i]; e.Kind != model.KindDigest || m.showDigests {
			ordered = append(ordered, e)
		}
	}
	model.SortRefs(ordered, m.sortKey)
	if m.sortReverse {
		model.ReverseRefs(ordered, m.sortKey)
	}
	m.ordered = ordered
	m.rowsQuery = nil // new rows: filter them all
	m.refilter()
}

// refilter applies the filter to the sorted rows. Typing in the filter
// only calls this: filtering keeps the order, so nothing is sorted again.
// Every word typed must match (see model.Query); the context's name
// counts as a field of every entry.
func (m *Model) refilter() {
	query := model.ParseQuery(m.filter.Value())
	rows := m.ordered
	if !query.Empty() {
		// Typing on narrows the query: only the rows shown can match.
		from := m.ordered
		if m.rowsQuery != nil && query.Narrows(*m.rowsQuery) {
			from = m.rows
		}
		rows = make([]*model.Entry, 0, len(from))
		for _, e := range from {
			if query.Matches(e, m.cfg.Context) {
				rows = append(rows, e)
			}
		}
	}
	m.rowsQuery = &query
	m.rows = rows
	if m.selected != "" {
		for i, e := range rows {
			if e.LockID == m.selected {
				m.cursor = i
				break
			}
		}
	}
	m.clampCursor()
}

// bodyHeight is the number of table rows that fit.
func (m Model) bodyHeight() int {
	return max(1, m.height-headerLines-m.footerHeight()-1)
}

func (m *Model) clampCursor() {
	n := len(m.rows)
	m.cursor = max(0, min(m.cursor, n-1))
	h := m.bodyHeight()
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+h {
		m.offset = m.cursor - h + 1
	}
	m.offset = max(0, min(m.offset, max(0, n-h)))
	if n > 0 {
		m.selected = m.rows[m.cursor].LockID
	} else {
		m.selected = ""
	}
}

func (m *Model) move(delta int) {
	m.cursor += delta
	m.clampCursor()
}

func (m Model) current() *model.Entry {
	if len(m.rows) == 0 {
		return nil
	}
	return m.rows[m.cursor]
}

func (m Model) onKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if msg.String() == "ctrl+c" {
		return m, tea.Quit
	}
	if m.undoAsk != nil {
		return m.onUndoDialogKey(msg)
	}
	if m.dialog != nil {
		return m.onDialogKey(msg)
	}
	if m.filtering {
		return m.onFilterKey(msg)
	}
	k := m.keys
	switch {
	case m.screen != screenMain && key.Matches(msg, k.Back):
		// q too: from a detail view it goes back, never quits unseen.
		m.screen = screenMain
		return m, nil
	case key.Matches(msg, k.Quit):
		return m, tea.Quit
	case key.Matches(msg, k.Back):
		if m.filter.Value() != "" {
			m.filter.SetValue("")
			m.refilter()
		}
		return m, nil
	case key.Matches(msg, k.Help):
		m.screen = toggle(m.screen, screenHelp)
		m.helpTop = 0
		return m, nil
	case key.Matches(msg, k.Refresh):
		// r re-reads everything now, the buckets too.
		m.filesAt = time.Time{}
		return m, m.refreshNow()
	case key.Matches(msg, k.Undo):
		return m.askUndo()
	case m.cfg.Table == "" && key.Matches(msg, noDigests):
		m.setStatus(m.cfg.Now(), "no digests here: digests live in a DynamoDB lock table, and only S3 lock files are watched")
		return m, nil
	}
	switch m.screen {
	case screenDetail:
		switch {
		case key.Matches(msg, k.Copy) && m.detail != nil:
			return m, m.copyID(m.detail)
		case key.Matches(msg, k.Unlock) && m.detail != nil:
			return m, m.openUnlock(m.detail)
		case key.Matches(msg, k.Repair) && m.detail != nil:
			return m, m.openRepair(m.detail)
		}
		m.detailTop = m.scroll(msg, m.detailTop)
		return m, nil
	case screenContexts:
		return m.onContextsKey(msg)
	case screenHelp:
		m.helpTop = m.scroll(msg, m.helpTop)
		return m, nil
	case screenHistory:
		if key.Matches(msg, k.History) {
			m.screen = screenMain
		}
		return m, nil
	}
	h := m.bodyHeight()
	switch {
	case key.Matches(msg, k.Up):
		m.move(-1)
	case key.Matches(msg, k.Down):
		m.move(1)
	case key.Matches(msg, k.PageUp):
		m.move(-h)
	case key.Matches(msg, k.PageDown):
		m.move(h)
	case key.Matches(msg, k.Home):
		m.move(-len(m.rows))
	case key.Matches(msg, k.End):
		m.move(len(m.rows))
	case key.Matches(msg, k.Detail):
		if e := m.current(); e != nil {
			m.detail = e
			m.screen = screenDetail
			m.detailTop = 0
			return m, m.probe(e)
		}
	case key.Matches(msg, k.Copy):
		if e := m.current(); e != nil {
			return m, m.copyID(e)
		}
	case key.Matches(msg, k.Unlock):
		if e := m.current(); e != nil {
			return m, m.openUnlock(e)
		}
	case key.Matches(msg, k.Repair):
		if e := m.current(); e != nil {
			return m, m.openRepair(e)
		}
	case key.Matches(msg, k.Filter):
		m.filtering = true
		return m, m.filter.Focus()
	case key.Matches(msg, k.Sort):
		// A new key starts in its usual direction.
		m.sortKey = model.SortKeys[(int(m.sortKey)+1)%len(model.SortKeys)]
		m.sortReverse = false
		m.rebuildRows()
	case key.Matches(msg, k.Reverse):
		m.sortReverse = !m.sortReverse
		m.rebuildRows()
	case key.Matches(msg, k.Digests):
		m.showDigests = !m.showDigests
		m.rebuildRows()
		// Digests are only fetched when shown: read them now.
		return m, m.refreshNow()
	case key.Matches(msg, k.Health):
		if !m.showDigests {
			// Digests are needed: show them, then check once they are read.
			m.showDigests = true
			m.rebuildRows()
			m.healthPending = true
			m.setStatus(m.cfg.Now(), "reading digests to check them…")
			return m, m.refreshNow()
		}
		m.setStatus(m.cfg.Now(), fmt.Sprintf("checking %d digests against their state objects…", m.digests))
		return m, m.checkDigests()
	case key.Matches(msg, k.History):
		m.screen = screenHistory
	case key.Matches(msg, k.Contexts):
		m.screen = screenContexts
		for i, c := range m.cfg.Contexts {
			if c == m.cfg.Context {
				m.ctxCursor = i
			}
		}
	}
	return m, nil
}

// scroll moves a scrolled view's first line by a movement key; the view
// clamps the end when it draws.
func (m Model) scroll(msg tea.KeyPressMsg, top int) int {
	k := m.keys
	switch {
	case key.Matches(msg, k.Down):
		top++
	case key.Matches(msg, k.Up):
		top--
	case key.Matches(msg, k.PageDown):
		top += m.bodyHeight()
	case key.Matches(msg, k.PageUp):
		top -= m.bodyHeight()
	case key.Matches(msg, k.Home):
		top = 0
	case key.Matches(msg, k.End):
		top = 1 << 20
	}
	return max(0, top)
}

// readOnly reports whether this run makes no writes. Read-only runs have
// no Releaser at all: the write keys only say so.
func (m Model) readOnly() bool { return m.cfg.ReadOnly || m.cfg.Releaser == nil }

// writable reports whether this run may write; when it may not, it says
// so on the status line.
func (m *Model) writable() bool {
	if m.readOnly() {
		why := m.cfg.ReadOnlyWhy
		if why == "" {
			why = "read-only (use --write)"
		}
		m.setStatus(m.cfg.Now(), why)
		return false
	}
	return true
}

func toggle(cur, s screen) screen {
	if cur == s {
		return screenMain
	}
	return s
}

func (m Model) onFilterKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch msg.String() {
	case "esc":
		m.filtering = false
		m.filter.Blur()
		m.filter.SetValue("")
		m.refilter()
		return m, nil
	case "enter":
		m.filtering = false
		m.filter.Blur()
		return m, nil
	case "up", "down":
		if msg.String() == "up" {
			m.move(-1)
		} else {
			m.move(1)
		}
		return m, nil
	}
	var cmd tea.Cmd
	before := model.ParseQuery(m.filter.Value()).String()
	m.filter, cmd = m.filter.Update(msg)
	// A space typed between words changes no match: do not filter
	// 100,000 rows again for it.
	if model.ParseQuery(m.filter.Value()).String() != before {
		m.refilter()
	}
	return m, cmd
}

func (m *Model) copyID(e *model.Entry) tea.Cmd {
	id := e.Info.ID
	what := "lock ID"
	if id == "" {
		id, what = e.LockID, "LockID"
	}
	m.setStatus(m.cfg.Now(), fmt.Sprintf("copied %s %s to the clipboard", what, id))
	return tea.SetClipboard(id)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
