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

// elidePath shortens a state path to width cells, cutting from the middle
// and keeping the bucket and the state file's name, which tell states
// apart: "tfstate/…/eks-cluster/terraform.tfstate".
func elidePath(path string, width int) string {
	if lipgloss.Width(path) <= width {
		return path
	}
	parts := strings.Split(path, "/")
	if len(parts) >= 3 {
		first := parts[0]
		// Keep as many trailing segments as fit after "first/…/".
		for keep := len(parts) - 2; keep >= 1; keep-- {
			cand := first + "/…/" + strings.Join(parts[len(parts)-keep:], "/")
			if lipgloss.Width(cand) <= width {
				return cand
			}
		}
		for keep := len(parts) - 1; keep >= 1; keep-- {
			cand := "…/" + strings.Join(parts[len(parts)-keep:], "/")
			if lipgloss.Width(cand) <= width {
				return cand
			}
		}
	}
	// Still too long: keep the end, where the file name is.
	r := []rune(path)
	if width <= 1 {
		return "…"
	}
	for len(r) > 0 && lipgloss.Width(string(r)) > width-1 {
		r = r[1:]
	}
	return "…" + string(r)
}

// wrap breaks s into lines of at most width cells, hard-wrapping long words.
func wrap(s string, width int) []string {
	if width <= 0 {
		return []string{s}
	}
	return strings.Split(ansi.Hardwrap(ansi.Wordwrap(s, width, " "), width, true), "\n")
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
