package cli

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// This file reads the places lockwarden watches for a command: the lock
// table and the buckets wired from settings, with what a read costs, its
// progress on a terminal, and a memory ceiling for big tables.

// listMemoryLimit is a soft heap limit for one-shot list runs. Monitors and
// cron jobs run list often, so it should stay light; the Go runtime only
// collects garbage sooner as the heap nears it and never fails for it.
const listMemoryLimit = 24 << 20

// limitMemory applies listMemoryLimit unless GOMEMLIMIT says otherwise.
func limitMemory() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(listMemoryLimit)
	}
}

// scanTable connects and reads the table, and the watched buckets' lock
// files, once. What could not be read of the lock files is warned about
// on stderr; the listing goes on.
func scanTable(cmd *cobra.Command, s config.Settings, includeDigests bool) (model.Snapshot, error) {
	ctx := cmd.Context()
	d, err := dial(ctx, s)
	if err != nil {
		return model.Snapshot{}, err
	}
	locks := d.locks()
	stop := func() {}
	if locks.Table != nil {
		stop = showProgress(cmd, locks.Table)
	}
	// The table's capacity is only asked to say, when it cannot be read,
	// that the UI would poll without a read budget: beside the scan, so
	// that it costs the listing no time.
	described := make(chan error, 1)
	dctx, cancelDescribe := context.WithCancel(ctx)
	defer cancelDescribe()
	go func() {
		_, err := locks.Capacity(dctx)
		described <- err
	}()
	snap, err := locks.Scan(ctx, includeDigests)
	stop()
	for _, n := range snap.Notes {
		fmt.Fprintln(cmd.ErrOrStderr(), "lockwarden: warning: "+sanitize.Text(sanitize.OneLine(n)))
	}
	if err == nil {
		if note := capacityNote(described, s); note != "" {
			fmt.Fprintln(cmd.ErrOrStderr(), note)
		}
	}
	return snap, err
}

// readContext reads one context of a fleet once — its table and buckets —
// and marks every entry with the context's name.
func readContext(ctx context.Context, s config.Settings, includeDigests bool) (model.Snapshot, error) {
	d, err := dial(ctx, s)
	if err != nil {
		return model.Snapshot{}, err
	}
	snap, err := d.locks().Scan(ctx, includeDigests)
	for i := range snap.Entries {
		snap.Entries[i].Context = s.Context
	}
	return snap, err
}

// describeGrace is how long a listing waits for the table's description
// after its scan: a note is never worth holding the result up for long.
const describeGrace = 3 * time.Second

// capacityNote is the one line said when DescribeTable was refused or
// failed; "" when it answered, or did not in time.
func capacityNote(described <-chan error, s config.Settings) string {
	select {
	case err := <-described:
		if err == nil {
			return ""
		}
		what := "failed"
		if lwaws.IsAccessDenied(err) {
			what = "is not allowed"
		}
		return fmt.Sprintf("lockwarden: note: dynamodb:DescribeTable %s on table %s: the UI polls every %s without a read budget (max_read_share)",
			what, sanitize.Text(s.Table), model.FormatThreshold(s.PollInterval))
	case <-time.After(describeGrace):
		return ""
	}
}

// pollCost says what one read cost: the table's read capacity, the
// buckets' LIST and GET requests and, polled every s3_poll_interval as
// the UI does, what that comes to in a day.
func pollCost(snap model.Snapshot, s config.Settings) string {
	var parts []string
	if s.Table != "" {
		parts = append(parts, fmt.Sprintf("table %s %.1f RCU", s.Table, snap.ConsumedRCU))
	}
	if len(s.Buckets) > 0 {
		parts = append(parts, fmt.Sprintf("%s %s", model.Plural(len(s.Buckets), "bucket", "buckets")+" "+strings.Join(s.Buckets, ", "),
			lwaws.S3PollCost(snap.S3Lists, snap.S3Gets, s.S3PollInterval)))
	}
	line := "lockwarden: poll cost: " + sanitize.Text(strings.Join(parts, "; "))
	if len(s.Buckets) > 0 {
		line += " (s3_poll_interval sets how often the UI lists buckets)"
	}
	return line
}

// showProgress tells a person at a terminal that a long scan is under way:
// after a second, a line on stderr counts the items read. It prints nothing
// when stderr is not a terminal, so scripts see only the result.
func showProgress(cmd *cobra.Command, t *lwaws.LockTable) (stop func()) {
	w := cmd.ErrOrStderr()
	if !isTerminal(w) {
		return func() {}
	}
	var scanned atomic.Int64
	t.Progress = func(n int) { scanned.Store(int64(n)) }
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		start, shown := time.Now(), false
		for {
			select {
			case <-done:
				if shown {
					fmt.Fprint(w, "\r\x1b[2K")
				}
				return
			case <-tick.C:
				if time.Since(start) < time.Second {
					continue
				}
				shown = true
				fmt.Fprintf(w, "\rreading table %s… %d items", sanitize.Text(t.Table), scanned.Load())
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
