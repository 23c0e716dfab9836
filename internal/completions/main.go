// Command completions writes lockwarden's shell completion scripts, as
// `lockwarden completion SHELL` prints them, into a directory under the
// names the packages install them by: lockwarden.bash, _lockwarden (zsh)
// and lockwarden.fish.
//
//	go run ./internal/completions [-dir completions]
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/lockwarden/lockwarden/cli"
)

// files are each shell's script name.
var files = map[string]string{"bash": "lockwarden.bash", "zsh": "_lockwarden", "fish": "lockwarden.fish"}

func main() {
	dir := flag.String("dir", "completions", "directory to write the scripts into (made if missing)")
	flag.Parse()
	if err := generate(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "completions:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %d completion scripts into %s\n", len(files), *dir)
}

// generate writes every shell's script into dir.
func generate(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for shell, name := range files {
		var out, errOut bytes.Buffer
		env := cli.Env{Stdin: bytes.NewReader(nil), Stdout: &out, Stderr: &errOut, Now: time.Now, IsTerminal: func(any) bool { return false }}
		if code := cli.Main([]string{"completion", shell}, env); code != 0 {
			return fmt.Errorf("lockwarden completion %s: exit %d: %s", shell, code, errOut.String())
		}
		if err := os.WriteFile(filepath.Join(dir, name), out.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}
