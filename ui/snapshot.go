package ui

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// This file keeps the bookkeeping of snapshots: what appeared, what
// vanished, what is new, the header's counts.

// apply installs a new snapshot of context i: marks what appeared,
// announces what vanished, and rebuilds the visible rows. Both snapshots
// are sorted by LockID (the Source contract), so one merge pass finds the
// changes without a map of 100,000 keys.
func (m *Model) apply(i int, entries []model.Entry, at time.Time) {
	m.expireNew()
	mem := &m.contexts[i]
	// One pass over both snapshots does the diff, the new marks, the
	// one-place flags and this context's counts: at 100,000 entries every
	// pass is memory traffic, so they share one.
	var prev []model.Entry
	if mem.loaded {
		prev = mem.entries
	}
	var gone []*model.Entry
	var cnt counts
	dual, cloned := m.dual, false
	model.Join(prev, entries, func(p, n *model.Entry) {
		changed := p == nil || n == nil || p.Info.ID != n.Info.ID
		if p != nil && p.Kind == model.KindLock && changed {
			gone = append(gone, p)
		}
		if n == nil {
			return
		}
		cnt.Add(n, m.now, mem.cfg.StaleAfter)
		if n.Kind != model.KindLock {
			return
		}
		if changed && mem.loaded {
			m.newSince[keyOf(n)] = newMark{id: n.Info.ID, at: at, poll: m.polls}
			cnt.fresh++
		}
		switch {
		case n.Source == model.SourceBoth:
			if k := keyOf(n); !dual[k] {
				if !cloned {
					dual, cloned = maps.Clone(m.dual), true
				}
				dual[k] = true
			}
		case len(dual) > 0 && n.Warning == "" && dual[keyOf(n)]:
			n.Warning = onePlaceWarning(n)
		}
	})
	// Marks of this context from earlier polls count while their lock is
	// still held: looked up, the marks being few beside the entries.
	for k, mark := range m.newSince {
		if mark.poll != m.polls && k.ctx == mem.cfg.Context {
			if e := findIn(entries, k.id); e != nil && e.Info.ID == mark.id {
				cnt.fresh++
			}
		}
	}
	m.polls++
	m.dual, mem.counts = dual, cnt
	m.noteGone(mem, gone, at)
	mem.entries, mem.loaded, mem.lastOK = entries, true, at
	if m.detail != nil {
		if e := m.find(m.detail); e != nil {
			m.detail = e
		}
	}
	m.sumCounts()
	m.rebuildRows()
}

// noteGone puts the locks a poll found gone in the history and on the
// status line — but for our own releases, which are in the history
// already, with their audit record, and whose message and undo offer stay
// on screen.
func (m *Model) noteGone(mem *contextState, gone []*model.Entry, at time.Time) {
	if len(gone) > 0 && len(m.ownGone) > 0 {
		ownGone := maps.Clone(m.ownGone)
		gone = slices.DeleteFunc(gone, func(p *model.Entry) bool {
			id, ours := ownGone[keyOf(p)]
			if ours && id == p.Info.ID {
				delete(ownGone, keyOf(p))
			}
			return ours && id == p.Info.ID
		})
		m.ownGone = ownGone
	}
	if len(gone) > 0 {
		evs := make([]event, 0, min(len(gone), historyLimit))
		for _, p := range gone[max(0, len(gone)-historyLimit):] {
			evs = append(evs, event{kind: WriteRelease, entry: *p, at: at})
		}
		m.addHistory(evs...)
		msg := "released: " + describeRelease(*gone[0], at)
		if m.fleet {
			msg = mem.cfg.Context + " " + msg
		}
		if len(gone) > 1 {
			msg += fmt.Sprintf(" (+%d more, h lists them)", len(gone)-1)
		}
		m.setStatus(statusInfo, at, msg)
	}
}

