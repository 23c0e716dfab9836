package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Trail is where the writes are recorded: the local file (*Log), or a
// team's shared log with the local file as this machine's copy (*Shared).
// Append stores one record and fails when it cannot: no intent stored,
// no write. Find returns one action's records by ID; Since every record
// from a time on, oldest first.
type Trail interface {
	Append(Record) error
	Find(recordID string) (intent, outcome *Record, err error)
	Since(from time.Time) ([]Record, error)
	// Where names the log in messages: a file's path, s3://bucket/prefix.
	Where() string
}

// Since returns the file's records from a time on (all of them for the
// zero time), oldest first.
func (l *Log) Since(from time.Time) ([]Record, error) {
	recs, err := l.Read()
	return slices.DeleteFunc(recs, func(r Record) bool { return r.Time.Before(from) }), err
}

// Where is the file's path.
func (l *Log) Where() string { return l.Path }

// ObjectStore is where a shared log keeps its records, one object each:
// an S3 bucket (aws.AuditStore), or a map in tests.
type ObjectStore interface {
	// PutNew stores body under key only if no object is there
	// (If-None-Match: *); created is false, with no error, when one is.
	PutNew(ctx context.Context, key string, body []byte) (created bool, err error)
	// Get reads key; found is false, with no error, when there is none.
	// An error about this object alone (access to it denied, its storage
	// class unreadable) has an ObjectLevel method that says so: a read of
	// many records skips it, and tells, rather than failing.
	Get(ctx context.Context, key string) (body []byte, found bool, err error)
	// List returns every key under prefix, in order.
	List(ctx context.Context, prefix string) ([]string, error)
	// Where names the store: s3://bucket.
	Where() string
}

// objectLevel says whether err concerns one object only (ObjectStore.Get).
func objectLevel(err error) bool {
	var ol interface{ ObjectLevel() bool }
	return errors.As(err, &ol) && ol.ObjectLevel()
}

// StoreError says the shared log could not be reached or refused a
// request: an intent not stored means nothing was written.
type StoreError struct {
	Where string
	Err   error
}

func (e *StoreError) Error() string {
	return fmt.Sprintf("the shared audit log %s: %v", e.Where, e.Err)
}

func (e *StoreError) Unwrap() error { return e.Err }

// ErrRecordExists is a record whose key is already taken in the shared
// log: it is never overwritten.
var ErrRecordExists = errors.New("a record is already stored under that key: records are never overwritten")

// ParseLocation reads a shared log's location, s3://BUCKET or
// s3://BUCKET/PREFIX, into its bucket and prefix (no slash at either
// end).
func ParseLocation(loc string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(loc, "s3://")
	bucket, prefix, _ = strings.Cut(rest, "/")
	prefix = strings.Trim(prefix, "/")
	if !ok || bucket == "" || strings.ContainsAny(loc, " \t\n") || strings.Contains(prefix, "//") {
		return "", "", fmt.Errorf("%q is not an S3 location: write s3://BUCKET or s3://BUCKET/PREFIX", loc)
	}
	return bucket, prefix, nil
}
