package audit

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/lockwarden/lockwarden/buildinfo"
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
	Get(ctx context.Context, key string) (body []byte, found bool, err error)
	// List returns every key under prefix, in order.
	List(ctx context.Context, prefix string) ([]string, error)
	// Where names the store: s3://bucket.
	Where() string
}

// Shared is a team's audit log in an object store. Each record is its
// own object, put only where none is (never overwritten), under a key
// that sorts by time and names the record: PREFIX/2026/12/02/
// r-20261202-034032-e008b1f0d128606f.intent.json, and .outcome.json
// beside it. A record ID carries its day, so an action is found with two
// GETs and a day's records with one LIST; nothing lists the whole log
// but a read from its beginning.
type Shared struct {
	Store  ObjectStore
	Prefix string
	// Local keeps a copy of every record written from this machine, so
	// that audit still answers when the store does not; nil keeps none.
	Local *Log
	// Warn is told of an object that is not a record, and of a copy the
	// local file could not take; the record stands in the store. It is
	// called once at a time.
	Warn func(string)
	// Timeout bounds each request (default 15 s).
	Timeout time.Duration
	// Parallel bounds the GETs a read makes at once (default 32).
	Parallel int
	// Now is the clock (default time.Now): a read lists the days up to
	// its today.
	Now func() time.Time

	warnMu sync.Mutex
}

func (s *Shared) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
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

// Where names the shared log: s3://bucket/prefix.
func (s *Shared) Where() string {
	return strings.TrimSuffix(s.Store.Where()+"/"+s.Prefix, "/")
}

// Key is where a record's phase is stored: under the day its ID names.
func (s *Shared) Key(recordID, phase string) string {
	return path.Join(s.Prefix, dayDir(recordDay(recordID)), recordID+"."+phase+".json")
}

// recordDay is the day a record ID names (r-20261202-…); the zero time
// for an ID of another shape.
func recordDay(id string) time.Time {
	if len(id) < len("r-20060102") || !strings.HasPrefix(id, "r-") {
		return time.Time{}
	}
	t, err := time.Parse("20060102", id[2:10])
	if err != nil {
		return time.Time{}
	}
	return t
}

func dayDir(t time.Time) string { return t.UTC().Format("2006/01/02") }

// idTime is the second a record ID (or a key's base name) names:
// r-20261202-034032-….
func idTime(id string) (time.Time, bool) {
	if len(id) < len("r-20060102-150405") || !strings.HasPrefix(id, "r-") {
		return time.Time{}, false
	}
	t, err := time.Parse("20060102-150405", id[2:17])
	return t, err == nil
}

// actionSlack is how long after its intent an action's outcome may come:
// a read from a time on also reads the actions begun this long before
// it, whose outcome may fall after it.
const actionSlack = 15 * time.Minute

// defaultParallel is how many records a read GETs at once.
const defaultParallel = 32

func (s *Shared) ctx() (context.Context, context.CancelFunc) {
	d := s.Timeout
	if d <= 0 {
		d = 15 * time.Second
	}
	return context.WithTimeout(context.Background(), d)
}

func (s *Shared) warn(msg string) {
	if s.Warn != nil {
		// One at a time: a read warns from its parallel GETs.
		s.warnMu.Lock()
		defer s.warnMu.Unlock()
		s.Warn(msg)
	}
}

// Append stores r in the shared log, then copies it to the local file.
// Not stored — the store unreachable, denied, or the key taken — is a
// *StoreError and, for an intent, no copy: the write must not happen. A
// copy the local file cannot take is told to Warn; the record stands.
// An outcome that cannot be stored is still copied locally, so that this
// machine at least knows what happened.
func (s *Shared) Append(r Record) error {
	r.LockwardenVersion = buildinfo.Version()
	if recordDay(r.RecordID).IsZero() {
		return &StoreError{Where: s.Where(), Err: fmt.Errorf("record ID %q does not name its day", r.RecordID)}
	}
	body, err := encodeLine(r)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	key := s.Key(r.RecordID, r.Phase)
	created, err := s.Store.PutNew(ctx, key, body)
	if err == nil && !created {
		// Taken: by this very record (a retried put whose first answer
		// was lost, a push run again), or by another — never replaced.
		err = s.sameAs(ctx, key, body)
	}
	if err != nil {
		serr := &StoreError{Where: s.Where(), Err: err}
		if r.Phase == PhaseOutcome {
			s.copyLocal(r)
		}
		return serr
	}
	s.copyLocal(r)
	return nil
}

