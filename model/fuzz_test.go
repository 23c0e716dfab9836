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

// FuzzLockFile feeds arbitrary lock-file keys and bodies (use_lockfile's
// .tflock objects) through classification: it must never panic, the entry
// always keeps the file's bytes and names its state, and a body that
// parses as a lock round-trips through LockInfo without losing its ID.
func FuzzLockFile(f *testing.F) {
	f.Add("app/terraform.tfstate.tflock", goodInfo)
	f.Add("env:/staging/network/terraform.tfstate.tflock", `{"ID":"1ae49c0f-dba0-1c3c-81fa-2756dd3e0470","Operation":"OperationTypeApply","Info":"","Who":"a@b","Version":"1.10.0","Created":"2026-11-26T03:14:07.123456789Z","Path":"tfstate/env:/staging/network/terraform.tfstate"}`)
	f.Add("x.tflock", "")
	f.Add(".tflock", `{"ID":""}`)
	f.Add("a\u202e/terraform.tfstate.tflock", `{"ID":"\u200b"}`)
	f.Add("k", "null")
	f.Fuzz(func(t *testing.T, key, body string) {
		e := ClassifyLockFile(LockFile{Bucket: "tfstate", Key: key, Body: body}, DefaultWorkspaceKeyPrefix)
		if e.File == nil || e.File.Body != body || e.InfoRaw != body || e.Source != SourceS3 {
			t.Fatalf("file lost: %+v", e)
		}
		if e.LockID != "tfstate/"+e.Key {
			t.Fatalf("LockID %q for key %q", e.LockID, e.Key)
		}
		switch e.Kind {
		case KindLock:
			raw, err := e.Info.Marshal()
			if err != nil {
				t.Fatalf("a parsed LockInfo must marshal: %v", err)
			}
			again, err := ParseLockInfo(raw)
			if err != nil || again.ID != e.Info.ID {
				t.Fatalf("round trip: %v, ID %q → %q", err, e.Info.ID, again.ID)
			}
		case KindMalformed:
			if e.Problem == "" {
				t.Fatal("malformed without a reason")
			}
		default:
			t.Fatalf("a lock file classified as %v", e.Kind)
		}
		_ = e.AgeAt(time.Now()).String()
	})
}
