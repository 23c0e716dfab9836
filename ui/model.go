// Package ui is lockwarden's terminal interface: one Bubble Tea root model,
// its panes and dialogs, keys and styles. It renders and routes; all I/O
// happens in tea.Cmds built from the aws package. It imports aws (error
// classification, read pacing), guard (the write path it is handed),
// config (a context's resolved Settings, which Config embeds, and its
// mark), model and sanitize; never cli: it reads no flag, file or
// variable itself.
package ui

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/model"
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
	// maxReads bounds how many contexts of a fleet are read at once.
	maxReads = model.ContextReads
)

// Model is the one root model of the UI: it owns all state. Panes are
// rendered by methods; no nested tea.Models.
type Model struct {
	// cfg is the UI's own configuration; with one context it is that
	// context's, with several (a fleet) the clock, log and switcher,
	// while each member keeps its context's.
	cfg    Config
	keys   KeyMap
	styles Styles
	help   help.Model
	filter textinput.Model

	width, height int
	now           time.Time

	// contexts are the contexts read, each on its own schedule: one, or
	// several in a fleet. Their entries are the data.
	contexts []contextState
	// fleet is set when several contexts are shown at once: rows carry
	// a CONTEXT column and each row's context decides what can be done.
	fleet bool
	// only narrows a fleet's rows to one context (":"); "" shows all.
	only string
	// switches counts context switches, to drop a description of the
	// table of a context left.
	switches int
	// reads bounds the contexts read at once: a token is held for each
	// read in flight (shared by every copy of the model).
	reads chan struct{}

	// counts are recomputed when data or time changes, not every frame.
	counts counts
	// polls counts the snapshots applied, to date new marks.
	polls int

	// What changed, by row: a context's LockID.
	newSince map[rowKey]newMark
	history  []event
	// status is the status line's message (status.go).
	status statusMsg
	// ownGone holds the locks lockwarden released (value: the holder's
	// ID) until a poll sees them gone: the history already has them,
	// with their audit record.
	ownGone map[rowKey]string
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
	selected    rowKey // the row under the cursor, kept across polls
	detail      *model.Entry
	detailTop   int // first line of the detail view on screen
	helpTop     int // first line of the help on screen
	ctxCursor   int

	// probes holds what the state objects said, by context and state path.
	probes map[rowKey]model.DigestReport
	// healthPending: H was pressed before digests were loaded.
	healthPending bool
	// dual remembers the states seen locked in both places this session:
	// such a state held in one place only is flagged.
	dual map[rowKey]bool

	// The force-unlock dialog, when open, the undo on offer, and the
	// question whether to take it.
	dialog  *unlockDialog
	undo    *undoOffer
	undoAsk *undoDialog
}

// New returns the UI for one lock table.
func New(cfg Config, src Source) Model {
	cfg.defaults()
	m := assemble(cfg, []contextState{newContextState(cfg, src)})
	m.keys.Contexts.SetEnabled(len(cfg.Contexts) > 1 && cfg.Switch != nil)
	return m
}

// assemble is the model shared by New and NewFleet, over contexts whose
// configs have their defaults.
func assemble(cfg Config, contexts []contextState) Model {
	fi := textinput.New()
	fi.Prompt = "/"
	fi.Placeholder = "words: path, who, operation, lock ID, context"
	keys := DefaultKeyMap()
	tables, probed := false, false
	for _, mem := range contexts {
		tables = tables || mem.cfg.Table != ""
		probed = probed || mem.cfg.Prober != nil && mem.cfg.Table != ""
	}
	// Repairs and checks need the state objects.
	keys.Repair.SetEnabled(probed)
	keys.Health.SetEnabled(probed)
	// Digests live in a lock table: without one, d leaves the help too
	// (and d, H, R only say why, see noDigests).
	keys.Digests.SetEnabled(tables)
	return Model{
		cfg: cfg, contexts: contexts, reads: make(chan struct{}, maxReads), keys: keys, styles: NewStyles(true), help: help.New(), filter: fi,
		width: 80, height: 24, now: cfg.Now(), newSince: map[rowKey]newMark{},
		probes: map[rowKey]model.DigestReport{}, dual: map[rowKey]bool{}, ownGone: map[rowKey]string{},
	}
}