// Push stores a record of a local file in the shared log as it is —
// its time and version kept — unless the very same record is there
// already (stored false): pushing twice writes nothing new. A different
// record under its key is ErrRecordExists, never replaced.
func (s *Shared) Push(r Record) (stored bool, err error) {
	r.LocalOnly = false
	if recordDay(r.RecordID).IsZero() {
		return false, fmt.Errorf("record ID %q does not name its day", r.RecordID)
	}
	body, err := encodeLine(r)
	if err != nil {
		return false, err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	key := s.Key(r.RecordID, r.Phase)
	created, err := s.Store.PutNew(ctx, key, body)
	if err != nil {
		return false, &StoreError{Where: s.Where(), Err: err}
	}
	if created {
		return true, nil
	}
	return false, s.sameAs(ctx, key, body)
}

// sameAs says whether the object at key holds exactly body: nil when it
// does, ErrRecordExists when it holds anything else.
func (s *Shared) sameAs(ctx context.Context, key string, body []byte) error {
	have, found, err := s.Store.Get(ctx, key)
	switch {
	case err != nil:
		return err
	case !found || !bytes.Equal(have, body):
		return ErrRecordExists
	}
	return nil
}

func (s *Shared) copyLocal(r Record) {
	if s.Local == nil {
		return
	}
	if err := s.Local.Append(r); err != nil {
		s.warn(fmt.Sprintf("record %s is in the shared log %s, but its local copy failed: %v", r.RecordID, s.Where(), err))
	}
}

// Find reads one action's two records, with one GET each.
func (s *Shared) Find(recordID string) (intent, outcome *Record, err error) {
	if recordDay(recordID).IsZero() {
		return nil, nil, fmt.Errorf("%q is not a record ID (they look like r-20261202-034032-e008b1f0d128606f)", recordID)
	}
	ctx, cancel := s.ctx()
	defer cancel()
	var recs [2]*Record
	g, gctx := errgroup.WithContext(ctx)
	for i, phase := range []string{PhaseIntent, PhaseOutcome} {
		g.Go(func() error {
			r, err := s.get(gctx, s.Key(recordID, phase))
			recs[i] = r
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, &StoreError{Where: s.Where(), Err: err}
	}
	if recs[0] == nil && recs[1] == nil {
		return nil, nil, fmt.Errorf("no audit record %s in the shared log %s (lockwarden audit lists them)", recordID, s.Where())
	}
	return recs[0], recs[1], nil
}

// get reads the record at key: nil when there is none, or when the object
// is not a record of that key (told to Warn: it never hides the others).
func (s *Shared) get(ctx context.Context, key string) (*Record, error) {
	body, found, err := s.Store.Get(ctx, key)
	if err != nil || !found {
		return nil, err
	}
	r, err := parseObject(key, body)
	if err != nil {
		s.warn(fmt.Sprintf("shared audit log %s: %s is not a lockwarden record and was skipped: %s", s.Where(), key, printable(err.Error())))
		return nil, nil
	}
	return &r, nil
}

// parseObject reads one stored record, which must be the record its key
// names: a record copied under another ID's key would be found by the
// wrong restore.
func parseObject(key string, body []byte) (Record, error) {
	if len(body) > maxLine {
		return Record{}, fmt.Errorf("longer than %d bytes", maxLine)
	}
	r, err := parseLine([]byte(strings.TrimSpace(string(body))))
	if err != nil {
		return Record{}, err
	}
	r.LocalOnly = false // said by a reader, never stored
	if want := r.RecordID + "." + r.Phase + ".json"; path.Base(key) != want {
		return Record{}, fmt.Errorf("it holds %s, not what its key names", want)
	}
	return r, nil
}

// Since reads the shared log from a time on, listing only the days in
// range (from the first day, with no time), merged with the local copy:
// a record this machine wrote that the shared log lacks is returned with
// LocalOnly set. When the store cannot be read the local copy is
// returned, every record LocalOnly, with a *StoreError.
func (s *Shared) Since(from time.Time) ([]Record, error) {
	shared, serr := s.readShared(from)
	var local []Record
	if s.Local != nil {
		var err error
		if local, err = s.Local.Since(from); err != nil && !errors.Is(err, ErrNoLog) {
			s.warn(fmt.Sprintf("the local copy could not be read: %v", err))
		}
	}
	seen := map[string]bool{}
	for _, r := range shared {
		seen[r.RecordID+"/"+r.Phase] = true
	}
	out := shared
	for _, r := range local {
		if !seen[r.RecordID+"/"+r.Phase] {
			r.LocalOnly = true
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	if serr != nil {
		return out, &StoreError{Where: s.Where(), Err: serr}
	}
	return out, nil
}

// readShared lists the days from from's to today (or, for the zero time,
// the whole prefix) and reads every record in them, Parallel at a time.
func (s *Shared) readShared(from time.Time) ([]Record, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	keys, err := s.listFrom(ctx, from)
	if err != nil {
		return nil, err
	}
	// A key names its record's ID, and the ID its intent's second: a
	// record of an action begun well before from is not read at all.
	keys = slices.DeleteFunc(keys, func(k string) bool {
		t, ok := idTime(path.Base(k))
		return ok && t.Before(from.Add(-actionSlack))
	})
	recs := make([]*Record, len(keys))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(cmp.Or(s.Parallel, defaultParallel))
	for i, key := range keys {
		g.Go(func() error {
			r, err := s.get(gctx, key)
			recs[i] = r
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var out []Record
	for _, r := range recs {
		if r != nil && !r.Time.Before(from) {
			out = append(out, *r)
		}
	}
	return out, nil
}

// listFrom lists the record keys of each day from from's to today, one
// LIST per day, in parallel; the zero time lists the whole prefix.
func (s *Shared) listFrom(ctx context.Context, from time.Time) ([]string, error) {
	root := s.Prefix
	if root != "" {
		root += "/"
	}
	if from.IsZero() {
		return s.Store.List(ctx, root)
	}
	var days []string
	for d := from.UTC().Truncate(24 * time.Hour); !d.After(s.now()); d = d.Add(24 * time.Hour) {
		days = append(days, root+dayDir(d)+"/")
	}
	lists := make([][]string, len(days))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i, day := range days {
		g.Go(func() error {
			keys, err := s.Store.List(gctx, day)
			lists[i] = keys
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return slices.Concat(lists...), nil
}

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
