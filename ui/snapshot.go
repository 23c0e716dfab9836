package ui

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/lockwarden/lockwarden/model"
)

// This file keeps the bookkeeping of snapshots: what appeared, what
// vanished, what is new, the header's counts.

// apply installs a new snapshot: marks what appeared, announces what
// vanished, and rebuilds the visible rows. Both snapshots are sorted by
// LockID (the Source contract), so one merge pass finds the changes
// without a map of 100,000 keys.
func (m *Model) apply(entries []model.Entry, at time.Time) {
	m.flagOnePlace(entries)
	if m.loaded {
		var gone []*model.Entry
		prev := m.entries
		i, j := 0, 0
		for i < len(prev) || j < len(entries) {
			var p, n *model.Entry
			c := 0
			switch {
			case j == len(entries):
				c = -1
			case i == len(prev):
				c = 1
			default:
				c = strings.Compare(prev[i].LockID, entries[j].LockID)
			}
			switch {
			case c < 0:
				p = &prev[i]
				i++
			case c > 0:
				n = &entries[j]
				j++
			default:
				p, n = &prev[i], &entries[j]
				i++
				j++
			}
			changed := p == nil || n == nil || p.Info.ID != n.Info.ID
			if p != nil && p.Kind == model.KindLock && changed {
				gone = append(gone, p)
			}
			if n != nil && n.Kind == model.KindLock && changed {
				m.newSince[n.LockID] = newMark{id: n.Info.ID, at: at}
			}
		}
		for _, p := range gone[max(0, len(gone)-historyLimit):] {
			m.history = append(m.history, release{entry: *p, seen: at})
		}
		if m.undo != nil {
			// Our own release: its message, with the undo offer, stays.
			gone = slices.DeleteFunc(gone, func(p *model.Entry) bool { return p.LockID == m.undo.lockID })
		}
		if len(gone) > 0 {
			msg := "released: " + describeRelease(*gone[0], at)
			if len(gone) > 1 {
				msg += fmt.Sprintf(" (+%d more, h lists them)", len(gone)-1)
			}
			m.setStatus(at, msg)
		}
		if len(m.history) > historyLimit {
			m.history = slices.Clone(m.history[len(m.history)-historyLimit:])
		}
	}
	m.entries, m.loaded, m.lastOK = entries, true, at
	if m.detail != nil {
		if e := m.find(m.detail.LockID); e != nil {
			m.detail = e
		}
	}
	m.expireNew()
	m.recount()
	m.rebuildRows()
}

// find returns the current entry with lockID, or nil.
func (m *Model) find(lockID string) *model.Entry {
	i, ok := slices.BinarySearchFunc(m.entries, lockID, func(e model.Entry, id string) int { return strings.Compare(e.LockID, id) })
	if !ok {
		return nil
	}
	return &m.entries[i]
}

// newMark remembers when a holder's lock first appeared.
type newMark struct {
	id string // the holder's lock ID: a re-taken lock is new again
	at time.Time
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
	n, ok := m.newSince[e.LockID]
	return ok && n.id == e.Info.ID
}

// describeRelease says what a vanished lock was: "tfstate/app —
// apply by alice@ci-7, held 4m12s".
func describeRelease(e model.Entry, at time.Time) string {
	s := fmt.Sprintf("%s — %s by %s", Sanitize(e.Path()), Sanitize(model.OperationWord(e.Info.Operation)), Sanitize(orDash(e.Info.Who)))
	if age := e.AgeAt(at); age.Known && !age.ClockAhead {
		s += ", held " + model.FormatDuration(age.Held)
	}
	return s
}

// counts summarises the table for the header.
type counts struct {
	locks, stale, fresh, malformed int
}

// recount walks all entries once; View only reads the result.
func (m *Model) recount() {
	var c counts
	for i := range m.entries {
		e := &m.entries[i]
		switch e.Kind {
		case model.KindLock:
			c.locks++
			if e.StaleAt(m.now, m.cfg.StaleAfter) {
				c.stale++
			}
		case model.KindMalformed:
			c.malformed++
		}
	}
	// Few locks are new at a time: look each up rather than hash every
	// entry.
	for lockID, n := range m.newSince {
		if e := m.find(lockID); e != nil && e.Info.ID == n.id {
			c.fresh++
		}
	}
	m.counts = c
}

// flagOnePlace marks a lock held in one place only when its state was seen
// locked in both this session: with use_lockfile and dynamodb_table both
// set, a client takes and releases both, so one alone means a run died or
// someone released half of it.
func (m *Model) flagOnePlace(entries []model.Entry) {
	// Copy on write: older copies of the model keep their map.
	dual, cloned := m.dual, false
	for i := range entries {
		e := &entries[i]
		if e.Kind != model.KindLock {
			continue
		}
		switch {
		case e.Source == model.SourceBoth:
			if !dual[e.LockID] {
				if !cloned {
					dual, cloned = maps.Clone(m.dual), true
				}
				dual[e.LockID] = true
			}
		case dual[e.LockID] && e.Warning == "":
			where := "the lock table"
			if e.Source == model.SourceS3 {
				where = "the S3 lock file"
			}
			e.Warning = "held in " + where + " only, though this state was locked in both places earlier in this session"
		}
	}
	m.dual = dual
}
