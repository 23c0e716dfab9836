// Package sanitize owns how text from outside lockwarden — lock items,
// lock files, state objects, error messages that quote them — is made
// safe and unambiguous before a person reads it on a terminal. Both the
// UI and the CLI print through it; machine output (JSON, the audit file)
// never does, so it keeps the exact bytes.
package sanitize

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Text makes a string from the lock table safe to print on a terminal:
// control characters, escape sequences (ESC, CSI, OSC, DCS), BEL, DEL, C1
// controls and invalid UTF-8 are shown as visible escapes such as \x1b and
// \u009b, never passed through. A lock item must not be able to retitle,
// clear or recolour the user's terminal.
func Text(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r < 0xa0:
			fmt.Fprintf(&b, `\u%04x`, r)
		case r == 0x2028 || r == 0x2029 || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
			// Line separators and bidi overrides reorder or break what
			// the person reads.
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// isPlain is the fast path: printable ASCII needs no work.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}
