package cli

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/reap"
	"github.com/lockwarden/lockwarden/sanitize"
)

// This file writes what lockwarden reap decided: a table for people, one
// JSON line per decision for a scheduler, and the summary line.

// reapSummary is the line under the table.
func reapSummary(all []reap.Decision, apply, refusedByMax bool) string {
	n := map[string]int{}
	for _, d := range all {
		n[d.Action]++
	}
	kept := fmt.Sprintf("%d kept", n[reap.Keep])
	switch {
	case refusedByMax:
		return "Refused by max_per_run: nothing released, " + kept + "."
	case !apply:
		return fmt.Sprintf("Dry run: %d would be released, %s. Nothing was written; --apply releases.", n[reap.WouldRelease], kept)
	case n[reap.Failed] > 0:
		return fmt.Sprintf("Released %d, %d failed, %s.", n[reap.Released], n[reap.Failed], kept)
	}
	return fmt.Sprintf("Released %d, %s.", n[reap.Released], kept)
}

// writeDecisions prints the decisions: a table for people, or one JSON
// line each. Every string from a lock is sanitized in the table; JSON
// keeps the bytes.
func writeDecisions(env *Env, all []reap.Decision, output string, now time.Time, fleet bool) error {
	if output == "json" {
		enc := json.NewEncoder(env.Stdout)
		enc.SetEscapeHTML(false)
		for _, d := range all {
			if err := enc.Encode(decisionJSON(d, now)); err != nil {
				return err
			}
		}
		return nil
	}
	if len(all) == 0 {
		fmt.Fprintln(env.Stdout, "No locks held.")
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	ctxHead := ""
	if fleet {
		ctxHead = "CONTEXT\t"
	}
	fmt.Fprintln(tw, "ACTION\t"+ctxHead+"STATE\tOPERATION\tWHO\tAGE\tWHY / EVIDENCE")
	for _, d := range all {
		e := d.Entry
		ctxCol := ""
		if fleet {
			ctxCol = sanitize.Text(d.Context) + "\t"
		}
		op, who, age := "malformed", "—", "—"
		if e.Kind == model.KindLock {
			op, who, age = model.OperationWord(e.Info.Operation), sanitize.OrDash(e.Info.Who), e.AgeAt(now).String()
		}
		why := d.Why
		if d.RecordID != "" {
			why += " (audit " + d.RecordID + ")"
		}
		fmt.Fprintf(tw, "%s\t%s%s\t%s\t%s\t%s\t%s\n", d.Action, ctxCol, sanitize.Text(sanitize.OrDash(e.Path())), textCell(model.ColOperation, op), textCell(model.ColWho, who), age, sanitize.Text(why))
	}
	return tw.Flush()
}

// reapLine is one decision as -o json writes it, on a line of its own.
type reapLine struct {
	Action    string     `json:"action"`
	Context   string     `json:"context,omitempty"`
	LockID    string     `json:"lock_id"`
	Kind      string     `json:"kind"`
	Source    string     `json:"source"`
	ID        string     `json:"id,omitempty"`
	Operation string     `json:"operation,omitempty"`
	Who       string     `json:"who,omitempty"`
	Created   *time.Time `json:"created,omitempty"`
	// AgeSeconds is how long the lock has been held, when known.
	AgeSeconds *int64 `json:"age_seconds,omitempty"`
	Why        string `json:"why"`
	// RecordID is the audit record of a release: restore takes it.
	RecordID string `json:"record_id,omitempty"`
}

func decisionJSON(d reap.Decision, now time.Time) reapLine {
	e := d.Entry
	l := reapLine{Action: d.Action, Context: d.Context, LockID: e.LockID, Kind: e.Kind.String(), Source: e.Source.String(), Why: d.Why, RecordID: d.RecordID}
	if e.Kind == model.KindLock {
		l.ID, l.Operation, l.Who = e.Info.ID, e.Info.Operation, e.Info.Who
		if !e.Info.Created.IsZero() {
			created := e.Info.Created
			l.Created = &created
		}
		if age := e.AgeAt(now); age.Known && !age.ClockAhead {
			secs := int64(age.Held / time.Second)
			l.AgeSeconds = &secs
		}
	}
	return l
}
