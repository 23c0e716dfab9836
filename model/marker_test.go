package model

import (
	"testing"
	"time"
)

// One marker per meaning: ≠ over !, ? for malformed, none for the rest.
func TestMarker(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	old := Entry{Kind: KindLock, Info: LockInfo{Created: now.Add(-2 * time.Hour)}}
	split := old
	split.Warning = "two holders"
	young := Entry{Kind: KindLock, Info: LockInfo{Created: now.Add(-time.Minute)}}
	for _, c := range []struct {
		e    Entry
		want string
	}{
		{old, MarkStale}, {split, MarkSplit}, {young, MarkNone},
		{Entry{Kind: KindMalformed}, MarkMalformed}, {Entry{Kind: KindDigest}, MarkNone},
	} {
		if got := Marker(&c.e, now, time.Hour); got != c.want {
			t.Errorf("%+v: %q, want %q", c.e, got, c.want)
		}
	}
}
