package audit

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockwarden/lockwarden/buildinfo"
)

// appenderEnv makes the test binary a child process that appends records
// (see TestMain): "path worker count".
const appenderEnv = "LOCKWARDEN_AUDIT_TEST_APPENDER"

func TestMain(m *testing.M) {
	if spec := os.Getenv(appenderEnv); spec != "" {
		os.Exit(appendAsChild(spec))
	}
	os.Exit(m.Run())
}

// appendAsChild appends count records as worker, saying "ready" on stdout
// first.
func appendAsChild(spec string) int {
	var path, worker string
	var count int
	if _, err := fmt.Sscan(spec, &path, &worker, &count); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	fmt.Println("ready")
	l := &Log{Path: path}
	for i := range count {
		if err := l.Append(Record{RecordID: fmt.Sprintf("r-%s-%d", worker, i), Phase: PhaseIntent, Time: time.Now(), Reason: strings.Repeat(worker, 100)}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return 0
}

// appendInChild starts a child process appending count records as worker,
// and returns once it says it is about to.
func appendInChild(t *testing.T, path, worker string, count int) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %s %d", appenderEnv, path, worker, count))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if got, err := bufio.NewReader(out).ReadString('\n'); got != "ready\n" {
		t.Fatalf("child said %q, %v", got, err)
	}
	return cmd
}

// rawLines is the file split at newlines, with no last empty piece.
func rawLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 || b[len(b)-1] != '\n' {
		t.Fatalf("%s does not end in a newline", path)
	}
	return strings.Split(string(b[:len(b)-1]), "\n")
}

