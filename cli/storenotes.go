package cli

import (
	"encoding/json"
	"fmt"
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

// readStoreChecks reads the kept findings; none when there are none.
func readStoreChecks() map[string]storeCheck {
	out := map[string]storeCheck{}
	if raw, err := os.ReadFile(storeNotesPath()); err == nil {
		_ = json.Unmarshal(raw, &out)
	}
	return out
}

// keepStoreCheck records what doctor found of bucket at endpoint. A
// failure to keep it is not doctor's failure: the finding was printed.
func keepStoreCheck(endpoint, bucket string, ifMatch bool, at time.Time) {
	checks := readStoreChecks()
	checks[storeKey(endpoint, bucket)] = storeCheck{IfMatch: ifMatch, Checked: at.UTC()}
	raw, err := json.MarshalIndent(checks, "", "  ")
	if err != nil {
		return
	}
	_ = os.MkdirAll(filepath.Dir(storeNotesPath()), 0o700)
	_ = writeFileAtomic(storeNotesPath(), raw)
}

// lockFileNotes are, by bucket name, what to tell of releasing a lock
// file in one of s's watched buckets: one doctor found ignoring If-Match.
func lockFileNotes(s config.Settings) map[string]string {
	checks := readStoreChecks()
	out := map[string]string{}
	for _, bp := range s.BucketPrefixes() {
		b := bp.Bucket
		if c, ok := checks[storeKey(s.S3Endpoint, b)]; ok && !c.IfMatch {
			out[b] = fmt.Sprintf("doctor found on %s that bucket %s ignores If-Match on DeleteObject: a lock file re-taken between the re-read and the delete would be deleted", c.Checked.Format("2006-01-02"), b)
		}
	}
	return out
}
