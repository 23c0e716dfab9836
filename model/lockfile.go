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
	i, j := 0, 0
	for i < len(items) || j < len(files) {
		var c int
		switch {
		case j == len(files):
			c = -1
		case i == len(items):
			c = 1
		default:
			c = strings.Compare(items[i].LockID, files[j].LockID)
		}
		switch {
		case c < 0:
			out = append(out, items[i])
			i++
		case c > 0:
			f := files[j]
			if hasDigest != nil && hasDigest(f.LockID) {
				f.Warning = "held in the S3 lock file only, though this state also locks in the lock table (it has a digest item there)"
			}
			out = append(out, f)
			j++
		default:
			e, f := items[i], files[j]
			e.File = f.File
			if e.Kind == KindLock && f.Kind == KindLock && e.Info.ID == f.Info.ID {
				e.Source = SourceBoth
			} else {
				e.Warning = "the lock table and the S3 lock file disagree: the lock file holds " + describeHolder(f)
			}
			out = append(out, e)
			i++
			j++
		}
	}
	return out
}

func describeHolder(e Entry) string {
	if e.Kind != KindLock {
		return "a malformed lock (" + e.Problem + ")"
	}
	return "ID " + e.ShortID() + " by " + orNone(e.Info.Who)
}