// checkAllAppended checks that the file holds a torn first line and then
// exactly the records want, each on its own line as valid JSON, with no
// blank lines.
func checkAllAppended(t *testing.T, l *Log, torn string, want map[string]bool) {
	t.Helper()
	lines := rawLines(t, l.Path)
	if lines[0] != torn {
		t.Errorf("first line %q, want the torn line %q", lines[0], torn)
	}
	got := map[string]bool{}
	for i, s := range lines[1:] {
		var r Record
		if err := json.Unmarshal([]byte(s), &r); err != nil {
			t.Fatalf("line %d is not valid JSON (%v): %q", i+2, err, s)
		}
		if got[r.RecordID] {
			t.Errorf("record %s twice", r.RecordID)
		}
		got[r.RecordID] = true
	}
	for id := range want {
		if !got[id] {
			t.Errorf("record %s lost", id)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d records, want %d", len(got), len(want))
	}
	recs, err := l.Read()
	if err != nil || len(recs) != len(want) {
		t.Errorf("read: %v, %d records", err, len(recs))
	}
}

const tornLine = `{"record_id":"r-torn","phase":"inte`

// An append after a torn line starts on a line of its own: the torn line
// stays one damaged line and the new record is whole.
func TestAppendAfterTornLine(t *testing.T) {
	l, w := warnedLog(t)
	good := line(t, Record{RecordID: "r-1", Phase: PhaseIntent})
	if err := os.WriteFile(l.Path, []byte(good+tornLine), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(Record{RecordID: "r-2", Phase: PhaseIntent}); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(Record{RecordID: "r-3", Phase: PhaseIntent}); err != nil {
		t.Fatal(err)
	}
	// Append stamps each record with the version that wrote it.
	v := buildinfo.Version()
	want := []string{strings.TrimSuffix(good, "\n"), tornLine,
		strings.TrimSuffix(line(t, Record{RecordID: "r-2", Phase: PhaseIntent, LockwardenVersion: v}), "\n"),
		strings.TrimSuffix(line(t, Record{RecordID: "r-3", Phase: PhaseIntent, LockwardenVersion: v}), "\n")}
	if got := rawLines(t, l.Path); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("file:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	recs, err := l.Read()
	if err != nil || strings.Join(ids(recs), " ") != "r-1/intent r-2/intent r-3/intent" {
		t.Errorf("read: %v %v", err, ids(recs))
	}
	if got := w.all(); len(got) != 1 || !strings.Contains(got[0], "line 2 is damaged") {
		t.Errorf("warnings %q", got)
	}
}

// An append waits for the lock another open of the file holds, in this
// process and in another one.
func TestAppendWaitsForTheLock(t *testing.T) {
	l := &Log{Path: filepath.Join(t.TempDir(), "audit.jsonl")}
	if err := l.Append(Record{RecordID: "r-0", Phase: PhaseIntent}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(l.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	unlock, err := lockFile(f, true)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 2)
	go func() { done <- l.Append(Record{RecordID: "r-goroutine", Phase: PhaseIntent}) }()
	child := appendInChild(t, l.Path, "child", 1)
	go func() { done <- child.Wait() }()
	select {
	case err := <-done:
		t.Fatalf("an append finished (%v) while the lock was held", err)
	case <-time.After(300 * time.Millisecond):
	}
	if lines := rawLines(t, l.Path); len(lines) != 1 {
		t.Fatalf("written while locked: %q", lines)
	}
	unlock()
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if recs, err := l.Read(); err != nil || len(recs) != 3 {
		t.Errorf("read: %v %v", err, ids(recs))
	}
}

// Many goroutines appending at once, after a torn line, leave every record
// whole on its own line: one newline is added after the torn line, not one
// per append that saw it.
func TestConcurrentAppends(t *testing.T) {
	l := &Log{Path: filepath.Join(t.TempDir(), "audit.jsonl")}
	if err := os.WriteFile(l.Path, []byte(tornLine), 0o600); err != nil {
		t.Fatal(err)
	}
	const workers, each = 16, 25
	want := map[string]bool{}
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		for i := range each {
			want[fmt.Sprintf("r-%d-%d", w, i)] = true
		}
		wg.Go(func() {
			for i := range each {
				errs <- l.Append(Record{RecordID: fmt.Sprintf("r-%d-%d", w, i), Phase: PhaseIntent, Reason: strings.Repeat(strconv.Itoa(w), 2000)})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	checkAllAppended(t, l, tornLine, want)
}

// The same with separate lockwarden processes.
func TestConcurrentAppendsFromProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	l := &Log{Path: filepath.Join(t.TempDir(), "audit.jsonl")}
	if err := os.WriteFile(l.Path, []byte(tornLine), 0o600); err != nil {
		t.Fatal(err)
	}
	const procs, each = 4, 50
	want := map[string]bool{}
	var children []*exec.Cmd
	for p := range procs {
		worker := "p" + strconv.Itoa(p)
		for i := range each {
			want[fmt.Sprintf("r-%s-%d", worker, i)] = true
		}
		children = append(children, appendInChild(t, l.Path, worker, each))
	}
	for _, c := range children {
		if err := c.Wait(); err != nil {
			t.Fatalf("child: %v", err)
		}
	}
	checkAllAppended(t, l, tornLine, want)
}

// The first append fsyncs every directory it made and the file's own
// directory; later ones do not.
func TestAppendFsyncsNewDirectories(t *testing.T) {
	var synced []string
	defer func(orig func(string) error) { syncDir = orig }(syncDir)
	syncDir = func(dir string) error { synced = append(synced, dir); return nil }

	root := t.TempDir()
	l := &Log{Path: filepath.Join(root, "state", "lockwarden", "audit.jsonl")}
	if err := l.Append(Record{RecordID: "r-1", Phase: PhaseIntent}); err != nil {
		t.Fatal(err)
	}
	want := []string{root, filepath.Join(root, "state"), filepath.Join(root, "state", "lockwarden")}
	if strings.Join(synced, " ") != strings.Join(want, " ") {
		t.Errorf("fsynced %q, want %q", synced, want)
	}
	synced = nil
	if err := l.Append(Record{RecordID: "r-2", Phase: PhaseIntent}); err != nil || len(synced) != 0 {
		t.Errorf("second append: %v, fsynced %q", err, synced)
	}

	// A directory that cannot be fsynced fails the append before anything
	// is recorded, and the next append tries again.
	l = &Log{Path: filepath.Join(root, "other", "audit.jsonl")}
	syncDir = func(dir string) error {
		if dir == filepath.Dir(l.Path) {
			return fmt.Errorf("no fsync here")
		}
		return nil
	}
	if err := l.Append(Record{RecordID: "r-1", Phase: PhaseIntent}); err == nil || !strings.Contains(err.Error(), "no fsync here") {
		t.Errorf("append with a failing fsync: %v", err)
	}
	if b, _ := os.ReadFile(l.Path); len(b) != 0 {
		t.Errorf("recorded %q though the directory was not fsynced", b)
	}
	synced = nil
	syncDir = func(dir string) error { synced = append(synced, dir); return nil }
	if err := l.Append(Record{RecordID: "r-1", Phase: PhaseIntent}); err != nil || len(synced) != 1 {
		t.Errorf("retry: %v, fsynced %q", err, synced)
	}
}
