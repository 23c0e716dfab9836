// Package vtscreen lets a test read what a terminal program has drawn, not
// the bytes it wrote: the output goes through a virtual terminal
// (charmbracelet/x/vt) and waits ask that terminal's screen. Bubble Tea
// v2's renderer writes only the cells that changed, so a search of its
// bytes can miss text that is on screen ("restored" drawn over "released"
// arrives as "stored") and find text that has since been overwritten.
package vtscreen

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/vt"
)

// DefaultTimeout is how long WaitText waits before it fails the test.
const DefaultTimeout = 10 * time.Second

// Screen is a virtual terminal fed from a program's output.
type Screen struct {
	mu  sync.Mutex
	out io.Reader
	em  *vt.Emulator
}

// New returns the screen of a width×height terminal that out is drawn on,
// teatest's TestModel.Output() for one. The Screen reads out from then
// on: nothing else should.
func New(tb testing.TB, out io.Reader, width, height int) *Screen {
	tb.Helper()
	em := vt.NewEmulator(width, height)
	// The terminal answers some of what a program writes (queries of its
	// colours, modes, size) on its input side; no one reads those here,
	// and an unread answer would block the next write.
	go func() { _, _ = io.Copy(io.Discard, em) }()
	// Closing the answers' pipe ends that copy. Emulator.Close would too,
	// but it sets a flag Read checks unguarded: the race detector rightly
	// calls that a data race.
	tb.Cleanup(func() {
		if pw, ok := em.InputPipe().(*io.PipeWriter); ok {
			_ = pw.Close()
		}
	})
	return &Screen{out: out, em: em}
}

// Text is the screen as it stands after all the output so far, one line a
// row, without trailing spaces.
func (s *Screen) Text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	// The output is a buffer, read to its end: nothing to wait for.
	_, _ = io.Copy(onlcr{s.em}, s.out)
	rows := strings.Split(s.em.String(), "\n")
	for i, r := range rows {
		rows[i] = strings.TrimRight(r, " ")
	}
	return strings.Join(rows, "\n")
}

// WaitFor waits until cond holds for the screen's text and fails the test
// with the last screen when it does not within timeout.
func (s *Screen) WaitFor(tb testing.TB, what string, cond func(screen string) bool, timeout time.Duration) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		text := s.Text()
		if cond(text) {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("after %s the screen still lacks %s:\n%s", timeout, what, text)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// WaitText waits until every one of want is on the screen at once, each
// within one row.
func (s *Screen) WaitText(tb testing.TB, want ...string) {
	tb.Helper()
	s.WaitFor(tb, quoteAll(want), func(screen string) bool {
		for _, w := range want {
			if !strings.Contains(screen, w) {
				return false
			}
		}
		return true
	}, DefaultTimeout)
}

// onlcr does what a terminal's line discipline does on output (ONLCR):
// a line feed goes out as carriage return and line feed. Bubble Tea's
// renderer counts on it; the emulator, which has no tty in front, does
// not do it itself.
type onlcr struct{ w io.Writer }

func (o onlcr) Write(p []byte) (int, error) {
	if _, err := o.w.Write(bytes.ReplaceAll(p, []byte("\n"), []byte("\r\n"))); err != nil {
		return 0, err
	}
	return len(p), nil
}

func quoteAll(want []string) string {
	q := make([]string, len(want))
	for i, w := range want {
		q[i] = "«" + w + "»"
	}
	return strings.Join(q, " and ")
}
