package audit

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockwarden/lockwarden/model"
)

// memStore is an object store in memory that counts its requests and can
// be made to fail.
type memStore struct {
	mu                sync.Mutex
	objects           map[string][]byte
	puts, gets, lists int
	fail              error
}

func (m *memStore) PutNew(_ context.Context, key string, body []byte) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.puts++
	if m.fail != nil {
		return false, m.fail
	}
	if _, ok := m.objects[key]; ok {
		return false, nil
	}
	if m.objects == nil {
		m.objects = map[string][]byte{}
	}
	m.objects[key] = slices.Clone(body)
	return true, nil
}

func (m *memStore) Get(_ context.Context, key string) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gets++
	if m.fail != nil {
		return nil, false, m.fail
	}
	b, ok := m.objects[key]
	return b, ok, nil
}

func (m *memStore) List(_ context.Context, prefix string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lists++
	if m.fail != nil {
		return nil, m.fail
	}
	var out []string
	for k := range m.objects {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (m *memStore) Where() string { return "s3://team-audit" }

func sharedLog(t *testing.T, st *memStore, now time.Time) (*Shared, *[]string) {
	t.Helper()
	var warned []string
	return &Shared{Store: st, Prefix: "lockwarden", Local: &Log{Path: filepath.Join(t.TempDir(), "audit.jsonl")},
		Warn: func(m string) { warned = append(warned, m) }, Now: func() time.Time { return now }}, &warned
}

func action(now time.Time, lockID string) (Record, Record) {
	id := NewRecordID(now)
	in := Record{RecordID: id, Phase: PhaseIntent, Time: now, Action: ActionForceUnlock, Actor: "alice@a", LockID: lockID}
	out := in
	out.Phase, out.Outcome, out.Time = PhaseOutcome, OutcomeReleased, now.Add(time.Second)
	return in, out
}

// Each phase is its own object under the day its ID names, found again
// with one GET each; the local file keeps a copy.
func TestSharedLogKeysAndFind(t *testing.T) {
	now := time.Date(2026, 12, 2, 3, 40, 32, 0, time.UTC)
	st := &memStore{}
	s, _ := sharedLog(t, st, now)
	in, out := action(now, "tfstate/app/terraform.tfstate")
	for _, r := range []Record{in, out} {
		if err := s.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"lockwarden/2026/12/02/" + in.RecordID + ".intent.json", "lockwarden/2026/12/02/" + in.RecordID + ".outcome.json"}
	keys, _ := st.List(context.Background(), "")
	if !slices.Equal(keys, want) {
		t.Fatalf("keys %q, want %q", keys, want)
	}
	st.gets = 0
	gi, go_, err := s.Find(in.RecordID)
	if err != nil || gi == nil || go_ == nil || gi.Phase != PhaseIntent || go_.Outcome != OutcomeReleased {
		t.Fatalf("find: %+v %+v %v", gi, go_, err)
	}
	if st.gets != 2 {
		t.Errorf("find made %d GETs, want 2", st.gets)
	}
	local, err := s.Local.Read()
	if err != nil || len(local) != 2 {
		t.Errorf("local copy: %d records, %v", len(local), err)
	}
	if _, _, err := s.Find(NewRecordID(now)); err == nil || !strings.Contains(err.Error(), "no audit record") {
		t.Errorf("an unknown record: %v", err)
	}
}

// An intent the shared log does not take is an error and leaves no
// local copy (the write must not happen); a key already taken is never
// overwritten. An outcome that cannot be stored is still copied locally.
func TestSharedLogFailsClosed(t *testing.T) {
	now := time.Date(2026, 12, 2, 3, 40, 32, 0, time.UTC)
	st := &memStore{fail: errors.New("AccessDenied")}
	s, _ := sharedLog(t, st, now)
	in, out := action(now, "tfstate/app/terraform.tfstate")
	var serr *StoreError
	if err := s.Append(in); !errors.As(err, &serr) || !strings.Contains(err.Error(), "s3://team-audit/lockwarden") || !strings.Contains(err.Error(), "AccessDenied") {
		t.Fatalf("intent not stored: %v", err)
	}
	if _, err := s.Local.Read(); !errors.Is(err, ErrNoLog) {
		t.Errorf("an intent the shared log refused was copied locally: %v", err)
	}
	if err := s.Append(out); !errors.As(err, &serr) {
		t.Fatalf("outcome not stored: %v", err)
	}
	if local, _ := s.Local.Read(); len(local) != 1 || local[0].Phase != PhaseOutcome {
		t.Errorf("the outcome's local copy: %+v", local)
	}
	st.fail = nil
	if err := s.Append(in); err != nil {
		t.Fatal(err)
	}
	forged := in
	forged.OperatorReason = "rewritten"
	if err := s.Append(forged); !errors.Is(err, ErrRecordExists) {
		t.Fatalf("a taken key: %v", err)
	}
	if got, _, _ := s.Find(in.RecordID); got == nil || got.OperatorReason != "" {
		t.Errorf("the stored record was overwritten: %+v", got)
	}
}

// A read lists only the days in range, reads each record once, and
// merges this machine's copy; a record only the copy holds says so. An
// object that is not a record is told and skipped, never hiding others.
func TestSharedLogSince(t *testing.T) {
	now := time.Date(2026, 12, 2, 3, 40, 32, 0, time.UTC)
	st := &memStore{}
	s, warned := sharedLog(t, st, now)
	for d := 0; d < 30; d++ {
		in, out := action(now.Add(-time.Duration(d)*24*time.Hour), fmt.Sprintf("tfstate/s%d", d))
		for _, r := range []Record{in, out} {
			if err := s.Append(r); err != nil {
				t.Fatal(err)
			}
		}
	}
	early, earlyOut := action(now.Add(-26*time.Hour), "tfstate/early") // yesterday, before the range
	for _, r := range []Record{early, earlyOut} {
		if err := s.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	offline, _ := action(now.Add(-time.Hour), "tfstate/offline")
	if err := s.Local.Append(offline); err != nil {
		t.Fatal(err)
	}
	st.objects["lockwarden/2026/12/02/garbage.json"] = []byte("\x1b]52;c;aGk=\x07 not json")
	other, _ := action(now, "tfstate/other")
	b, _ := encodeLine(other)
	st.objects["lockwarden/2026/12/02/r-20261202-000000-0000000000000000.intent.json"] = b // under another ID's key
	st.lists, st.gets = 0, 0
	recs, err := s.Since(now.Add(-24 * time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if st.lists != 2 {
		t.Errorf("%d LISTs for a day back, want 2 (yesterday and today)", st.lists)
	}
	// Each record in range read once; yesterday's before the range not
	// at all (its key names its time): s1 and s0's two each, the two
	// objects that are not records.
	if st.gets != 6 {
		t.Errorf("%d GETs, want 6", st.gets)
	}
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.LockID+"/"+r.Phase)
		if r.LockID == "tfstate/offline" != r.LocalOnly {
			t.Errorf("%s: LocalOnly %v", r.LockID, r.LocalOnly)
		}
	}
	want := []string{"tfstate/s1/intent", "tfstate/s1/outcome", "tfstate/offline/intent", "tfstate/s0/intent", "tfstate/s0/outcome"}
	if !slices.Equal(ids, want) {
		t.Errorf("records %q, want %q", ids, want)
	}
	if len(*warned) != 2 || !strings.Contains(strings.Join(*warned, "\n"), "not what its key names") || strings.ContainsRune(strings.Join(*warned, ""), 0x1b) {
		t.Errorf("warnings: %q", *warned)
	}
	// The store gone: this machine's copy, each record said unconfirmed.
	st.fail = errors.New("connection refused")
	recs, err = s.Since(now.Add(-24 * time.Hour))
	var serr *StoreError
	if !errors.As(err, &serr) || len(recs) != 5 || !recs[0].Unconfirmed || recs[0].LocalOnly {
		t.Errorf("offline: %d records, %v", len(recs), err)
	}
}

// Fifty writers at once: every record stored exactly once.
func TestSharedLogConcurrentWriters(t *testing.T) {
	now := time.Date(2026, 12, 2, 3, 40, 32, 0, time.UTC)
	st := &memStore{}
	s, _ := sharedLog(t, st, now)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in, out := action(now, fmt.Sprintf("tfstate/s%d", i))
			errs <- s.Append(in)
			errs <- s.Append(out)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	recs, err := s.Since(now.Add(-time.Hour))
	if err != nil || len(recs) != 100 || len(st.objects) != 100 {
		t.Errorf("%d records, %d objects, %v", len(recs), len(st.objects), err)
	}
	for _, r := range recs {
		if r.LocalOnly {
			t.Errorf("%s is only local", r.RecordID)
		}
	}
}

// objectDenied is an error about one object alone, as aws.ObjectError.
type objectDenied struct{}

func (objectDenied) Error() string     { return "access denied to this object" }
func (objectDenied) ObjectLevel() bool { return true }

// deniedStore is a memStore that denies reading some keys.
type deniedStore struct {
	*memStore
	denied map[string]bool
}

func (d *deniedStore) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if d.denied[key] {
		return nil, false, objectDenied{}
	}
	return d.memStore.Get(ctx, key)
}

// One audit file serves two contexts with two shared logs: each log is
// read with its own records only, none twice, none said missing from the
// other; a record of either is found by ID from its own log alone, the
// copy standing in for what the log lacks. A copy that differs from the
// log's record is told.
func TestSharedLogsShareOneLocalFile(t *testing.T) {
	now := time.Date(2026, 12, 2, 3, 40, 32, 0, time.UTC)
	local := &Log{Path: filepath.Join(t.TempDir(), "audit.jsonl")}
	var warned []string
	warn := func(m string) { warned = append(warned, m) }
	prod := &Shared{Store: &memStore{}, Prefix: "prod", Local: local, Context: "prod", Warn: warn, Now: func() time.Time { return now }}
	staging := &Shared{Store: &memStore{}, Prefix: "staging", Local: local, Context: "staging", Warn: warn, Now: func() time.Time { return now }}
	pin, pout := action(now, "tfstate/prod")
	sin, sout := action(now, "tfstate/staging")
	pin.Context, pout.Context, sin.Context, sout.Context = "prod", "prod", "staging", "staging"
	for _, c := range []struct {
		s    *Shared
		recs []Record
	}{{prod, []Record{pin, pout}}, {staging, []Record{sin, sout}}} {
		for _, r := range c.recs {
			if err := c.s.Append(r); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, s := range map[string]*Shared{"prod": prod, "staging": staging} {
		recs, err := s.Since(now.Add(-time.Hour))
		if err != nil || len(recs) != 2 || recs[0].Context != name || recs[0].LocalOnly || recs[1].LocalOnly {
			t.Errorf("%s: %+v %v", name, recs, err)
		}
	}
	// The outcome the log never got: found from the copy, said so.
	delete(prod.Store.(*memStore).objects, prod.Key(pin.RecordID, PhaseOutcome))
	in, out, err := prod.Find(pin.RecordID)
	if err != nil || in == nil || in.LocalOnly || out == nil || !out.LocalOnly {
		t.Errorf("find with the outcome only in the copy: %+v %+v %v", in, out, err)
	}
	if _, _, err := staging.Find(pin.RecordID); err == nil {
		t.Errorf("staging's log found prod's record through the shared copy")
	}
	// A record of the log that differs from this machine's copy.
	forged := sin
	forged.OperatorReason = "rewritten"
	b, _ := encodeLine(forged)
	staging.Store.(*memStore).objects[staging.Key(sin.RecordID, PhaseIntent)] = b
	if recs, _ := staging.Since(now.Add(-time.Hour)); len(recs) != 2 || !strings.Contains(strings.Join(warned, "\n"), "differs from this machine's copy") {
		t.Errorf("a forged record: %d records, warnings %q", len(recs), warned)
	}
}

// An outcome stored just after midnight in its intent's day is read
// from that midnight on.
func TestSharedLogReadsAcrossMidnight(t *testing.T) {
	intentAt := time.Date(2026, 12, 1, 23, 59, 58, 0, time.UTC)
	st := &memStore{}
	s, _ := sharedLog(t, st, intentAt.Add(time.Hour))
	in, out := action(intentAt, "tfstate/late")
	out.Time = intentAt.Add(3 * time.Second) // 00:00:01, the next day
	for _, r := range []Record{in, out} {
		if err := s.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	recs, err := s.Since(time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC))
	if err != nil || len(recs) != 1 || recs[0].Phase != PhaseOutcome {
		t.Errorf("from midnight: %+v %v", recs, err)
	}
}

// An object that cannot be read (access to it alone denied) is told and
// skipped by a read, and reported by verify; the others stand.
func TestSharedLogSkipsAnUnreadableObject(t *testing.T) {
	now := time.Date(2026, 12, 2, 3, 40, 32, 0, time.UTC)
	st := &deniedStore{memStore: &memStore{}, denied: map[string]bool{}}
	var warned []string
	s := &Shared{Store: st, Prefix: "lw", Warn: func(m string) { warned = append(warned, m) }, Now: func() time.Time { return now }}
	a1, o1 := action(now.Add(-time.Minute), "tfstate/a")
	a2, o2 := action(now, "tfstate/b")
	for _, r := range []Record{a1, o1, a2, o2} {
		if err := s.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	st.denied[s.Key(a1.RecordID, PhaseIntent)] = true
	recs, err := s.Since(now.Add(-time.Hour))
	if err != nil || len(recs) != 3 || len(warned) != 1 || !strings.Contains(warned[0], "could not be read and was skipped") {
		t.Errorf("read: %d records, %v, warnings %q", len(recs), err, warned)
	}
	rep, err := s.Verify(now.Add(-time.Hour))
	if err != nil || len(rep.Unreadable) != 1 || rep.Records != 3 || len(rep.NoIntent) != 1 {
		t.Errorf("verify: %+v %v", rep, err)
	}
	if lines, worst := rep.Findings(); worst != model.Unsafe || !strings.HasPrefix(lines[0], "✗ 1 object is not a lockwarden record, or could not be read, and was skipped: lw/2026/12/02/") {
		t.Errorf("findings %q, worst %v", lines, worst)
	}
}
