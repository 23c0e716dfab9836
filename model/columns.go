package model

import (
	"strings"
	"time"
)

// ColumnID names a column of the lock list.
type ColumnID int

// The columns, in the order every table shows them.
const (
	ColContext ColumnID = iota
	ColState
	ColSource
	ColOperation
	ColWho
	ColAge
	ColVersion
	ColLockID
	numColumns
)

// NumColumns is how many columns there are.
const NumColumns = int(numColumns)

// NoSort marks a column that no sort key orders.
const NoSort SortKey = -1

// Column is one column of the lock list, declared once: the UI's table
// and list's text table are both laid out from Columns. A new column is
// one entry here, and its cell in the UI's row.
type Column struct {
	ID ColumnID
	// Title heads the column in the UI, where room is short; Long in
	// list's text table.
	Title, Long string
	// Sort is the sort key that orders by this column; NoSort for none.
	Sort SortKey
	// Width is the UI's fixed width; 0 for STATE and WHO, which share
	// what is left (WHO 35 % of it, 10 to 30 cells), and for CONTEXT,
	// as wide as the widest mark shown.
	Width int
	// MinTerminal is the terminal width from which the UI shows the
	// column (0: always).
	MinTerminal int
	// TextWidth cuts the cell in list's text table (0: never): a lock's
	// holder may have written 10 KB there.
	TextWidth int
	// Cell is the column's value for e at now, as list prints it (raw:
	// the caller makes it printable). CONTEXT has none: it is the
	// context's mark, which the entry does not carry.
	Cell func(e *Entry, now time.Time) string
}

// Columns are the lock list's columns, in order. CONTEXT shows only with
// several contexts, SOURCE only when lock files are watched.
var Columns = []Column{
	{ID: ColContext, Title: "CONTEXT", Long: "CONTEXT", Sort: SortContext},
	{ID: ColState, Title: "STATE", Long: "STATE", Sort: SortPath, Cell: func(e *Entry, _ time.Time) string {
		if e.Kind == KindMalformed {
			return OrDash(e.LockID)
		}
		return e.Path()
	}},
	{ID: ColSource, Title: "SRC", Long: "SOURCE", Sort: NoSort, Width: 4,
		Cell: func(e *Entry, _ time.Time) string { return e.Label() }},
	{ID: ColOperation, Title: "OP", Long: "OPERATION", Sort: SortOperation, Width: 12, TextWidth: 24, Cell: func(e *Entry, _ time.Time) string {
		switch e.Kind {
		case KindLock:
			return OperationWord(e.Info.Operation)
		case KindDigest:
			return "digest"
		}
		return "malformed"
	}},
	{ID: ColWho, Title: "WHO", Long: "WHO", Sort: SortWho, TextWidth: 40, Cell: func(e *Entry, _ time.Time) string {
		switch e.Kind {
		case KindLock:
			return OrDash(e.Info.Who)
		case KindDigest:
			return e.Digest
		}
		return "—"
	}},
	{ID: ColAge, Title: "AGE", Long: "AGE", Sort: SortAge, Width: 11, Cell: func(e *Entry, now time.Time) string {
		return lockOnly(e, func() string { return e.AgeAt(now).String() })
	}},
	{ID: ColVersion, Title: "VER", Long: "VERSION", Sort: NoSort, Width: 8, MinTerminal: 96, TextWidth: 16, Cell: func(e *Entry, _ time.Time) string {
		return lockOnly(e, func() string { return OrDash(e.Info.Version) })
	}},
	{ID: ColLockID, Title: "LOCK ID", Long: "LOCK ID", Sort: NoSort, Width: 8, MinTerminal: 110, Cell: func(e *Entry, _ time.Time) string {
		return lockOnly(e, e.ShortID)
	}},
}

// lockOnly is value() for a lock, "—" for a digest or a malformed item.
func lockOnly(e *Entry, value func() string) string {
	if e.Kind != KindLock {
		return "—"
	}
	return value()
}

// OrDash is s, or "—" when it is blank: an empty cell must not read as a
// missing column.
func OrDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}
