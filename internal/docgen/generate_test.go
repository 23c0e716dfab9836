package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/lockwarden/lockwarden/config"
)

// docs/reference is what docgen writes from this tree, file for file and
// byte for byte: a flag or key added, renamed or re-explained without
// `make docs` fails here.
func TestReferenceIsCurrent(t *testing.T) {
	dir := t.TempDir()
	if _, err := generate(dir, filepath.Join("..", "..")); err != nil {
		t.Fatal(err)
	}
	committed := filepath.Join("..", "..", "docs", "reference")
	want, got := tree(t, dir), tree(t, committed)
	for name, w := range want {
		switch g, ok := got[name]; {
		case !ok:
			t.Errorf("docs/reference/%s is missing", name)
		case !bytes.Equal(g, w):
			t.Errorf("docs/reference/%s is stale", name)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("docs/reference/%s documents what is no longer there", name)
		}
	}
	if t.Failed() {
		t.Log("run make docs, read the diff, and commit it")
	}
}

// tree reads every file under dir, by its path there.
func tree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		out[filepath.ToSlash(rel)], err = os.ReadFile(path)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Every key the config file may hold, as config knows them, has its
// entry, and no entry names a key config would refuse.
func TestConfigReferenceHasEveryKey(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "config", "file.go"))
	if err != nil {
		t.Fatal(err)
	}
	page, err := configReference(src)
	if err != nil {
		t.Fatal(err)
	}
	var documented []string
	for _, m := range regexp.MustCompile("(?m)^### `([a-z0-9_]+)`$").FindAllStringSubmatch(string(page), -1) {
		documented = append(documented, m[1])
	}
	slices.Sort(documented)
	if known := config.Keys(); !slices.Equal(documented, known) {
		t.Errorf("documented %q\nconfig knows %q", documented, known)
	}
}

// A field without a doc comment is refused, by name.
func TestUndocumentedKeyIsRefused(t *testing.T) {
	src := []byte("package config\ntype contextConfig struct {\n\t// Documented.\n\tA string `mapstructure:\"a\"`\n\tB string `mapstructure:\"b\"`\n}\n")
	_, err := configReference(src)
	if err == nil || !strings.Contains(err.Error(), "contextConfig.B (b) has no doc comment") {
		t.Errorf("got %v", err)
	}
}
