package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// FuzzConfig feeds arbitrary bytes to the config decoder. It must never
// panic; what it refuses is a one-line usage error (exit 2); what it
// accepts holds only known keys, and readonly — top level and in every
// context — decodes to exactly what the file says, read strictly.
func FuzzConfig(f *testing.F) {
	f.Add([]byte(testConfig))
	f.Add([]byte(writableConfig))
	if b, err := os.ReadFile(filepath.Join("..", "config.example.yaml")); err == nil {
		f.Add(b)
	}
	for _, s := range []string{"readonly: yes", "readonly: TRUE", "readonly: \"tRuE\"", "readonly: 1", "read_only: true",
		"contexts:\n  p:\n    readOnly: true", "contexts: [1, 2", "contexts:\n  p: 3", "segments: \"4\"", "readonly: [true]",
		"contexts:\n  A: {}\n  a: {}", "readonly: 1.0", "readonly: ~", "contexts:\n  p:\n    readonly: 0",
		"reap:\n  older_than: 1h\n  operations: [plan]", "reap:\n  operations: [1, \"a\\nb\"]", "contexts:\n  p:\n    reap: {max_per_run: 2.5}", "reap: {1: 2}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		fc, contexts, names, err := decodeConfig("fuzz.yaml", raw)
		if err != nil {
			var ue *UsageError
			if !errors.As(err, &ue) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("want a one-line usage error, got %T %q", err, err)
			}
			return
		}
		var doc map[string]any
		if err := yaml.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("accepted what YAML cannot read: %v", err)
		}
		known := append(slices.Clone(contextKeys), topKeys...)
		for k := range doc {
			if !slices.Contains(known, k) {
				t.Fatalf("accepted unknown key %q", k)
			}
		}
		checkReadOnly(t, "top", doc["readonly"], fc.ReadOnly)
		ctxs, _ := doc["contexts"].(map[string]any)
		if len(names) != len(ctxs) {
			t.Fatalf("%d contexts decoded, %d in the file", len(names), len(ctxs))
		}
		for name, body := range ctxs {
			c, ok := contexts[name]
			if !ok {
				t.Fatalf("context %q lost (names %v)", name, names)
			}
			m, _ := body.(map[string]any)
			checkReadOnly(t, name, m["readonly"], c.ReadOnly)
		}
	})
}

func checkReadOnly(t *testing.T, where string, written any, got *bool) {
	t.Helper()
	if written == nil {
		if got != nil && *got {
			t.Fatalf("%s: read-only from nowhere", where)
		}
		return
	}
	want, err := ParseBool(fmt.Sprint(written))
	if err != nil {
		t.Fatalf("%s: accepted readonly %#v", where, written)
	}
	if got == nil || *got != want {
		t.Fatalf("%s: readonly %#v decoded as %v", where, written, got)
	}
}
