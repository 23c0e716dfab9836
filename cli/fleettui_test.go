package cli

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/internal/testenv"
)

// In a fleet each row's own context decides what can be done with it: a
// read-only context's lock survives ctrl+d and its confirmation typed in,
// a writable context's lock is released in its own table, and a dead
// context is shown failing beside them without holding their rows up.
func TestFleetTUIWritesOnlyWhereTheRowsContextMay(t *testing.T) {
	rec, staleID, _ := seededTable(t)
	c, dave := devTable(t, rec)
	dead := "http://127.0.0.1:" + strconv.Itoa(testenv.FreePort(t))
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	body := "audit_file: " + filepath.Join(t.TempDir(), "audit.jsonl") + "\nstale_after: 1h\nregion: us-east-1\npoll_interval: 200ms\ncontexts:\n" +
		"  Prod-EU:\n    table: locks\n    endpoint: " + rec.URL + "\n    s3_endpoint: " + rec.URL + "\n    readonly: true\n    label: PROD\n    color: red\n" +
		"  dev:\n    table: locks-dev\n    endpoint: " + rec.URL + "\n    s3_endpoint: " + rec.URL + "\n" +
		"  gone:\n    table: locks\n    endpoint: " + dead + "\n"
	if err := os.WriteFile(cfgPath, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	fleet, err := config.LoadFleet(connectionFlags(t, "--config", cfgPath, "--all-contexts"))
	if err != nil {
		t.Fatal(err)
	}
	env := &Env{Now: func() time.Time { return fixtureNow }}
	tm := runUI(t, fleetModel(context.Background(), env, fleet, func(string, ...any) {}))
	// Both live contexts' rows, and the dead one failing, on one screen.
	waitScreen(t, tm, "alice@ci", "dave@dev", "⚠ 1 of 3 not updating")

	filter := func(word string) {
		tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape}) // clears the last filter
		tm.Send(tea.KeyPressMsg{Code: '/', Text: "/"})
		tm.Type(word)
		tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	}
	// Prod-EU is read-only: ctrl+d only says so, naming the context.
	filter("alice")
	tm.Send(tea.KeyPressMsg{Code: 'd', Mod: tea.ModCtrl})
	waitScreen(t, tm, "read-only: context Prod-EU is read-only in the config")
	tm.Type(staleID[:8])
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	if w := rec.writes(); len(w) != 0 {
		t.Fatalf("a read-only context's row was written: %v", w)
	}
	// dev may write: its lock goes, in its own table.
	filter("dave")
	tm.Send(tea.KeyPressMsg{Code: 'd', Mod: tea.ModCtrl})
	waitScreen(t, tm, "in context dev")
	tm.Type(dave.ID[:8])
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitScreen(t, tm, "u to undo")
	quit(t, tm)
	if w := strings.Join(rec.writes(), ","); w != "DeleteItem" {
		t.Fatalf("writes %s, want one DeleteItem", w)
	}
	for table, want := range map[string]int{"locks": 2, "locks-dev": 0} {
		out, err := c.Scan(t.Context(), &dynamodb.ScanInput{TableName: &table})
		if err != nil {
			t.Fatal(err)
		}
		if int(out.Count) != want {
			t.Errorf("table %s holds %d items, want %d", table, out.Count, want)
		}
	}
}
