package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/lockwarden/lockwarden/model"
)

// TestGoldenViews pins what a person sees, at 80×24 and 160×40. The files
// hold the screen without colour; refresh them with -update and read the
// diff before committing.
func TestGoldenViews(t *testing.T) {
	states := []struct {
		name  string
		model func(w, h int) Model
	}{
		{"empty", func(w, h int) Model {
			return newModel(w, h, []model.Entry{digestEntry("tfstate/app/terraform.tfstate", "06462db2ef044008b94260f6cb5ab7cb")})
		}},
		{"seed", func(w, h int) Model { return newModel(w, h, seed()) }},
		{"filter", func(w, h int) Model { return typeText(press(newModel(w, h, seed()), "/"), "  env:/prod apply ") }},
		{"detail", func(w, h int) Model { return press(newModel(w, h, seed()), "enter") }},
		{"malformed", func(w, h int) Model { return press(newModel(w, h, seed()), "end", "enter") }},
		{"help", func(w, h int) Model { return press(newModel(w, h, seed()), "?") }},
		{"error-banner", func(w, h int) Model {
			m := newModel(w, h, seed())
			testNow = t0.Add(47 * time.Second)
			for i := 0; i < 3; i++ {
				m = send(m, snapshotMsg{gen: m.one().gen, err: errors.New(`access denied: dynamodb:Scan on table "terraform-locks" in region eu-west-1 is not allowed for these credentials`)})
			}
			return m
		}},
		{"no-table", func(w, h int) Model {
			m := newModel(w, h, nil)
			return send(m, snapshotMsg{gen: m.one().gen, err: errors.New(`table "terraform-locks" in region eu-west-1 not found: check --table and --region (or the context's table and region)`)})
		}},
		{"readonly", func(w, h int) Model {
			return newModel(w, h, seed(), func(c *Config) { c.ReadOnly = true })
		}},
	}
	for _, size := range [][2]int{{80, 24}, {160, 40}} {
		for _, st := range states {
			t.Run(fmt.Sprintf("%s-%dx%d", st.name, size[0], size[1]), func(t *testing.T) {
				golden.RequireEqual(t, plain(st.model(size[0], size[1])))
			})
		}
	}
}

// With every feature on, the help still fits 80×24 with its markers.
func TestHelpFitsAt80x24WithEveryKey(t *testing.T) {
	m := press(newModel(80, 24, seed(), writable(&fakeReleaser{}), probed(fakeProber{}), func(c *Config) {
		c.Contexts = []string{"a", "b"}
		c.Switch = func(context.Context, string) (Source, Config, error) { return nil, Config{}, nil }
	}), "?")
	out := flat(plain(m))
	for _, want := range []string{"ctrl+d/x unlock", "H check digests", "R repair digest", ": contexts", "u undo last write", "S reverse sort",
		"pgdown/ctrl+f page down", "pgup/ctrl+b page up", "esc/q back", "≠ lock table and S3 lock file disagree", "✗ digest not matching"} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks %q:\n%s", want, out)
		}
	}
}

// A detail taller than the screen scrolls, and says so.
func TestDetailScrolls(t *testing.T) {
	m := press(newModel(80, 24, seed()), "enter")
	if !strings.Contains(plain(m), "lines 1–17 of 21 · j/↓ for more") {
		t.Fatalf("no scroll hint:\n%s", plain(m))
	}
	m = press(m, "G")
	out := plain(m)
	if !strings.Contains(out, "lines 5–21 of 21 · k/↑ back") || !strings.Contains(out, `D":{"S":"tfstate/env:/prod/network/terraform.tfstate"}}`) {
		t.Errorf("end of the detail not reachable:\n%s", out)
	}
	m = press(m, "k", "g")
	if !strings.Contains(plain(m), "lines 1–17 of 21") {
		t.Error("g must go back to the top")
	}
	// Opening another detail starts at its top.
	m = press(m, "G", "esc", "j", "enter")
	if !strings.Contains(plain(m), "lines 1–") {
		t.Error("a new detail must start at the top")
	}
}

// At 80 columns the first header line cuts what is watched before it drops
// whether the data is live.
func TestLivenessOutranksWhatIsWatchedAt80(t *testing.T) {
	m := newModel(80, 24, seed(), func(c *Config) {
		c.Context, c.Buckets = "production-eu-west-1", []string{"org-tfstate-production"}
	})
	line := strings.Split(plain(m), "\n")[0]
	if !strings.Contains(line, "live") || !strings.Contains(line, "lockwarden") {
		t.Fatalf("first line: %q", line)
	}
}
