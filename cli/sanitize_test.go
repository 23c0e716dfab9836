package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/lockwarden/lockwarden/internal/testenv"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sandbox"
)

// hiddenRunes are characters a terminal draws as nothing, or that reorder
// what follows; each must show as its escape.
var hiddenRunes = map[string]string{
	"\u200b":     "‹U+200B›",  // zero-width space
	"\u202e":     "‹U+202E›",  // right-to-left override
	"\u00ad":     "‹U+00AD›",  // soft hyphen
	"\U000E0041": "‹U+E0041›", // tag letter A
}

// lockTable starts minidyn with a lock table holding locks.
func lockTable(t *testing.T, locks ...model.LockInfo) string {
	t.Helper()
	endpoint := testenv.Minidyn(t)
	c := testenv.DynamoClient(endpoint)
	testenv.CreateLockTable(t, c, "locks")
	for _, li := range locks {
		if err := sandbox.Lock(t.Context(), c, "locks", li); err != nil {
			t.Fatal(err)
		}
	}
	return endpoint
}

// lineWith returns the one line of out that contains part.
func lineWith(t *testing.T, out, part string) string {
	t.Helper()
	var found []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, part) {
			found = append(found, l)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one line with %q, got %d:\n%s", part, len(found), out)
	}
	return found[0]
}

func TestListShowsLookalikeLockIDsApart(t *testing.T) {
	for hidden, escape := range hiddenRunes {
		plainID := "tfstate/env:/prod/app/terraform.tfstate"
		trickID := "tfstate/env:/prod/" + hidden + "app/terraform.tfstate"
		created := fixtureNow.Add(-time.Minute)
		endpoint := lockTable(t,
			sandbox.NewInfo(plainID, "OperationTypeApply", "ci@runner-1", "1.12.6", created),
			sandbox.NewInfo(trickID, "OperationTypeApply", "ci@runner-2", "1.12.6", created))
		out, errOut, code := run(t, fixtureNow, "list", "--table", "locks", "--endpoint-url", endpoint)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if strings.Contains(out, hidden) {
			t.Errorf("%q reached the terminal:\n%s", hidden, out)
		}
		plainRow, trickRow := lineWith(t, out, "ci@runner-1"), lineWith(t, out, "ci@runner-2")
		if !strings.HasPrefix(plainRow, "  "+plainID+" ") {
			t.Errorf("plain row: %q", plainRow)
		}
		if !strings.HasPrefix(trickRow, "  tfstate/env:/prod/"+escape+"app/terraform.tfstate ") {
			t.Errorf("the row with %q does not show %s: %q", hidden, escape, trickRow)
		}
		// The escape is as wide on screen as tabwriter counts it, so the
		// columns after the path still line up.
		header := lineWith(t, out, "WHO")
		want := ansi.StringWidth(header[:strings.Index(header, "WHO")])
		for _, row := range []string{plainRow, trickRow} {
			if at := ansi.StringWidth(row[:strings.Index(row, "ci@runner-")]); at != want {
				t.Errorf("WHO at column %d, want %d: %q", at, want, row)
			}
		}
	}
}

// JSON is for programs: it keeps the exact bytes of what the table holds.
func TestListJSONKeepsTheExactBytes(t *testing.T) {
	lockID := "tfstate/\u202eprod\u200b\u00ad\U000E0041/terraform.tfstate"
	who := "mallory\x1b]0;pwned\x07@host\u3164"
	endpoint := lockTable(t, sandbox.NewInfo(lockID, "OperationTypeApply", who, "1.12.6", fixtureNow.Add(-time.Minute)))
	out, errOut, code := run(t, fixtureNow, "list", "-o", "json", "--table", "locks", "--endpoint-url", endpoint)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(out, "‹") {
		t.Errorf("JSON output was sanitized:\n%s", out)
	}
	var recs []map[string]any
	if err := json.Unmarshal([]byte(out), &recs); err != nil || len(recs) != 1 {
		t.Fatalf("%v, %d records:\n%s", err, len(recs), out)
	}
	if recs[0]["lock_id"] != lockID || recs[0]["path"] != lockID || recs[0]["state"] != lockID || recs[0]["who"] != who {
		t.Errorf("lock_id %q, path %q, who %q; want %q, %q, %q", recs[0]["lock_id"], recs[0]["path"], recs[0]["who"], lockID, lockID, who)
	}
}

