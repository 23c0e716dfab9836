package model

import "testing"

func TestJudgeEveryOutcome(t *testing.T) {
	st := StateObject{Exists: true, MD5: "06462db2ef044008b94260f6cb5ab7cb"}
	cases := []struct {
		stored   string
		haveItem bool
		state    StateObject
		want     DigestStatus
	}{
		{"06462db2ef044008b94260f6cb5ab7cb", true, st, DigestOK},
		{"0123456789abcdef0123456789abcdef", true, st, DigestMismatch},
		{"06462db2ef044008b94260f6cb5ab7cb", true, StateObject{}, DigestNoState},
		{"", false, st, DigestNoDigest},
		{"", true, st, DigestNoDigest}, // Terragrunt's -md5 item without Digest
		{"XYZ", true, st, DigestInvalid},
		// Neither: a killed first apply, a lock-file-only state. No
		// verdict on a digest that is not there.
		{"", false, StateObject{}, DigestNone},
		// An item without a value and no state object.
		{"", true, StateObject{}, DigestNoState},
	}
	for _, c := range cases {
		if got := JudgeDigest(c.stored, c.haveItem, c.state); got != c.want {
			t.Errorf("JudgeDigest(%q, %v, exists=%v) = %s, want %s", c.stored, c.haveItem, c.state.Exists, got, c.want)
		}
	}
}

// FuzzJudgeDigest: a digest is judged ok only when the item exists, holds
// a valid value and that value is the existing state object's MD5; every
// input gets one of the statuses a check can give.
func FuzzJudgeDigest(f *testing.F) {
	f.Add("06462db2ef044008b94260f6cb5ab7cb", true, true, "06462db2ef044008b94260f6cb5ab7cb")
	f.Add("", false, false, "")
	f.Add("XYZ", true, true, "06462db2ef044008b94260f6cb5ab7cb")
	f.Fuzz(func(t *testing.T, stored string, haveItem, exists bool, md5 string) {
		got := JudgeDigest(stored, haveItem, StateObject{Exists: exists, MD5: md5})
		ok := haveItem && exists && IsDigestValue(stored) && stored == md5
		if (got == DigestOK) != ok {
			t.Fatalf("JudgeDigest(%q, %v, exists %v, MD5 %q) = %s", stored, haveItem, exists, md5, got)
		}
		switch got {
		case DigestOK, DigestMismatch, DigestNoState, DigestNoDigest, DigestInvalid, DigestNone:
		default:
			t.Fatalf("JudgeDigest gave %q", got)
		}
	})
}