// noDigests are the digest keys (d, H, R). With no lock table they are
// not offered, and pressing one says why instead of doing nothing.
var noDigests = func() key.Binding {
	k := DefaultKeyMap()
	return key.NewBinding(key.WithKeys(append(append(k.Digests.Keys(), k.Health.Keys()...), k.Repair.Keys()...)...))
}()

// Messages. Each I/O result comes back as one of these. A poll's reply
// names its member (the index of its context in Model.contexts) and that
// context's poll generation.
type (
	tickMsg     time.Time
	pollDueMsg  struct{ member, gen int }
	snapshotMsg struct {
		member, gen int
		snap        model.Snapshot
		err         error
		took        time.Duration
		// start is when the read began: a bucket listing is dated by it.
		start time.Time
	}
	switchedMsg struct {
		src Source
		cfg Config
		err error
	}
)

// Init starts the first poll of every context, the second ticker and
// asks the terminal for its background colour.
func (m Model) Init() tea.Cmd {
	cmds := []tea.Cmd{tick(), tea.RequestBackgroundColor}
	for i := range m.contexts {
		// The team's writes too: h and the detail view show them.
		cmds = append(cmds, m.scan(i), m.describe(i), m.teamRead(i, true))
	}
	return tea.Batch(cmds...)
}

func tick() tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// Update routes a message. It does no I/O: reads happen in commands.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	// The model is a value: the contexts it changes are its own copy, so
	// an older copy of the model never sees this message.
	m.contexts = slices.Clone(m.contexts)
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
		mem := &m.contexts[msg.member]
		if msg.gen != mem.gen {
			return m, nil
		}
		mem.polling = true
		return m, m.scan(msg.member)
	case snapshotMsg:
		return m.onSnapshot(msg)
	case switchedMsg:
		return m.onSwitched(msg)
	case capacityMsg:
		return m.onCapacity(msg)
	case probeMsg:
		m.probes = with(m.probes, msg.key, msg.report)
		return m, nil
	case releasedMsg:
		return m.onReleased(msg)
	case repairedMsg:
		return m.onRepaired(msg)
	case healthMsg:
		return m.onHealth(msg)
	case teamMsg:
		return m.onTeam(msg)
	case restoredMsg:
		return m.onRestored(msg)
	case tea.KeyPressMsg:
		return m.onKey(msg)
	}
	return m, nil
}

// rebuildRows sorts the shown entries and filters them into the rows, keeping
// the selection on the same LockID when it is still there.
func (m *Model) rebuildRows() {
	ordered := make([]*model.Entry, 0, m.entryCount())
	for _, mem := range m.contexts {
		if m.only != "" && mem.cfg.Context != m.only {
			continue
		}
		for i := range mem.entries {
			if e := &mem.entries[i]; e.Kind != model.KindDigest || m.showDigests {
				ordered = append(ordered, e)
			}
		}
	}
	if m.sortKey == model.SortContext {
		// By the mark the CONTEXT column shows — a label, else the
		// name — oldest first within each context.
		model.SortRefs(ordered, model.SortAge)
		rank := m.markRanks()
		slices.SortStableFunc(ordered, func(a, b *model.Entry) int { return cmp.Compare(rank[a.Context], rank[b.Context]) })
	} else {
		model.SortRefs(ordered, m.sortKey)
	}
	if m.sortReverse {
		model.ReverseRefs(ordered, m.sortKey)
	}
	pinWorkdir(ordered, m.cfg.Workdir)
	m.ordered = ordered
	m.rowsQuery = nil // new rows: filter them all
	m.refilter()
}

