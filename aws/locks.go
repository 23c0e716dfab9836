package aws

import (
	"context"

	"github.com/lockwarden/lockwarden/model"
)

// Locks reads every place locks live: the lock table and, when buckets are
// watched, their S3 lock files. It is what the UI and list read.
type Locks struct {
	Table *LockTable
	// Files is nil when no bucket is watched.
	Files *LockFiles
}

// Scan reads the table and the lock files in parallel and merges them:
// one entry per LockID, sorted. A failure to read lock files degrades to a
// note; a failure to read the table is an error.
func (l *Locks) Scan(ctx context.Context, includeDigests bool) (Snapshot, error) {
	if l.Files == nil || len(l.Files.Buckets) == 0 {
		return l.Table.Scan(ctx, includeDigests)
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
