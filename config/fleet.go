package config

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/charmbracelet/x/ansi"
	"github.com/spf13/pflag"
	"golang.org/x/text/unicode/norm"

	"github.com/lockwarden/lockwarden/sanitize"
)

// This file resolves a fleet: several configured contexts watched at once
// (--context a,b or --all-contexts), each with its own settings.

// maxLabel bounds a context's label: it is a mark in a column, not a name.
const maxLabel = 12

// labelColor is what color may say: a colour name, an ANSI number or
// #rrggbb.
var labelColor = regexp.MustCompile(`^(black|red|green|yellow|blue|magenta|cyan|white|gray|grey|#[0-9a-fA-F]{6})$`)

// fleetNames returns the contexts named by --context a,b (or its variable)
// or --all-contexts, in the order given (all: the config's, sorted); nil
// when neither asks for more than one context.
func fleetNames(flags *pflag.FlagSet, configured []string) ([]string, error) {
	all, err := allContexts(flags)
	if err != nil {
		return nil, err
	}
	list, _ := FlagOrEnv(flags, "context")
	switch {
	case all && list != "":
		return nil, usagef("--context and --all-contexts contradict each other: give one")
	case all:
		if len(configured) == 0 {
			return nil, usagef("--all-contexts: no contexts are configured (see config.example.yaml)")
		}
		return configured, nil
	case !strings.Contains(list, ","):
		return nil, nil
	}
	var names []string
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		switch {
		case n == "":
			return nil, usagef("--context %q names an empty context: separate names with single commas", list)
		case slices.Contains(names, n):
			return nil, usagef("--context %q names context %s twice", list, n)
		}
		names = append(names, n)
	}
	return names, nil
}

// allContexts reads --all-contexts (or LOCKWARDEN_ALL_CONTEXTS), strictly.
func allContexts(flags *pflag.FlagSet) (bool, error) {
	val, set := FlagOrEnv(flags, "all-contexts")
	if !set {
		return false, nil
	}
	b, err := ParseBool(val)
	if err != nil {
		return false, usagef("--all-contexts / %s: %v", EnvName("all-contexts"), err)
	}
	return b, nil
}

// oneContext refuses a fleet where a command works on one context.
func oneContext(flags *pflag.FlagSet, name string) error {
	all, err := allContexts(flags)
	if err != nil {
		return err
	}
	if all || strings.Contains(name, ",") {
		return usagef("this command works on one context at a time: give --context NAME (several contexts are for the UI, list and exporter)")
	}
	return nil
}

// placeFlags say where one context's locks live: given on the command
// line with several contexts they would point every context at the same
// place, so they are refused.
var placeFlags = []string{"profile", "region", "table", "endpoint-url", "bucket", "s3-endpoint-url"}

// LoadFleet resolves the contexts a run watches: several with --context
// a,b or --all-contexts, else the one Load resolves. Each context
// has its own settings — credentials, place, read budget and read-only —
// and none is lifted by --write, which is for one context: with several it
// is a usage error.
func LoadFleet(flags *pflag.FlagSet) ([]Settings, error) {
	if err := checkEnv(); err != nil {
		return nil, err
	}
	// The file alone, no context: what contexts are configured.
	file, err := loadSettings(flags, "", roleFleet)
	if err != nil {
		return nil, err
	}
	names, err := fleetNames(flags, file.Contexts)
	if err != nil {
		return nil, err
	}
	if names == nil {
		s, err := RequirePlace(Load(flags))
		return []Settings{s}, err
	}
	if val, set := FlagOrEnv(flags, "write"); set {
		if b, _ := ParseBool(val); b {
			return nil, usagef("--write lifts read-only for one context: name one with --context NAME, not %d", len(names))
		}
	}
	for _, f := range placeFlags {
		// Given at all, even empty: --table "" would blank every
		// context's table.
		if _, given := FlagOrEnv(flags, f); given {
			return nil, usagef("--%s would point every context at the same place: with several contexts, set it in each context of the config", f)
		}
	}
	fleet := make([]Settings, 0, len(names))
	labels := map[string]string{}
	for _, name := range names {
		s, err := RequirePlace(loadSettings(flags, name, roleFleet))
		if err != nil {
			if ue := (*UsageError)(nil); errors.As(err, &ue) && ue.Context == name {
				return nil, err // it says which context already
			}
			return nil, fmt.Errorf("context %s: %w", name, err)
		}
		// Told apart as the CONTEXT column shows them: a long name is
		// cut there, and a read-only account's row must never look like a
		// writable one's.
		mark := strings.ToLower(ShownMark(s.Mark()))
		if other, ok := labels[mark]; ok {
			return nil, usagef("contexts %s and %s would both show as %q: give one a different label (at most %d characters)", other, s.Context, ShownMark(s.Mark()), maxLabel)
		}
		labels[mark] = s.Context
		fleet = append(fleet, s)
	}
	return fleet, nil
}

