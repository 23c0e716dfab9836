// Package audit keeps lockwarden's audit trail: every write it makes (a
// force-unlock, a restore) is recorded before it happens and again after,
// as JSON Lines appended to one file, fsynced, readable only by its owner.
// If the record cannot be written, the write does not happen. A damaged
// line — an append torn by a crash or a full disk — is skipped and told,
// and never hides the records around it. A team's shared log (Shared)
// keeps each record as its own object in a store it is handed, never
// overwritten, with the local file as this machine's copy. It imports
// only model and buildinfo (and x/sync): it records writes, it never
// makes them, and it reaches no service itself.
package audit

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/lockwarden/lockwarden/buildinfo"
	"github.com/lockwarden/lockwarden/model"
)

// Phases of a record.
const (
	PhaseIntent  = "intent"
	PhaseOutcome = "outcome"
)

// Actions recorded.
const (
	ActionForceUnlock  = "force-unlock"
	ActionRestore      = "restore"
	ActionDigestRepair = "digest-repair"
	// ActionPruneVersions removes old versions and delete markers of
	// lock files (lockfiles prune-versions); it is not restorable.
	ActionPruneVersions = "prune-versions"
)

// Outcomes of an action.
const (
	OutcomeReleased = "released"
	OutcomeRestored = "restored"
	OutcomeRepaired = "repaired"
	OutcomePruned   = "pruned"
	OutcomeChanged  = "refused: changed since observed"
	OutcomeGone     = "refused: already gone"
	OutcomeHeld     = "refused: held again"
	OutcomeFailed   = "failed"
	// OutcomeUnknown: no answer came and the read-back failed too; the
	// write may or may not have happened. Restore works from the intent.
	OutcomeUnknown = "unknown: no answer, and reading it back failed"
	OutcomePartial = "partial: lock file released, lock-table item not"
	// OutcomeRestorePartial: a restore put the lock file back but not the
	// item; restore run again completes it.
	OutcomeRestorePartial = "partial: lock file restored, lock-table item not"
)

// Record is one line of the audit file. An action writes two records with
// the same RecordID: the intent before the write, the outcome after it.
type Record struct {
	RecordID string    `json:"record_id"`
	Phase    string    `json:"phase"`
	Time     time.Time `json:"time"`
	Action   string    `json:"action"`
	Actor    string    `json:"actor"`
	// Identity is the AWS caller that made the write, from STS: the ARN
	// of its user or assumed role and session ("" when STS was not asked
	// or did not answer: an emulator, older records).
	Identity string `json:"identity,omitempty"`
	// Account is the AWS account the write went to, from STS; "" when it
	// was not known (an emulator, STS not answering, older records).
	Account  string `json:"account,omitempty"`
	Context  string `json:"context,omitempty"`
	Profile  string `json:"profile,omitempty"`
	Region   string `json:"region"`
	Endpoint string `json:"endpoint,omitempty"`
	Table    string `json:"table"`
	LockID   string `json:"lock_id"`
	// Observed is the item as read before the confirmation: the write is
	// conditioned on it.
	Observed model.Item `json:"observed,omitempty"`
	// Item is, in an outcome, the full item removed (as DynamoDB returned
	// it) or put back.
	Item model.Item `json:"item,omitempty"`
	// ObservedFile is the S3 lock file as read before the confirmation;
	// File, in an outcome, the one removed or put back.
	ObservedFile *model.LockFile `json:"observed_file,omitempty"`
	File         *model.LockFile `json:"file,omitempty"`
	// FileDelete says how the lock file's delete was guarded.
	FileDelete string `json:"file_delete,omitempty"`
	// Versions are, for a prune, the lock-file versions it removes
	// (intent) or removed (outcome), each as KEY@VERSION_ID.
	Versions []string `json:"versions,omitempty"`
	// Digest is, for a digest repair, the value written.
	Digest string `json:"digest,omitempty"`
	// Reason says why the write was allowed: age, threshold, overrides.
	Reason string `json:"reason,omitempty"`
	// OperatorReason is the operator's own words (unlock --reason).
	OperatorReason string `json:"operator_reason,omitempty"`
	// Policy is the policy that chose the lock, for a release by
	// lockwarden reap: older_than, operations, require_no_state_write,
	// max_per_run.
	Policy string `json:"policy,omitempty"`
	// RestoreOf names the record a restore undoes.
	RestoreOf string `json:"restore_of,omitempty"`
	Outcome   string `json:"outcome,omitempty"`
	Error     string `json:"error,omitempty"`
	// LockwardenVersion is the version of the lockwarden that wrote the
	// record (buildinfo), set by Append. Records written before it was
	// recorded have none.
	LockwardenVersion string `json:"lockwarden_version,omitempty"`
	// SharedLog is, in this machine's copy of a record of a team's shared
	// log, that log (s3://bucket/prefix); never in the log itself.
	SharedLog string `json:"shared_log,omitempty"`
	// LocalOnly is set by a read of a shared log on a record of this
	// machine's copy that the log does not hold; Unconfirmed on one of
	// the copy when the log could not be read. Neither is stored.
	LocalOnly   bool `json:"local_only,omitempty"`
	Unconfirmed bool `json:"unconfirmed,omitempty"`
}

