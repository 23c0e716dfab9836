package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/spf13/pflag"

	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/internal/testenv"
	"github.com/lockwarden/lockwarden/internal/vtscreen"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sandbox"
	"github.com/lockwarden/lockwarden/ui"
)

// startTUI runs the real UI program (teatest) against the recording
// endpoint and waits until the seeded stale lock is on screen.
func startTUI(t *testing.T, rec *recorder, readOnly bool) *uiRun {
	t.Helper()
	// S3 calls (the detail view probes the state object) stay on this
	// machine too.
	s := config.Settings{Table: "locks", Endpoint: rec.URL, S3Endpoint: rec.URL, ReadOnly: readOnly, StaleAfter: time.Hour,
		PollInterval: 200 * time.Millisecond, Segments: 1, AuditFile: filepath.Join(t.TempDir(), "audit.jsonl")}
	env := &Env{Now: func() time.Time { return fixtureNow }}
	src, cfg, err := connect(context.Background(), env, s, func(string, ...any) {})
	if err != nil {
		t.Fatal(err)
	}
	tm := runUI(t, ui.New(cfg, src))
	waitScreen(t, tm, "alice@ci")
	return tm
}

// uiRun is the real UI program under teatest and the screen it draws.
type uiRun struct {
	*teatest.TestModel
	screen *vtscreen.Screen
}

// runUI starts m on a 120×30 terminal whose screen the waits read.
func runUI(t *testing.T, m tea.Model) *uiRun {
	t.Helper()
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 30))
	return &uiRun{TestModel: tm, screen: vtscreen.New(t, tm.Output(), 120, 30)}
}

// waitScreen waits until every one of want is on the screen at once.
func waitScreen(t *testing.T, tm *uiRun, want ...string) {
	t.Helper()
	tm.screen.WaitText(t, want...)
}

func quit(t *testing.T, tm *uiRun) {
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
	// handled, and none of them started a write (the write keys only say "read-only").
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
	// u asks first; only the explicit choice restores.
	tm.Send(tea.KeyPressMsg{Code: 'u', Text: "u"})
	waitScreen(t, tm, "Restore")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyTab})
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	// On the screen, not in the bytes: the renderer draws "restored"
	// over "released" by its changed cells only.
	waitScreen(t, tm, "restored tfstate/app/terraform.tfstate", "again (audit")
	quit(t, tm)
	if w := strings.Join(rec.writes(), ","); w != "DeleteItem,PutItem" {
		t.Fatalf("writable TUI: writes %s, want DeleteItem,PutItem", w)
	}
	// What openUI prints once the UI is gone: both writes, and no undo
	// command for a release already undone.
	var out bytes.Buffer
	printWrites(&out, tm.FinalModel(t).(ui.Model).Writes(), settingsIn(config.Settings{Table: "locks"}))
	for _, want := range []string{"lockwarden wrote 2 changes this session:", "released tfstate/app/terraform.tfstate, held by", "restored tfstate/app/terraform.tfstate"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "to undo:") {
		t.Errorf("a release undone in the session offers its undo again:\n%s", out.String())
	}
}

// After the UI exits, each release and repair is listed with the command
// that undoes it, in the context it was made in; nothing written, nothing
// printed.
func TestPrintWritesAfterTheUI(t *testing.T) {
	var out bytes.Buffer
	printWrites(&out, nil, settingsIn(config.Settings{Table: "locks"}))
	if out.Len() != 0 {
		t.Errorf("no writes, yet printed %q", out.String())
	}
	at := time.Date(2026, 11, 26, 3, 14, 7, 0, time.UTC)
	writes := []ui.Write{
		{Kind: ui.WriteRelease, Path: "tfstate/app/terraform.tfstate", Holder: "held by bob@ws-14 (apply, ID 5e5e5e5e)", Context: "prod", RecordID: "r-1", At: at},
		{Kind: ui.WriteRepair, Path: "tfstate/dns/terraform.tfstate", Context: "staging", RecordID: "r-2", At: at.Add(time.Minute)},
		{Kind: ui.WriteRelease, Path: "tfstate/x/terraform.tfstate", Context: "prod", RecordID: "r-3", UndoneBy: "r-4", At: at},
		{Kind: ui.WriteRestore, Path: "tfstate/x/terraform.tfstate", Context: "prod", RecordID: "r-4", Undoes: "r-3", At: at},
		{Kind: ui.WriteRelease, Path: "tfstate/u/terraform.tfstate", Holder: "held by uma@ci (apply, ID 7e7e7e7e)", Context: "prod", RecordID: "r-5", Unknown: true, At: at},
	}
	printWrites(&out, writes, settingsIn(config.Settings{Context: "prod", Table: "locks"}))
	want := `lockwarden wrote 4 changes this session, and tried 1 more whose outcome is unknown:
  03:14:07  released tfstate/app/terraform.tfstate, held by bob@ws-14 (apply, ID 5e5e5e5e) — audit r-1
            to undo: lockwarden restore r-1 --context prod
  03:15:07  repaired the digest of tfstate/dns/terraform.tfstate — audit r-2
            to undo: lockwarden restore r-2 --context staging
  03:14:07  released tfstate/x/terraform.tfstate — audit r-3, undone by r-4
  03:14:07  restored tfstate/x/terraform.tfstate — audit r-4, undoing r-3
  03:14:07  tried to release tfstate/u/terraform.tfstate, outcome unknown: it may or may not have gone, held by uma@ci (apply, ID 7e7e7e7e) — audit r-5
            check with 'lockwarden list --context prod' whether it is still held; if it went, lockwarden restore r-5 --context prod puts it back (it checks that the release removed it, and asks)
`
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}

