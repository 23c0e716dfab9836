package exporter

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	"go.yaml.in/yaml/v3"
	"golang.org/x/crypto/bcrypt"
)

// This file reads the web configuration every Prometheus exporter takes
// (--web.config.file, in exporter-toolkit's format): TLS, client
// certificates, and basic auth with bcrypt hashes. It reads the format
// itself rather than link exporter-toolkit, which made every lockwarden
// command 13 MB larger and 4 MiB heavier — list's memory target was
// missed by it (BENCHMARKS.md). A key it does not know is refused, never
// ignored: a setting an operator wrote must not silently not apply.

// WebConfig is a loaded web configuration.
type WebConfig struct {
	// TLS is nil when the file asks for none (basic auth alone).
	TLS *tls.Config
	// users are the basic-auth users and their bcrypt hashes; none means
	// no authentication.
	users map[string]string
	// good remembers passwords that matched, so that a scrape every few
	// seconds does not cost a bcrypt each.
	good sync.Map
}

type webFile struct {
	TLSServerConfig *struct {
		CertFile       string `yaml:"cert_file"`
		KeyFile        string `yaml:"key_file"`
		ClientCAFile   string `yaml:"client_ca_file"`
		ClientAuthType string `yaml:"client_auth_type"`
		MinVersion     string `yaml:"min_version"`
	} `yaml:"tls_server_config"`
	BasicAuthUsers map[string]string `yaml:"basic_auth_users"`
}

// LoadWebConfig reads path (relative file names in it are relative to
// its directory, as exporter-toolkit reads them).
func LoadWebConfig(path string) (*WebConfig, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f webFile
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%v (lockwarden reads tls_server_config: cert_file, key_file, client_ca_file, client_auth_type, min_version; and basic_auth_users)", err)
	}
	w := &WebConfig{users: f.BasicAuthUsers}
	for user, hash := range f.BasicAuthUsers {
		if _, err := bcrypt.Cost([]byte(hash)); err != nil {
			return nil, fmt.Errorf("basic_auth_users: %s: not a bcrypt hash: %v", user, err)
		}
	}
	if f.TLSServerConfig == nil {
		return w, nil
	}
	t := f.TLSServerConfig
	rel := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(filepath.Dir(path), p)
	}
	if t.CertFile == "" || t.KeyFile == "" {
		return nil, fmt.Errorf("tls_server_config needs cert_file and key_file")
	}
	cert, err := tls.LoadX509KeyPair(rel(t.CertFile), rel(t.KeyFile))
	if err != nil {
		return nil, fmt.Errorf("tls_server_config: %v", err)
	}
	w.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	switch t.MinVersion {
	case "", "TLS12":
	case "TLS13":
		w.TLS.MinVersion = tls.VersionTLS13
	default:
		return nil, fmt.Errorf("tls_server_config: min_version %q: write TLS12 or TLS13", t.MinVersion)
	}
	auth, ok := map[string]tls.ClientAuthType{"": tls.NoClientCert, "NoClientCert": tls.NoClientCert, "RequestClientCert": tls.RequestClientCert,
		"RequireAnyClientCert": tls.RequireAnyClientCert, "VerifyClientCertIfGiven": tls.VerifyClientCertIfGiven,
		"RequireAndVerifyClientCert": tls.RequireAndVerifyClientCert}[t.ClientAuthType]
	if !ok {
		return nil, fmt.Errorf("tls_server_config: client_auth_type %q is not one Go's TLS knows", t.ClientAuthType)
	}
	w.TLS.ClientAuth = auth
	if t.ClientCAFile != "" {
		pem, err := os.ReadFile(rel(t.ClientCAFile))
		if err != nil {
			return nil, fmt.Errorf("tls_server_config: %v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls_server_config: client_ca_file %s holds no certificate", t.ClientCAFile)
		}
		w.TLS.ClientCAs = pool
	} else if auth == tls.RequireAndVerifyClientCert || auth == tls.VerifyClientCertIfGiven {
		return nil, fmt.Errorf("tls_server_config: client_auth_type %s needs client_ca_file", t.ClientAuthType)
	}
	return w, nil
}

// Protect wraps h with basic auth when the configuration has users: a
// request without the right user and password gets 401 and nothing else.
func (w *WebConfig) Protect(h http.Handler) http.Handler {
	if len(w.users) == 0 {
		return h
	}
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		user, password, ok := r.BasicAuth()
		if ok && w.allowed(user, password) {
			h.ServeHTTP(rw, r)
			return
		}
		rw.Header().Set("WWW-Authenticate", `Basic realm="lockwarden exporter", charset="UTF-8"`)
		http.Error(rw, http.StatusText(http.StatusUnauthorized), http.StatusUnauthorized)
	})
}

// allowed checks a user's password against its bcrypt hash, once per
// password that matched.
func (w *WebConfig) allowed(user, password string) bool {
	hash, ok := w.users[user]
	if !ok {
		// The same work as for a user who exists: no timing tells users apart.
		_ = bcrypt.CompareHashAndPassword([]byte("$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi"), []byte(password))
		return false
	}
	sum := sha256.Sum256([]byte(user + "\x00" + hash + "\x00" + password)) // never the password itself
	key := string(sum[:])
	if v, seen := w.good.Load(user); seen && subtle.ConstantTimeCompare([]byte(v.(string)), []byte(key)) == 1 {
		return true
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil {
		return false
	}
	w.good.Store(user, key)
	return true
}
