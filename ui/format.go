package ui

import (
	"slices"
	"strings"
	"unicode/utf8"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/lockwarden/lockwarden/model"
)

// fit pads or truncates s (plain or styled) to exactly width cells.
func fit(s string, width int) string {
	if width <= 0 {
		return ""
	}
	w := lipgloss.Width(s)
	if w > width {
		return ansi.Truncate(s, width, "…")
	}
	return s + strings.Repeat(" ", width-w)
}

// elidePath shortens a state path to width cells by cutting from the
// middle. The end of a path tells states apart (".../prod/network/
// terraform.tfstate"), so it keeps as many trailing segments as fit, with
// the bucket in front when there is room for it too.
func elidePath(path string, width int) string {
	if lipgloss.Width(path) <= width {
		return path
	}
	parts := strings.Split(path, "/")
	for keep := len(parts) - 1; keep >= 1; keep-- {
		tail := strings.Join(parts[len(parts)-keep:], "/")
		if keep < len(parts)-1 {
			if cand := parts[0] + "/…/" + tail; lipgloss.Width(cand) <= width {
				return cand
			}
		}
		if cand := "…/" + tail; lipgloss.Width(cand) <= width {
			return cand
		}
	}
	// Still too long: keep the end, where the file name is.
	if width <= 1 {
		return "…"
	}
	r := []rune(path)
	for len(r) > 0 && lipgloss.Width(string(r)) > width-1 {
		r = r[1:]
	}
	return "…" + string(r)
}

// wrap breaks s into lines of at most width cells at spaces only (flags
// such as --region must not be split at their hyphens), hard-wrapping words
// longer than a line.
func wrap(s string, width int) []string {
	if width <= 0 {
		return []string{s}
	}
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		switch {
		case line == "":
			line = word
		case lipgloss.Width(line)+1+lipgloss.Width(word) <= width:
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
		for lipgloss.Width(line) > width {
			lines = append(lines, ansi.Truncate(line, width, ""))
			line = ansi.TruncateLeft(line, width, "")
		}
	}
	return append(lines, line)
}

// padLines makes lines exactly n long, cutting or adding empty lines; a
// terminal too short for any (n below zero) gets none.
func padLines(lines []string, n int) []string {
	n = max(0, n)
	if len(lines) > n {
		return lines[:n]
	}
	for len(lines) < n {
		lines = append(lines, "")
	}
	return lines
}

// spread puts left and right on one line of width cells.
func spread(left, right string, width int) string {
	gap := width - lipgloss.Width(left) - lipgloss.Width(right)
	if gap < 1 {
		return fit(left, width)
	}
	return left + strings.Repeat(" ", gap) + right
}

// statePaths shows the visible rows' state paths (sanitized) in width cells
// each, and returns the STATE column's header with them. When a path does
// not fit, what every visible row shares — the leading segments, the bucket
// first, and the file name — is left out of the rows and named once in the
// header ("STATE (tfstate/…/terraform.tfstate)"), so that the rows keep what
// tells them apart. Only what the header has room to name is left out. It
// looks at the visible rows only: its cost does not grow with the table.
func statePaths(paths []string, width int, arrow string) (cells []string, label string) {
	label, _ = stateLabel(arrow, "", width)
	cells = make([]string, len(paths))
	fits := true
	for i, p := range paths {
		cells[i] = p
		fits = fits && lipgloss.Width(p) <= width
	}
	if fits {
		return cells, label
	}
	segs := make([][]string, len(paths))
	for i, p := range paths {
		segs[i] = strings.Split(p, "/")
	}
	lead, file := sharedSegments(segs)
	for ; lead >= 0 && lead+file > 0; lead-- {
		shared := sharedTemplate(segs[0], lead, file)
		if l, ok := stateLabel(arrow, shared, width); ok {
			middles := make([]string, len(segs))
			for i, s := range segs {
				middles[i] = strings.Join(s[lead:len(s)-file], "/")
				if file > 0 && strings.HasSuffix(s[len(s)-1], model.DigestSuffix) {
					// A digest's key as stored: the shared file name, -md5.
					middles[i] += "/…" + model.DigestSuffix
				}
			}
			return cutApart(middles, width), l
		}
	}
	// Nothing shared, or no room to say what: each path is cut on its own.
	for i, p := range paths {
		cells[i] = elidePath(p, width)
	}
	return cells, label
}

// stateLabel is the STATE column's header: the title, the sort arrow when
// the rows are sorted by path, and what the rows' paths share. ok is false
// when that does not fit width.
func stateLabel(arrow, shared string, width int) (label string, ok bool) {
	title := "STATE"
	if arrow != "" {
		title += " " + arrow
	}
	if shared == "" {
		return title, true
	}
	if l := title + " (" + shared + ")"; lipgloss.Width(l) <= width {
		return l, true
	}
	// Narrow: the shared path alone says which column this is; the arrow
	// goes before any of it (the header's "sort: path ▲" stays).
	if l := shared + " " + arrow; arrow != "" && lipgloss.Width(l) <= width {
		return l, true
	}
	return shared, lipgloss.Width(shared) <= width
}

