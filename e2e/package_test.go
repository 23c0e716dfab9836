package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/lockwarden/lockwarden/internal/testenv"
)

// nfpmBin is nfpm: LOCKWARDEN_NFPM, else the cache `make test` fills.
func nfpmBin(t *testing.T) string {
	t.Helper()
	bin := testenv.CachedTool("LOCKWARDEN_NFPM", "nfpm-2.45.2/nfpm")
	if _, err := os.Stat(bin); err != nil {
		testenv.Unavailable(t, "nfpm is not installed at %s", bin)
	}
	return bin
}

// The .deb built from .goreleaser.yaml's nfpms section installs on this
// Debian machine as an admin expects — the binary runs, man finds its
// page, each shell's completion is where the shell looks, the exporter's
// unit verifies — and dpkg -r leaves nothing behind but the config, which
// dpkg -P removes too. It installs a package, so it runs only as root on
// a machine with dpkg.
func TestDebianPackageInstallsAndRemoves(t *testing.T) {
	if _, err := exec.LookPath("dpkg"); err != nil || os.Getuid() != 0 {
		t.Skip("installing a .deb needs dpkg and root")
	}
	nfpm := nfpmBin(t)
	if err := exec.Command("dpkg-query", "-W", "lockwarden").Run(); err == nil {
		t.Fatal("a lockwarden package is installed on this machine already: remove it (dpkg -P lockwarden) so that this test installs its own")
	}
	work := t.TempDir()
	deb := filepath.Join(work, "lockwarden.deb")
	run(t, "", nfpm, "pkg", "--packager", "deb", "--config", nfpmConfig(t, work, "deb"), "--target", deb)
	// The .rpm is built from the same section (this machine cannot
	// install it).
	rpm := filepath.Join(work, "lockwarden.rpm")
	run(t, "", nfpm, "pkg", "--packager", "rpm", "--config", nfpmConfig(t, work, "rpm"), "--target", rpm)
	if info, err := os.Stat(rpm); err != nil {
		t.Errorf("the .rpm: %v", err)
	} else if info.Size() < 1<<20 {
		t.Errorf("the .rpm is %d bytes: no binary in it", info.Size())
	}
	run(t, "", "dpkg", "-i", deb)
	t.Cleanup(func() { _ = exec.Command("dpkg", "-P", "lockwarden").Run() })

	if out := run(t, "", "/usr/bin/lockwarden", "version"); !strings.Contains(out, "platform     linux/"+runtime.GOARCH) {
		t.Errorf("lockwarden version: %s", out)
	}
	if out := run(t, "", "man", "-w", "lockwarden"); strings.TrimSpace(out) != "/usr/share/man/man1/lockwarden.1" {
		t.Errorf("man -w lockwarden: %q", out)
	}
	if out := run(t, "", "man", "-P", "cat", "lockwarden-unlock"); !strings.Contains(out, "Force-release a stale lock") {
		t.Errorf("man lockwarden-unlock:\n%.400s", out)
	}
	for _, f := range []string{"/usr/share/bash-completion/completions/lockwarden", "/usr/share/zsh/vendor-completions/_lockwarden",
		"/usr/share/fish/vendor_completions.d/lockwarden.fish"} {
		if raw, err := os.ReadFile(f); err != nil || !strings.Contains(string(raw), "lockwarden") {
			t.Errorf("completion %s: %v", f, err)
		}
	}
	run(t, "", "systemd-analyze", "verify", "/usr/lib/systemd/system/lockwarden-exporter.service")

	const config = "/etc/lockwarden/config.yaml"
	installed := strings.Fields(run(t, "", "dpkg-query", "-L", "lockwarden"))
	if !slices.Contains(installed, config) || !slices.Contains(installed, "/usr/bin/lockwarden") {
		t.Fatalf("the package holds:\n%s", strings.Join(installed, "\n"))
	}
	run(t, "", "dpkg", "-r", "lockwarden")
	for _, f := range installed {
		info, err := os.Stat(f)
		switch {
		case f == config && err != nil:
			t.Errorf("dpkg -r removed the config %s", config)
		case f != config && err == nil && !info.IsDir():
			t.Errorf("dpkg -r left %s", f)
		}
	}
	run(t, "", "dpkg", "-P", "lockwarden")
	if _, err := os.Stat(config); err == nil {
		t.Errorf("dpkg -P left %s", config)
	}
}

// nfpmConfig writes, in work, the nfpm configuration of .goreleaser.yaml's
// package: its fields and contents as they are there (one source), the
// files its before hooks make (man pages, completions) made in work, and
// the binary under test where goreleaser would put it.
func nfpmConfig(t *testing.T, work, packager string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var release struct {
		NFPMs []map[string]any `yaml:"nfpms"`
	}
	if err := yaml.Unmarshal(raw, &release); err != nil || len(release.NFPMs) != 1 {
		t.Fatalf(".goreleaser.yaml: %v, %d nfpms", err, len(release.NFPMs))
	}
	pkg := release.NFPMs[0]
	// Every key of the section is carried over or known not to matter
	// here: one added (scripts, dependencies, overrides) and not carried
	// would leave the package under test unlike the release's.
	for k := range pkg {
		if !slices.Contains([]string{"id", "ids", "formats", "file_name_template", "package_name", "vendor", "homepage", "maintainer", "description", "section", "bindir", "contents"}, k) {
			t.Fatalf(".goreleaser.yaml: nfpms key %q is not carried into the package this test builds: carry it in nfpmConfig", k)
		}
	}
	root, _ := filepath.Abs("..")
	if _, err := os.Stat(filepath.Join(work, "man")); err != nil {
		run(t, root, "go", "run", "./internal/man", "-dir", filepath.Join(work, "man"))
		run(t, root, "go", "run", "./internal/completions", "-dir", filepath.Join(work, "completions"))
	}
	var contents []any
	for _, c := range pkg["contents"].([]any) {
		entry := c.(map[string]any)
		if p, _ := entry["packager"].(string); p != "" && p != packager {
			continue
		}
		src := entry["src"].(string)
		if strings.HasPrefix(src, "man/") || strings.HasPrefix(src, "completions/") {
			entry["src"] = filepath.Join(work, src)
		} else {
			entry["src"] = filepath.Join(root, src)
		}
		contents = append(contents, entry)
	}
	contents = append(contents, map[string]any{"src": lockwardenBin, "dst": filepath.Join(pkg["bindir"].(string), "lockwarden")})
	cfg := map[string]any{"name": pkg["package_name"], "arch": runtime.GOARCH, "platform": "linux", "version": "0.0.0~test",
		"contents": contents}
	for _, k := range []string{"vendor", "homepage", "maintainer", "description", "section"} {
		cfg[k] = pkg[k]
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(work, "nfpm-"+packager+".yaml")
	if err := os.WriteFile(file, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// run runs a command in dir and fails the test unless it exits 0.
func run(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}
