package model

import (
	"fmt"
	"time"
)

// StateEvidence says what a state object's last write tells about the
// holder of a lock created at created: a write after the lock was taken
// and recent means its run is probably alive. It is "" when there is
// nothing to say (no creation time or one out of range, no state object).
func StateEvidence(created, written time.Time, now time.Time, staleAfter time.Duration) string {
	if !(LockInfo{Created: created}).CreatedKnown() || written.IsZero() {
		return "" // no creation time, or one out of range: nothing to compare
	}
	if written.Before(created) {
		return fmt.Sprintf("state last written %s, before the lock was taken: no sign of life from the holder", Ago(now, written))
	}
	if now.Sub(written) < staleAfter {
		return fmt.Sprintf("state written %s, after the lock was taken — holder probably still running", Ago(now, written))
	}
	return fmt.Sprintf("state last written %s, after the lock was taken, then nothing since", Ago(now, written))
}

// Ago says how long before now t was: "3m05s ago", or "just now".
func Ago(now, t time.Time) string {
	d := now.Sub(t)
	if d < time.Second {
		return "just now"
	}
	return FormatDuration(d) + " ago"
}
