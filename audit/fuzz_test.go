package audit

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/lockwarden/lockwarden/model"
)

// FuzzAuditLine feeds arbitrary bytes to the audit-line parser and to Read.
// Parsing never panics; a line that parses as a record is written back by
// Append's encoding as one line that parses to the same record, whose
// encoding is then stable (restore writes back items read from the log);
// and whatever bytes sit between two good lines of a file, Read neither
// fails nor loses those two, and tells each damaged line once, printably.
func FuzzAuditLine(f *testing.F) {
	now := time.Date(2026, 11, 26, 7, 15, 2, 123456789, time.FixedZone("", 3600))
	item := model.Item{"LockID": model.String("b/k"), "N": {Type: model.TypeN, S: "7"}, "B": {Type: model.TypeB, B: []byte{0, 1}},
		"L": {Type: model.TypeL, L: []model.Attribute{{Type: model.TypeNULL}, {Type: model.TypeBOOL, BOOL: true}}},
		"M": {Type: model.TypeM, M: map[string]model.Attribute{"SS": {Type: model.TypeSS, Set: []string{"a"}}, "BS": {Type: model.TypeBS, BS: [][]byte{{9}}}}}}
	full, err := encodeLine(Record{RecordID: "r-20261126-071502-0123456789abcdef", Phase: PhaseOutcome, Time: now, Action: ActionForceUnlock,
		Actor: "arn:aws:iam::1:user/a", Region: "eu-west-1", Table: "locks", LockID: "b/k", Observed: item, Item: item,
		ObservedFile: &model.LockFile{Bucket: "b", Key: "k.tflock"}, Outcome: OutcomeReleased, Reason: "held 3h"})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		string(full), string(full[:len(full)/2]), "", "null", "{}", "[]", `"x"`, "\x00\xff",
		`{"record_id":"r","phase":"intent"}{"record_id":"r","phase":"intent"}`,
		`{"record_id":"r","phase":"intent","observed":{},"item":{"A":{"NULL":false}},"file":null}`,
		`{"record_id":"r","phase":"intent","item":{"A":{"S":"x","N":"1"}}}`,
		`{"record_id":"r","phase":"outcome","time":"2026-11-26T07:15:02.1234567891+23:59"}`,
		`{"record_id":"\u001b[2J","phase":"intent","lock_id":"\ud800"}`,
		"{\"record_id\":\"r\",\"phase\":\"intent\"}\n\x1b]0;x\x07\n{\"phase\":\"\u2028\"}",
	} {
		f.Add([]byte(seed))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		if rec, err := parseLine(b); err == nil {
			enc, err := encodeLine(rec)
			if err != nil {
				t.Fatalf("a record read from the log cannot be written back: %v\n%+v", err, rec)
			}
			if bytes.IndexByte(enc, '\n') != len(enc)-1 {
				t.Fatalf("encoded record is not one line: %q", enc)
			}
			again, err := parseLine(enc[:len(enc)-1])
			if err != nil {
				t.Fatalf("written back, the record does not parse: %v\n%s", err, enc)
			}
			if enc2, _ := encodeLine(again); !bytes.Equal(enc, enc2) {
				t.Fatalf("encoding is not stable:\n%s%s", enc, enc2)
			}
			if !reflect.DeepEqual(asKept(again), asKept(rec)) {
				t.Fatalf("round trip changed the record:\n%+v\n%+v", rec, again)
			}
		}

		path := filepath.Join(dir, "audit.jsonl")
		content := "{\"record_id\":\"r-first\",\"phase\":\"intent\"}\n" + string(b) + "\n{\"record_id\":\"r-last\",\"phase\":\"outcome\"}\n"
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		var warnings []string
		l := &Log{Path: path, Warn: func(msg string) { warnings = append(warnings, msg) }}
		recs, damaged, err := l.read()
		if err != nil {
			t.Fatalf("read failed: %v", err)
		}
		if len(recs) < 2 || recs[0].RecordID != "r-first" || recs[len(recs)-1].RecordID != "r-last" {
			t.Fatalf("good lines lost around %q: %v", b, ids(recs))
		}
		if len(warnings) != damaged || damaged > bytes.Count(b, []byte("\n"))+1 {
			t.Fatalf("%d damaged, warnings %q", damaged, warnings)
		}
		for _, w := range warnings {
			if strings.IndexFunc(w, func(r rune) bool { return !unicode.IsPrint(r) && r != ' ' }) >= 0 {
				t.Fatalf("warning with a control character: %q", w)
			}
		}
	})
}

// asKept is r as the log keeps it, for reflect.DeepEqual: an empty
// item is written as no item (omitempty) and read back as nil, and a time
// is the same instant whatever its zone.
func asKept(r Record) Record {
	if len(r.Observed) == 0 {
		r.Observed = nil
	}
	if len(r.Item) == 0 {
		r.Item = nil
	}
	r.Time = r.Time.UTC()
	for _, f := range []**model.LockFile{&r.ObservedFile, &r.File} {
		if *f != nil {
			c := **f
			c.LastModified = c.LastModified.UTC()
			*f = &c
		}
	}
	return r
}
