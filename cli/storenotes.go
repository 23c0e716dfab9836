package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/lockwarden/lockwarden/audit"
	"github.com/lockwarden/lockwarden/config"
)

// This file keeps what doctor --probe-writes found of each store: a
// store that ignores If-Match on DeleteObject is named, with the time it
// was found, in the unlock prompt and dialog of a lock file there — the
// release of a lock file is then not atomic, and the person should know.

// storeCheck is what was found of one bucket at one endpoint.
type storeCheck struct {
	IfMatch bool      `json:"if_match"`
	Checked time.Time `json:"checked"`
}

// storeNotesPath is where the findings are kept, beside the audit file.
func storeNotesPath() string {
	return filepath.Join(filepath.Dir(audit.DefaultPath()), "stores.json")
}

func storeKey(endpoint, bucket string) string { return endpoint + " " + bucket }

// readStoreChecks reads the kept findings; none, and no error, when
// doctor never kept any.
func readStoreChecks() (map[string]storeCheck, error) {
	out := map[string]storeCheck{}
	raw, err := os.ReadFile(storeNotesPath())
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return out, nil
	case err != nil:
		return out, err
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return map[string]storeCheck{}, fmt.Errorf("%s: %v", storeNotesPath(), err)
	}
	return out, nil
}

// keepStoreCheck records what doctor found of bucket at endpoint. A
// record that could not be read is replaced, and that is said: what it
// held of other buckets is gone.
func keepStoreCheck(endpoint, bucket string, ifMatch bool, at time.Time) error {
	checks, readErr := readStoreChecks()
	checks[storeKey(endpoint, bucket)] = storeCheck{IfMatch: ifMatch, Checked: at.UTC()}
	raw, err := json.MarshalIndent(checks, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(storeNotesPath()), 0o700); err != nil {
		return err
	}
	if err := writeFileAtomic(storeNotesPath(), raw); err != nil {
		return err
	}
	if readErr != nil {
		return fmt.Errorf("the record could not be read (%v) and was replaced: what it held of other buckets is gone, run doctor --probe-writes for their contexts again", readErr)
	}
	return nil
}

// lockFileNotes are, by bucket name, what to tell of releasing a lock
// file in one of s's watched buckets: one doctor found ignoring If-Match,
// or that what doctor found could not be read.
func lockFileNotes(s config.Settings) map[string]string {
	checks, err := readStoreChecks()
	out := map[string]string{}
	for _, bp := range s.BucketPrefixes() {
		b := bp.Bucket
		if err != nil {
			out[b] = fmt.Sprintf("what doctor --probe-writes found of the stores could not be read (%v): whether bucket %s honours If-Match on DeleteObject is not known here", err, b)
			continue
		}
		if c, ok := checks[storeKey(s.S3Endpoint, b)]; ok && !c.IfMatch {
			out[b] = fmt.Sprintf("doctor found on %s that bucket %s ignores If-Match on DeleteObject: a lock file re-taken between the re-read and the delete would be deleted", c.Checked.Format("2006-01-02"), b)
		}
	}
	return out
}
