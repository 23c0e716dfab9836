package model

import (
	"strings"
)

// LockFileSuffix ends the key of every S3 lock file.
const LockFileSuffix = ".tflock"

// ClassifyLockFile reads an S3 lock file: its body is a LockInfo, and its
// key is the state key plus ".tflock". workspacePrefix is as for Classify.
func ClassifyLockFile(f LockFile, workspacePrefix string) Entry {
	stateKey := strings.TrimSuffix(f.Key, LockFileSuffix)
	e := Entry{Kind: KindMalformed, Source: SourceS3, File: &f, LockID: f.Bucket + "/" + stateKey,
		Bucket: f.Bucket, Key: stateKey, Workspace: WorkspaceOf(stateKey, workspacePrefix), InfoRaw: f.Body}
	li, err := ParseLockInfo(f.Body)
	switch {
	case err != nil:
		e.Problem = "lock file is not LockInfo JSON (" + describeJSONError(err) + ")"
	case li.ID == "":
		e.Info = li
		e.Problem = "lock file has no ID (clients cannot unlock it)"
	default:
		e.Info = li
		e.Kind = KindLock
	}
	return e
}

// MergeSources joins the lock table's entries with the S3 lock files'.
// Both inputs are sorted by LockID; so is the result, one entry per
// LockID. A lock held in both places by the same ID becomes one entry of
// SourceBoth. Disagreements are flagged in Warning, never hidden: a lock
// file whose state uses the lock table (it has a digest item) but holds no
// lock there, and a state locked in both places by different IDs.
func MergeSources(items, files []Entry, hasDigest func(path string) bool) []Entry {
	out := make([]Entry, 0, len(items)+len(files))
	Join(items, files, func(e, f *Entry) {
		switch {
		case f == nil:
			out = append(out, *e)
		case e == nil:
			file := *f
			if hasDigest != nil && hasDigest(file.LockID) {
				file.Warning = "held in the S3 lock file only, though this state also locks in the lock table (it has a digest item there)"
			}
			out = append(out, file)
		default:
			merged := *e
			merged.File = f.File
			if merged.Kind == KindLock && f.Kind == KindLock && merged.Info.ID == f.Info.ID {
				merged.Source = SourceBoth
			} else {
				merged.Warning = "the lock table and the S3 lock file disagree: the lock file holds " + describeHolder(*f)
			}
			out = append(out, merged)
		}
	})
	return out
}

// Join walks two slices sorted by LockID together and calls fn once per
// LockID with the entry of each side, nil where a side has none.
func Join(a, b []Entry, fn func(a, b *Entry)) {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		c := 0
		switch {
		case j == len(b):
			c = -1
		case i == len(a):
			c = 1
		default:
			c = strings.Compare(a[i].LockID, b[j].LockID)
		}
		switch {
		case c < 0:
			fn(&a[i], nil)
			i++
		case c > 0:
			fn(nil, &b[j])
			j++
		default:
			fn(&a[i], &b[j])
			i++
			j++
		}
	}
}

func describeHolder(e Entry) string {
	if e.Kind != KindLock {
		return "a malformed lock (" + e.Problem + ")"
	}
	return "ID " + e.ShortID() + " by " + OrNone(e.Info.Who)
}
