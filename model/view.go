package model

import (
	"cmp"
	"slices"
	"strings"
	"time"
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

// Matches reports whether the entry contains query (case-insensitive) in
// its path, holder, operation (raw or as a word), lock ID or problem.
// An empty query matches everything.
func (e Entry) Matches(query string) bool {
	if query == "" {
		return true
	}
	q := strings.ToLower(query)
	for _, field := range []string{e.LockID, e.Info.Who, e.Info.Operation, OperationWord(e.Info.Operation), e.Info.ID, e.Problem} {
		if strings.Contains(strings.ToLower(field), q) {
			return true
		}
	}
	return false
}

// Filter returns the entries that match query, in their order. It does not
// modify entries.
func Filter(entries []Entry, query string) []Entry {
	if query == "" {
		return entries
	}
	out := make([]Entry, 0, len(entries))
	for _, e := range entries {
		if e.Matches(query) {
			out = append(out, e)
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
