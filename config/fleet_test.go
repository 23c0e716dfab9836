package config

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

const fleetConfig = `
context: dev
contexts:
  prod:
    region: eu-west-1
    table: prod-locks
    readonly: true
    label: PROD
    color: red
  staging:
    region: us-east-2
    table: staging-locks
  dev:
    buckets: [dev-state]
`

func TestFleetResolvesEachContextOnItsOwn(t *testing.T) {
	fleet, err := LoadFleet(flagsWith(t, fleetConfig, nil, "--context", "prod,staging"))
	if err != nil {
		t.Fatal(err)
	}
	if len(fleet) != 2 || fleet[0].Context != "prod" || fleet[1].Context != "staging" {
		t.Fatalf("fleet: %+v", fleet)
	}
	prod, staging := fleet[0], fleet[1]
	if prod.Table != "prod-locks" || prod.Region != "eu-west-1" || !prod.ReadOnly || prod.Mark() != "PROD" || prod.Color != "red" {
		t.Errorf("prod: %+v", prod)
	}
	if staging.Table != "staging-locks" || staging.Region != "us-east-2" || staging.ReadOnly || staging.Mark() != "staging" {
		t.Errorf("staging: %+v", staging)
	}
	if !strings.Contains(prod.ReadOnlyWhy, "--write is for one context") {
		t.Errorf("prod's read-only says %q", prod.ReadOnlyWhy)
	}

	all, err := LoadFleet(flagsWith(t, fleetConfig, nil, "--all-contexts"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range all {
		names = append(names, s.Context)
	}
	if strings.Join(names, ",") != "dev,prod,staging" {
		t.Errorf("--all-contexts: %v", names)
	}
	if all[0].Table != "" || len(all[0].Buckets) != 1 {
		t.Errorf("dev watches its bucket alone: %+v", all[0])
	}

	// One context stays the one-context run it always was.
	one, err := LoadFleet(flagsWith(t, fleetConfig, nil, "--context", "staging"))
	if err != nil || len(one) != 1 || one[0].Context != "staging" {
		t.Errorf("one context: %+v, %v", one, err)
	}
	// And the environment names a fleet as the flag does.
	env, err := LoadFleet(flagsWith(t, fleetConfig, map[string]string{"LOCKWARDEN_ALL_CONTEXTS": "true"}))
	if err != nil || len(env) != 3 {
		t.Errorf("LOCKWARDEN_ALL_CONTEXTS: %d contexts, %v", len(env), err)
	}
}

func TestFleetRefusesWhatItCannotHonour(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		cfg  string
		want string
	}{
		{args: []string{"--context", "prod,staging", "--write"}, want: "--write lifts read-only for one context"},
		{args: []string{"--all-contexts"}, env: map[string]string{"LOCKWARDEN_WRITE": "1"}, want: "--write lifts read-only for one context"},
		{args: []string{"--context", "prod,staging", "--table", "x"}, want: "--table would point every context at the same place"},
		{args: []string{"--all-contexts", "--bucket", "b"}, want: "--bucket would point every context"},
		{args: []string{"--all-contexts", "--table", ""}, want: "--table would point every context"},
		{args: []string{"--all-contexts", "--region", "us-west-2"}, want: "--region would point every context"},
		{args: []string{"--context", "prod,nope"}, want: `context "nope" is not configured`},
		{args: []string{"--context", "prod,,dev"}, want: "empty context"},
		{args: []string{"--context", "prod,prod"}, want: "names context prod twice"},
		{args: []string{"--context", "prod", "--all-contexts"}, want: "contradict"},
		{args: []string{"--all-contexts"}, cfg: "table: t\n", want: "no contexts are configured"},
		{env: map[string]string{"LOCKWARDEN_ALL_CONTEXTS": "yes"}, want: "LOCKWARDEN_ALL_CONTEXTS"},
		{args: []string{"--all-contexts"}, cfg: "contexts:\n  a: {table: t, label: X}\n  b: {table: u, label: x}\n", want: `would both show as`},
		{args: []string{"--all-contexts"}, cfg: "contexts:\n  a: {table: t, label: B}\n  b: {table: u}\n", want: `would both show as`},
		{args: []string{"--all-contexts"}, cfg: "contexts:\n  a: {table: t}\n  b: {region: x}\n", want: "context b: no lock table or bucket given"},
		// Named "with", its error still says which context: the hint
		// "a context with table" is not the context's name.
		{args: []string{"--all-contexts"}, cfg: "contexts:\n  a: {table: t}\n  with: {region: x}\n", want: "context with: no lock table or bucket given"},
		{args: []string{"--context", "a"}, cfg: "contexts:\n  a: {table: t, label: PRODUCTION-EU-WEST}\n", want: "keep it to 12"},
		{args: []string{"--context", "a"}, cfg: "contexts:\n  a: {table: t, label: \"P\\u202eX\"}\n", want: "cannot show plainly"},
		{args: []string{"--context", "a"}, cfg: "contexts:\n  a: {table: t, color: crimson}\n", want: `color "crimson" is not a colour`},
		{args: []string{"--context", "a"}, cfg: "contexts:\n  a: {table: t, color: \"256\"}\n", want: `color "256" is not a colour`},
		{args: []string{"--context", "a"}, cfg: "contexts:\n  a: {table: t, color: \"-3\"}\n", want: `color "-3" is not a colour`},
		// Cut in the middle at 12 cells, these two would show alike.
		{args: []string{"--all-contexts"}, cfg: "contexts:\n  prod-eu-west-1-primary: {table: t}\n  prod-eu-east-1-primary: {table: u}\n", want: "would both show as"},
		{args: []string{"--context", "a"}, cfg: "label: X\ncontexts:\n  a: {table: t}\n", want: "set it inside a context"},
	} {
		cfg := tc.cfg
		if cfg == "" {
			cfg = fleetConfig
		}
		_, err := LoadFleet(flagsWith(t, cfg, tc.env, tc.args...))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: got %v, want %q", tc.args, tc.env, err, tc.want)
		}
	}
}

