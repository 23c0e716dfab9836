// Package sanitize owns how text from outside lockwarden — lock items,
// lock files, state objects, error messages that quote them — is made
// safe and unambiguous before a person reads it on a terminal. Both the
// UI and the CLI print through it; machine output (JSON, the audit file)
// never does, so it keeps the exact bytes. It imports only model, for
// the words every screen shares.
package sanitize

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/lockwarden/lockwarden/model"
)

// Marks around an escape. The opening mark is itself escaped when it
// occurs in the input, so it only ever starts an escape in the output
// and every output reads back to exactly one input.
const (
	openMark  = '‹' // U+2039
	closeMark = '›' // U+203A
)

// blank holds the characters that draw as nothing yet belong to no
// category or property that says so. Everything else that is invisible
// is found through the Unicode tables in escapes.
var blank = &unicode.RangeTable{
	R16: []unicode.Range16{
		{Lo: 0x2800, Hi: 0x2800, Stride: 1}, // BRAILLE PATTERN BLANK (So)
	},
}

// OrDash stands "—" for a field that is empty or only spaces, so that a
// missing value shows as missing rather than as nothing at all. It only
// fills a blank: pass what it returns through Text as before.
func OrDash(s string) string { return model.OrDash(s) }

// OneLine folds a message onto one line. Only ASCII white space is
// folded: a no-break space or a line separator quoted from a lock item
// must reach Text and show as its escape, not pass for a plain space.
func OneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '\v' || r == '\f'
	}), " ")
}

// Text makes a string from the lock table safe and distinguishable on a
// terminal. Every rune that is not a visible character is shown as an
// escape such as ‹U+202E›, and every byte that is not UTF-8 as ‹0xFF›:
// controls and escape sequences (a lock item must not retitle, clear or
// recolour the terminal), bidi overrides, isolates and marks (which
// reorder what the operator reads), zero-width and other invisible
// characters, spaces other than the ASCII space, line and paragraph
// separators, private-use and unassigned code points. Two different
// inputs never give the same output, so two LockIDs that differ only by
// an invisible character look different.
func Text(s string) string {
	first := firstEscape(s)
	if first < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:first])
	for i := first; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			writeByte(&b, s[i])
		case escapes(r):
			writeRune(&b, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// firstEscape is the offset of the first byte that Text must escape, or
// -1 if s can be printed as it is. Printable ASCII is checked byte by
// byte without decoding, so the common lock path costs no allocation.
func firstEscape(s string) int {
	for i := 0; i < len(s); {
		if c := s[i]; c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || escapes(r) {
			return i
		}
		i += size
	}
	return -1
}

// escapes reports whether r is shown as ‹U+…› rather than as itself.
// unicode.IsPrint admits only letters, marks, numbers, punctuation,
// symbols and the ASCII space, so it already rejects the categories Cc,
// Cf, Co, Cs, Zl, Zp, Zs (but for U+0020) and unassigned code points.
// What it admits but draws as nothing — Hangul fillers, the combining
// grapheme joiner, variation selectors, Khmer inherent vowels, the
// Braille blank — is rejected by the tables after it.
func escapes(r rune) bool {
	if r == openMark {
		return true
	}
	if r < utf8.RuneSelf {
		return r < 0x20 || r == 0x7f
	}
	if !unicode.IsPrint(r) {
		return true
	}
	return unicode.In(r, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector, blank)
}

const hexDigits = "0123456789ABCDEF"

// writeRune writes r as ‹U+XXXX›, with four to six uppercase hex digits.
func writeRune(b *strings.Builder, r rune) {
	b.WriteRune(openMark)
	b.WriteString("U+")
	digits := 4
	for r>>(4*digits) != 0 {
		digits++
	}
	for shift := 4 * (digits - 1); shift >= 0; shift -= 4 {
		b.WriteByte(hexDigits[(r>>shift)&0xf])
	}
	b.WriteRune(closeMark)
}

// writeByte writes a byte that is not part of valid UTF-8 as ‹0xFF›.
func writeByte(b *strings.Builder, c byte) {
	b.WriteRune(openMark)
	b.WriteString("0x")
	b.WriteByte(hexDigits[c>>4])
	b.WriteByte(hexDigits[c&0xf])
	b.WriteRune(closeMark)
}
