package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lockwarden/lockwarden/audit"
	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/model"
)

// This file finds a lock from whatever a person pasted: the lock ID from
// Terraform's "Error acquiring the state lock" (a UUID), the state path
// list shows (bucket/key), the backend's key with its bucket from
// --bucket or the context, or s3://bucket/key.

// lockIDLike reports whether arg names a lock by its lock ID rather than
// by its state: a state has a "/" between bucket and key, and a backend key
// at the bucket's root still has its file name's "." (terraform.tfstate);
// Terraform's and OpenTofu's lock IDs are UUIDs, with neither.
func lockIDLike(arg string) bool { return !strings.ContainsAny(arg, "/.") }

// stateCandidates lists the state paths arg may name, most literal first.
func stateCandidates(arg string, buckets []lwaws.BucketPrefix) []string {
	if rest, ok := strings.CutPrefix(arg, "s3://"); ok {
		return []string{rest}
	}
	out := []string{arg}
	for _, b := range buckets {
		if p := b.Bucket + "/" + strings.TrimPrefix(arg, "/"); !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// lookup is the outcome of resolving what a person pasted.
type lookup struct {
	// Entry is the lock found.
	Entry model.Entry
	// ByLockID is set when arg was the holder's lock ID.
	ByLockID bool
}

// notFoundError says no lock matched, and what was tried. Like every
// error here it is raw text: Main sanitizes error lines once.
type notFoundError struct{ msg string }

func (e *notFoundError) Error() string { return e.msg }

// findLock resolves arg to one held lock: by state (each candidate read
// as it is now) or, for an argument without "/", by lock ID (one scan of
// the table and watched buckets). Several matches are an error that
// names them; none is a *notFoundError saying what was tried.
func findLock(ctx context.Context, get func(context.Context, string) (model.Entry, bool, error), scan func(context.Context) ([]model.Entry, error), arg string, s config.Settings) (lookup, error) {
	where := s.Watched()
	if lockIDLike(arg) {
		entries, err := scan(ctx)
		if err != nil {
			return lookup{}, err
		}
		var found []model.Entry
		for _, e := range entries {
			if e.Kind == model.KindLock && strings.EqualFold(e.Info.ID, arg) {
				found = append(found, e)
			} else if e.File != nil && e.Split() && strings.EqualFold(model.PlaceOf(e, arg).Info.ID, arg) {
				found = append(found, e)
			}
		}
		switch len(found) {
		case 0:
			return lookup{}, &notFoundError{fmt.Sprintf("no lock with lock ID %s is held in %s: it is not locked now (released, or held in another table, region or context). A state is given as bucket/key or s3://bucket/key", arg, where)}
		case 1:
			return lookup{Entry: found[0], ByLockID: true}, nil
		}
		return lookup{}, fmt.Errorf("lock ID %s is held on %d states (%s): give the state instead", arg, len(found), paths(found))
	}
	cands := stateCandidates(arg, s.BucketPrefixes())
	var found []model.Entry
	for _, c := range cands {
		e, ok, err := get(ctx, c)
		if err != nil {
			return lookup{}, err
		}
		if ok {
			found = append(found, e)
		}
	}
	switch len(found) {
	case 0:
		return lookup{}, &notFoundError{fmt.Sprintf("no lock is held on %s in %s: it is not locked now (tried %s)", arg, where, strings.Join(cands, ", "))}
	case 1:
		return lookup{Entry: found[0]}, nil
	}
	return lookup{}, fmt.Errorf("%s is ambiguous: locks are held on %s; give the full state (bucket/key)", arg, paths(found))
}

func paths(entries []model.Entry) string {
	var out []string
	for _, e := range entries {
		out = append(out, e.LockID)
	}
	return strings.Join(out, ", ")
}

// restoreLookback is how far back restore looks in a shared log for the
// release of a state named by path or lock ID; a record ID finds any.
const restoreLookback = 30 * 24 * time.Hour

// findRecord resolves restore's argument: a record ID as is, or the lock
// ID or state of a release that can still be restored — the latest one
// not restored since. Several matches are an error listing their IDs.
func findRecord(log audit.Trail, arg string, s config.Settings, now time.Time) (string, error) {
	if strings.HasPrefix(arg, "r-") {
		return arg, nil
	}
	// A shared log is read by the day: a release is looked for in the
	// last restoreLookback, not in the team's whole history.
	var from time.Time
	if _, shared := log.(*audit.Shared); shared {
		from = now.Add(-restoreLookback)
	}
	recs, err := log.Since(from)
	if err != nil {
		return "", err
	}
	cands := stateCandidates(arg, s.BucketPrefixes())
	var match []string
	for _, a := range restorable(recs) {
		in := a.Intent
		if in.Action != audit.ActionForceUnlock {
			continue
		}
		ok := slices.Contains(cands, in.LockID)
		if lockIDLike(arg) {
			ok = strings.EqualFold(observedID(in), arg)
		}
		if ok {
			match = append(match, in.RecordID)
		}
	}
	switch len(match) {
	case 0:
		if !from.IsZero() {
			return "", fmt.Errorf("no release of %s that can still be restored is in the audit log %s in the last %d days: give the record ID ('lockwarden audit --state' finds older ones)", arg, log.Where(), int(restoreLookback.Hours()/24))
		}
		return "", fmt.Errorf("no release of %s that can still be restored is in the audit log %s ('lockwarden audit' lists them)", arg, log.Where())
	case 1:
		return match[0], nil
	}
	slices.Reverse(match)
	return "", fmt.Errorf("%d releases of %s can still be restored (newest first: %s): give the record ID", len(match), arg, strings.Join(match, ", "))
}

// restorable are the actions in recs that restore can still undo, oldest
// first: a release that removed something (wholly, in part, or with its
// outcome unknown) or a digest repair that wrote (or may have), not
// restored since. Each has its intent record.
func restorable(recs []audit.Record) []audit.Action {
	restored := map[string]bool{}
	for _, r := range recs {
		if r.Action == audit.ActionRestore && r.Phase == audit.PhaseOutcome && r.Outcome == audit.OutcomeRestored {
			restored[r.RestoreOf] = true
		}
	}
	var out []audit.Action
	for _, a := range audit.Group(recs) {
		in := a.Intent
		if in == nil || restored[in.RecordID] {
			continue
		}
		var undoable []string
		switch in.Action {
		case audit.ActionForceUnlock:
			undoable = []string{audit.OutcomeReleased, audit.OutcomePartial, audit.OutcomeUnknown}
		case audit.ActionDigestRepair:
			undoable = []string{audit.OutcomeRepaired, audit.OutcomeUnknown}
		default:
			continue
		}
		if o := a.Outcome; o != nil && !slices.Contains(undoable, o.Outcome) {
			continue
		}
		out = append(out, a)
	}
	return out
}

// observedID is the lock ID of the lock a release record observed.
func observedID(r *audit.Record) string {
	if len(r.Observed) > 0 {
		if e := model.Classify(r.Observed, ""); e.Kind == model.KindLock {
			return e.Info.ID
		}
	}
	if r.ObservedFile != nil {
		if e := model.ClassifyLockFile(*r.ObservedFile, ""); e.Kind == model.KindLock {
			return e.Info.ID
		}
	}
	return ""
}