// find returns the current entry of e's context with e's LockID, or nil.
func (m *Model) find(e *model.Entry) *model.Entry { return m.findKey(keyOf(e)) }

// findKey returns the current entry of a row, or nil.
func (m *Model) findKey(k rowKey) *model.Entry {
	i := m.contextIndex(k.ctx)
	if i < 0 {
		return nil
	}
	return findIn(m.contexts[i].entries, k.id)
}

// findIn searches entries, sorted by LockID.
func findIn(entries []model.Entry, lockID string) *model.Entry {
	i, ok := slices.BinarySearchFunc(entries, lockID, func(e model.Entry, id string) int { return strings.Compare(e.LockID, id) })
	if !ok {
		return nil
	}
	return &entries[i]
}

// newMark remembers when a holder's lock first appeared.
type newMark struct {
	id   string // the holder's lock ID: a re-taken lock is new again
	at   time.Time
	poll int // which snapshot made the mark
}

func (m *Model) expireNew() {
	for k, n := range m.newSince {
		if m.now.Sub(n.at) >= newFor {
			delete(m.newSince, k)
		}
	}
}

func (m *Model) isNew(e *model.Entry) bool {
	if len(m.newSince) == 0 || e.Kind != model.KindLock {
		return false
	}
	n, ok := m.newSince[keyOf(e)]
	return ok && n.id == e.Info.ID
}

// describeRelease says what a vanished lock was: "tfstate/app —
// apply by alice@ci-7, held 4m12s". The text is raw: the status line
// and the history each sanitize it where they show it.
func describeRelease(e model.Entry, at time.Time) string {
	s := fmt.Sprintf("%s — %s by %s", e.Path(), model.OperationWord(e.Info.Operation), sanitize.OrDash(e.Info.Who))
	if age := e.AgeAt(at); age.Known && !age.ClockAhead {
		s += ", held " + model.FormatDuration(age.Held)
	}
	return s
}

// counts summarises the table for the header.
type counts struct {
	model.Tally
	fresh int
}

// recount walks all entries once, each judged by its context's stale
// threshold, as time passes; View only reads the result.
func (m *Model) recount() {
	for i := range m.contexts {
		mem := &m.contexts[i]
		var c counts
		for j := range mem.entries {
			e := &mem.entries[j]
			c.Add(e, m.now, mem.cfg.StaleAfter)
			if len(m.newSince) >= 1000 && m.isNew(e) {
				c.fresh++
			}
		}
		mem.counts = c
	}
	// New marks whose lock is still held: looked up one by one when they
	// are few (the usual case); counted in the pass above when a poll
	// brought many.
	if len(m.newSince) > 0 && len(m.newSince) < 1000 {
		for k, n := range m.newSince {
			if e := m.findKey(k); e != nil && e.Info.ID == n.id {
				m.contexts[m.contextIndex(k.ctx)].counts.fresh++
			}
		}
	}
	m.sumCounts()
}

// sumCounts adds up the counts of the contexts shown.
func (m *Model) sumCounts() {
	var c counts
	for i := range m.contexts {
		if mem := &m.contexts[i]; m.shows(mem.cfg.Context) {
			c.Tally = c.Plus(mem.counts.Tally)
			c.fresh += mem.counts.fresh
		}
	}
	m.counts = c
}

// shows reports whether a context's rows are shown: every context's,
// unless ':' narrowed a fleet to one.
func (m *Model) shows(context string) bool { return m.only == "" || !m.fleet || context == m.only }

// onePlaceWarning explains a lock held in one place only when its state
// was seen locked in both this session: with use_lockfile and
// dynamodb_table both set, a client takes and releases both, so one alone
// means a run died between the two or someone released half of it.
func onePlaceWarning(e *model.Entry) string {
	where := "the lock table"
	if e.Source == model.SourceS3 {
		where = "the S3 lock file"
	}
	return "held in " + where + " only, though this state was locked in both places earlier in this session"
}
