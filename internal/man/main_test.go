package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/lockwarden/lockwarden/cli"
)

// Every command a user can run has its page, named as man expects and
// opening with the command's own summary.
func TestGenerateWritesAPagePerCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "man")
	n, err := generate(dir)
	if err != nil {
		t.Fatal(err)
	}
	var want []*cobra.Command
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		want = append(want, c)
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() {
				walk(sub)
			}
		}
	}
	walk(cli.Command())
	// The commands that must be there, should the walk above go wrong.
	for _, name := range []string{"lockwarden", "lockwarden list", "lockwarden unlock", "lockwarden restore", "lockwarden version", "lockwarden completion bash"} {
		found := false
		for _, c := range want {
			found = found || c.CommandPath() == name
		}
		if !found {
			t.Errorf("no command %q in the tree", name)
		}
	}
	if n != len(want) {
		t.Errorf("generate wrote %d pages for %d commands", n, len(want))
	}
	for _, c := range want {
		name := strings.ReplaceAll(c.CommandPath(), " ", "-")
		page, err := os.ReadFile(filepath.Join(dir, name+".1"))
		if err != nil {
			t.Errorf("%s: %v", c.CommandPath(), err)
			continue
		}
		text := string(page)
		if !strings.Contains(text, `.TH "LOCKWARDEN" "1"`) {
			t.Errorf("%s.1 has no section 1 title line", name)
		}
		if !strings.Contains(text, ".SH NAME\n"+name+" - "+c.Short+"\n") {
			t.Errorf("%s.1 does not open with the command's summary %q:\n%.400s", name, c.Short, text)
		}
	}
}
