package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// This file writes one context's listing as text — the table, its notes
// and a summary line — and the text rows and header that list over a
// fleet (listfleet.go) and the reaper share.

// writeTable writes one context's entries as a table, then the locks
// whose two places disagree, the malformed items, and a summary line.
func writeTable(w io.Writer, entries []model.Entry, snap model.Snapshot, s config.Settings, now time.Time, staleOnly bool) error {
	// The source column appears only when lock files are watched.
	cols := textColumns(false, len(s.Buckets) > 0)
	var tally model.Tally
	for i := range entries {
		tally.Add(&entries[i], now, s.StaleAfter)
	}
	locks, stale, malformed := tally.Locks, tally.Stale, tally.Malformed
	if len(entries) == 0 {
		what := "No locks"
		if staleOnly {
			what = "No stale locks"
		}
		if s.Table == "" {
			// Lock files alone: there are no digests to count.
			fmt.Fprintf(w, "%s in %s.\n", what, sanitize.Text(readWatched(s, snap)))
		} else {
			fmt.Fprintf(w, "%s in %s (%s).\n", what, sanitize.Text(readWatched(s, snap)), digestNote(snap.Digests))
		}
		return writeUnread(w, snap)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, textHeader(cols))
	for _, e := range entries {
		marker, cells := textRow(e, now, s.StaleAfter, cols, "")
		fmt.Fprintf(tw, "%s %s\n", marker, cells)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var warned []model.Entry
	for _, e := range entries {
		if e.Warning != "" {
			warned = append(warned, e)
		}
	}
	if len(warned) > 0 {
		fmt.Fprintln(w, "\nLocks whose two places disagree (marked ≠):")
		for _, e := range warned {
			fmt.Fprintf(w, "≠ %s: %s\n", sanitize.Text(e.LockID), sanitize.Text(e.Warning))
		}
	}
	if malformed > 0 {
		fmt.Fprintln(w, "\nMalformed items (neither a readable lock nor a digest):")
		for _, e := range entries {
			if e.Kind == model.KindMalformed {
				fmt.Fprintf(w, "? %s: %s\n", sanitize.Text(sanitize.OrDash(e.LockID)), sanitize.Text(e.Problem))
			}
		}
	}
	// What was read comes first: a table, a bucket, or both.
	watched := readWatched(s, snap)
	summary := fmt.Sprintf("\n%s: %d lock%s", sanitize.Text(strings.ToUpper(watched[:1])+watched[1:]), locks, model.Plural(locks, "", "s"))
	if stale > 0 {
		summary += fmt.Sprintf(" (%d stale: held %s or longer, marked !)", stale, model.FormatThreshold(s.StaleAfter))
	}
	if malformed > 0 {
		summary += fmt.Sprintf(", %d malformed item%s (marked ?)", malformed, model.Plural(malformed, "", "s"))
	}
	if s.Table != "" {
		summary += ", " + digestNote(snap.Digests)
	}
	summary += ".\n"
	if _, err := io.WriteString(w, summary); err != nil {
		return err
	}
	return writeUnread(w, snap)
}

// readWatched says what a read covered: the watched places less those it
// could not read, which must never be counted as holding no locks.
func readWatched(s config.Settings, snap model.Snapshot) string {
	if !snap.Partial() {
		return s.Watched()
	}
	unread := map[string]bool{}
	for _, u := range snap.Unread {
		unread[u.Place] = true
	}
	read := s
	read.Buckets = nil
	for _, bp := range s.BucketPrefixes() {
		if !unread[bp.Place()] {
			read.Buckets = append(read.Buckets, bp.String())
		}
	}
	if read.Watched() == "" {
		return "nothing that was read"
	}
	return read.Watched()
}

// writeUnread names each watched place the read could not read, and why.
func writeUnread(w io.Writer, snap model.Snapshot) error {
	for _, u := range snap.Unread {
		if _, err := fmt.Fprintf(w, "NOT READ: %s — %s\n", sanitize.Text(u.Place), sanitize.Text(sanitize.OneLine(u.Why))); err != nil {
			return err
		}
	}
	return nil
}

// partlyRead is list's error for a read that left a watched place unread:
// exit 1, naming the places, whatever --exit-code says of the rest.
func partlyRead(snap model.Snapshot) error {
	return &exitError{code: ExitError, err: fmt.Errorf("partly read: %s not read, so its locks are not listed", snap.UnreadPlaces())}
}

// textColumns are the columns list's text table shows: every column but
// CONTEXT unless several contexts are listed (fleet), and SOURCE only when
// lock files are watched (sources).
func textColumns(fleet, sources bool) []model.Column {
	var out []model.Column
	for _, col := range model.Columns {
		switch {
		case col.ID == model.ColContext && !fleet, col.ID == model.ColSource && !sources:
			continue
		}
		out = append(out, col)
	}
	return out
}

// textHeader is the header of list's text table: each column's long
// title, tab separated, after the marker's two spaces.
func textHeader(cols []model.Column) string {
	titles := make([]string, len(cols))
	for i, col := range cols {
		titles[i] = col.Long
	}
	return "  " + strings.Join(titles, "\t")
}

// textRow is one entry of the text table: its marker (! stale, ≠ two
// places disagree, ? malformed) and its cells, tab separated; mark is the
// CONTEXT cell, when the columns have it. Each cell is made printable and
// cut at its column's TextWidth.
func textRow(e model.Entry, now time.Time, staleAfter time.Duration, cols []model.Column, mark string) (marker, cells string) {
	out := make([]string, len(cols))
	for i, col := range cols {
		switch {
		case col.ID == model.ColContext:
			out[i] = sanitize.Text(mark)
		default:
			out[i] = textCell(col.ID, col.Cell(&e, now))
		}
	}
	return model.Marker(&e, now, staleAfter), strings.Join(out, "\t")
}

// textCell is s as column id's cell in a text table: made printable, and
// cut with "…" at the column's TextWidth.
func textCell(id model.ColumnID, s string) string {
	s = sanitize.Text(s)
	if w := model.Columns[id].TextWidth; w > 0 {
		return ansi.Truncate(s, w, "…")
	}
	return s
}

// digestNote counts the digest items, listed or not.
func digestNote(n int) string {
	return fmt.Sprintf("%d digest item%s", n, model.Plural(n, "", "s"))
}
