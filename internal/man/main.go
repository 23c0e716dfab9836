// Command man writes lockwarden's man pages, one per command, from the
// commands' own help (cobra/doc): `make man` writes them into ./man, which
// is not kept in the repository, so they cannot go stale there.
//
//	go run ./internal/man [-dir man]
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/spf13/cobra/doc"

	"github.com/lockwarden/lockwarden/buildinfo"
	"github.com/lockwarden/lockwarden/cli"
)

func main() {
	dir := flag.String("dir", "man", "directory to write the pages into (made if missing)")
	flag.Parse()
	n, err := generate(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "man:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %d man pages into %s\n", n, *dir)
}

// generate writes a section 1 page for every command into dir and returns
// how many it wrote. The pages' date is SOURCE_DATE_EPOCH when set, so a
// packager's build is reproducible.
func generate(dir string) (int, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	root := cli.Command()
	root.DisableAutoGenTag = true
	header := &doc.GenManHeader{
		Title:   "LOCKWARDEN",
		Section: "1",
		Source:  "lockwarden " + buildinfo.Version(),
		Manual:  "lockwarden manual",
	}
	if err := doc.GenManTree(root, header, dir); err != nil {
		return 0, fmt.Errorf("write man pages into %s: %w", dir, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	return len(entries), nil
}
