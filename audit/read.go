package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode"
)

// maxLine is the longest line read as a record. No record lockwarden writes
// comes near it; a longer line is damaged, and is skipped like any other.
const maxLine = 8 << 20

// ErrNoLog is returned when the audit file does not exist yet.
var ErrNoLog = errors.New("no audit log yet")

// Read returns every record in the file, oldest first. A damaged line —
// a torn append, garbage, a record with no record_id or an unknown phase,
// a line longer than 8 MiB — is skipped and told to Warn, so that one bad
// line never hides the others. Only an I/O error fails the read.
func (l *Log) Read() ([]Record, error) {
	recs, _, err := l.read()
	return recs, err
}

// read is Read, also counting the damaged lines skipped.
func (l *Log) read() ([]Record, int, error) {
	f, err := os.Open(l.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, fmt.Errorf("%w at %s", ErrNoLog, l.Path)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("audit log %s: %w", l.Path, err)
	}
	defer f.Close()
	// A shared lock waits out an append in progress, which would otherwise
	// read as a torn line. Without it (a file system with no locks) that
	// is the worst that can happen, so the read goes on.
	if unlock, err := lockFile(f, false); err == nil {
		defer unlock()
	}
	recs, damaged, err := readRecords(f, maxLine, l.damaged)
	if err != nil {
		return recs, damaged, fmt.Errorf("audit log %s: %w", l.Path, err)
	}
	return recs, damaged, nil
}

// damaged tells Warn of line n, unless this Log already did.
func (l *Log) damaged(n int, why string) {
	if l.Warn == nil {
		return
	}
	l.mu.Lock()
	if l.warned[n] {
		l.mu.Unlock()
		return
	}
	if l.warned == nil {
		l.warned = map[int]bool{}
	}
	l.warned[n] = true
	l.mu.Unlock()
	l.Warn(fmt.Sprintf("audit log %s line %d is damaged and was skipped: %s", l.Path, n, why))
}

// readRecords parses r line by line. Each damaged line is passed to
// damaged with its number (from 1) and why, and skipped; blank lines are
// skipped silently.
func readRecords(r io.Reader, limit int, damaged func(n int, why string)) ([]Record, int, error) {
	var out []Record
	count := 0
	br := bufio.NewReaderSize(r, 64<<10)
	for n := 1; ; n++ {
		line, tooLong, err := readLine(br, limit)
		if err != nil && err != io.EOF {
			return out, count, err
		}
		switch {
		case tooLong:
			count++
			damaged(n, fmt.Sprintf("longer than %d bytes", limit))
		case len(bytes.TrimSpace(line)) > 0:
			rec, perr := parseLine(line)
			if perr != nil {
				count++
				damaged(n, printable(perr.Error()))
				break
			}
			out = append(out, rec)
		}
		if err == io.EOF {
			return out, count, nil
		}
	}
}

// readLine returns the next line without its newline; at the end of the
// input, io.EOF with the last line if it had no newline. A line longer than
// limit is read through to its end and reported as tooLong, without bytes,
// so that it costs no more memory than limit.
func readLine(br *bufio.Reader, limit int) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		chunk = bytes.TrimSuffix(chunk, []byte("\n"))
		if !tooLong && len(line)+len(chunk) > limit {
			tooLong, line = true, nil
		}
		if !tooLong {
			line = append(line, chunk...)
		}
		if err != bufio.ErrBufferFull {
			return line, tooLong, err
		}
	}
}

// parseLine reads one line as a record. JSON that is not a whole record —
// no record_id, or a phase other than intent and outcome — is damaged too:
// accepting it would list a write that cannot be found or restored.
func parseLine(line []byte) (Record, error) {
	var r Record
	if err := json.Unmarshal(line, &r); err != nil {
		return Record{}, err
	}
	if r.RecordID == "" {
		return Record{}, errors.New("no record_id")
	}
	if r.Phase != PhaseIntent && r.Phase != PhaseOutcome {
		return Record{}, fmt.Errorf("unknown phase %q", r.Phase)
	}
	return r, nil
}

// encodeLine is a record as Append writes it: one line of JSON.
func encodeLine(r Record) ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("audit record: %w", err)
	}
	return append(b, '\n'), nil
}

// printable makes a parse error safe for a terminal and short: it may
// quote bytes of the damaged line.
func printable(s string) string {
	const most = 200
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= most {
			b.WriteString("…")
			break
		}
		if unicode.IsPrint(r) {
			b.WriteRune(r)
			continue
		}
		q := strconv.QuoteRune(r)
		b.WriteString(q[1 : len(q)-1])
	}
	return b.String()
}

// Find returns the intent and outcome records of one action.
func (l *Log) Find(recordID string) (intent, outcome *Record, err error) {
	recs, damaged, err := l.read()
	if err != nil {
		return nil, nil, err
	}
	for i := range recs {
		if recs[i].RecordID != recordID {
			continue
		}
		switch recs[i].Phase {
		case PhaseIntent:
			intent = &recs[i]
		case PhaseOutcome:
			outcome = &recs[i]
		}
	}
	if intent == nil && outcome == nil {
		skipped := ""
		if damaged > 0 {
			skipped = fmt.Sprintf("; %d damaged line(s) in it were skipped", damaged)
		}
		return nil, nil, fmt.Errorf("no audit record %s in %s (lockwarden audit lists them%s)", recordID, l.Path, skipped)
	}
	return intent, outcome, nil
}
