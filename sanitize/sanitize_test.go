package sanitize

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestTextKeepsVisibleText(t *testing.T) {
	for _, in := range []string{
		"",
		"alice@ci-7",
		"tfstate/env:/dev/app",
		"ünïcödé ✓",
		"日本語 한국어 العربية עברית", // right-to-left letters are visible; only the controls are not
		"e\u0301", // a combining mark on a letter is visible
		"›",       // the closing mark needs no escape: only ‹ opens one
		"\uFFFD",  // a real replacement character, not an invalid byte
	} {
		if got := Text(in); got != in {
			t.Errorf("Text(%q) = %q, want it unchanged", in, got)
		}
	}
}

func TestTextEscapes(t *testing.T) {
	cases := []struct {
		class, in, want string
	}{
		// Cc: C0, DEL, C1 and the escape sequences built from them.
		{"Cc", "\x1b]0;pwned\x07", "‹U+001B›]0;pwned‹U+0007›"},
		{"Cc", "\x1b[2J\x1b[31mred", "‹U+001B›[2J‹U+001B›[31mred"},
		{"Cc", "\x1bP+q\x1b\\", "‹U+001B›P+q‹U+001B›\\"},
		{"Cc", "\x1b]52;c;cGF5bG9hZA==\x07trail", "‹U+001B›]52;c;cGF5bG9hZA==‹U+0007›trail"},
		{"Cc", "a\u009b31mb", "a‹U+009B›31mb"},
		{"Cc", "line\nbreak\ttab\rcr", "line‹U+000A›break‹U+0009›tab‹U+000D›cr"},
		{"Cc", "del\x7f", "del‹U+007F›"},
		{"Cc", "nul\x00", "nul‹U+0000›"},
		// Cf: bidi embeddings, overrides, isolates and marks.
		{"Cf bidi", "rtl\u202eevil", "rtl‹U+202E›evil"},
		{"Cf bidi", "\u202a\u202b\u202c\u202d", "‹U+202A›‹U+202B›‹U+202C›‹U+202D›"},
		{"Cf bidi", "\u2066\u2067\u2068\u2069", "‹U+2066›‹U+2067›‹U+2068›‹U+2069›"},
		{"Cf bidi", "\u200e\u200f\u061c", "‹U+200E›‹U+200F›‹U+061C›"},
		// Cf: zero-width and other invisible format characters.
		{"Cf zero-width", "a\u200bb", "a‹U+200B›b"},
		{"Cf zero-width", "\u200c\u200d\u2060", "‹U+200C›‹U+200D›‹U+2060›"},
		{"Cf BOM", "\ufeffid", "‹U+FEFF›id"},
		{"Cf soft hyphen", "soft\u00adhyphen", "soft‹U+00AD›hyphen"},
		{"Cf Mongolian vowel separator", "\u180e", "‹U+180E›"},
		{"Cf tag", "flag\U000E0001\U000E0041\U000E007F", "flag‹U+E0001›‹U+E0041›‹U+E007F›"},
		// Co: private use, in the BMP and the supplementary planes.
		{"Co", "\ue000\U000F0000\U0010FFFD", "‹U+E000›‹U+F0000›‹U+10FFFD›"},
		// Cn: unassigned, including noncharacters.
		{"Cn", "\u0378\uffff\U0010FFFF\U000E0000", "‹U+0378›‹U+FFFF›‹U+10FFFF›‹U+E0000›"},
		// Zl, Zp.
		{"Zl Zp", "a\u2028b\u2029c", "a‹U+2028›b‹U+2029›c"},
		// Zs other than the ASCII space looks like a space but is not one.
		{"Zs", "a b\u00a0c\u2002d\u3000e\u202ff\u205fg", "a b‹U+00A0›c‹U+2002›d‹U+3000›e‹U+202F›f‹U+205F›g"},
		// Letters, marks and symbols that draw as nothing.
		{"Hangul fillers", "\u115f\u1160\u3164\uffa0", "‹U+115F›‹U+1160›‹U+3164›‹U+FFA0›"},
		{"Braille blank", "\u2800", "‹U+2800›"},
		{"variation selectors", "✓\ufe0f\ufe00\U000E0100\U000E01EF", "✓‹U+FE0F›‹U+FE00›‹U+E0100›‹U+E01EF›"},
		{"Mongolian variation selectors", "\u180b\u180c\u180d\u180f", "‹U+180B›‹U+180C›‹U+180D›‹U+180F›"},
		{"combining grapheme joiner", "a\u034fb", "a‹U+034F›b"},
		{"Khmer inherent vowels", "\u17b4\u17b5", "‹U+17B4›‹U+17B5›"},
		// Invalid UTF-8, byte by byte, including an encoded surrogate.
		{"invalid UTF-8", "bad\xffutf8", "bad‹0xFF›utf8"},
		{"invalid UTF-8", "\xc3", "‹0xC3›"},
		{"invalid UTF-8", "\xed\xa0\x80", "‹0xED›‹0xA0›‹0x80›"},
		// The opening mark, so that text that looks like an escape is not one.
		{"opening mark", "‹U+202E›", "‹U+2039›U+202E›"},
		{"opening mark", "‹0xFF›", "‹U+2039›0xFF›"},
	}
	for _, c := range cases {
		if got := Text(c.in); got != c.want {
			t.Errorf("%s: Text(%q) = %q, want %q", c.class, c.in, got, c.want)
		}
	}
}

