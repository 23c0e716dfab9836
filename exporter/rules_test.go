package exporter

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lockwarden/lockwarden/internal/testenv"
)

// rulesDir holds the alert rules that ship with the exporter and their
// promtool tests.
func rulesDir(t *testing.T) string {
	return filepath.Join(testenv.ModuleRoot(t), "deploy", "prometheus")
}

// The shipped alert rules load, and fire as their tests say: after how
// long, with which labels, and with the annotations an on-call engineer
// reads (who, which state, the lockwarden commands).
func TestAlertRules(t *testing.T) {
	promtool := testenv.Promtool(t)
	for _, args := range [][]string{
		{"check", "rules", "lockwarden-alerts.yml"},
		{"test", "rules", "lockwarden-alerts.test.yml"},
	} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = rulesDir(t)
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "SUCCESS") {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// Every lockwarden metric the rules use is one the exporter serves: a
// renamed metric would leave a rule that never fires.
func TestAlertRulesUseServedMetrics(t *testing.T) {
	rules, err := os.ReadFile(filepath.Join(rulesDir(t), "lockwarden-alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	ch := make(chan *prometheus.Desc, 32)
	New(nil, Options{}).Describe(ch)
	close(ch)
	name := regexp.MustCompile(`fqName: "([^"]+)"`)
	for d := range ch {
		served[name.FindStringSubmatch(d.String())[1]] = true
	}
	used := regexp.MustCompile(`\blockwarden_[a-z_]+`).FindAllString(string(rules), -1)
	if len(used) == 0 {
		t.Fatal("the rules use no lockwarden metric")
	}
	for _, m := range used {
		if !served[m] {
			t.Errorf("the rules use %s, which the exporter does not serve", m)
		}
	}
}