// checkMark resolves a context's label as it will show — trimmed and
// NFKC-normalised, so that a fullwidth ｐｒｏｄ or a trailing space shows
// (and is compared) as what it looks like — and refuses a label too long
// for its column, unprintable, or holding a character that can pass for
// another: a Cyrillic р in рrod, a combining mark. A context without a
// label is marked by its name, which is held to the same rule. It refuses
// a colour the terminal would not know.
func checkMark(name, label, color string) (string, error) {
	label = norm.NFKC.String(strings.TrimSpace(label))
	if n := len([]rune(label)); n > maxLabel {
		return "", contextUsagef(name, "label %q is %d characters; keep it to %d (it marks rows in a column)", label, n, maxLabel)
	}
	if label != "" && sanitize.Text(label) != label {
		return "", contextUsagef(name, "label %q holds characters a terminal cannot show plainly", label)
	}
	if r, bad := lookalike(label); bad {
		return "", contextUsagef(name, "label %q holds %s, which can look like another character: marks are compared as they look, so use ASCII (or letters of a script with no Latin look-alikes)", label, runeName(r))
	}
	if label == "" {
		if r, bad := lookalike(name); bad {
			return "", contextUsagef(name, "its name marks its rows, and holds %s, which can look like another character: give it a label in ASCII", runeName(r))
		}
	}
	if color == "" {
		return label, nil
	}
	if n, err := strconv.Atoi(color); err == nil && n >= 0 && n <= 255 || err != nil && labelColor.MatchString(color) {
		return label, nil
	}
	return "", contextUsagef(name, "color %q is not a colour: use a name (red, yellow, …), an ANSI number (0–255) or #rrggbb", color)
}

// lookalikeScripts hold letters that can pass for Latin ones (р, ο, ꓑ).
var lookalikeScripts = []*unicode.RangeTable{
	unicode.Latin, unicode.Cyrillic, unicode.Greek, unicode.Armenian, unicode.Cherokee, unicode.Coptic,
	unicode.Lisu, unicode.Canadian_Aboriginal, unicode.Georgian, unicode.Tifinagh, unicode.Vai,
}

// lookalike returns the first character of s that a person could take
// for another: beyond ASCII, anything but a letter of a script without
// Latin look-alikes (a combining mark, a symbol, a space, a Cyrillic р).
func lookalike(s string) (rune, bool) {
	for _, r := range s {
		if r <= unicode.MaxASCII {
			continue
		}
		if !unicode.IsLetter(r) || unicode.In(r, lookalikeScripts...) {
			return r, true
		}
	}
	return 0, false
}

// runeName names a character for an error: "U+0440 (р)".
func runeName(r rune) string {
	if unicode.IsMark(r) || !unicode.IsPrint(r) {
		return fmt.Sprintf("U+%04X", r)
	}
	return fmt.Sprintf("U+%04X (%c)", r, r)
}

// MaxMarkWidth is the CONTEXT column's widest mark, in cells: wider
// marks (and names: a context without a label is marked by its name) are
// cut.
const MaxMarkWidth = 12

// ShownMark is a context's mark as the CONTEXT column shows it: whole up
// to MaxMarkWidth cells, else cut in the middle, so that names differing
// at their end (prod-eu-west-1, prod-eu-west-2) stay told apart. LoadFleet
// refuses two contexts that would still show alike.
func ShownMark(mark string) string {
	mark = sanitize.Text(mark)
	w := ansi.StringWidth(mark)
	if w <= MaxMarkWidth {
		return mark
	}
	head := ansi.Truncate(mark, (MaxMarkWidth-1)/2, "")
	tail := ansi.TruncateLeft(mark, w-(MaxMarkWidth-1-ansi.StringWidth(head)), "")
	return head + "…" + tail
}