// TestTextEscapesEveryRuneOfTheCategories walks the whole of each
// category rather than trusting a few samples.
func TestTextEscapesEveryRuneOfTheCategories(t *testing.T) {
	for name, table := range map[string]*unicode.RangeTable{
		"Cc": unicode.Cc, "Cf": unicode.Cf, "Co": unicode.Co, "Zl": unicode.Zl, "Zp": unicode.Zp, "Zs": unicode.Zs,
		"Other_Default_Ignorable_Code_Point": unicode.Other_Default_Ignorable_Code_Point,
		"Variation_Selector":                 unicode.Variation_Selector,
	} {
		eachRune(table, func(r rune) {
			if r == ' ' {
				return
			}
			want := fmt.Sprintf("‹U+%04X›", r)
			if got := Text(string(r)); got != want {
				t.Errorf("%s: Text(%U) = %q, want %q", name, r, got, want)
			}
		})
	}
}

func eachRune(table *unicode.RangeTable, f func(rune)) {
	for _, r16 := range table.R16 {
		for r := rune(r16.Lo); r <= rune(r16.Hi); r += rune(r16.Stride) {
			f(r)
		}
	}
	for _, r32 := range table.R32 {
		for r := rune(r32.Lo); r <= rune(r32.Hi); r += rune(r32.Stride) {
			f(r)
		}
	}
}

func TestTextDistinguishesLookalikes(t *testing.T) {
	plain := "org-tfstate/env:/prod/app/terraform.tfstate-md5"
	seen := map[string]string{Text(plain): plain}
	for _, hidden := range []string{"\u200b", "\u202e", "\u00ad", "\U000E0041", "\u00a0", "\u3164", "\ufe0f"} {
		in := plain[:11] + hidden + plain[11:]
		out := Text(in)
		if prev, ok := seen[out]; ok {
			t.Errorf("Text(%q) and Text(%q) both give %q", in, prev, out)
		}
		seen[out] = in
	}
}

func TestTextPlainASCIIDoesNotAllocate(t *testing.T) {
	s := "org-tfstate/env:/ws001/team01/service-00001/terraform.tfstate-md5"
	if n := testing.AllocsPerRun(100, func() { _ = Text(s) }); n != 0 {
		t.Errorf("Text on printable ASCII allocates %v times, want 0", n)
	}
	u := "ünïcödé ✓ 日本語"
	if n := testing.AllocsPerRun(100, func() { _ = Text(u) }); n != 0 {
		t.Errorf("Text on visible Unicode allocates %v times, want 0", n)
	}
}

