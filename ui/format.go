package ui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
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

// padLines makes lines exactly n long, cutting or adding empty lines.
func padLines(lines []string, n int) []string {
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
