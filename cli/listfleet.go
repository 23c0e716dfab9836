package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// This file is `list` over a fleet: several contexts read at once, listed
// in one table (or JSON array) with the context of each lock.

// listOptions are list's own flags.
type listOptions struct {
	output                   string
	staleOnly, all, exitCode bool
}

// contextRead is what reading one context of a fleet gave.
type contextRead struct {
	s    config.Settings
	snap model.Snapshot
	err  error
}

// readFleet reads every context concurrently (at most fleetReads at a
// time); a context that fails keeps its error and does not stop the
// others.
func readFleet(ctx context.Context, fleet []config.Settings, includeDigests bool) []contextRead {
	reads := make([]contextRead, len(fleet))
	var g errgroup.Group
	g.SetLimit(model.ContextReads)
	for i, s := range fleet {
		g.Go(func() error {
			snap, err := readContext(ctx, s, includeDigests)
			reads[i] = contextRead{s: s, snap: snap, err: err}
			return nil
		})
	}
	_ = g.Wait()
	return reads
}

// listFleet lists several contexts' locks in one table or JSON array. A
// context that could not be read is named on stderr with why, and the
// exit code is 1; the others are listed all the same.
func listFleet(cmd *cobra.Command, env *Env, fleet []config.Settings, opt listOptions) error {
	reads := readFleet(cmd.Context(), fleet, opt.all)
	now := env.Now()
	settings := map[string]*config.Settings{}
	var entries []model.Entry
	var failed []string
	for i := range reads {
		r := &reads[i]
		settings[r.s.Context] = &r.s
		for _, n := range r.snap.Notes {
			fmt.Fprintf(env.Stderr, "lockwarden: warning: context %s: %s\n", sanitize.Text(r.s.Context), sanitize.Text(sanitize.OneLine(n)))
		}
		if r.err != nil || r.snap.Partial() {
			failed = append(failed, r.s.Context)
		}
		if r.err != nil {
			continue
		}
		for _, e := range r.snap.Entries {
			if !opt.staleOnly || e.StaleAt(now, r.s.StaleAfter) {
				entries = append(entries, e)
			}
		}
	}
	entries = model.Sort(entries, model.SortAge)
	settingsOf := func(e *model.Entry) *config.Settings { return settings[e.Context] }
	var err error
	if opt.output == "json" {
		err = writeJSON(env.Stdout, entries, settingsOf, now)
	} else {
		err = writeFleetTable(env.Stdout, entries, reads, settingsOf, now, opt.staleOnly)
	}
	if err != nil {
		return err
	}
	if env.IsTerminal(env.Stderr) {
		for _, r := range reads {
			if r.err == nil {
				fmt.Fprintf(env.Stderr, "%s: %s\n", sanitize.Text(r.s.Context), pollCost(r.snap, r.s))
			}
		}
	}
	for _, r := range reads {
		if r.err != nil {
			fmt.Fprintf(env.Stderr, "lockwarden: context %s: %s\n", sanitize.Text(r.s.Context), sanitize.Text(sanitize.OneLine(r.err.Error())))
		}
	}
	if len(failed) > 0 {
		return &exitError{code: ExitError, err: fmt.Errorf("%d of %d contexts could not be read whole: %s", len(failed), len(reads), strings.Join(failed, ", "))}
	}
	if opt.exitCode && countLocks(entries) > 0 {
		return &exitError{code: ExitListed, err: errors.New("")}
	}
	return nil
}

// writeFleetTable is writeTable with a CONTEXT column, each row judged
// by its own context's settings, and a summary line per context.
func writeFleetTable(w io.Writer, entries []model.Entry, reads []contextRead, settingsOf func(*model.Entry) *config.Settings, now time.Time, staleOnly bool) error {
	files := false
	for _, r := range reads {
		files = files || len(r.s.Buckets) > 0
	}
	cols := textColumns(true, files)
	if len(entries) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, textHeader(cols))
		for _, e := range entries {
			s := settingsOf(&e)
			marker, cells := textRow(e, now, s.StaleAfter, cols, s.Mark())
			fmt.Fprintf(tw, "%s %s\n", marker, cells)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		header := func(title string) func() {
			done := false
			return func() {
				if !done {
					fmt.Fprintln(w, "\n"+title)
					done = true
				}
			}
		}
		warnedHead := header("Locks whose two places disagree (marked ≠):")
		for _, e := range entries {
			if e.Warning != "" {
				warnedHead()
				fmt.Fprintf(w, "≠ %s %s: %s\n", sanitize.Text(settingsOf(&e).Mark()), sanitize.Text(e.LockID), sanitize.Text(e.Warning))
			}
		}
		malformedHead := header("Malformed items (neither a readable lock nor a digest):")
		for _, e := range entries {
			if e.Kind == model.KindMalformed {
				malformedHead()
				fmt.Fprintf(w, "? %s %s: %s\n", sanitize.Text(settingsOf(&e).Mark()), sanitize.Text(sanitize.OrDash(e.LockID)), sanitize.Text(e.Problem))
			}
		}
		fmt.Fprintln(w)
	}
	return writeFleetSummaries(w, reads, now, staleOnly)
}

// writeFleetSummaries writes one line per context, in the order given:
// what was read there, or that it was not.
func writeFleetSummaries(w io.Writer, reads []contextRead, now time.Time, staleOnly bool) error {
	for _, r := range reads {
		name := sanitize.Text(r.s.Context)
		if r.s.Label != "" {
			name += " (" + sanitize.Text(r.s.Label) + ")"
		}
		if r.err != nil {
			fmt.Fprintf(w, "%s: %s: NOT READ — %s\n", name, sanitize.Text(r.s.Watched()), sanitize.Text(sanitize.OneLine(r.err.Error())))
			continue
		}
		var tally model.Tally
		for i := range r.snap.Entries {
			tally.Add(&r.snap.Entries[i], now, r.s.StaleAfter)
		}
		locks, stale, malformed := tally.Locks, tally.Stale, tally.Malformed
		line := fmt.Sprintf("%s: %s: %d lock%s", name, sanitize.Text(readWatched(r.s, r.snap)), locks, model.Plural(locks, "", "s"))
		if stale > 0 {
			line += fmt.Sprintf(" (%d stale: held %s or longer, marked !)", stale, model.FormatThreshold(r.s.StaleAfter))
		}
		if malformed > 0 {
			line += fmt.Sprintf(", %d malformed item%s (marked ?)", malformed, model.Plural(malformed, "", "s"))
		}
		if r.s.Table != "" {
			line += ", " + digestNote(r.snap.Digests)
		}
		if staleOnly && stale == 0 && locks > 0 {
			line += "; none stale"
		}
		for _, u := range r.snap.Unread {
			line += fmt.Sprintf("; %s NOT READ — %s", sanitize.Text(u.Place), sanitize.Text(sanitize.OneLine(u.Why)))
		}
		fmt.Fprintln(w, line+".")
	}
	return nil
}
