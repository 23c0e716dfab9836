package model

import (
	"testing"
	"time"
)

// A tally counts locks, the stale among them by the threshold given, and
// malformed items; digests are not counted.
func TestTally(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	lock := func(age time.Duration) Entry { return Entry{Kind: KindLock, Info: LockInfo{Created: now.Add(-age)}} }
	entries := []Entry{lock(2 * time.Hour), lock(10 * time.Minute), lock(-time.Minute), {Kind: KindMalformed}, {Kind: KindDigest}}
	var got Tally
	for i := range entries {
		got.Add(&entries[i], now, time.Hour)
	}
	if want := (Tally{Locks: 3, Stale: 1, Malformed: 1}); got != want {
		t.Errorf("tally %+v, want %+v", got, want)
	}
	if sum := got.Plus(Tally{Locks: 1, Stale: 1}); sum != (Tally{Locks: 4, Stale: 2, Malformed: 1}) {
		t.Errorf("sum %+v", sum)
	}
}
