package model

import "time"

// Tally counts a listing as every screen says it — the UI's header, list's
// summary lines, the exporter's gauges: locks held, the stale among them
// (each by its context's threshold), and malformed items. Digests are not
// counted here: they are items of the table, not locks.
type Tally struct {
	Locks, Stale, Malformed int
}

// Add counts e, judged stale at now by staleAfter.
func (t *Tally) Add(e *Entry, now time.Time, staleAfter time.Duration) {
	switch e.Kind {
	case KindLock:
		t.Locks++
		if e.StaleAt(now, staleAfter) {
			t.Stale++
		}
	case KindMalformed:
		t.Malformed++
	}
}

// Plus is the sum of two tallies: a fleet's, from its contexts'.
func (t Tally) Plus(o Tally) Tally {
	return Tally{Locks: t.Locks + o.Locks, Stale: t.Stale + o.Stale, Malformed: t.Malformed + o.Malformed}
}
