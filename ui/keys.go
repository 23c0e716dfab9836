package ui

import "charm.land/bubbles/v2/key"

// KeyMap is every key binding of the UI, in one place. Bindings follow the
// TUIs people already use (k9s, gh-dash): / filter, s sort, ? help, esc back.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Home, End key.Binding
	Detail, Back, Quit, Help              key.Binding
	Filter, Sort, Digests, History        key.Binding
	Refresh, Copy, Contexts               key.Binding
	// Unlock and Undo exist only when writes are allowed; in read-only
	// mode they are disabled, so they match nothing and no help lists them.
	Unlock, Undo, Repair key.Binding
	// Health checks every digest shown against its state object.
	Health key.Binding
}

// DefaultKeyMap returns the default bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+f"), key.WithHelp("pgdn", "page down")),
		Home:     key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("home/g", "first")),
		End:      key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("end/G", "last")),
		Detail:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "details")),
		Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Filter:   key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Sort:     key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort")),
		Digests:  key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "digests")),
		History:  key.NewBinding(key.WithKeys("h"), key.WithHelp("h", "history")),
		Refresh:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "refresh")),
		Copy:     key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy ID")),
		Contexts: key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "contexts")),
		Unlock:   key.NewBinding(key.WithKeys("ctrl+d", "x"), key.WithHelp("ctrl+d/x", "unlock")),
		Undo:     key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "undo"), key.WithDisabled()),
		Repair:   key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "repair digest")),
		Health:   key.NewBinding(key.WithKeys("H"), key.WithHelp("H", "check digests")),
	}
}

// ShortHelp is the one-line help of the main view.
func (k KeyMap) ShortHelp() []key.Binding {
	// Narrow terminals cut the end: help and quit come before the rest.
	return []key.Binding{k.Up, k.Detail, k.Filter, k.Sort, k.Unlock, k.Undo, k.Help, k.Quit, k.Digests, k.History}
}

// FullHelp is the help screen, in columns.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End},
		{k.Detail, k.Back, k.Filter, k.Sort, k.Digests, k.History},
		{k.Unlock, k.Undo, k.Health, k.Repair, k.Refresh, k.Copy},
		{k.Contexts, k.Help, k.Quit},
	}
}
