package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/cli"
)

// The fleet case: the terminal UI over several contexts at once, one
// dynalite table of items each, for a while. Targets: peak RSS of the UI
// at most 100 MiB, and every context read again within its poll interval
// (plus the read's own time: the next poll is armed when a read ends).
// View's cost between one context and ten is the ui package's benchmark.

// fleetPoll is the poll interval of every context in the fleet case: ten
// 10,000-item scans of one dynalite (one Node process) take several
// seconds of its time, so a shorter interval measures the emulator.
const fleetPoll = 20 * time.Second

// fleetCase seeds n tables of items each, runs the UI over them for d and
// checks the targets.
func fleetCase(self, dir string, n, items int, d time.Duration) bool {
	url, stop := startDynalite()
	defer stop()
	c := client(url)
	ctx := context.Background()
	t0 := time.Now()
	var conf strings.Builder
	conf.WriteString("region: us-east-1\npoll_interval: " + fleetPoll.String() + "\n")
	// The emulator's tables are on demand: lift the hourly budget so that
	// the case measures the interval, not the budget's spacing.
	conf.WriteString("max_read_units_per_hour: 1000000000\nreadonly: true\ncontexts:\n")
	for i := range n {
		name := fmt.Sprintf("bench-%02d", i)
		check(lwaws.CreateLockTable(ctx, c, name))
		seedTable(ctx, c, name, items, items/10)
		fmt.Fprintf(&conf, "  ctx-%02d:\n    table: %s\n    endpoint: %s\n", i, name, url)
	}
	fmt.Printf("seeded %d tables of %d items (%d locks each) into dynalite in %s\n", n, items, items/10, time.Since(t0).Round(time.Millisecond))
	cfg := filepath.Join(dir, "fleet.yaml")
	check(os.WriteFile(cfg, []byte(conf.String()), 0o600))
	logPath := filepath.Join(dir, "fleet.log")

	r := measure(self, []string{"fleetui", cfg, logPath, d.String()})
	raw, err := os.ReadFile(logPath)
	check(err)
	reads, worst := fleetReads(string(raw))
	fmt.Printf("\n| contexts × items | ran | reads per context | worst gap beyond the interval | peak RSS |\n|---|---|---|---|---|\n")
	counts := make([]int, 0, len(reads))
	for _, rs := range reads {
		counts = append(counts, len(rs))
	}
	slices.Sort(counts)
	fmt.Printf("| %d × %d | %s | %d–%d | %s | %.1f MiB |\n\n", n, items, d, counts[0], counts[len(counts)-1], worst.Round(time.Millisecond), r.rssMiB)
	var v verdicts
	v.check(len(reads) == n && counts[0] >= 3, "%d of %d contexts read, each at least %d times (target: all, at least 3 in %s)", len(reads), n, counts[0], d)
	v.check(worst <= 2*time.Second, "every context read again within its %s interval plus its read's time, worst %s beyond (target ≤ 2s)", fleetPoll, worst.Round(time.Millisecond))
	v.check(r.rssMiB <= 100, "UI peak RSS %.1f MiB over %d × %d items (target ≤ 100 MiB)", r.rssMiB, n, items)
	return !v.failed
}

// pollLine is the UI's log line of a good read.
var pollLine = regexp.MustCompile(`^(\S+ \S+) poll \d+ of (\S+): (\d+) entries in (\S+)$`)

// read is one good read of a context: when it ended and how long it took.
type read struct {
	at   time.Time
	took time.Duration
}

// fleetReads parses the UI's log: each context's good reads, and the
// worst lateness of a read beyond the poll interval plus its own time.
func fleetReads(log string) (map[string][]read, time.Duration) {
	reads := map[string][]read{}
	sc := bufio.NewScanner(strings.NewReader(log))
	for sc.Scan() {
		m := pollLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		at, err := time.ParseInLocation("2006/01/02 15:04:05.000000", m[1], time.Local)
		check(err)
		took, err := time.ParseDuration(m[4])
		check(err)
		reads[m[2]] = append(reads[m[2]], read{at, took})
	}
	var worst time.Duration
	for _, rs := range reads {
		for i := 1; i < len(rs); i++ {
			late := rs[i].at.Sub(rs[i-1].at) - fleetPoll - rs[i].took
			worst = max(worst, late)
		}
	}
	return reads, worst
}

// fleetUI runs lockwarden's UI over every context of a config, as a
// person's terminal would (the output drawn and thrown away), for a
// while, then stops it as Ctrl+C would: fleetui CONFIG LOG DURATION.
func fleetUI(args []string) {
	d, err := time.ParseDuration(args[2])
	check(err)
	// Any key works with the emulator.
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
		if os.Getenv(k) == "" {
			check(os.Setenv(k, "bench"))
		}
	}
	// Keys never come: the input blocks until the UI is stopped.
	in, _ := io.Pipe()
	go func() {
		time.Sleep(d)
		_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
	}()
	code := cli.Main([]string{"--config", args[0], "--all-contexts", "--log-file", args[1]}, cli.Env{
		Stdin: in, Stdout: io.Discard, Stderr: os.Stderr, IsTerminal: func(any) bool { return true },
	})
	if code != 0 {
		os.Exit(code)
	}
}
