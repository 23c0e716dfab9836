package audit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
)

// Since reads the shared log from a time on, listing only the days in
// range, merged with this machine's copy of this log. A record of the
// copy that the log does not hold is returned with LocalOnly set; one
// whose copy differs from the log's is told to Warn (the log's stands).
// When the store cannot be read, the copy is returned, every record
// Unconfirmed, with a *StoreError.
func (s *Shared) Since(from time.Time) ([]Record, error) {
	shared, serr := s.readShared(from)
	var local []Record
	if s.Local != nil {
		var err error
		if local, err = s.Local.Since(from); err != nil && !errors.Is(err, ErrNoLog) {
			s.warn(fmt.Sprintf("the local copy could not be read: %v", err))
		}
	}
	byKey := map[string]Record{}
	for _, r := range shared {
		byKey[r.RecordID+"/"+r.Phase] = r
	}
	out := shared
	for _, r := range local {
		if !s.Owns(r) {
			continue
		}
		have, inShared := byKey[r.RecordID+"/"+r.Phase]
		switch {
		case inShared && !sameRecord(have, r):
			s.warn(fmt.Sprintf("record %s (%s) in %s differs from this machine's copy (%s): the shared log's is shown; lockwarden audit verify checks the log", r.RecordID, r.Phase, s.Where(), s.Local.Path))
		case inShared:
		case serr != nil:
			r.Unconfirmed = true
			out = append(out, r)
		default:
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

// sameRecord says whether a stored record and this machine's copy of it
// say the same, the copy's marks aside.
func sameRecord(stored, copy Record) bool {
	copy.SharedLog, copy.LocalOnly, copy.Unconfirmed = "", false, false
	a, aerr := encodeLine(stored)
	b, berr := encodeLine(copy)
	return aerr == nil && berr == nil && string(a) == string(b)
}

// readShared lists the days in range and reads every record in them,
// Parallel at a time. An object that cannot be read, or is not a record,
// is told and skipped: it never hides the others.
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
			if objectLevel(err) {
				s.warn(fmt.Sprintf("shared audit log %s: %s could not be read and was skipped: %v", s.Where(), key, err))
				return nil
			}
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

// dayPrefixes are the prefixes a read from a time on lists: each day
// from that of from, less actionSlack, to today; for the zero time, the
// whole log.
func (s *Shared) dayPrefixes(from time.Time) []string {
	root := s.Prefix
	if root != "" {
		root += "/"
	}
	if from.IsZero() {
		return []string{root}
	}
	var days []string
	for d := from.Add(-actionSlack).UTC().Truncate(24 * time.Hour); !d.After(s.now()); d = d.Add(24 * time.Hour) {
		days = append(days, root+dayDir(d)+"/")
	}
	return days
}

// listFrom lists the record keys of the days in range, listParallel days
// at a time.
func (s *Shared) listFrom(ctx context.Context, from time.Time) ([]string, error) {
	days := s.dayPrefixes(from)
	lists := make([][]string, len(days))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(listParallel)
	for i, day := range days {
		g.Go(func() (err error) {
			lists[i], err = s.Store.List(gctx, day)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return slices.Concat(lists...), nil
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
	// A reader's marks, never stored.
	r.SharedLog, r.LocalOnly, r.Unconfirmed = "", false, false
	if want := r.RecordID + "." + r.Phase + ".json"; path.Base(key) != want {
		return Record{}, fmt.Errorf("it holds %s, not what its key names", want)
	}
	return r, nil
}
