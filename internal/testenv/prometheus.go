package testenv

import (
	"os/exec"
	"testing"
)

// installPrometheus is how promtool and prometheus come: Debian's
// package, which .ci/run installs (it starts no service).
const installPrometheus = "apt-get install -y prometheus, as .ci/run does"

// Promtool finds Prometheus's promtool on PATH.
func Promtool(t testing.TB) string {
	t.Helper()
	return prometheusTool(t, "promtool")
}

// Prometheus finds the Prometheus server on PATH.
func Prometheus(t testing.TB) string {
	t.Helper()
	return prometheusTool(t, "prometheus")
}

func prometheusTool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		Missing(t, installPrometheus, "%s is not on PATH", name)
	}
	return path
}