// pinWorkdir puts the working directory's state first, whatever the
// order: run in the directory whose state is locked, that lock is the
// one the person came for (and the cursor starts on it).
func pinWorkdir(ordered []*model.Entry, w *config.Workdir) {
	if w == nil {
		return
	}
	state := w.State()
	if i := slices.IndexFunc(ordered, func(e *model.Entry) bool { return e.LockID == state && e.Kind != model.KindDigest }); i > 0 {
		pinned := ordered[i]
		copy(ordered[1:i+1], ordered[:i])
		ordered[0] = pinned
	}
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
			if query.Matches(e, m.contextWords(e)) {
				rows = append(rows, e)
			}
		}
	}
	m.rowsQuery = &query
	m.rows = rows
	if m.selected != (rowKey{}) {
		for i, e := range rows {
			if keyOf(e) == m.selected {
				m.cursor = i
				break
			}
		}
	}
	m.clampCursor()
}

// bodyHeight is the number of table rows that fit.
func (m Model) bodyHeight() int {
	return max(1, m.height-m.headerLines()-m.footerHeight()-1)
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
		m.selected = keyOf(m.rows[m.cursor])
	} else {
		m.selected = rowKey{}
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
	switch {
	case msg.String() == "ctrl+c":
		return m, tea.Quit
	case m.undoAsk != nil:
		return m.onUndoDialogKey(msg)
	case m.dialog != nil:
		return m.onDialogKey(msg)
	case m.filtering:
		return m.onFilterKey(msg)
	}
	if next, cmd, done := m.onAnyScreenKey(msg); done {
		return next, cmd
	}
	switch m.screen {
	case screenDetail:
		return m.onDetailKey(msg)
	case screenContexts:
		return m.onContextsKey(msg)
	case screenHelp:
		m.helpTop = m.scroll(msg, m.helpTop)
		return m, nil
	case screenHistory:
		if key.Matches(msg, m.keys.History) {
			m.screen = screenMain
		}
		return m, nil
	}
	if m.onMoveKey(msg) {
		return m, nil
	}
	return m.onTableKey(msg)
}

// onAnyScreenKey handles the keys that mean the same on every screen:
// back, quit, help, refresh, undo. done is false for any other key.
func (m Model) onAnyScreenKey(msg tea.KeyPressMsg) (next Model, cmd tea.Cmd, done bool) {
	k := m.keys
	switch {
	case m.screen != screenMain && key.Matches(msg, k.Back):
		// q too: from a detail view it goes back, never quits unseen.
		m.screen = screenMain
	case key.Matches(msg, k.Quit):
		return m, tea.Quit, true
	case key.Matches(msg, k.Back):
		if m.filter.Value() != "" {
			m.filter.SetValue("")
			m.refilter()
		}
	case key.Matches(msg, k.Help):
		m.screen = toggle(m.screen, screenHelp)
		m.helpTop = 0
	case key.Matches(msg, k.Refresh):
		// r re-reads everything now, the buckets too.
		for i := range m.contexts {
			m.contexts[i].filesAt = time.Time{}
		}
		return m, m.refreshNow(), true
	case key.Matches(msg, k.Undo):
		next, cmd := m.askUndo()
		return next.(Model), cmd, true
	case !m.keys.Digests.Enabled() && key.Matches(msg, noDigests):
		m.setStatus(statusWarning, m.cfg.Now(), "no digests here: digests live in a DynamoDB lock table, and only S3 lock files are watched")
	default:
		return m, nil, false
	}
	return m, nil, true
}

// onDetailKey handles a key on a lock's detail view: copy, unlock and
// repair act on that lock; anything else scrolls.
func (m Model) onDetailKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.keys
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
}

// onMoveKey moves the cursor through the table; false for any other key.
func (m *Model) onMoveKey(msg tea.KeyPressMsg) bool {
	k, h := m.keys, m.bodyHeight()
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
	default:
		return false
	}
	return true
}

