package model

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// This file is the reaper's policy: which abandoned locks an unattended
// `lockwarden reap` may release, and why each other lock is kept. It only
// judges; the release itself takes the one guarded write path.

// ReapPolicy is what a reaper may release.
type ReapPolicy struct {
	// OlderThan is how long a lock must have been held, by our clock
	// against the holder's Created. It has no default: zero is "not set".
	OlderThan time.Duration
	// Operations are the operation words (as OperationWord shows them) a
	// reaper may touch; a lock of any other operation is kept.
	Operations []string
	// RequireNoStateWrite releases a lock only when its state object was
	// read and was not written after the lock was taken.
	RequireNoStateWrite bool
	// MaxPerRun bounds the releases of one run: with more candidates than
	// this, none is released.
	MaxPerRun int
}

// DefaultReapMaxPerRun is max_per_run when none is configured: a few
// abandoned locks are a chore, more is an incident.
const DefaultReapMaxPerRun = 3

// DefaultReapOperations are the operations reaped when none are listed:
// a killed plan or refresh leaves nothing half-applied. apply never goes
// unless listed.
var DefaultReapOperations = []string{"plan", "refresh"}

// ReapOperationWords are the operation words a policy may list: what
// Terraform and OpenTofu lock with, as lockwarden shows them.
var ReapOperationWords = []string{
	"apply", "plan", "refresh", "import/other", "init", "backend from plan",
	"migration source state", "migration destination state", "state mv", "state push",
	"state rm", "state replace provider", "taint", "untaint", "workspace new", "workspace delete",
}

// ParseReapOperations reads operation words, given as a list or one
// comma-separated string, strictly: an unknown word is an error naming the
// words known, never ignored. Case and surrounding space do not matter.
func ParseReapOperations(words []string) ([]string, error) {
	var out []string
	for _, w := range words {
		for _, part := range strings.Split(w, ",") {
			// As OperationWord shows them: state-rm is "state rm".
			word := strings.ToLower(strings.Join(strings.Fields(strings.ReplaceAll(part, "-", " ")), " "))
			switch {
			case word == "":
				return nil, fmt.Errorf("operations %q names an empty operation", strings.Join(words, ","))
			case word == "destroy":
				return nil, fmt.Errorf("operation %q: clients lock a destroy as an apply (OperationTypeApply), so list apply", part)
			case !slices.Contains(ReapOperationWords, word):
				return nil, fmt.Errorf("operation %q is not one lockwarden knows; known: %s", part, strings.Join(ReapOperationWords, ", "))
			}
			if !slices.Contains(out, word) {
				out = append(out, word)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("operations is empty: list the operations a reaper may release, for example plan, refresh")
	}
	return out, nil
}

// String says the policy in one line, as the audit records it.
func (p ReapPolicy) String() string {
	return fmt.Sprintf("older_than %s, operations %s, require_no_state_write %t, max_per_run %d",
		FormatThreshold(p.OlderThan), strings.Join(p.Operations, ","), p.RequireNoStateWrite, p.MaxPerRun)
}

// ReapCheck judges what needs no state read: only a lock (never a digest
// or a malformed item), not flagged ≠, of a listed operation, held at
// least OlderThan by a holder whose clock we can trust. ok is false with
// why the lock is kept; true with what it rests on.
func (p ReapPolicy) ReapCheck(e Entry, now time.Time) (ok bool, why string) {
	switch {
	case e.Kind == KindDigest || IsDigestKey(e.LockID):
		return false, "a digest (-md5) item, not a lock: never reaped"
	case e.Kind == KindMalformed:
		return false, "malformed item (" + e.Problem + "): never reaped"
	case e.Warning != "":
		return false, "flagged ≠ (" + e.Warning + "): never reaped"
	}
	word := OperationWord(e.Info.Operation)
	if !slices.Contains(p.Operations, word) {
		return false, fmt.Sprintf("operation %s is not in the policy (%s)", word, strings.Join(p.Operations, ", "))
	}
	age := e.AgeAt(now)
	switch {
	case age.OutOfRange:
		return false, "its creation time is out of range (before 1678 or after 2262): its age is unknown"
	case !age.Known:
		return false, "no creation time: its age is unknown"
	case age.ClockAhead:
		return false, fmt.Sprintf("the holder's clock is %s ahead of ours: its age is unknown", FormatDuration(age.Ahead))
	case age.Held < p.OlderThan:
		return false, fmt.Sprintf("held %s, under older_than %s", age, FormatThreshold(p.OlderThan))
	}
	// A holder whose clock is behind makes its lock look older than it
	// is; S3's own time of a lock file says otherwise.
	if put := lockFileTime(e); !put.IsZero() && now.Sub(put) < p.OlderThan {
		return false, fmt.Sprintf("its lock file was put %s by S3's clock, under older_than %s", Ago(now, put), FormatThreshold(p.OlderThan))
	}
	return true, fmt.Sprintf("held %s ≥ older_than %s, operation %s", age, FormatThreshold(p.OlderThan), word)
}

// StateRead is what reading a lock's state object gave: an error, or
// whether it exists and when S3 last wrote it.
type StateRead struct {
	Err          error
	Exists       bool
	LastModified time.Time
}

// lastModifiedPrecision is how finely S3 reports LastModified (whole
// seconds): a write in the same second as the lock is not known to come
// before it.
const lastModifiedPrecision = time.Second

// lockFileTime is when S3 says the lock's lock file was put; zero when it
// has none.
func lockFileTime(e Entry) time.Time {
	if e.File == nil || !e.Source.HasFile() {
		return time.Time{}
	}
	return e.File.LastModified
}

// StateCheck judges the state evidence of a lock that passed ReapCheck:
// with RequireNoStateWrite, only a state object that was read and last
// written before the lock was taken — no sign of life from the holder —
// lets it go. The lock was taken at the earlier of its holder's Created
// and its lock file's LastModified (S3's clock, as the state's). A write
// within the precision of S3's times counts as after: on any doubt the
// lock is kept.
func (p ReapPolicy) StateCheck(e Entry, st StateRead, now time.Time) (ok bool, evidence string) {
	if !p.RequireNoStateWrite {
		return true, "state not checked (require_no_state_write: false)"
	}
	if st.Err != nil {
		return false, "state not read (" + st.Err.Error() + "): kept while require_no_state_write is on"
	}
	if !st.Exists {
		return true, "no state object: never written"
	}
	// The lock was taken at the earlier of what its holder's clock and
	// S3's time of its lock file say: a write after either counts.
	taken, clock := e.Info.Created, "the holder's clock"
	if put := lockFileTime(e); !put.IsZero() && (taken.IsZero() || put.Before(taken)) {
		taken, clock = put, "its lock file's time"
	}
	if taken.IsZero() || st.LastModified.IsZero() {
		return false, "state write time unknown: kept"
	}
	if st.LastModified.Add(lastModifiedPrecision).After(taken) {
		return false, fmt.Sprintf("state written %s, after the lock was taken (by %s): the holder may be alive", Ago(now, st.LastModified), clock)
	}
	return true, fmt.Sprintf("state last written %s, before the lock was taken: no sign of life", Ago(now, st.LastModified))
}