// unsanitize is the inverse of Text. It exists to prove Text injective:
// if every output reads back to its input, no two inputs share one.
func unsanitize(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r != openMark {
			b.WriteString(s[i : i+size])
			i += size
			continue
		}
		i += size
		end := strings.IndexRune(s[i:], closeMark)
		if end < 0 {
			return "", fmt.Errorf("unterminated escape at %d in %q", i, s)
		}
		body := s[i : i+end]
		i += end + utf8.RuneLen(closeMark)
		switch {
		case strings.HasPrefix(body, "U+") && len(body) >= 6 && len(body) <= 8 && strings.ToUpper(body) == body:
			n, err := strconv.ParseUint(body[2:], 16, 32)
			if err != nil || n > unicode.MaxRune || (len(body) > 6 && body[2] == '0') {
				return "", fmt.Errorf("bad rune escape %q in %q", body, s)
			}
			b.WriteRune(rune(n))
		case strings.HasPrefix(body, "0x") && len(body) == 4 && strings.ToUpper(body[2:]) == body[2:]:
			n, err := strconv.ParseUint(body[2:], 16, 8)
			if err != nil {
				return "", fmt.Errorf("bad byte escape %q in %q", body, s)
			}
			b.WriteByte(byte(n))
		default:
			return "", fmt.Errorf("unknown escape %q in %q", body, s)
		}
	}
	return b.String(), nil
}

// seeds are the characters that motivated this package, each alone and
// inside an ordinary LockID.
var seeds = []string{
	"\x1b[31m\x9b\x07", "\x00", "\x7f", "\u202e", "\u202a", "\u2066", "\u2069", "\u200e", "\u200f", "\u061c",
	"\u200b", "\u200d", "\u00ad", "\ufeff", "\u2060", "\U000E0001", "\U000E0041", "\U000E007F", "\ue000",
	"\u2028", "\u2029", "\u00a0", "\u3000", "\u115f", "\u1160", "\u3164", "\uffa0", "\u2800", "\ufe0f",
	"\U000E0100", "\u180b", "\u180e", "\u034f", "\u0378", "\xff", "\xed\xa0\x80", "‹U+202E›", "‹0xFF›",
	"‹", "›", "\uFFFD", "ünïcödé ✓",
}

func FuzzSanitize(f *testing.F) {
	for _, s := range seeds {
		f.Add(s, "org-tfstate/env:/prod/app/terraform.tfstate-md5")
		f.Add("org-tfstate/"+s+"env:/prod/app/terraform.tfstate-md5", "org-tfstate/env:/prod/app/terraform.tfstate-md5")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		out := Text(a)
		if !utf8.ValidString(out) {
			t.Fatalf("Text(%q) = %q is not valid UTF-8", a, out)
		}
		for _, r := range out {
			if r == ' ' || r == openMark {
				continue // the ASCII space is visible; the mark only opens escapes
			}
			if !unicode.IsPrint(r) || unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs, unicode.Zl, unicode.Zp, unicode.Zs,
				unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector, blank) {
				t.Fatalf("Text(%q) = %q lets %U through", a, out, r)
			}
		}
		back, err := unsanitize(out)
		if err != nil {
			t.Fatal(err)
		}
		if back != a {
			t.Fatalf("Text(%q) = %q reads back as %q", a, out, back)
		}
		if a != b && Text(b) == out {
			t.Fatalf("Text(%q) and Text(%q) are both %q", a, b, out)
		}
	})
}

// BenchmarkText is the cost per string the UI pays on every visible cell:
// plain ASCII must stay a scan with no allocation.
func BenchmarkText(b *testing.B) {
	for _, c := range []struct{ name, in string }{
		{"ascii", "org-tfstate/env:/ws001/team01/service-00001/terraform.tfstate"},
		{"unicode", "org-tfstate/env:/ws001/équipe-ü/service-✓/terraform.tfstate"},
		{"escapes", "org-tfstate/env:/ws001/\u202eteam01\u200b/service-00001/\x1b[2Jterraform.tfstate"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = Text(c.in)
			}
		})
	}
}

func TestOrDashFillsOnlyBlanks(t *testing.T) {
	for in, want := range map[string]string{"": "—", " ": "—", "\t \n": "—", "alice": "alice", " bob ": " bob "} {
		if got := OrDash(in); got != want {
			t.Errorf("OrDash(%q) = %q, want %q", in, got, want)
		}
	}
}
