package aws

import (
	"context"
	"errors"

	"github.com/lockwarden/lockwarden/model"
)

// Locks reads every place locks live: the lock table and, when buckets are
// watched, their S3 lock files. It is what the UI and list read.
type Locks struct {
	// Table is nil when no lock table is configured: only lock files are
	// read (a team that locks with use_lockfile alone).
	Table *LockTable
	// Files is nil when no bucket is watched.
	Files *LockFiles
}

// Scan reads the table and the lock files in parallel and merges them:
// one entry per LockID, sorted. A failure to read lock files degrades to a
// note; a failure to read the table is an error. With no table, the lock
// files are all there is: a bucket that cannot be read is still a note,
// but when no bucket could be read at all it is the error.
func (l *Locks) Scan(ctx context.Context, includeDigests bool) (Snapshot, error) {
	if l.Files == nil || len(l.Files.Buckets) == 0 {
		if l.Table == nil {
			return Snapshot{}, errors.New("nothing to read: no lock table and no bucket configured")
		}
		return l.Table.Scan(ctx, includeDigests)
	}
	if l.Table == nil {
		entries, errs := l.Files.List(ctx)
		if len(errs) == len(l.Files.Buckets) {
			return Snapshot{}, errs[0]
		}
		snap := Snapshot{Entries: entries}
		for _, e := range errs {
			snap.Notes = append(snap.Notes, "S3 lock files not read: "+e.Error())
		}
		return snap, nil
	}
	type fileResult struct {
		entries []model.Entry
		errs    []error
	}
	files := make(chan fileResult, 1)
	go func() {
		e, errs := l.Files.List(ctx)
		files <- fileResult{e, errs}
	}()
	snap, err := l.Table.Scan(ctx, includeDigests)
	fr := <-files
	if err != nil {
		return Snapshot{}, err
	}
	for _, e := range fr.errs {
		snap.Notes = append(snap.Notes, "S3 lock files not read: "+e.Error())
	}
	snap.Entries = model.MergeSources(snap.Entries, fr.entries, snap.HasDigest)
	return snap, nil
}
