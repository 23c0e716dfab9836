package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/lockwarden/lockwarden/buildinfo"
)

func TestVersionCommandAndFlag(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	info := buildinfo.Read()

	out, errOut, code := run(t, now, "--version")
	if code != ExitOK || out != info.String()+"\n" || errOut != "" {
		t.Errorf("--version: exit %d, stdout %q, stderr %q; want %q", code, out, errOut, info.String())
	}
	if !strings.HasPrefix(out, "lockwarden ") || !strings.Contains(out, runtime.Version()) {
		t.Errorf("--version %q does not name lockwarden and the Go version %s", out, runtime.Version())
	}

	// -v is not --version: people expect it to mean verbose.
	if _, errOut, code = run(t, now, "-v"); code != ExitUsage {
		t.Errorf("-v: exit %d %q, want usage", code, errOut)
	}
	if out, _, _ = run(t, now, "--help"); !strings.Contains(out, "--version   ") || !strings.Contains(out, "'lockwarden version' says more") {
		t.Errorf("--help does not describe --version:\n%s", out)
	}

	out, _, code = run(t, now, "version")
	if code != ExitOK {
		t.Fatalf("version: exit %d", code)
	}
	for _, want := range []string{"version      " + info.Version + "\n", "go           " + runtime.Version() + "\n", "platform     " + runtime.GOOS + "/" + runtime.GOARCH + "\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("version output lacks %q:\n%s", want, out)
		}
	}

	out, _, code = run(t, now, "version", "-o", "json")
	var got buildinfo.Info
	if err := json.Unmarshal([]byte(out), &got); code != ExitOK || err != nil || got != info {
		t.Errorf("version -o json: exit %d, %v: %+v, want %+v", code, err, got, info)
	}

	if _, errOut, code = run(t, now, "version", "extra"); code != ExitUsage {
		t.Errorf("version extra: exit %d %q, want usage", code, errOut)
	}
	if _, errOut, code = run(t, now, "version", "-o", "yaml"); code != ExitUsage || !strings.Contains(errOut, "--output must be table or json") {
		t.Errorf("version -o yaml: exit %d %q, want usage", code, errOut)
	}
}

func TestPrintVersion(t *testing.T) {
	for _, tc := range []struct {
		info buildinfo.Info
		want string
	}{
		{
			info: buildinfo.Info{Version: "1.2.0", Revision: "3fa9c1d24b7e8f05aa11bb22cc33dd44ee55ff66", Time: time.Date(2026, 11, 26, 7, 15, 2, 0, time.UTC), Modified: true, GoVersion: "go1.26.8", Platform: "linux/arm64"},
			want: `version      1.2.0
commit       3fa9c1d24b7e8f05aa11bb22cc33dd44ee55ff66
commit time  2026-11-26T07:15:02Z
modified     true
go           go1.26.8
platform     linux/arm64
`,
		},
		{
			// Built with -buildvcs=false: nothing known of the tree, so
			// not "modified false" either.
			info: buildinfo.Info{Version: buildinfo.Devel, GoVersion: "go1.26.8", Platform: "windows/amd64"},
			want: `version      (devel)
commit       unknown
commit time  unknown
modified     unknown
go           go1.26.8
platform     windows/amd64
`,
		},
	} {
		var b strings.Builder
		if err := printVersion(&b, tc.info); err != nil || b.String() != tc.want {
			t.Errorf("printVersion(%+v) (%v):\n%s\nwant:\n%s", tc.info, err, b.String(), tc.want)
		}
	}
}

// The first line of a --log-file names the build that wrote it.
func TestLogFileStartsWithTheVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "debug.log")
	cmd := &cobra.Command{}
	cmd.Flags().String("log-file", "", "")
	if err := cmd.Flags().Set("log-file", path); err != nil {
		t.Fatal(err)
	}
	logf, closeLog, err := openLog(cmd)
	if err != nil {
		t.Fatal(err)
	}
	logf("poll %d", 1)
	closeLog()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 2 || !strings.HasSuffix(lines[0], " "+buildinfo.Read().String()) || !strings.HasSuffix(lines[1], " poll 1") {
		t.Errorf("log file:\n%s\nwant the version line %q first, then the log's own", raw, buildinfo.Read().String())
	}
}