// devTable adds table locks-dev on the recording endpoint, with dave's
// stale lock, for the tests of several contexts: each context's rows are
// told apart on screen.
func devTable(t *testing.T, rec *recorder) (*dynamodb.Client, model.LockInfo) {
	t.Helper()
	c := testenv.DynamoClient(rec.URL)
	testenv.CreateLockTable(t, c, "locks-dev")
	dave := sandbox.NewInfo("tfstate/dev/terraform.tfstate", "OperationTypeApply", "dave@dev", "1.11.4", fixtureNow.Add(-5*time.Hour))
	if err := sandbox.Lock(t.Context(), c, "locks-dev", dave); err != nil {
		t.Fatal(err)
	}
	rec.reset()
	return c, dave
}

// Write permission is decided per context on every switch: --write given
// for a writable context does not carry over to a read-only one, and ':'
// keeps working after the first switch.
func TestTUISwitchRedecidesWrite(t *testing.T) {
	rec, staleID, _ := seededTable(t)
	// dev has a table of its own, with dave's lock: each context's rows
	// are told apart on screen, so a wait can see the switch land.
	_, dave := devTable(t, rec)
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	body := "audit_file: " + filepath.Join(t.TempDir(), "audit.jsonl") + "\nstale_after: 1h\ncontexts:\n" +
		"  Prod-EU:\n    table: locks\n    endpoint: " + rec.URL + "\n    s3_endpoint: " + rec.URL + "\n    readonly: true\n" +
		"  dev:\n    table: locks-dev\n    endpoint: " + rec.URL + "\n    s3_endpoint: " + rec.URL + "\n"
	if err := os.WriteFile(cfgPath, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	config.AddFlags(fs)
	if err := fs.Parse([]string{"--config", cfgPath, "--context", "dev", "--write"}); err != nil {
		t.Fatal(err)
	}
	s, err := config.Load(fs)
	if err != nil || s.ReadOnly {
		t.Fatalf("dev with --write: read-only %v, %v", s.ReadOnly, err)
	}
	env := &Env{Now: func() time.Time { return fixtureNow }}
	logf := func(string, ...any) {}
	src, cfg, err := connect(context.Background(), env, s, logf)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Switch = switcher(fs, env, logf)
	tm := runUI(t, ui.New(cfg, src))
	waitScreen(t, tm, "dave@dev")

	// A switch draws the new context's header at once and its rows after
	// its first read: wait for both, or a key may land before the rows.
	switchTo := func(up bool, want, row string) {
		tm.Send(tea.KeyPressMsg{Code: ':', Text: ":"})
		if up {
			tm.Send(tea.KeyPressMsg{Code: tea.KeyUp})
		} else {
			tm.Send(tea.KeyPressMsg{Code: tea.KeyDown})
		}
		tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
		waitScreen(t, tm, want, row)
	}
	// Contexts are listed Prod-EU, dev: up from dev is Prod-EU.
	switchTo(true, "READ-ONLY", "alice@ci")
	tm.Send(tea.KeyPressMsg{Code: 'd', Mod: tea.ModCtrl})
	tm.Type(staleID[:8])
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	// Read-only: ctrl+d only says so; what was typed went to the table
	// (Enter opened the detail view); esc goes back.
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	if w := rec.writes(); len(w) != 0 {
		t.Fatalf("read-only context after a switch wrote: %v", w)
	}
	// Back to dev (a second switch): --write applies there again.
	switchTo(false, "dev (us-east-1)", "dave@dev")
	tm.Send(tea.KeyPressMsg{Code: 'd', Mod: tea.ModCtrl})
	tm.Type(dave.ID[:8])
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitScreen(t, tm, "u to undo")
	quit(t, tm)
	if w := strings.Join(rec.writes(), ","); w != "DeleteItem" {
		t.Fatalf("writes %s, want one DeleteItem in dev", w)
	}
}