func TestOneContextCommandsRefuseAFleet(t *testing.T) {
	for _, args := range [][]string{{"--context", "prod,staging"}, {"--all-contexts"}} {
		_, err := settingsWith(t, fleetConfig, nil, args...)
		if err == nil || !strings.Contains(err.Error(), "works on one context at a time") {
			t.Errorf("%v: %v", args, err)
		}
	}
	// Colours that are colours pass.
	for _, c := range []string{"red", "#ff0000", "9", "255"} {
		cfg := "contexts:\n  a: {table: t, label: P, color: \"" + c + "\"}\n"
		if _, err := settingsWith(t, cfg, nil, "--context", "a"); err != nil {
			t.Errorf("color %s: %v", c, err)
		}
	}
}

// A label that looks like another context's — a trailing space, a
// Cyrillic р, fullwidth letters, a combining mark — cannot make a writable
// row pass for a read-only context's: labels are trimmed and
// NFKC-normalised, compared as they look, and look-alike letters are
// refused; each error names the context once.
func TestLabelsThatLookAlikeAreRefused(t *testing.T) {
	const prod = "contexts:\n  prod: {table: t, readonly: true, label: PROD}\n"
	for _, c := range []struct{ cfg, want string }{
		{prod + "  dev: {table: u, label: \"PROD \"}\n", `would both show as "PROD"`},
		{prod + "  dev: {table: u, label: \" prod\"}\n", `would both show as`},
		{prod + "  dev: {table: u, label: \"ＰＲＯＤ\"}\n", `would both show as "PROD"`},
		{prod + "  dev: {table: u, label: \"\u0420ROD\"}\n", "U+0420 (Р), which can look like another character"},
		{prod + "  dev: {table: u, label: \"PRO\u0110\"}\n", "U+0110"},
		{prod + "  dev: {table: u, label: \"PRO\u0044\u0307\"}\n", "U+1E0A"}, // NFKC composes D + dot above
		{prod + "  dev: {table: u, label: \"PROD\u0338\"}\n", "U+0338, which can look like"},
		{prod + "  dev: {table: u, label: \"PR\u039fD\"}\n", "U+039F (Ο)"},
		{"contexts:\n  prod: {table: t, readonly: true}\n  \u0440rod: {table: u}\n", "its name marks its rows"},
	} {
		_, err := LoadFleet(flagsWith(t, c.cfg, nil, "--all-contexts"))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v; want %q", c.cfg, err, c.want)
			continue
		}
		if strings.Count(err.Error(), "context dev") > 1 {
			t.Errorf("%q: the context is named twice: %v", c.cfg, err)
		}
	}
	// A label of a script without Latin look-alikes, and a trimmed one
	// that looks like nobody else's, are taken as they show.
	fleet, err := LoadFleet(flagsWith(t, prod+"  dev: {table: u, label: \" 開発 \"}\n  ci: {table: v, label: \"ＣＩ\"}\n", nil, "--all-contexts"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range fleet {
		if want := map[string]string{"prod": "PROD", "dev": "開発", "ci": "CI"}[s.Context]; s.Label != want {
			t.Errorf("context %s: label %q, want %q", s.Context, s.Label, want)
		}
	}
	// Told once, in one-context commands too.
	_, err = settingsWith(t, "contexts:\n  dev: {table: u, label: PRODUCTION-EU-WEST}\n", nil, "--context", "dev")
	if err == nil || strings.Count(err.Error(), "context dev") != 1 {
		t.Errorf("one context: %v", err)
	}
	_, err = LoadFleet(flagsWith(t, "contexts:\n  dev: {table: u, label: PRODUCTION-EU-WEST}\n  ci: {table: v}\n", nil, "--all-contexts"))
	if err == nil || strings.Count(err.Error(), "context dev") != 1 {
		t.Errorf("a fleet: %v", err)
	}
}

// Long context names are cut in the middle, keeping the end that tells
// accounts apart.
func TestShownMarkKeepsTheEnds(t *testing.T) {
	for in, want := range map[string]string{
		"prod":                 "prod",
		"prod-eu-west":         "prod-eu-west",
		"prod-eu-west-1":       "prod-…west-1",
		"prod-eu-west-2":       "prod-…west-2",
		"staging-us-east-2-ok": "stagi…t-2-ok",
	} {
		if got := ShownMark(in); got != want || ansi.StringWidth(got) > MaxMarkWidth {
			t.Errorf("ShownMark(%q) = %q, want %q", in, got, want)
		}
	}
}
