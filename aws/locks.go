package aws

import (
	"context"
	"errors"
	"slices"
	"sync"

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

	// The last listing of the buckets, for a poll that leaves them out.
	mu         sync.Mutex
	listed     bool
	lastFiles  []model.Entry
	lastNotes  []string
	lastUnread []model.UnreadPlace
}

// Scan reads the table and the lock files in parallel and merges them:
// one entry per LockID, sorted. A failure to read lock files degrades to a
// note; a failure to read the table is an error. With no table, the lock
// files are all there is: a bucket that cannot be read is still a note,
// but when no bucket could be read at all it is the error.
func (l *Locks) Scan(ctx context.Context, includeDigests bool) (model.Snapshot, error) {
	return l.ScanPlaces(ctx, includeDigests, true)
}

// ScanPlaces is Scan, with the buckets listed only when listFiles is set
// (or never listed yet): otherwise the lock files of the last listing are
// merged with a fresh read of the table. S3 bills every LIST request,
// DynamoDB a scan by the capacity it reads, so the UI lists buckets at
// their own, slower, interval.
func (l *Locks) ScanPlaces(ctx context.Context, includeDigests, listFiles bool) (model.Snapshot, error) {
	if l.Files == nil || len(l.Files.Buckets) == 0 {
		if l.Table == nil {
			return model.Snapshot{}, errors.New("nothing to read: no lock table and no bucket configured")
		}
		return l.Table.Scan(ctx, includeDigests)
	}
	l.mu.Lock()
	listFiles = listFiles || !l.listed
	cached, cachedNotes, cachedUnread := l.lastFiles, l.lastNotes, l.lastUnread
	l.mu.Unlock()

	type fileResult struct {
		entries []model.Entry
		errs    []error
	}
	files := make(chan fileResult, 1)
	if listFiles {
		go func() {
			e, errs := l.Files.List(ctx)
			files <- fileResult{e, errs}
		}()
	}
	var snap model.Snapshot
	var err error
	if l.Table != nil {
		snap, err = l.Table.Scan(ctx, includeDigests)
	}
	fileEntries, notes, unread := cached, cachedNotes, cachedUnread
	if listFiles {
		fr := <-files
		if l.Table == nil && len(fr.errs) == len(l.Files.Buckets) {
			// Nothing else to show: not one bucket could be read.
			return model.Snapshot{}, fr.errs[0]
		}
		fileEntries, notes, unread = fr.entries, nil, nil
		for _, e := range fr.errs {
			notes = append(notes, "S3 lock files not read: "+e.Error())
			unread = append(unread, unreadPlace(e))
		}
		l.mu.Lock()
		l.listed, l.lastFiles, l.lastNotes, l.lastUnread = true, fileEntries, notes, unread
		l.mu.Unlock()
		snap.FilesRead = true
		snap.S3Lists, snap.S3Gets = l.Files.LastCost()
	}
	if err != nil {
		return model.Snapshot{}, err
	}
	snap.Notes = append(snap.Notes, notes...)
	snap.Unread = append(snap.Unread, unread...)
	if l.Table == nil {
		snap.Entries = slices.Clone(fileEntries) // the UI may change its copy
		return snap, nil
	}
	snap.Entries = model.MergeSources(snap.Entries, fileEntries, snap.HasDigest)
	return snap, nil
}

// unreadPlace names the place a listing error is about.
func unreadPlace(err error) model.UnreadPlace {
	place := "S3 lock files"
	var be *BucketError
	if errors.As(err, &be) {
		place = be.Place()
	}
	return model.UnreadPlace{Place: place, Why: err.Error()}
}
