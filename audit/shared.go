package audit

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/lockwarden/lockwarden/buildinfo"
)

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
	// Each copy names this log (SharedLog): one local file serves every
	// context, and another context's log is not this one's.
	Local *Log
	// Context is the context this log is read for: a record of the local
	// file written before there was a shared log (one that names none) is
	// this log's when it was written in this context.
	Context string
	// Warn is told of an object that is not a record, of a copy the
	// local file could not take, and of a record whose local copy
	// differs from the log's; the record in the store stands. It is
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

// defaultParallel is how many records a read GETs at once, and
// listParallel how many days it lists at once.
const (
	defaultParallel = 32
	listParallel    = 8
)

// actionSlack is how long after its intent an action's outcome may come:
// a read from a time on also reads the actions begun this long before
// it, whose outcome may fall after it (and is stored in its intent's day).
const actionSlack = 15 * time.Minute

func (s *Shared) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

// Where names the shared log: s3://bucket/prefix.
func (s *Shared) Where() string {
	return strings.TrimSuffix(s.Store.Where()+"/"+s.Prefix, "/")
}

// Key is where a record's phase is stored: under the day its ID names.
func (s *Shared) Key(recordID, phase string) string {
	t, _ := idTime(recordID)
	return path.Join(s.Prefix, dayDir(t), recordID+"."+phase+".json")
}

// idTime is the second a record ID (or a key's base name) names:
// r-20261202-034032-….
func idTime(id string) (time.Time, bool) {
	if len(id) < len("r-20060102-150405") || !strings.HasPrefix(id, "r-") {
		return time.Time{}, false
	}
	t, err := time.Parse("20060102-150405", id[2:17])
	return t, err == nil
}

func dayDir(t time.Time) string { return t.UTC().Format("2006/01/02") }

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
// machine at least knows what happened (Find reads it from there).
func (s *Shared) Append(r Record) error {
	r.LockwardenVersion = buildinfo.Version()
	_, err := s.put(r) // the very record there already: a retry, stored
	if err == nil || r.Phase == PhaseOutcome {
		s.copyLocal(r)
	}
	return err
}

// Push stores a record of a local file in the shared log as it is —
// its time and version kept — unless the very same record is there
// already (stored false): pushing twice writes nothing new. A different
// record under its key is ErrRecordExists, never replaced.
func (s *Shared) Push(r Record) (stored bool, err error) {
	created, err := s.put(r)
	if err == nil && !created {
		// There: the same record (sameAs said so), or an error.
		return false, nil
	}
	return created, err
}

// put stores r where none is. created is false when the very record is
// there already (a retried put whose first answer was lost, a push run
// again); another record under its key is ErrRecordExists.
func (s *Shared) put(r Record) (created bool, err error) {
	r.SharedLog, r.LocalOnly, r.Unconfirmed = "", false, false // a copy's marks, never stored
	if _, ok := idTime(r.RecordID); !ok {
		return false, &StoreError{Where: s.Where(), Err: fmt.Errorf("record ID %q does not name its time", r.RecordID)}
	}
	body, err := encodeLine(r)
	if err != nil {
		return false, err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	key := s.Key(r.RecordID, r.Phase)
	created, err = s.Store.PutNew(ctx, key, body)
	if err == nil && !created {
		err = s.sameAs(ctx, key, body)
	}
	if err != nil {
		return false, &StoreError{Where: s.Where(), Err: err}
	}
	return created, nil
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
	r.SharedLog = s.Where()
	if err := s.Local.Append(r); err != nil {
		s.warn(fmt.Sprintf("record %s (%s) has no local copy: %v", r.RecordID, r.Phase, err))
	}
}

// Owns says whether a record of the local file belongs to this log: its
// copy names this log, or — written before there was one — this context.
func (s *Shared) Owns(r Record) bool {
	if r.SharedLog != "" {
		return r.SharedLog == s.Where()
	}
	return r.Context == s.Context
}

// Find reads one action's two records, with one GET each. A phase the
// shared log lacks is taken from this machine's copy, marked LocalOnly:
// an outcome the log did not take, a release made before the log.
func (s *Shared) Find(recordID string) (intent, outcome *Record, err error) {
	if _, ok := idTime(recordID); !ok {
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
	if recs[0] == nil || recs[1] == nil {
		s.fromLocal(recordID, &recs)
	}
	if recs[0] == nil && recs[1] == nil {
		return nil, nil, fmt.Errorf("no audit record %s in the shared log %s, nor in this machine's copy (lockwarden audit lists them)", recordID, s.Where())
	}
	return recs[0], recs[1], nil
}

// fromLocal fills in the phases of recordID that recs lack from this
// machine's copy of this log.
func (s *Shared) fromLocal(recordID string, recs *[2]*Record) {
	if s.Local == nil {
		return
	}
	in, out, err := s.Local.Find(recordID)
	for i, r := range []*Record{in, out} {
		if err == nil && recs[i] == nil && r != nil && s.Owns(*r) {
			r.LocalOnly = true
			recs[i] = r
		}
	}
}
