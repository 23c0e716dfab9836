package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/lockwarden/lockwarden/ui"
)

// startTUI runs the real UI program (teatest) against the recording
// endpoint and waits until the seeded stale lock is on screen.
func startTUI(t *testing.T, rec *recorder, readOnly bool) *teatest.TestModel {
	t.Helper()
	// S3 calls (the detail view probes the state object) stay on this
	// machine too.
	s := Settings{Table: "locks", Endpoint: rec.URL, S3Endpoint: rec.URL, ReadOnly: readOnly, StaleAfter: time.Hour,
		PollInterval: 200 * time.Millisecond, Segments: 1, AuditFile: filepath.Join(t.TempDir(), "audit.jsonl")}
	env := &Env{Now: func() time.Time { return fixtureNow }}
	src, cfg, err := connect(context.Background(), env, s, func(string, ...any) {})
	if err != nil {
		t.Fatal(err)
	}
	tm := teatest.NewTestModel(t, ui.New(cfg, src), teatest.WithInitialTermSize(120, 30))
	waitScreen(t, tm, "alice@ci")
	return tm
}

func waitScreen(t *testing.T, tm *teatest.TestModel, want string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(want)) },
		teatest.WithDuration(10*time.Second))
}

func quit(t *testing.T, tm *teatest.TestModel) {
	t.Helper()
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
}

// A read-only TUI makes no write call, whatever keys are pressed; the same
// keys in a writable TUI do write, which shows the test can tell.
func TestReadOnlyTUIMakesNoWrites(t *testing.T) {
	rec, staleID, _ := seededTable(t)
	tm := startTUI(t, rec, true)
	for _, k := range []tea.KeyPressMsg{{Code: 'd', Mod: tea.ModCtrl}, {Code: 'x', Text: "x"}} {
		tm.Send(k)
		tm.Type(staleID[:8])
		tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
		tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	}
	tm.Send(tea.KeyPressMsg{Code: 'u', Text: "u"})
	// Keys are handled in order: once the help shows, every key above was
	// handled, and none of them started a command (none is bound).
	tm.Send(tea.KeyPressMsg{Code: '?', Text: "?"})
	waitScreen(t, tm, "Markers")
	quit(t, tm)
	if w := rec.writes(); len(w) != 0 {
		t.Fatalf("read-only TUI wrote: %v", w)
	}

	// The same keys in a writable TUI do write: the test can tell.
	rec, staleID, _ = seededTable(t)
	tm = startTUI(t, rec, false)
	tm.Send(tea.KeyPressMsg{Code: 'd', Mod: tea.ModCtrl})
	tm.Type(staleID[:8])
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitScreen(t, tm, "u to undo")
	tm.Send(tea.KeyPressMsg{Code: 'u', Text: "u"})
	waitScreen(t, tm, "restored tfstate/app/terraform.tfstate")
	quit(t, tm)
	if w := strings.Join(rec.writes(), ","); w != "DeleteItem,PutItem" {
		t.Fatalf("writable TUI: writes %s, want DeleteItem,PutItem", w)
	}
}
