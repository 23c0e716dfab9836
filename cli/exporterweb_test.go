package cli

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lockwarden/lockwarden/internal/testenv"
	"github.com/lockwarden/lockwarden/sandbox"
)

// With --web.config.file the exporter serves only over TLS, and only to
// the user it names: the right password gets the locks, a wrong one 401
// and no lock data, plain HTTP a refusal; the landing page is at /.
func TestExporterServesTLSWithBasicAuth(t *testing.T) {
	sb := seededSandbox(t, fixtureNow)
	web := testenv.WebConfig(t)
	cert := web.Cert
	url, stderr := startExporter(t, fixtureNow, "--web.config.file", web.File, "--table", sandbox.Table, "--endpoint-url", sb.DynamoURL, "--region", sandbox.Region)
	m := []string{"", url}
	if !strings.HasPrefix(url, "https://") {
		t.Fatalf("not served over TLS: %s", stderr)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	get := func(url, user, password string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if user != "" {
			req.SetBasicAuth(user, password)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := get(m[1], "prom", "secret"); code != 200 || !strings.Contains(body, "lockwarden_lock_created_timestamp_seconds") {
		t.Errorf("the right password: %d\n%.300s", code, body)
	}
	for _, c := range []struct{ user, password string }{{"prom", "wrong"}, {"", ""}, {"other", "secret"}} {
		if code, body := get(m[1], c.user, c.password); code != http.StatusUnauthorized || strings.Contains(body, "lockwarden_") {
			t.Errorf("%q/%q: %d\n%.300s", c.user, c.password, code, body)
		}
	}
	if code, body := get(strings.TrimSuffix(m[1], "/metrics")+"/", "prom", "secret"); code != 200 || !strings.Contains(body, "lockwarden exporter") || !strings.Contains(body, "Metrics") {
		t.Errorf("landing page: %d\n%.300s", code, body)
	}
	plain := strings.Replace(m[1], "https://", "http://", 1)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(plain)
	if err == nil {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 200 || strings.Contains(string(body), "lockwarden_") {
			t.Errorf("plain HTTP to the TLS listener: %d %.200s", resp.StatusCode, body)
		}
	}
}

// A web configuration that does not load is refused before anything is
// served: never an exporter served plain when TLS was asked for.
func TestExporterRefusesABadWebConfig(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "web.yml")
	if err := os.WriteFile(bad, []byte("tls_server_config:\n  cert_file: /nonexistent.pem\n  key_file: /nonexistent.key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"--web.config.file", bad}, {"--web.config.file", filepath.Join(dir, "missing.yml")}, {"--web.telemetry-path", "metrics"}, {"--listen", ":1", "--web.listen-address", ":2"}} {
		_, errOut, code := run(t, fixtureNow, append([]string{"exporter", "--table", "t"}, args...)...)
		if code != ExitUsage || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%v: exit %d %q", args, code, errOut)
		}
	}
}

// With client_ca_file and RequireAndVerifyClientCert (mTLS), only a client
// with a certificate that CA signed is served: none, or one of another
// CA, fails the handshake and gets no lock data.
func TestExporterRequiresAClientCertificate(t *testing.T) {
	sb := seededSandbox(t, fixtureNow)
	server := testenv.WebConfig(t)
	dir := filepath.Dir(server.File)
	clients, other := testenv.NewCA(t, "lockwarden test clients"), testenv.NewCA(t, "someone else")
	if err := os.WriteFile(filepath.Join(dir, "clients.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: clients.Cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	web := filepath.Join(dir, "mtls.yml")
	config := "tls_server_config:\n  cert_file: " + server.CertFile + "\n  key_file: " + server.KeyFile +
		"\n  client_ca_file: " + filepath.Join(dir, "clients.pem") + "\n  client_auth_type: RequireAndVerifyClientCert\n"
	if err := os.WriteFile(web, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	url, stderr := startExporter(t, fixtureNow, "--web.config.file", web, "--table", sandbox.Table, "--endpoint-url", sb.DynamoURL, "--region", sandbox.Region)
	if !strings.HasPrefix(url, "https://") {
		t.Fatalf("not served over TLS: %s", stderr)
	}
	pool := x509.NewCertPool()
	pool.AddCert(server.Cert)
	get := func(client []tls.Certificate) (string, error) {
		c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: client}}}
		resp, err := c.Get(url)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body), nil
	}
	if body, err := get([]tls.Certificate{clients.ClientCert(t)}); err != nil || !strings.Contains(body, "lockwarden_lock_created_timestamp_seconds") {
		t.Errorf("a client the CA signed: %v\n%.300s", err, body)
	}
	for name, certs := range map[string][]tls.Certificate{"no certificate": nil, "another CA's": {other.ClientCert(t)}} {
		if body, err := get(certs); err == nil || strings.Contains(body, "lockwarden_") {
			t.Errorf("%s: served %.300s", name, body)
		}
	}
}
