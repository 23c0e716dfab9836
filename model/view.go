package model

import (
	"cmp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// SortKey names an order for the lock list.
type SortKey int

const (
	// SortAge puts the oldest lock first: the likeliest to be stuck.
	SortAge SortKey = iota
	// SortPath orders by state path.
	SortPath
	// SortWho orders by holder.
	SortWho
	// SortOperation orders by operation.
	SortOperation
)

// SortKeys lists the orders in the sequence a UI cycles through them.
var SortKeys = []SortKey{SortAge, SortPath, SortWho, SortOperation}

// String names the sort key.
func (k SortKey) String() string {
	switch k {
	case SortPath:
		return "path"
	case SortWho:
		return "who"
	case SortOperation:
		return "operation"
	default:
		return "age"
	}
}

// ParseSortKey reads a sort key by name.
func ParseSortKey(s string) (SortKey, bool) {
	for _, k := range SortKeys {
		if k.String() == s {
			return k, true
		}
	}
	return SortAge, false
}

// Matches reports whether the entry matches query as the UI's filter
// reads it (see ParseQuery and Query.Matches). An empty query matches
// everything.
func (e Entry) Matches(query string) bool {
	return ParseQuery(query).Matches(&e, "")
}

// Query is a parsed filter: the words typed, lowercased. An entry matches
// when every word is found in one of its fields, so "prod apply" finds the
// applies on prod states, and the spaces a triple-click copy adds around
// a pasted path mean nothing.
type Query struct {
	words []string
}

// ParseQuery splits s into words at white space, dropping leading and
// trailing space, and lowercases them: matching ignores case.
func ParseQuery(s string) Query {
	return Query{words: strings.Fields(strings.ToLower(s))}
}

// Empty reports whether the query has no word; it then matches everything.
func (q Query) Empty() bool { return len(q.words) == 0 }

// String is the query as matched: its words, lowercased, one space apart.
func (q Query) String() string { return strings.Join(q.words, " ") }

// Matches reports whether every word of q is found, ignoring case, in the
// entry's state path (LockID), holder, operation (as stored or as a
// word), holder lock ID or problem, or in context: the name of the
// context the entry was read in.
func (q Query) Matches(e *Entry, context string) bool {
	for _, w := range q.words {
		if !containsFold(context, w) && !e.hasWord(w) {
			return false
		}
	}
	return true
}

// hasWord reports whether one of the searched fields contains the
// lowercase word w. The cheap, likely fields come first.
func (e *Entry) hasWord(w string) bool {
	return containsFold(e.LockID, w) || containsFold(e.Info.Who, w) || containsFold(e.Info.Operation, w) ||
		containsFold(e.Info.ID, w) || containsFold(e.Problem, w) ||
		(e.Info.Operation != "" && containsFold(OperationWord(e.Info.Operation), w))
}

// containsFold reports whether s contains the lowercase sub, ignoring the
// case of s. ASCII text, nearly every field, is compared in place without
// allocating: the filter runs over every entry on every keystroke.
func containsFold(s, sub string) bool {
	if sub == "" {
		return true
	}
	n := len(sub)
	first := sub[0]
	for i := 0; i+n <= len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return strings.Contains(strings.ToLower(s), sub)
		}
		if lowerASCII(c) != first {
			continue
		}
		j := 1
		for ; j < n; j++ {
			c := s[i+j]
			if c >= utf8.RuneSelf {
				return strings.Contains(strings.ToLower(s), sub)
			}
			if lowerASCII(c) != sub[j] {
				break
			}
		}
		if j == n {
			return true
		}
	}
	// The tail too short for a match may still hold a character whose
	// lowercase form is shorter (U+0130 İ, U+212A K): fold it properly.
	for i := max(0, len(s)-n+1); i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return strings.Contains(strings.ToLower(s), sub)
		}
	}
	return false
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// Filter returns the entries that match query, in their order. It does not
// modify entries.
func Filter(entries []Entry, query string) []Entry {
	q := ParseQuery(query)
	if q.Empty() {
		return entries
	}
	out := make([]Entry, 0, len(entries))
	for i := range entries {
		if q.Matches(&entries[i], "") {
			out = append(out, entries[i])
		}
	}
	return out
}

// Compare orders two entries by key. SortAge puts the oldest first and
// entries of unknown age last; unknown holders sort after known ones. Ties
// fall back to LockID, so the order is total and stable across polls.
func Compare(a, b *Entry, key SortKey) int {
	var c int
	switch key {
	case SortAge:
		c = a.createdForSort().Compare(b.createdForSort())
	case SortPath:
		c = cmp.Compare(a.LockID, b.LockID)
	case SortWho:
		c = cmp.Compare(lastIfEmpty(a.Info.Who), lastIfEmpty(b.Info.Who))
	case SortOperation:
		c = cmp.Compare(OperationWord(a.Info.Operation), OperationWord(b.Info.Operation))
	}
	if c != 0 {
		return c
	}
	return cmp.Compare(a.LockID, b.LockID)
}

// Sort returns a sorted copy of entries (see Compare).
func Sort(entries []Entry, key SortKey) []Entry {
	out := slices.Clone(entries)
	slices.SortFunc(out, func(a, b Entry) int { return Compare(&a, &b, key) })
	return out
}

// SortRefs sorts entry pointers in place, in the order of Compare. It
// expects them in LockID order, as a snapshot holds them: the age order,
// the default, then breaks ties by position instead of comparing long
// LockIDs, and sorts on precomputed integer keys — 100,000 locks sort in a
// few milliseconds instead of tens. Sorting pointers keeps large tables
// cheap: an Entry is a few hundred bytes.
func SortRefs(entries []*Entry, key SortKey) {
	if key != SortAge {
		slices.SortFunc(entries, func(a, b *Entry) int { return Compare(a, b, key) })
		return
	}
	type keyed struct {
		sec       int64
		nsec, pos int
		e         *Entry
	}
	ks := make([]keyed, len(entries))
	for i, e := range entries {
		t := e.createdForSort()
		ks[i] = keyed{t.Unix(), t.Nanosecond(), i, e}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		if c := cmp.Compare(a.sec, b.sec); c != 0 {
			return c
		}
		if c := cmp.Compare(a.nsec, b.nsec); c != 0 {
			return c
		}
		return cmp.Compare(a.pos, b.pos)
	})
	for i := range ks {
		entries[i] = ks[i].e
	}
}

// createdForSort places locks without a known Created after every real one.
func (e *Entry) createdForSort() time.Time {
	if e.Kind != KindLock || e.Info.Created.IsZero() {
		return time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	}
	return e.Info.Created
}

// lastIfEmpty makes an unknown value sort after every known one.
func lastIfEmpty(s string) string {
	if s == "" {
		return "\uffff"
	}
	return s
}
