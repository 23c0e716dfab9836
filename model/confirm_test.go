package model

import (
	"strings"
	"testing"
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
