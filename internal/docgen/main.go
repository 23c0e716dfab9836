// Command docgen writes docs/reference from the code, so that no flag or
// config key is ever undocumented or documented wrongly: a page per
// command from the commands' own help (cobra/doc), and the config keys
// from the config types' doc comments. A test fails when what is in the
// repository differs from what it would write.
//
//	go run ./internal/docgen [-dir docs/reference]
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	dir := flag.String("dir", "docs/reference", "directory to write the reference into (its cli/ and config.md are replaced)")
	flag.Parse()
	n, err := generate(*dir, ".")
	if err != nil {
		fmt.Fprintln(os.Stderr, "docgen:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %d pages into %s\n", n, *dir)
}
