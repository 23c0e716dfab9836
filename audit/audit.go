// Package audit keeps lockwarden's audit trail: every write it makes (a
// force-unlock, a restore) is recorded before it happens and again after,
// as JSON Lines appended to one file, fsynced, readable only by its owner.
// If the record cannot be written, the write does not happen.
package audit

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

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
)

// Outcomes of an action.
const (
	OutcomeReleased = "released"
	OutcomeRestored = "restored"
	OutcomeRepaired = "repaired"
	OutcomeChanged  = "refused: changed since observed"
	OutcomeGone     = "refused: already gone"
	OutcomeHeld     = "refused: held again"
	OutcomeFailed   = "failed"
	OutcomePartial  = "partial: lock file released, lock-table item not"
)

// Record is one line of the audit file. An action writes two records with
// the same RecordID: the intent before the write, the outcome after it.
type Record struct {
	RecordID string    `json:"record_id"`
	Phase    string    `json:"phase"`
	Time     time.Time `json:"time"`
	Action   string    `json:"action"`
	Actor    string    `json:"actor"`
	Context  string    `json:"context,omitempty"`
	Profile  string    `json:"profile,omitempty"`
	Region   string    `json:"region"`
	Endpoint string    `json:"endpoint,omitempty"`
	Table    string    `json:"table"`
	LockID   string    `json:"lock_id"`
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
	// Digest is, for a digest repair, the value written.
	Digest string `json:"digest,omitempty"`
	// Reason says why the write was allowed: age, threshold, overrides.
	Reason string `json:"reason,omitempty"`
	// RestoreOf names the record a restore undoes.
	RestoreOf string `json:"restore_of,omitempty"`
	Outcome   string `json:"outcome,omitempty"`
	Error     string `json:"error,omitempty"`
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
func (l *Log) Append(r Record) error {
	if l.Path == "" {
		return errors.New("no audit file is configured (audit_file / --audit-file)")
	}
	if err := os.MkdirAll(filepath.Dir(l.Path), 0o700); err != nil {
		return fmt.Errorf("audit log %s: %w", l.Path, err)
	}
	f, err := os.OpenFile(l.Path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("audit log %s: %w", l.Path, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("audit log %s is readable by others (mode %s): chmod 600 it first", l.Path, st.Mode().Perm())
	}
	line, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("audit record: %w", err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("audit log %s: %w", l.Path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("audit log %s: fsync: %w", l.Path, err)
	}
	return f.Close()
}

// ErrNoLog is returned when the audit file does not exist yet.
var ErrNoLog = errors.New("no audit log yet")

// Read returns every record in the file, oldest first. A damaged line is
// reported with its number, not skipped silently.
func (l *Log) Read() ([]Record, error) {
	f, err := os.Open(l.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w at %s", ErrNoLog, l.Path)
	}
	if err != nil {
		return nil, fmt.Errorf("audit log %s: %w", l.Path, err)
	}
	defer f.Close()
	return readRecords(f, l.Path)
}

func readRecords(r io.Reader, path string) ([]Record, error) {
	var out []Record
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 8*1024*1024)
	for n := 1; sc.Scan(); n++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var rec Record
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return out, fmt.Errorf("audit log %s line %d is damaged: %v", path, n, err)
		}
		out = append(out, rec)
	}
	return out, sc.Err()
}

// Find returns the intent and outcome records of one action.
func (l *Log) Find(recordID string) (intent, outcome *Record, err error) {
	recs, err := l.Read()
	if err != nil {
		return nil, nil, err
	}
	for i := range recs {
		if recs[i].RecordID != recordID {
			continue
		}
		switch recs[i].Phase {
		case PhaseIntent:
			intent = &recs[i]
		case PhaseOutcome:
			outcome = &recs[i]
		}
	}
	if intent == nil && outcome == nil {
		return nil, nil, fmt.Errorf("no audit record %s in %s (lockwarden audit lists them)", recordID, l.Path)
	}
	return intent, outcome, nil
}
