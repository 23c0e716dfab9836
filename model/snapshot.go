package model

import (
	"hash/maphash"
	"slices"
	"strings"
)

// Snapshot is one complete read of a context: its lock table and the lock
// files of its watched buckets, as the readers in package aws return it.
type Snapshot struct {
	// Entries holds every lock and malformed item, and digests when asked
	// for, sorted by LockID; one entry per LockID however often a scan
	// returned it.
	Entries []Entry
	// Digests counts the distinct digest items, listed or not.
	Digests int
	// ConsumedRCU is the read capacity the scan consumed.
	ConsumedRCU float64
	// ScannedCount is the number of items DynamoDB read, duplicates
	// included.
	ScannedCount int
	// FilesRead is set when the watched buckets were listed for this
	// snapshot; when not, its lock files are those of the last listing.
	FilesRead bool
	// S3Lists and S3Gets count the LIST and GET requests of that listing.
	S3Lists, S3Gets int
	// Notes say what could not be read while the rest was (a bucket of
	// lock files access was denied to, say): the feature degrades, the
	// listing goes on.
	Notes []string
	// Unread names each watched place that could not be read for this
	// snapshot ("bucket NAME"), with why: what it holds is missing from
	// Entries, so the snapshot is partial however calm it looks.
	Unread []UnreadPlace

	digestHashes []uint64 // sorted, distinct
}

// UnreadPlace is a watched place a read could not read.
type UnreadPlace struct {
	// Place is "bucket NAME" or "bucket NAME/PREFIX".
	Place string
	// Why is the error, as it was said: whoever shows it folds it onto
	// one line and makes it printable.
	Why string
}

// Partial reports whether some watched place was not read.
func (s Snapshot) Partial() bool { return len(s.Unread) > 0 }

// UnreadPlaces names the places not read, comma-separated.
func (s Snapshot) UnreadPlaces() string {
	names := make([]string, len(s.Unread))
	for i, u := range s.Unread {
		names[i] = u.Place
	}
	return strings.Join(names, ", ")
}

// HasDigest reports whether the table holds a digest item for the state
// path "<bucket>/<key>".
func (s Snapshot) HasDigest(path string) bool {
	_, ok := slices.BinarySearch(s.digestHashes, DigestHash(path+DigestSuffix))
	return ok
}

// SetDigestHashes records the digest items read, as DigestHash values,
// sorted and distinct: HasDigest looks them up, and Digests counts them.
func (s *Snapshot) SetDigestHashes(sorted []uint64) {
	s.digestHashes, s.Digests = sorted, len(sorted)
}

// digestSeed seeds DigestHash anew in every process.
var digestSeed = maphash.MakeSeed()

// DigestHash hashes a digest's LockID without an allocation. The seed is
// random, so no one who can write a LockID can aim it at another's hash
// (as they could with a fixed hash such as FNV) and make HasDigest say
// yes for a state that has no digest. By chance, a state without one
// meets one of 100,000 digests' hashes about once in 10^14 asks.
func DigestHash(s string) uint64 {
	return maphash.String(digestSeed, s)
}
