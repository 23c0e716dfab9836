package model

import (
	"fmt"
	"strings"
	"time"
)

// RefusalKind says which guard refused a write.
type RefusalKind int

const (
	// RefusedReadOnly: writes are off for this run or context.
	RefusedReadOnly RefusalKind = iota + 1
	// RefusedDigest: the item is a digest (-md5) row, never removed as a lock.
	RefusedDigest
	// RefusedIDMismatch: the ID given is not the holder's.
	RefusedIDMismatch
	// RefusedFresh: the lock is younger than the stale threshold.
	RefusedFresh
	// RefusedChanged: the lock changed between the read and the write.
	RefusedChanged
	// RefusedUnconfirmed: no confirmation was given.
	RefusedUnconfirmed
	// RefusedDisagree: the lock table and the S3 lock file hold different
	// locks for the state; which to release is not lockwarden's to guess.
	RefusedDisagree
	// RefusedOtherPlace: a restore would write into another table,
	// region, endpoint or account than the record's.
	RefusedOtherPlace
	// RefusedNoReason: the context requires a reason and none was given.
	RefusedNoReason
	// RefusedNoRepair: a digest that needs no repair, or cannot have one.
	RefusedNoRepair
	// RefusedNotReleased: a restore of a release whose outcome is unknown
	// found that the lock was still held, or its holder alive, after it:
	// putting it back would make a lock nobody holds.
	RefusedNotReleased
)

// Refusal is a guard's verdict, written for the person who asked.
type Refusal struct {
	Kind RefusalKind
	Msg  string
}

func (r *Refusal) Error() string { return r.Msg }

// IsDigestKey reports whether lockID is a digest row's key.
func IsDigestKey(lockID string) bool { return strings.HasSuffix(lockID, DigestSuffix) }

// ReleaseRequest is what a person asked for when releasing a lock.
type ReleaseRequest struct {
	// ReadOnly is the run's read-only setting.
	ReadOnly bool
	// ConfirmID must equal the holder's lock ID; for a malformed item,
	// which has none, the item's full LockID.
	ConfirmID string
	// AllowFresh lets a lock younger than StaleAfter go.
	AllowFresh bool
	// Reason is the operator's own words for the release (--reason), kept
	// in the audit; RequireReason makes it mandatory (require_reason).
	Reason        string
	RequireReason bool
	// AllowSplit lets a lock whose places disagree (Entry.Warning) go:
	// --allow-split on the CLI, a second confirmation naming the
	// disagreement in the UI.
	AllowSplit bool
	Now        time.Time
	StaleAfter time.Duration
}