// DefaultPath is $XDG_STATE_HOME/lockwarden/audit.jsonl, or
// ~/.local/state/lockwarden/audit.jsonl.
func DefaultPath() string {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "audit.jsonl"
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "lockwarden", "audit.jsonl")
}

// Log is an append-only audit file.
type Log struct {
	Path string
	// Warn, when set, is told of each damaged line (a torn append, bytes
	// that are not a record) once per Log value, however often the file
	// is read: a restore reads it more than once. The line is skipped;
	// every other record stays readable. The message names the file and
	// the line and has no control characters. Warn may be called from
	// several goroutines at once if the Log is read concurrently.
	Warn func(string)

	mu     sync.Mutex
	warned map[int]bool
}

// NewRecordID returns an ID that sorts by time and names the day, with 64
// random bits after it: r-20261126-071502-3fa9c1d24b7e8f05. Two runs in the
// same second (a restore is often typed right after an unlock) must never
// share an ID, or restore could undo the wrong write.
func NewRecordID(now time.Time) string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand.Read has not returned errors since Go 1.24 (it
		// crashes the program instead); should that change, a weak ID
		// must not be made silently, and no write happens without an ID.
		panic("audit: no randomness for a record ID: " + err.Error())
	}
	return "r-" + now.UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b[:])
}

// Append writes one record and fsyncs it before returning. The file is
// created with mode 0600 (its directory 0700); an existing file readable
// by others is refused rather than written to.
//
// Appends from concurrent lockwarden processes are serialized with an
// advisory lock held from the check below to the fsync. A file that does
// not end in a newline (an earlier append torn by a crash or a full disk)
// gets one first, so the torn line stays one damaged line instead of
// swallowing this record. Directories made for the file, and the file's
// own name, are fsynced before the first record, so the record cannot
// survive a crash while the file that holds it does not.
func (l *Log) Append(r Record) error {
	if l.Path == "" {
		return errors.New("no audit file is configured (audit_file / --audit-file)")
	}
	// The binary writing the record says which it is, whatever the
	// caller filled in: a bug found later in one version must be traceable
	// to the writes it made.
	r.LockwardenVersion = buildinfo.Version()
	line, err := encodeLine(r)
	if err != nil {
		return err
	}
	dir := filepath.Dir(l.Path)
	if err := mkdirAll(dir); err != nil {
		return fmt.Errorf("audit log %s: %w", l.Path, err)
	}
	// Read and write: the last byte is read to see whether it ends a line.
	f, err := os.OpenFile(l.Path, os.O_CREATE|os.O_APPEND|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("audit log %s: %w", l.Path, err)
	}
	defer f.Close()
	unlock, err := lockFile(f, true)
	if err != nil {
		return fmt.Errorf("audit log %s: lock: %w", l.Path, err)
	}
	err = l.appendLocked(f, dir, line)
	unlock()
	if err != nil {
		return err
	}
	return f.Close()
}

// appendLocked writes line to f, which the caller has locked.
func (l *Log) appendLocked(f *os.File, dir string, line []byte) error {
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("audit log %s: %w", l.Path, err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("audit log %s is readable by others (mode %s): chmod 600 it first", l.Path, st.Mode().Perm())
	}
	switch size := st.Size(); {
	case size == 0:
		// Just created (or left empty by a failed first append): make its
		// name durable before anything is recorded in it.
		if err := syncDir(dir); err != nil {
			return fmt.Errorf("audit log %s: fsync %s: %w", l.Path, dir, err)
		}
	default:
		var last [1]byte
		if _, err := f.ReadAt(last[:], size-1); err != nil {
			return fmt.Errorf("audit log %s: %w", l.Path, err)
		}
		if last[0] != '\n' {
			line = append([]byte{'\n'}, line...)
		}
	}
	// One write: with O_APPEND and the lock, nothing lands between the
	// newline and the record.
	if _, err := f.Write(line); err != nil {
		return fmt.Errorf("audit log %s: %w", l.Path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("audit log %s: fsync: %w", l.Path, err)
	}
	return nil
}

// mkdirAll makes dir (mode 0700) and any missing parents, and fsyncs the
// parent of each directory it made, so that they survive a crash.
func mkdirAll(dir string) error {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || !errors.Is(err, os.ErrNotExist) || filepath.Dir(d) == d {
			break
		}
		missing = append(missing, d)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for i := len(missing) - 1; i >= 0; i-- {
		parent := filepath.Dir(missing[i])
		if err := syncDir(parent); err != nil {
			return fmt.Errorf("fsync %s: %w", parent, err)
		}
	}
	return nil
}

// Action is one write as recorded: its intent and, when one was written,
// its outcome.
type Action struct {
	Intent, Outcome *Record
}

// Last is the action's latest record: its outcome, else its intent.
func (a Action) Last() *Record {
	if a.Outcome != nil {
		return a.Outcome
	}
	return a.Intent
}

// Group pairs records by record ID into actions, in the order each action
// first appears. The actions point into recs.
func Group(recs []Record) []Action {
	var out []Action
	index := map[string]int{}
	for i := range recs {
		r := &recs[i]
		n, seen := index[r.RecordID]
		if !seen {
			n = len(out)
			index[r.RecordID] = n
			out = append(out, Action{})
		}
		if r.Phase == PhaseIntent {
			out[n].Intent = r
		} else {
			out[n].Outcome = r
		}
	}
	return out
}
