package exporter

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A web configuration is read strictly: a key lockwarden does not read, a
// hash that is not bcrypt, TLS without its files, client verification
// without a CA — each refused, never half applied.
func TestLoadWebConfigRefuses(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ yaml, want string }{
		{"http_server_config:\n  http2: true\n", "field http_server_config not found"},
		{"basic_auth_users:\n  prom: plaintext\n", "not a bcrypt hash"},
		{"tls_server_config:\n  cert_file: c.pem\n", "needs cert_file and key_file"},
		{"tls_server_config:\n  cert_file: nope.pem\n  key_file: nope.key\n", "tls_server_config: open"},
		{"tls_server_config:\n  cert_file: nope.pem\n  key_file: nope.key\n  min_version: TLS10\n", "tls_server_config: open"},
	} {
		p := filepath.Join(dir, "web.yml")
		if err := os.WriteFile(p, []byte(c.yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadWebConfig(p); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.yaml, err, c.want)
		}
	}
	p := filepath.Join(dir, "auth-only.yml")
	if err := os.WriteFile(p, []byte("basic_auth_users:\n  prom: $2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if w, err := LoadWebConfig(p); err != nil || w.TLS != nil || len(w.users) != 1 {
		t.Errorf("basic auth alone: %+v %v", w, err)
	}
}