// onTableKey handles the table's own keys: what to do with the row under
// the cursor, and how the rows are filtered, sorted and shown.
func (m Model) onTableKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	if key.Matches(msg, k.Detail, k.Copy, k.Unlock, k.Repair) {
		return m.onRowKey(msg)
	}
	switch {
	case key.Matches(msg, k.Filter):
		m.filtering = true
		return m, m.filter.Focus()
	case key.Matches(msg, k.Sort):
		// A new key starts in its usual direction.
		keys := model.SortKeys
		if m.fleet {
			keys = append(slices.Clone(keys), model.SortContext)
		}
		m.sortKey = keys[(slices.Index(keys, m.sortKey)+1)%len(keys)]
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
		return m.checkHealth()
	case key.Matches(msg, k.History):
		m.screen = screenHistory
		return m, m.readTeam(false)
	case key.Matches(msg, k.Contexts):
		m.openContexts()
	}
	return m, nil
}

// onRowKey acts on the row under the cursor: details, copy, unlock,
// repair. With no row the key does nothing.
func (m Model) onRowKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k, e := m.keys, m.current()
	switch {
	case e == nil:
		return m, nil
	case key.Matches(msg, k.Detail):
		m.detail, m.screen, m.detailTop = e, screenDetail, 0
		return m, tea.Batch(m.probe(e), m.readTeam(false))
	case key.Matches(msg, k.Copy):
		return m, m.copyID(e)
	case key.Matches(msg, k.Unlock):
		return m, m.openUnlock(e)
	}
	return m, m.openRepair(e)
}

// checkHealth checks every digest against its state object, reading the
// digests first when they are not shown.
func (m Model) checkHealth() (tea.Model, tea.Cmd) {
	if !m.showDigests {
		// Digests are needed: show them, then check once they are read.
		m.showDigests = true
		m.rebuildRows()
		m.healthPending = true
		m.setStatus(statusInfo, m.cfg.Now(), "reading digests to check them…")
		return m, m.refreshNow()
	}
	m.setStatus(statusInfo, m.cfg.Now(), fmt.Sprintf("checking %d digests against their state objects…", m.digestCount()))
	return m, m.checkDigests()
}

// openContexts opens ':' with the cursor on the context in use (or the
// one a fleet is narrowed to).
func (m *Model) openContexts() {
	m.screen = screenContexts
	m.ctxCursor = 0
	for i, c := range m.contextChoices() {
		if c == m.cfg.Context && !m.fleet || m.fleet && c == m.only {
			m.ctxCursor = i
		}
	}
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

// readOnly reports whether this run makes no writes at all: no context
// may write. Read-only contexts have no Releaser: the write keys only say
// so.
func (m Model) readOnly() bool {
	for _, mem := range m.contexts {
		if !mem.cfg.readOnly() {
			return false
		}
	}
	return true
}

// writable reports whether e's context may write; when it may not, it
// says so on the status line.
func (m *Model) writable(e *model.Entry) bool {
	cfg := m.cfgOf(e)
	if cfg.readOnly() {
		why := cfg.ReadOnlyWhy
		if why == "" {
			why = "read-only (use --write)"
		}
		if m.fleet && cfg.ReadOnlyWhy == "" {
			why = cfg.Context + " is " + why
		}
		m.setStatus(statusWarning, m.cfg.Now(), why)
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
	m.setStatus(statusInfo, m.cfg.Now(), fmt.Sprintf("copied %s %s to the clipboard", what, id))
	return tea.SetClipboard(id)
}

// with returns a copy of m with k set to v. Update works on a copy of the
// Model, and the copy shares its maps: they are replaced, never changed in
// place, or a Model still held elsewhere would change with them.
func with[K comparable, V any](m map[K]V, k K, v V) map[K]V {
	out := make(map[K]V, len(m)+1)
	maps.Copy(out, m)
	out[k] = v
	return out
}
