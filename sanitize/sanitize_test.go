package sanitize

import "testing"

func TestSanitize(t *testing.T) {
	cases := map[string]string{
		"alice@ci-7":                      "alice@ci-7",
		"tfstate/env:/dev/app":            "tfstate/env:/dev/app",
		"ünïcödé ✓":                       "ünïcödé ✓",
		"\x1b]0;pwned\x07":                `\x1b]0;pwned\x07`,
		"\x1b[2J\x1b[31mred":              `\x1b[2J\x1b[31mred`,
		"\x1bP+q\x1b\\":                   `\x1bP+q\x1b\`,
		"a\u009b31mb":                     `a\u009b31mb`,
		"line\nbreak\ttab\rcr":            `line\x0abreak\x09tab\x0dcr`,
		"del\x7f":                         `del\x7f`,
		"bad\xffutf8":                     `bad\xffutf8`,
		"rtl\u202eevil":                   `rtl\u202eevil`,
		"\x1b]52;c;cGF5bG9hZA==\x07trail": `\x1b]52;c;cGF5bG9hZA==\x07trail`,
	}
	for in, want := range cases {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzSanitizeLeavesNoControls(f *testing.F) {
	f.Add("\x1b[31m\x9b\x07")
	f.Fuzz(func(t *testing.T, s string) {
		out := Text(s)
		for _, r := range out {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				t.Fatalf("control %U survived in %q", r, out)
			}
		}
	})
}
