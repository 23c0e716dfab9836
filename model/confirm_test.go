package model

import (
	"strings"
	"testing"
	"time"
)

// The typed confirmation, as the CLI and the UI both ask for it.
func TestConfirmationFor(t *testing.T) {
	upper := strings.ToUpper
	lock := Entry{Kind: KindLock, LockID: "b/k", Info: LockInfo{ID: "8d1f6c0e-aaaa-bbbb-cccc-000000000000"}}
	malformed := Entry{Kind: KindMalformed, LockID: "b/broken"}
	for _, c := range []struct {
		got        Confirmation
		want, asks string
	}{
		{ConfirmationFor(lock), "8d1f6c0e", "the first 8 characters of the lock ID (8D1F6C0E)"},
		{ConfirmationFor(malformed), "b/broken", "its full LockID"},
		{RepairConfirmation("0123456789abcdef0123456789abcdef"), "01234567", "the first 8 characters of the new digest (01234567)"},
	} {
		if c.got.Want != c.want || c.got.Ask(upper) != c.asks {
			t.Errorf("want %q, asks %q; got %q, %q", c.want, c.asks, c.got.Want, c.got.Ask(upper))
		}
	}
}

// The audit's note of why a release was allowed, as the CLI and the UI
// write it.
func TestReleaseNote(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	fresh := Entry{Kind: KindLock, Info: LockInfo{Created: now.Add(-10 * time.Minute)}, Warning: "two holders"}
	malformed := Entry{Kind: KindMalformed, Problem: "Info is not LockInfo JSON"}
	for _, c := range []struct {
		e                  Entry
		fresh, split, inUI bool
		want               string
	}{
		{fresh, false, false, false, "held 10m00s, stale threshold 1h"},
		{fresh, true, true, false, "held 10m00s, stale threshold 1h; not stale, released with --allow-fresh; flagged ≠ (two holders), released with --allow-split"},
		{fresh, true, true, true, "held 10m00s, stale threshold 1h; confirmed in the UI; not stale, second confirmation given; flagged ≠ (two holders), second confirmation given"},
		{malformed, false, false, false, "malformed item (Info is not LockInfo JSON), full LockID confirmed"},
		{malformed, false, false, true, "malformed item (Info is not LockInfo JSON), full LockID typed in the UI"},
		// The CLI never added a split note to a malformed item; the UI did.
		{Entry{Kind: KindMalformed, Problem: "p", Warning: "w"}, false, true, false, "malformed item (p), full LockID confirmed"},
		{Entry{Kind: KindMalformed, Problem: "p", Warning: "w"}, false, true, true, "malformed item (p), full LockID typed in the UI; flagged ≠ (w), second confirmation given"},
		// The UI's dialog judged freshness when it asked: trusted, as before.
		{Entry{Kind: KindLock, Info: LockInfo{Created: now.Add(-2 * time.Hour)}}, true, false, true, "held 2h00m, stale threshold 1h; confirmed in the UI; not stale, second confirmation given"},
	} {
		if got := ReleaseNote(c.e, now, time.Hour, c.fresh, c.split, c.inUI); got != c.want {
			t.Errorf("got  %q\nwant %q", got, c.want)
		}
	}
}
