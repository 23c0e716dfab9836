package cli

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lockwarden/lockwarden/audit"
	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/sanitize"
)

// noCompletions is what a completion function answers when it has nothing
// to offer or could not find out: no words, and no file names either (none
// of these flags or arguments is a file). It never prints: the shell is
// in the middle of the operator's command line.
const noCompletions = cobra.ShellCompDirectiveNoFileComp

// registerCompletions adds the dynamic completions to the commands under
// root: context names for --context, restorable record IDs for restore.
// cobra's own 'completion' command writes the shell scripts that call them.
func registerCompletions(root *cobra.Command) {
	_ = root.RegisterFlagCompletionFunc("context", completeContexts)
	for _, c := range root.Commands() {
		if c.Name() == "restore" {
			c.ValidArgsFunction = completeRecordIDs
		}
	}
}

// completeContexts offers the config file's context names. --context may
// name several, comma-separated: the last name is completed, after the
// ones already typed, and a name already typed is not offered again.
func completeContexts(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	names, err := config.ContextNames(cmd.Flags())
	if err != nil {
		return nil, noCompletions
	}
	typed, partial := "", toComplete
	if i := strings.LastIndex(toComplete, ","); i >= 0 {
		typed, partial = toComplete[:i+1], toComplete[i+1:]
	}
	done := strings.Split(strings.TrimSuffix(typed, ","), ",")
	var out []cobra.Completion
	for _, name := range names {
		if !completable(name) || strings.Contains(name, ",") || slices.Contains(done, name) || !strings.HasPrefix(name, partial) {
			continue
		}
		out = append(out, typed+name)
	}
	return out, noCompletions
}

// completeRecordIDs offers the IDs of the writes restore can still undo,
// newest first (the one just made is the likeliest), each described by
// what it did to which state and when.
func completeRecordIDs(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, noCompletions
	}
	s, err := config.Load(cmd.Flags())
	if err != nil {
		return nil, noCompletions
	}
	// No Warn: a damaged line is skipped silently here; 'lockwarden audit'
	// and restore itself tell of it.
	recs, err := (&audit.Log{Path: s.AuditFile}).Read()
	if err != nil {
		return nil, noCompletions
	}
	actions := restorable(recs)
	slices.Reverse(actions)
	var out []cobra.Completion
	for _, a := range actions {
		in := a.Intent
		if !completable(in.RecordID) || !strings.HasPrefix(in.RecordID, toComplete) {
			continue
		}
		out = append(out, cobra.CompletionWithDesc(in.RecordID, describeRestorable(a)))
	}
	return out, noCompletions | cobra.ShellCompDirectiveKeepOrder
}

// describeRestorable says in a few words what restoring a would undo.
func describeRestorable(a audit.Action) string {
	r := a.Last()
	unknown := a.Outcome == nil || a.Outcome.Outcome == audit.OutcomeUnknown
	what := "released"
	switch {
	case r.Action == audit.ActionDigestRepair && unknown:
		what = "digest repair (outcome unknown)"
	case r.Action == audit.ActionDigestRepair:
		what = "digest repaired"
	case unknown:
		what = "release (outcome unknown: restore checks it went)"
	}
	return sanitize.Text(what + " " + stateOf(*r) + " " + r.Time.UTC().Format("2006-01-02 15:04 UTC"))
}

// completable is a word the shell can be handed as it is: printable, with
// no white space (cobra's protocol is one word a line, a tab before its
// description), and the same after sanitizing.
func completable(word string) bool {
	return word != "" && sanitize.Text(word) == word && !strings.ContainsAny(word, " \t\n")
}
