// Package buildinfo says which lockwarden is running: the version a release
// stamped in, else the module version the Go toolchain recorded, with the
// VCS revision and time, whether the tree was modified, and the Go version.
// A bug report, a --log-file and every audit record carry it.
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"
)

// Set by a release build (.goreleaser.yaml) with
// -ldflags "-X github.com/lockwarden/lockwarden/buildinfo.version=…":
// the toolchain's own record is "(devel)" for every build from a checkout,
// and has no VCS details when built with -buildvcs=false.
var (
	version  string
	revision string
	date     string // RFC 3339
	modified string // "true" or "false"
)

// Devel is the version of a build nobody stamped: a plain `go build` or
// `go run` in a checkout.
const Devel = "(devel)"

// Info is what is known of this build.
type Info struct {
	// Version is the release version, or the module version `go install
	// module@version` recorded, or Devel.
	Version string `json:"version"`
	// Revision is the VCS commit built from; "" when unknown.
	Revision string `json:"revision,omitempty"`
	// Time is the commit's time; zero when unknown.
	Time time.Time `json:"time,omitzero"`
	// Modified says the working tree had uncommitted changes.
	Modified bool `json:"modified"`
	// GoVersion is the toolchain that built the binary.
	GoVersion string `json:"go_version"`
	// Platform is GOOS/GOARCH.
	Platform string `json:"platform"`
}

// stamped is what the linker set, read once.
type stamped struct{ version, revision, date, modified string }

var read = sync.OnceValue(func() Info {
	bi, _ := debug.ReadBuildInfo()
	return fromBuild(bi, stamped{version, revision, date, modified})
})

// Read returns this binary's build information.
func Read() Info { return read() }

// Version is Read().Version, as an audit record carries it.
func Version() string { return read().Version }

// fromBuild combines the linker's stamps, which win, with the toolchain's
// record (bi may be nil: a binary built without module support).
func fromBuild(bi *debug.BuildInfo, s stamped) Info {
	info := Info{Version: Devel, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi != nil {
		if v := bi.Main.Version; v != "" {
			info.Version = v
		}
		if bi.GoVersion != "" {
			info.GoVersion = bi.GoVersion
		}
		for _, kv := range bi.Settings {
			switch kv.Key {
			case "vcs.revision":
				info.Revision = kv.Value
			case "vcs.time":
				info.Time, _ = time.Parse(time.RFC3339, kv.Value)
			case "vcs.modified":
				info.Modified = kv.Value == "true"
			}
		}
	}
	if s.version != "" {
		info.Version = s.version
	}
	if s.revision != "" {
		info.Revision = s.revision
	}
	if t, err := time.Parse(time.RFC3339, s.date); err == nil {
		info.Time = t
	}
	if s.modified != "" {
		info.Modified = s.modified == "true"
	}
	return info
}

// String is the one line --version prints:
// "lockwarden 1.2.0 (commit 3fa9c1d24b7e, 2026-11-26T07:15:02Z, modified) go1.26.8 linux/amd64".
func (i Info) String() string {
	var vcs []string
	if i.Revision != "" {
		vcs = append(vcs, "commit "+short(i.Revision))
	}
	if !i.Time.IsZero() {
		vcs = append(vcs, i.Time.UTC().Format(time.RFC3339))
	}
	if i.Modified {
		vcs = append(vcs, "modified")
	}
	line := "lockwarden " + i.Version
	if len(vcs) > 0 {
		line += " (" + strings.Join(vcs, ", ") + ")"
	}
	return fmt.Sprintf("%s %s %s", line, i.GoVersion, i.Platform)
}

// short is a commit hash as people quote it.
func short(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}
