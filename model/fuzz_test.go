package model

import (
	"encoding/json"
	"testing"
	"time"
)

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// FuzzClassify feeds arbitrary LockID/Info/Digest strings through
// classification: it must never panic, never lose the item, and a lock must
// always carry an ID and its Info exactly as stored.
func FuzzClassify(f *testing.F) {
	f.Add("tfstate/a/terraform.tfstate", goodInfo, "", "S")
	f.Add("tfstate/a/terraform.tfstate-md5", "", "06462db2ef044008b94260f6cb5ab7cb", "S")
	f.Add("", "{", "x", "N")
	f.Add("b/k", `{"ID":"x","Created":"0000-01-01T00:00:00Z"}`, "", "S")
	f.Fuzz(func(t *testing.T, lockID, info, digest, typ string) {
		it := Item{"LockID": {Type: typ, S: lockID}}
		if info != "" {
			it["Info"] = String(info)
		}
		if digest != "" {
			it["Digest"] = String(digest)
		}
		e := Classify(it, "")
		if e.Item == nil {
			t.Fatal("item lost")
		}
		now := time.Now()
		_ = e.AgeAt(now).String()
		_ = e.StaleAt(now, time.Hour)
		_ = e.Matches("a")
		switch e.Kind {
		case KindLock:
			if e.Info.ID == "" || e.InfoRaw != info {
				t.Fatalf("bad lock: %+v", e)
			}
			if _, err := e.Info.Marshal(); err != nil {
				t.Fatalf("a parsed LockInfo must marshal: %v", err)
			}
		case KindMalformed:
			if e.Problem == "" {
				t.Fatal("malformed without a reason")
			}
		}
	})
}
