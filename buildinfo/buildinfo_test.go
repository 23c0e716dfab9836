package buildinfo

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestFromBuild(t *testing.T) {
	fromGit := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/lockwarden/lockwarden", Version: "v0.3.1-0.20261126071502-3fa9c1d24b7e+dirty"},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "3fa9c1d24b7e8f05aa11bb22cc33dd44ee55ff66"},
			{Key: "vcs.time", Value: "2026-11-26T07:15:02Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	when := time.Date(2026, 11, 26, 7, 15, 2, 0, time.UTC)
	for _, tc := range []struct {
		name string
		bi   *debug.BuildInfo
		s    stamped
		want Info
	}{
		{
			name: "go build in a checkout",
			bi:   fromGit,
			want: Info{Version: "v0.3.1-0.20261126071502-3fa9c1d24b7e+dirty", Revision: "3fa9c1d24b7e8f05aa11bb22cc33dd44ee55ff66", Time: when, Modified: true, GoVersion: "go1.26.8"},
		},
		{
			name: "go install module@version: no VCS",
			bi:   &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.0"}},
			want: Info{Version: "v1.2.0", GoVersion: "go1.26.8"},
		},
		{
			name: "-buildvcs=false in a checkout",
			bi:   &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			want: Info{Version: Devel, GoVersion: "go1.26.8"},
		},
		{
			name: "a release's stamps win over the toolchain's record",
			bi:   fromGit,
			s:    stamped{version: "1.2.0", revision: "aaaabbbbccccddddeeeeffff0000111122223333", date: "2026-12-01T10:00:00Z", modified: "false"},
			want: Info{Version: "1.2.0", Revision: "aaaabbbbccccddddeeeeffff0000111122223333", Time: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), GoVersion: "go1.26.8"},
		},
		{
			name: "a stamped version alone keeps the toolchain's VCS record",
			bi:   fromGit,
			s:    stamped{version: "1.2.0"},
			want: Info{Version: "1.2.0", Revision: "3fa9c1d24b7e8f05aa11bb22cc33dd44ee55ff66", Time: when, Modified: true, GoVersion: "go1.26.8"},
		},
		{
			name: "no build info at all",
			want: Info{Version: Devel, GoVersion: runtime.Version()},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.want.Platform = runtime.GOOS + "/" + runtime.GOARCH
			if got := fromBuild(tc.bi, tc.s); got != tc.want {
				t.Errorf("fromBuild:\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestString(t *testing.T) {
	full := Info{Version: "1.2.0", Revision: "3fa9c1d24b7e8f05aa11bb22cc33dd44ee55ff66", Time: time.Date(2026, 11, 26, 7, 15, 2, 0, time.UTC), Modified: true, GoVersion: "go1.26.8", Platform: "linux/amd64"}
	if got, want := full.String(), "lockwarden 1.2.0 (commit 3fa9c1d24b7e, 2026-11-26T07:15:02Z, modified) go1.26.8 linux/amd64"; got != want {
		t.Errorf("String:\n got %q\nwant %q", got, want)
	}
	bare := Info{Version: Devel, GoVersion: "go1.26.8", Platform: "darwin/arm64"}
	if got, want := bare.String(), "lockwarden (devel) go1.26.8 darwin/arm64"; got != want {
		t.Errorf("String:\n got %q\nwant %q", got, want)
	}
}

// The test binary itself has build information: Read must not come back
// empty, or audit records and logs would say nothing.
func TestReadThisBinary(t *testing.T) {
	got := Read()
	if got.Version == "" || got.GoVersion == "" || got.Platform == "" {
		t.Errorf("Read() = %+v: version, Go version and platform must be known", got)
	}
	if Version() != got.Version {
		t.Errorf("Version() = %q, Read().Version = %q", Version(), got.Version)
	}
}
