package model

import "time"

// The markers in front of a row, one meaning each, in the UI and in
// list's text alike; they never rely on colour.
const (
	MarkNone      = " "
	MarkStale     = "!" // held at least the stale threshold
	MarkSplit     = "≠" // its lock-table item and lock file disagree
	MarkMalformed = "?" // neither a readable lock nor a digest
)

// Marker is e's marker: ≠ for a lock whose places disagree (that matters
// more than its age), ! for a stale one, ? for a malformed item, else
// none. The UI adds its own on top: + for a new lock, · and ✗ for digests.
func Marker(e *Entry, now time.Time, staleAfter time.Duration) string {
	switch {
	case e.Kind == KindMalformed:
		return MarkMalformed
	case e.Kind != KindLock:
		return MarkNone
	case e.Warning != "":
		return MarkSplit
	case e.StaleAt(now, staleAfter):
		return MarkStale
	}
	return MarkNone
}
