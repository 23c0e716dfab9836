package cli

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// This file asks the person at the terminal before a write: what is about
// to go, and the typed confirmation that nothing else — not a bare Enter,
// not a pipe — can give.

// describeForRelease shows the lock about to go.
// state is what the state object's last write says (stateEvidence).
func describeForRelease(w io.Writer, e model.Entry, now time.Time, staleAfter time.Duration, state string) {
	fmt.Fprintf(w, "Lock %s\n", sanitize.Text(e.LockID))
	lockDetails(w, e, now, staleAfter, state)
}

// lockDetails are describeForRelease's lines below the lock's name.
func lockDetails(w io.Writer, e model.Entry, now time.Time, staleAfter time.Duration, state string) {
	if e.Kind == model.KindMalformed {
		fmt.Fprintf(w, "  malformed:  %s\n  raw item:   %s\n", sanitize.Text(e.Problem), sanitize.Text(e.Item.JSON()))
		return
	}
	switch {
	case e.Source == model.SourceBoth && e.File != nil:
		fmt.Fprintf(w, "  held in:    the lock table and s3://%s/%s (both are released, the file first)\n", sanitize.Text(e.File.Bucket), sanitize.Text(e.File.Key))
	case e.Source == model.SourceS3 && e.File != nil:
		fmt.Fprintf(w, "  held in:    s3://%s/%s only\n", sanitize.Text(e.File.Bucket), sanitize.Text(e.File.Key))
	}
	age := e.AgeAt(now)
	fmt.Fprintf(w, "  held by:    %s\n  operation:  %s\n  version:    %s\n  held for:   %s (threshold %s)\n  lock ID:    %s\n",
		sanitize.Text(e.Info.Who), sanitize.Text(model.OperationWord(e.Info.Operation)), sanitize.Text(e.Info.Version),
		age, model.FormatThreshold(staleAfter), sanitize.Text(e.Info.ID))
	if state != "" {
		fmt.Fprintf(w, "  state:      %s\n", state)
	}
	if e.Warning != "" {
		fmt.Fprintf(w, "  ≠ places:   %s\n", sanitize.Text(e.Warning))
	}
	if !e.StaleAt(now, staleAfter) {
		fmt.Fprintf(w, "\nWARNING: this lock is not stale. If that run is still going, releasing its lock\nlets a second run write the same state and may corrupt it.\n")
	}
}

// confirm asks for the typed confirmation on the terminal: the first 8
// characters of the lock ID, or the full LockID of a malformed item.
func confirm(env *Env, e model.Entry) error {
	c := model.ConfirmationFor(e)
	return confirmTyped(env, c.Want, c.Ask(sanitize.Text), "not released")
}

// confirmTyped asks for want on the terminal; only that is accepted. Without
// a terminal nothing is asked: undone ("not released") says what then did
// not happen, and --yes is the way to confirm in a script.
func confirmTyped(env *Env, want, what, undone string) error {
	if !env.IsTerminal(env.Stdin) {
		return refused("%s: no terminal to confirm on; pass --yes to confirm non-interactively", undone)
	}
	fmt.Fprintf(env.Stdout, "\nType %s to confirm. Only that will be accepted.\n> ", what)
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return refused("%s: no confirmation given", undone)
	}
	if strings.TrimSpace(line) != want {
		return refused("%s: the confirmation did not match", undone)
	}
	return nil
}
