package audit

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/lockwarden/lockwarden/model"
	"golang.org/x/sync/errgroup"
)

// Protector is a store that can say how it keeps records from being
// replaced or removed (aws.AuditStore is one: S3 Object Lock).
type Protector interface {
	// Protection says whether the store keeps every new record from
	// being deleted or replaced, and how, in words.
	Protection(ctx context.Context) (protected bool, how string, err error)
	// Versions counts the versions (and delete markers) of each key under
	// prefix: more than one is a record replaced or deleted.
	Versions(ctx context.Context, prefix string) (map[string]int, error)
	// RetainedUntil is when key's retention ends; zero when it has none.
	RetainedUntil(ctx context.Context, key string) (time.Time, error)
}

// VerifyReport is what audit verify found in a range of the shared log.
type VerifyReport struct {
	Where   string
	Records int
	// NoOutcome are actions whose intent was stored and whose outcome was
	// not: a crash between the two, or a write still running. restore
	// works from the intent.
	NoOutcome []string
	// NoIntent are outcomes stored without their intent: the log was
	// written around.
	NoIntent []string
	// Unreadable are keys whose object is not a lockwarden record of
	// that key (garbage, another record's bytes), with why.
	Unreadable []string
	// Replaced are keys with more than one version: a record overwritten
	// or deleted.
	Replaced []string
	// Protected says whether the store keeps records from being replaced
	// or removed; Protection says how, or why not. Unretained are records
	// with no retention of their own in a store that has one.
	Protected  bool
	Protection string
	Unretained []string
}

// Verify reads the shared log from a time on (the whole log for the zero
// time) and reports what cannot be trusted in it. An object that is not
// a record never hides the others.
func (s *Shared) Verify(from time.Time) (VerifyReport, error) {
	rep := VerifyReport{Where: s.Where()}
	ctx, cancel := context.WithTimeout(context.Background(), 10*cmp.Or(s.Timeout, 15*time.Second))
	defer cancel()
	keys, err := s.listFrom(ctx, from)
	if err != nil {
		return rep, &StoreError{Where: s.Where(), Err: err}
	}
	recs := make([]*Record, len(keys))
	bad := make([]string, len(keys))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(cmp.Or(s.Parallel, defaultParallel))
	for i, key := range keys {
		g.Go(func() error {
			body, found, err := s.Store.Get(gctx, key)
			if objectLevel(err) {
				bad[i] = key + ": " + printable(err.Error())
				return nil
			}
			if err != nil || !found {
				return err
			}
			r, perr := parseObject(key, body)
			if perr != nil {
				bad[i] = key + ": " + printable(perr.Error())
				return nil
			}
			recs[i] = &r
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return rep, &StoreError{Where: s.Where(), Err: err}
	}
	var good []Record
	for i := range keys {
		switch {
		case bad[i] != "":
			rep.Unreadable = append(rep.Unreadable, bad[i])
		case recs[i] != nil:
			good = append(good, *recs[i])
		}
	}
	rep.Records = len(good)
	for _, a := range Group(good) {
		switch {
		case a.Outcome == nil:
			rep.NoOutcome = append(rep.NoOutcome, a.Intent.RecordID)
		case a.Intent == nil:
			rep.NoIntent = append(rep.NoIntent, a.Outcome.RecordID)
		}
	}
	p, ok := s.Store.(Protector)
	if !ok {
		rep.Protection = "the store cannot say how its records are protected"
		return rep, nil
	}
	return rep, s.protection(ctx, p, from, keys, &rep)
}

// protection fills in how the records are protected: the store's Object
// Lock, each record of keys' retention, and the keys in range replaced or
// deleted.
func (s *Shared) protection(ctx context.Context, p Protector, from time.Time, keys []string, rep *VerifyReport) error {
	var err error
	if rep.Protected, rep.Protection, err = p.Protection(ctx); err != nil {
		return &StoreError{Where: s.Where(), Err: err}
	}
	// Every day in range, not only those that hold a record now: a day
	// deleted whole still has its versions and delete markers.
	for _, dir := range s.dayPrefixes(from) {
		versions, err := p.Versions(ctx, dir)
		if err != nil {
			return &StoreError{Where: s.Where(), Err: err}
		}
		for _, k := range slices.Sorted(maps.Keys(versions)) {
			if versions[k] > 1 {
				rep.Replaced = append(rep.Replaced, fmt.Sprintf("%s (%d versions)", k, versions[k]))
			}
		}
	}
	if !rep.Protected {
		return nil
	}
	until := make([]time.Time, len(keys))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(cmp.Or(s.Parallel, defaultParallel))
	for i, k := range keys {
		g.Go(func() (err error) {
			until[i], err = p.RetainedUntil(gctx, k)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return &StoreError{Where: s.Where(), Err: err}
	}
	now := s.now()
	for i, k := range keys {
		if !until[i].After(now) {
			rep.Unretained = append(rep.Unretained, k)
		}
	}
	return nil
}

// Findings are the report's lines, each beginning with its severity's
// mark, and the worst severity among them.
func (r VerifyReport) Findings() (lines []string, worst model.Severity) {
	add := func(v model.Severity, line string) {
		lines = append(lines, v.Mark()+" "+line)
		worst = max(worst, v)
	}
	list := func(ids []string) string {
		if len(ids) > 5 {
			return strings.Join(ids[:5], ", ") + fmt.Sprintf(" and %d more", len(ids)-5)
		}
		return strings.Join(ids, ", ")
	}
	switch {
	case r.Records == 0 && len(r.Unreadable) == 0:
		add(model.Fine, "no records in range")
	case len(r.Unreadable) > 0:
		n := len(r.Unreadable)
		add(model.Unsafe, fmt.Sprintf("%d %s, or could not be read, and %s skipped: %s", n, model.Plural(n, "object is not a lockwarden record", "objects are not lockwarden records"), model.Plural(n, "was", "were"), list(r.Unreadable)))
	default:
		add(model.Fine, fmt.Sprintf("%d %s, every one readable and lockwarden's", r.Records, model.Plural(r.Records, "record", "records")))
	}
	if len(r.Replaced) > 0 {
		add(model.Unsafe, fmt.Sprintf("%d %s more than one version — replaced or deleted since written: %s", len(r.Replaced), model.Plural(len(r.Replaced), "record has", "records have"), list(r.Replaced)))
	}
	if len(r.NoIntent) > 0 {
		add(model.Unsafe, fmt.Sprintf("%d %s no intent record: written around lockwarden's write-ahead: %s", len(r.NoIntent), model.Plural(len(r.NoIntent), "outcome has", "outcomes have"), list(r.NoIntent)))
	}
	if len(r.NoOutcome) > 0 {
		add(model.Warning, fmt.Sprintf("%d %s no outcome — a crash between intent and outcome, a write whose answer was lost, or one still running; restore works from the intent, and asks first: %s", len(r.NoOutcome), model.Plural(len(r.NoOutcome), "action has", "actions have"), list(r.NoOutcome)))
	}
	switch {
	case !r.Protected:
		add(model.Warning, "not protected: "+r.Protection)
	case len(r.Unretained) > 0:
		add(model.Warning, fmt.Sprintf("%s, but %d %s no retention now: %s", r.Protection, len(r.Unretained), model.Plural(len(r.Unretained), "record has", "records have"), list(r.Unretained)))
	default:
		add(model.Fine, "protected: "+r.Protection+"; every record is under retention")
	}
	return lines, worst
}
