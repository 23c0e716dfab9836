package model

// Words lockwarden's messages share, so that every screen says them alike.

// Plural chooses between a counted word's two forms by n:
// Plural(n, "lock", "locks"), or a suffix: "lock"+Plural(n, "", "s").
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// OrNone is s, or "(none)" when s is empty: a field named in a message
// that compares two places.
func OrNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
