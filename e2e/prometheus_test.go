package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lockwarden/lockwarden/internal/testenv"
	"github.com/lockwarden/lockwarden/sandbox"
)

// The sandbox's two stale locks (sandbox/seed.go): who holds which state,
// and for how long before the sandbox's clock.
var staleSeedLocks = []struct {
	path, who string
	age       time.Duration
}{
	{"tfstate/env:/prod/network/terraform.tfstate", "ci@runner-7", 76*time.Hour + 12*time.Minute},
	{"tfstate/env:/prod/eks-cluster/terraform.tfstate", "alice@laptop", 5*time.Hour + 12*time.Minute},
}

// exporterOnSandbox starts the seeded sandbox and the lockwarden binary's
// exporter on it, as context "sandbox" (watching extraBuckets too), and
// returns the sandbox's clock, the exporter's host:port and its log.
func exporterOnSandbox(t *testing.T, extraBuckets ...string) (time.Time, string, *testenv.LockedBuffer) {
	t.Helper()
	return exporterOnSandboxWith(t, nil, extraBuckets...)
}

// exporterOnSandboxWith is exporterOnSandbox with more exporter flags.
func exporterOnSandboxWith(t *testing.T, flags []string, extraBuckets ...string) (time.Time, string, *testenv.LockedBuffer) {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	sb, err := sandbox.Start(context.Background(), sandbox.Options{DynamoAddr: "127.0.0.1:0", S3Addr: "127.0.0.1:0", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	dir := t.TempDir()
	config := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(config, []byte(fmt.Sprintf(`
contexts:
  sandbox:
    region: %s
    table: %s
    endpoint: %s
    buckets: [%s]
    s3_endpoint: %s
`, sandbox.Region, sandbox.Table, sb.DynamoURL, strings.Join(append([]string{sandbox.Bucket}, extraBuckets...), ", "), sb.S3URL)), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(lockwardenBin, append([]string{"exporter", "--listen", "127.0.0.1:0", "--min-interval", "1s", "--config", config, "--context", "sandbox"}, flags...)...)
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+dir, "AWS_ACCESS_KEY_ID=sandbox", "AWS_SECRET_ACCESS_KEY=sandbox", "AWS_EC2_METADATA_DISABLED=true")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	addr := make(chan string, 1)
	log := &testenv.LockedBuffer{}
	go func() {
		serving := regexp.MustCompile(`serving https?://(\S+)/metrics`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			fmt.Fprintln(log, sc.Text())
			if m := serving.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
		close(addr)
	}()
	select {
	case a, ok := <-addr:
		if ok {
			return now, a, log
		}
	case <-time.After(30 * time.Second):
	}
	t.Fatalf("the exporter did not start:\n%s", log.String())
	return now, "", nil
}

// A real scrape of the exporter passes promtool's lint: HELP on every
// metric, counters ending in _total, base units.
func TestExporterScrapePassesPromtool(t *testing.T) {
	promtool := testenv.Promtool(t)
	_, addr, _ := exporterOnSandbox(t)
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	scrape, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %d %v", resp.StatusCode, err)
	}
	if !bytes.Contains(scrape, []byte(`lockwarden_up{context="sandbox"} 1`)) {
		t.Fatalf("the scrape did not read the sandbox:\n%s", scrape)
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(scrape)
	if out, err := cmd.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// Debian's Prometheus scrapes the exporter serving the sandbox every
// second with the shipped rules loaded: it stores the stale locks by their
// created time, loads the rules, and fires LockwardenStaleLock for each
// stale lock and no other.
func TestPrometheusScrapesTheExporter(t *testing.T) {
	prometheus := testenv.Prometheus(t)
	now, exporterAddr, exporterLog := exporterOnSandbox(t, "nosuchbucket")
	promAddr := startPrometheus(t, prometheus, exporterAddr)
	api := promAPI{t: t, base: "http://" + promAddr}

	for _, l := range staleSeedLocks {
		query := fmt.Sprintf(`lockwarden_lock_created_timestamp_seconds{job="lockwarden",context="sandbox",path=%q}`, l.path)
		want := float64(now.Add(-l.age).Unix())
		api.await(fmt.Sprintf("%s = %v", query, want), func() (bool, string) {
			var res struct {
				Result []struct {
					Metric map[string]string `json:"metric"`
					Value  [2]any            `json:"value"` // [time, "value"]
				} `json:"result"`
			}
			raw := api.get("/api/v1/query", url.Values{"query": {query}}, &res)
			if len(res.Result) != 1 {
				return false, raw
			}
			s, _ := res.Result[0].Value[1].(string)
			v, err := strconv.ParseFloat(s, 64)
			return err == nil && v == want && res.Result[0].Metric["who"] == l.who, raw
		})
	}

	api.await("the shipped rules loaded", func() (bool, string) {
		var res struct {
			Groups []struct {
				Name  string `json:"name"`
				Rules []struct {
					Name   string `json:"name"`
					Health string `json:"health"`
				} `json:"rules"`
			} `json:"groups"`
		}
		raw := api.get("/api/v1/rules", nil, &res)
		var loaded []string
		for _, g := range res.Groups {
			for _, r := range g.Rules {
				if g.Name == "lockwarden" && r.Health == "ok" {
					loaded = append(loaded, r.Name)
				}
			}
		}
		slices.Sort(loaded)
		return slices.Equal(loaded, []string{"LockwardenContextDown", "LockwardenExporterAbsent", "LockwardenExporterDown",
			"LockwardenMalformedItems", "LockwardenPartialRead", "LockwardenStaleLock"}), raw
	})

	// The watched bucket that cannot be listed does not hide behind a
	// healthy context: up stays 1 (the table was read), and the partial
	// read names the place, which the rule LockwardenPartialRead watches;
	// the bucket that was read says 0.
	for place, want := range map[string]string{"bucket nosuchbucket": "1", "bucket " + sandbox.Bucket: "0"} {
		query := fmt.Sprintf(`lockwarden_partial_read{job="lockwarden",context="sandbox",place=%q}`, place)
		api.await(query+" = "+want, func() (bool, string) {
			var res struct {
				Result []struct {
					Value [2]any `json:"value"`
				} `json:"result"`
			}
			raw := api.get("/api/v1/query", url.Values{"query": {query}}, &res)
			return len(res.Result) == 1 && res.Result[0].Value[1] == want, raw
		})
	}
	api.await("lockwarden_up 1 for the partly read context", func() (bool, string) {
		var res struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		}
		raw := api.get("/api/v1/query", url.Values{"query": {`lockwarden_up{context="sandbox"}`}}, &res)
		return len(res.Result) == 1 && res.Result[0].Value[1] == "1", raw
	})
	if log := exporterLog.String(); !strings.Contains(log, "context sandbox: bucket nosuchbucket not read") {
		t.Errorf("the exporter's log does not say the bucket is not read:\n%s", log)
	}

	api.await("LockwardenStaleLock firing for the two stale locks, and only them", func() (bool, string) {
		var res struct {
			Alerts []struct {
				Labels      map[string]string `json:"labels"`
				Annotations map[string]string `json:"annotations"`
				State       string            `json:"state"`
			} `json:"alerts"`
		}
		raw := api.get("/api/v1/alerts", nil, &res)
		var firing []string
		for _, a := range res.Alerts {
			if a.Labels["alertname"] == "LockwardenStaleLock" && a.State == "firing" {
				firing = append(firing, a.Labels["path"])
				if want := "lockwarden unlock " + a.Labels["path"] + " --id LOCK_ID --context sandbox"; !strings.Contains(a.Annotations["description"], want) {
					t.Errorf("the alert does not say %q: %q", want, a.Annotations["description"])
				}
			}
		}
		slices.Sort(firing)
		return slices.Equal(firing, []string{staleSeedLocks[1].path, staleSeedLocks[0].path}), raw
	})
}

// startPrometheus runs prometheus on a free loopback port with a config
// that scrapes the exporter every second and loads the shipped rules, and
// returns its host:port once it is ready.
func startPrometheus(t *testing.T, bin, target string) string {
	t.Helper()
	return startPrometheusWith(t, bin, fmt.Sprintf("  - job_name: lockwarden\n    static_configs:\n      - targets: [%q]\n", target))
}

// startPrometheusWith starts Prometheus with these scrape configs (YAML
// list items) and the shipped rules, and returns its address.
func startPrometheusWith(t *testing.T, bin, scrapeConfigs string) string {
	t.Helper()
	dir := t.TempDir()
	rules := filepath.Join(testenv.ModuleRoot(t), "deploy", "prometheus", "lockwarden-alerts.yml")
	config := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(config, []byte(fmt.Sprintf(`
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - %q
scrape_configs:
%s`, rules, scrapeConfigs)), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freePort(t)
	cmd := exec.Command(bin, "--config.file="+config, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	cmd.Dir = dir
	var log testenv.LockedBuffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return addr
			}
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("prometheus exited: %v\n%s", err, log.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus was not ready in 60s:\n%s", log.String())
		}
	}
}

// freePort is a loopback address nothing listens on a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// promAPI queries Prometheus's HTTP API.
type promAPI struct {
	t    *testing.T
	base string
}

// get fetches path and decodes its data into v; it returns the raw body
// for a failure message.
func (p promAPI) get(path string, query url.Values, v any) string {
	p.t.Helper()
	u := p.base + path
	if query != nil {
		u += "?" + query.Encode()
	}
	resp, err := http.Get(u)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var env struct {
		Status string          `json:"status"`
		Data   json.RawMessage `json:"data"`
	}
	if json.Unmarshal(body, &env) != nil || env.Status != "success" {
		return string(body)
	}
	_ = json.Unmarshal(env.Data, v)
	return string(body)
}

// await polls check until it holds, for at most a minute: Prometheus
// scrapes and evaluates every second.
func (p promAPI) await(what string, check func() (bool, string)) {
	p.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		ok, last := check()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("no %s within a minute; last answer:\n%s", what, last)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Prometheus scrapes the exporter over TLS with basic auth, as many
// clusters require (--web.config.file, exporter-toolkit's format): the
// right password is up with the locks, a wrong one is down (401) with no
// lock series.
func TestPrometheusScrapesOverTLSWithBasicAuth(t *testing.T) {
	prometheus := testenv.Prometheus(t)
	web := testenv.WebConfig(t)
	webConfig, caFile := web.File, web.CertFile
	_, exporterAddr, _ := exporterOnSandboxWith(t, []string{"--web.config.file", webConfig})
	job := func(name, password string) string {
		return fmt.Sprintf("  - job_name: %s\n    scheme: https\n    tls_config:\n      ca_file: %q\n    basic_auth:\n      username: prom\n      password: %q\n    static_configs:\n      - targets: [%q]\n",
			name, caFile, password, exporterAddr)
	}
	promAddr := startPrometheusWith(t, prometheus, job("lockwarden", "secret")+job("wrongpassword", "nope"))
	api := promAPI{t: t, base: "http://" + promAddr}
	value := func(query string) (string, string) {
		var res struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		}
		raw := api.get("/api/v1/query", url.Values{"query": {query}}, &res)
		if len(res.Result) != 1 {
			return "", raw
		}
		s, _ := res.Result[0].Value[1].(string)
		return s, raw
	}
	api.await(`up{job="lockwarden"} = 1 and lockwarden_up = 1 over TLS`, func() (bool, string) {
		up, raw := value(`up{job="lockwarden"}`)
		lw, raw2 := value(`lockwarden_up{job="lockwarden",context="sandbox"}`)
		return up == "1" && lw == "1", raw + raw2
	})
	api.await(`up{job="wrongpassword"} = 0 and no lock series`, func() (bool, string) {
		up, raw := value(`up{job="wrongpassword"}`)
		n, raw2 := value(`count(lockwarden_up{job="wrongpassword"}) or vector(0)`)
		return up == "0" && n == "0", raw + raw2
	})
}