// CheckRelease applies the guards that do not need the table, in order:
// read-only, never a digest row, the ID typed must be the holder's (the
// full LockID for a malformed item), and the stale gate. It returns nil or
// a *Refusal.
func CheckRelease(e Entry, r ReleaseRequest) error {
	refuse := func(k RefusalKind, format string, a ...any) error {
		return &Refusal{Kind: k, Msg: fmt.Sprintf(format, a...)}
	}
	if r.ReadOnly {
		return refuse(RefusedReadOnly, "read-only: lockwarden makes no writes in this run (pass --write, or set readonly: false for the context, to allow them)")
	}
	if r.RequireReason && strings.TrimSpace(r.Reason) == "" {
		return refuse(RefusedNoReason, "this context requires a reason for every release: say why with --reason TEXT (it is kept in the audit log)")
	}
	if e.Kind == KindDigest || IsDigestKey(e.LockID) || (e.Kind == KindMalformed && e.LockID == "") {
		return refuse(RefusedDigest, "%s is a digest (-md5) item, not a lock: lockwarden never deletes it as one", OrNone(e.LockID))
	}
	if e.Warning != "" {
		if !r.AllowSplit {
			return refuse(RefusedDisagree, "%s is flagged ≠: %s. Nothing released: check which run is alive, then pass --allow-split to release it anyway", e.LockID, e.Warning)
		}
		if e.Split() {
			return refuse(RefusedDisagree, "%s is held by two different locks (%s): give the lock ID of the one to release", e.LockID, e.Warning)
		}
	}
	switch e.Kind {
	case KindMalformed:
		if r.ConfirmID != e.LockID {
			return refuse(RefusedIDMismatch, "%s is malformed (%s) and has no lock ID: confirm by giving its full LockID", e.LockID, e.Problem)
		}
		return nil
	case KindLock:
		if r.ConfirmID != e.Info.ID {
			return refuse(RefusedIDMismatch, "%s is held with lock ID %s, not %s: nothing released", e.LockID, e.Info.ID, OrNone(r.ConfirmID))
		}
	}
	if r.AllowFresh {
		return nil
	}
	age := e.AgeAt(r.Now)
	switch {
	case age.ClockAhead:
		return refuse(RefusedFresh, "%s was taken by a holder whose clock is %s ahead of ours, so its age is unknown: releasing it needs --allow-fresh", e.LockID, FormatDuration(age.Ahead))
	case age.OutOfRange:
		return refuse(RefusedFresh, "%s carries a creation time out of range (%s), so it cannot be called stale: releasing it needs --allow-fresh", e.LockID, e.Info.Created.Format(time.RFC3339))
	case !age.Known:
		return refuse(RefusedFresh, "%s carries no creation time, so it cannot be called stale: releasing it needs --allow-fresh", e.LockID)
	case age.Held < r.StaleAfter:
		return refuse(RefusedFresh, "%s is not stale: held %s by %s, under the %s threshold. If that run is still going, releasing its lock lets a second run write the same state; pass --allow-fresh only if you are sure it is dead", e.LockID, age, e.Info.Who, FormatThreshold(r.StaleAfter))
	}
	return nil
}

// Split reports whether the lock table and the S3 lock file hold two
// different locks for e's state: one entry, two holders.
func (e Entry) Split() bool {
	return e.Item != nil && e.File != nil && e.Source != SourceBoth
}

// PlaceOf narrows a split entry to the one place whose holder has lock ID
// confirmID: the lock file when its holder has that ID and the table's
// does not, else the table's item. The disagreement stays flagged. Any
// other entry is returned as it is.
func PlaceOf(e Entry, confirmID string) Entry {
	if !e.Split() {
		return e
	}
	if file := ClassifyLockFile(*e.File, ""); file.Kind == KindLock && file.Info.ID == confirmID && e.Info.ID != confirmID {
		file.Workspace, file.Warning = e.Workspace, e.Warning
		return file
	}
	e.File = nil
	return e
}

// ReleaseNote is what the audit record says allowed a release of e: its
// age against the threshold, and each guard passed on purpose — a fresh
// lock, a lock flagged ≠ — with how it was confirmed: by a flag on the
// command line, or by a second confirmation in the UI (inUI).
func ReleaseNote(e Entry, now time.Time, staleAfter time.Duration, fresh, split, inUI bool) string {
	given := func(flag string) string {
		if inUI {
			return "second confirmation given"
		}
		return "released with " + flag
	}
	var note string
	switch {
	case e.Kind == KindMalformed && inUI:
		note = "malformed item (" + e.Problem + "), full LockID typed in the UI"
	case e.Kind == KindMalformed:
		return "malformed item (" + e.Problem + "), full LockID confirmed"
	default:
		note = fmt.Sprintf("held %s, stale threshold %s", e.AgeAt(now), FormatThreshold(staleAfter))
		if inUI {
			note += "; confirmed in the UI"
		}
		// The UI's dialog judged it fresh when it asked the second time;
		// --allow-fresh says nothing of the lock, so it is judged here.
		if fresh && (inUI || !e.StaleAt(now, staleAfter)) {
			note += "; not stale, " + given("--allow-fresh")
		}
	}
	if split && e.Warning != "" {
		note += "; flagged ≠ (" + e.Warning + "), " + given("--allow-split")
	}
	return note
}
