package ui

import (
	"image/color"

	"charm.land/lipgloss/v2"
)

// Styles holds every style the UI uses, by meaning. View code names a
// token ("Stale"), never a colour; NO_COLOR and limited terminals are
// handled by Bubble Tea's renderer, which downsamples or strips colour, so
// every marker that matters is also a symbol.
type Styles struct {
	Title, Context, Dim, Header, Rule lipgloss.Style
	Badge, Live, Warn, Error          lipgloss.Style
	Stale, New, Malformed, Digest     lipgloss.Style
	Selected, Label, Value, Key       lipgloss.Style
	Status, Dialog                    lipgloss.Style
}

// NewStyles returns styles readable on a dark or a light background.
func NewStyles(isDark bool) Styles {
	ld := lipgloss.LightDark(isDark)
	var (
		muted  color.Color = ld(lipgloss.Color("#6B6B6B"), lipgloss.Color("#8A8A8A"))
		accent color.Color = ld(lipgloss.Color("#005FAF"), lipgloss.Color("#5FAFFF"))
		red    color.Color = ld(lipgloss.Color("#AF0000"), lipgloss.Color("#FF5F5F"))
		yellow color.Color = ld(lipgloss.Color("#875F00"), lipgloss.Color("#FFD75F"))
		green  color.Color = ld(lipgloss.Color("#005F00"), lipgloss.Color("#87D787"))
	)
	return Styles{
		Title:     lipgloss.NewStyle().Bold(true).Foreground(accent),
		Context:   lipgloss.NewStyle().Bold(true),
		Dim:       lipgloss.NewStyle().Foreground(muted),
		Header:    lipgloss.NewStyle().Bold(true).Underline(true),
		Rule:      lipgloss.NewStyle().Foreground(muted),
		Badge:     lipgloss.NewStyle().Bold(true).Reverse(true),
		Live:      lipgloss.NewStyle().Foreground(green),
		Warn:      lipgloss.NewStyle().Foreground(yellow).Bold(true),
		Error:     lipgloss.NewStyle().Foreground(red).Bold(true),
		Stale:     lipgloss.NewStyle().Foreground(red).Bold(true),
		New:       lipgloss.NewStyle().Foreground(green).Bold(true),
		Malformed: lipgloss.NewStyle().Foreground(yellow),
		Digest:    lipgloss.NewStyle().Foreground(muted).Italic(true),
		// Reverse video shows the selection on any background and
		// survives NO_COLOR, which strips background colours.
		Selected: lipgloss.NewStyle().Reverse(true),
		Label:    lipgloss.NewStyle().Foreground(muted),
		Value:    lipgloss.NewStyle(),
		Key:      lipgloss.NewStyle().Foreground(accent).Bold(true),
		Status:   lipgloss.NewStyle(),
		Dialog:   lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(accent).Padding(0, 1),
	}
}

// ansiNames are the colour names a context's color may use, as ANSI
// colour numbers: the terminal's own palette.
var ansiNames = map[string]string{
	"black": "0", "red": "1", "green": "2", "yellow": "3", "blue": "4",
	"magenta": "5", "cyan": "6", "white": "7", "gray": "8", "grey": "8",
}

// ContextMark is the style of a context's mark in a fleet: bold, in the
// context's configured colour (a name, an ANSI number or #rrggbb) when it
// has one. The mark is text first: without colour it still reads.
func (s Styles) ContextMark(colour string) lipgloss.Style {
	st := lipgloss.NewStyle().Bold(true)
	if n, ok := ansiNames[colour]; ok {
		colour = n
	}
	if colour != "" {
		st = st.Foreground(lipgloss.Color(colour))
	}
	return st
}
