package ui

import "charm.land/bubbles/v2/key"

// KeyMap is every key binding of the UI, in one place. Bindings follow the
// TUIs people already use (k9s, gh-dash): / filter, s sort, ? help, esc back.
// Each binding's help names exactly its keys (arrows drawn as ↑ ↓), so the
// help screen can be checked against the map.
type KeyMap struct {
	// The movement keys move the cursor in the list, and scroll the
	// detail view and the help.
	Up, Down, PageUp, PageDown, Home, End key.Binding
	// Back leaves any view but the list: esc, and q too, so that q from a
	// detail view never quits by surprise. Quit's q works in the list.
	Detail, Back, Quit, Help key.Binding
	// Sort picks the next sort key; Reverse turns its direction around.
	Filter, Sort, Reverse, Digests, History key.Binding
	Refresh, Copy, Contexts                 key.Binding
	// Unlock, Undo and Repair are the write keys. In read-only mode they
	// stay bound and only say "read-only (use --write)": a key that does
	// nothing at all looks broken in the middle of an incident. No write
	// path exists behind them then (Config.Releaser is nil).
	Unlock, Undo, Repair key.Binding
	// Health checks every digest shown against its state object.
	Health key.Binding
}

// DefaultKeyMap returns the default bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup/ctrl+b", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+f"), key.WithHelp("pgdown/ctrl+f", "page down")),
		Home:     key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("home/g", "first")),
		End:      key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("end/G", "last")),
		Detail:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "details")),
		Back:     key.NewBinding(key.WithKeys("esc", "q"), key.WithHelp("esc/q", "back")),
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q/ctrl+c", "quit (q: in the list)")),
		Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Filter:   key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Sort:     key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort key")),
		Reverse:  key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "reverse sort")),
		Digests:  key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "digests")),
		History:  key.NewBinding(key.WithKeys("h"), key.WithHelp("h", "history")),
		Refresh:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "refresh")),
		Copy:     key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy ID")),
		Contexts: key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "contexts")),
		Unlock:   key.NewBinding(key.WithKeys("ctrl+d", "x"), key.WithHelp("ctrl+d/x", "unlock")),
		Undo:     key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "undo last write")),
		Repair:   key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "repair digest")),
		Health:   key.NewBinding(key.WithKeys("H"), key.WithHelp("H", "check digests")),
	}
}

// ShortHelp is the one-line help of the main view, in short words.
func (k KeyMap) ShortHelp() []key.Binding {
	// Narrow terminals cut the end: what an on-call person needs first,
	// help and quit before the rest; the arrows need no saying.
	return []key.Binding{k.Detail, k.Filter, shown(k.Sort, "s", "sort"), shown(k.Unlock, "ctrl+d", "unlock"), shown(k.Undo, "u", "undo"),
		k.Help, shown(k.Quit, "q", "quit"), k.Digests, k.History}
}

// FullHelp is the help screen, in columns: move, look, act.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End},
		{k.Detail, k.Back, k.Filter, k.Sort, k.Reverse, k.Digests, k.History, k.Contexts},
		{k.Unlock, k.Undo, k.Repair, k.Health, k.Refresh, k.Copy, k.Help, k.Quit},
	}
}

// shown is b as a footer names it: only the keys that do this on that
// screen (q goes back from a detail view; ctrl+c still quits), in words
// that fit one line.
func shown(b key.Binding, keys, desc string) key.Binding {
	b.SetHelp(keys, desc)
	return b
}