func TestUnlockPromptAndErrorsAreSanitized(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	lockID := "tfstate/\u202eprod\x1b[2J/terraform.tfstate"
	li := sandbox.NewInfo(lockID, "OperationTypeApply", "mallory\x1b]0;pwned\x07", "1.12.6", fixtureNow.Add(-3*time.Hour))
	li.ID = "ab\u200bcdef-1111-2222-3333-444444444444"
	endpoint := lockTable(t, li)
	base := []string{"--table", "locks", "--endpoint-url", endpoint}
	raw := []string{"\u202e", "\u200b", "\x1b", "\x07"}

	// The description of the lock and the prompt; a wrong answer refuses.
	out, errOut, code := runAt(t, "no\n", true, append([]string{"unlock", lockID, "--id", li.ID}, base...)...)
	if code != ExitRefused {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"Lock tfstate/‹U+202E›prod‹U+001B›[2J/terraform.tfstate\n",
		"held by:    mallory‹U+001B›]0;pwned‹U+0007›\n",
		"lock ID:    ab‹U+200B›cdef-1111-2222-3333-444444444444\n",
		"Type the first 8 characters of the lock ID (ab‹U+200B›cde) to confirm.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("want %q in:\n%s", want, out)
		}
	}

	// Errors printed by Main: one from a command (exit code carried), one
	// from cobra. Unicode white space is not folded into a plain space.
	_, notFound, code := runAt(t, "", false, append([]string{"unlock", "tfstate/\u202enone\x1b[2J", "--id", "x"}, base...)...)
	if code != ExitNotFound || !strings.HasPrefix(notFound, "lockwarden: no lock is held on tfstate/‹U+202E›none‹U+001B›[2J in table locks") {
		t.Errorf("not found: exit %d, stderr %q", code, notFound)
	}
	_, usage, code := runAt(t, "", false, "list", "--table", "locks", "--nope\u202e\u00a0x\u2028y")
	if code != ExitUsage || !strings.HasPrefix(usage, "lockwarden: unknown flag: --nope‹U+202E›‹U+00A0›x‹U+2028›y ") {
		t.Errorf("usage: exit %d, stderr %q", code, usage)
	}
	for _, s := range []string{out, errOut, notFound, usage} {
		for _, r := range raw {
			if strings.Contains(s, r) {
				t.Errorf("%q reached the terminal in %q", r, s)
			}
		}
	}
}

// A holder's 10 KB operation, who or version does not make the text
// table's lines 10 KB wide: each cell is cut, with "…"; JSON keeps every
// byte.
func TestListCutsHugeCells(t *testing.T) {
	huge := strings.Repeat("W", 10_000)
	endpoint := lockTable(t,
		sandbox.NewInfo("tfstate/huge/terraform.tfstate", "OperationType"+strings.Repeat("X", 10_000), huge+"@host", strings.Repeat("9", 10_000), fixtureNow.Add(-time.Minute)),
		sandbox.NewInfo("tfstate/plain/terraform.tfstate", "OperationTypePlan", "bob@ws", "1.12.6", fixtureNow.Add(-time.Minute)))
	out, errOut, code := run(t, fixtureNow, "list", "--table", "locks", "--endpoint-url", endpoint)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, l := range strings.Split(out, "\n") {
		if w := ansi.StringWidth(l); w > 200 {
			t.Errorf("a line %d columns wide: %.120s…", w, l)
		}
	}
	line := lineWith(t, out, "tfstate/huge/terraform.tfstate")
	if !strings.Contains(line, strings.Repeat("W", 39)+"…") || !strings.Contains(line, "…") {
		t.Errorf("the huge row: %s", line)
	}
	if plain := lineWith(t, out, "tfstate/plain/terraform.tfstate"); !strings.Contains(plain, "bob@ws") || strings.Contains(plain, "…") {
		t.Errorf("a plain row was cut: %s", plain)
	}
	out, _, _ = run(t, fixtureNow, "list", "-o", "json", "--table", "locks", "--endpoint-url", endpoint)
	if !strings.Contains(out, huge+"@host") {
		t.Error("JSON lost the holder's whole who")
	}
}