// sharedSegments counts the leading segments every path has (lead) and
// whether they all end in the same file name (file is 1), leaving each path
// at least one segment of its own. A single path, or the same path on
// every row, is all shared: then the bucket and the file name go, and the
// middle, which names the state, stays.
func sharedSegments(segs [][]string) (lead, file int) {
	shortest := len(segs[0])
	same := true
	for _, s := range segs[1:] {
		shortest = min(shortest, len(s))
		same = same && slices.Equal(s, segs[0])
	}
	if same {
		if len(segs[0]) >= 3 {
			return 1, 1
		}
		return 0, 0
	}
	for lead < shortest-1 && allEqual(segs, func(s []string) string { return s[lead] }) {
		lead++
	}
	if !allEqual(segs, fileName) {
		return lead, 0
	}
	for _, s := range segs {
		if lead+1 >= len(s) {
			return lead, 0 // that path would have nothing left
		}
	}
	return lead, 1
}

func allEqual(segs [][]string, part func([]string) string) bool {
	first := part(segs[0])
	for _, s := range segs[1:] {
		if part(s) != first {
			return false
		}
	}
	return true
}

// fileName is a path's last segment; a digest's key as stored
// ("terraform.tfstate-md5") has its state's file name.
func fileName(segs []string) string {
	return strings.TrimSuffix(segs[len(segs)-1], model.DigestSuffix)
}

// sharedTemplate names what is left out: "tfstate/env:/…/terraform.tfstate".
func sharedTemplate(segs []string, lead, file int) string {
	parts := append(slices.Clip(segs[:lead]), "…")
	if file > 0 {
		parts = append(parts, fileName(segs))
	}
	return strings.Join(parts, "/")
}

// cutApart cuts each row's own part of its path to width. Whole leading
// segments are cut first, as elidePath does: that reads best and usually
// keeps the rows apart. Rows that it makes look the same although they
// differ are cut on the side they share instead, so that what differs stays.
func cutApart(middles []string, width int) []string {
	out := make([]string, len(middles))
	alike := make(map[string][]int, len(middles))
	for i, m := range middles {
		out[i] = elidePath(m, width)
		alike[out[i]] = append(alike[out[i]], i)
	}
	for _, rows := range alike {
		group := make([]string, len(rows))
		differ := false
		for k, i := range rows {
			group[k] = middles[i]
			differ = differ || group[k] != group[0]
		}
		if !differ {
			continue
		}
		head, tail := commonEnds(group)
		for k, i := range rows {
			out[i] = cutAround(group[k], head, tail, width)
		}
	}
	return out
}

// commonEnds is how many bytes every string shares at its start (head) and,
// after that, at its end (tail), both on rune boundaries.
func commonEnds(ss []string) (head, tail int) {
	shortest := ss[0]
	for _, s := range ss[1:] {
		if len(s) < len(shortest) {
			shortest = s
		}
	}
	head = len(shortest)
	for _, s := range ss {
		n := 0
		for n < head && s[n] == ss[0][n] {
			n++
		}
		head = n
	}
	for head > 0 && head < len(shortest) && !utf8.RuneStart(shortest[head]) {
		head--
	}
	tail = len(shortest) - head
	for _, s := range ss {
		n := 0
		for n < tail && s[len(s)-1-n] == ss[0][len(ss[0])-1-n] {
			n++
		}
		tail = n
	}
	for tail > 0 && !utf8.RuneStart(shortest[len(shortest)-tail]) {
		tail--
	}
	return head, tail
}

// cutAround cuts s to width where the rows agree: its first head bytes and
// its last tail bytes are the same on every row.
func cutAround(s string, head, tail, width int) string {
	w := lipgloss.Width(s)
	switch {
	case w <= width:
		return s
	case width <= 1:
		return "…"
	case lipgloss.Width(s[head:]) < width:
		// What differs is at the end: cut the shared start.
		return "…" + ansi.TruncateLeft(s, w-(width-1), "")
	case lipgloss.Width(s[:len(s)-tail]) < width:
		// What differs is at the start: cut the shared end, at a segment
		// when one ends there.
		for j := len(s) - 1; j >= len(s)-tail; j-- {
			if s[j] == '/' && lipgloss.Width(s[:j])+2 <= width {
				return s[:j] + "/…"
			}
		}
		return ansi.Truncate(s, width, "…")
	case head == 0:
		return ansi.Truncate(s, width, "…")
	}
	// What differs is wider than the column: show where the rows part.
	return "…" + ansi.Truncate(s[head:], width-1, "…")
}
