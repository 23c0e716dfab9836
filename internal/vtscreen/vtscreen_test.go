package vtscreen

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/lockwarden/lockwarden/internal/testenv"
)

// A word redrawn over another by its changed cells only is on the screen,
// though never in the bytes; the word it replaced is gone from the screen,
// though still in the bytes.
func TestScreenShowsWhatWasDrawnNotWhatWasWritten(t *testing.T) {
	var out testenv.LockedBuffer
	scr := New(t, &out, 40, 5)
	out.Write([]byte("\x1b[?1049h\x1b[2;1Hreleased tfstate/app (audit r-1)"))
	scr.WaitText(t, "released tfstate/app")
	// "restored" over "released": only the cells that differ are sent.
	out.Write([]byte("\x1b[2;3Hstor"))
	scr.WaitText(t, "restored tfstate/app (audit r-1)")
	if strings.Contains(scr.Text(), "released") {
		t.Errorf("an overwritten word is still on the screen:\n%s", scr.Text())
	}
	if got := strings.Split(scr.Text(), "\n")[1]; got != "restored tfstate/app (audit r-1)" {
		t.Errorf("row 2 is %q", got)
	}
	// A bare line feed starts the next row at its left edge, as the
	// terminal's line discipline makes it.
	out.Write([]byte("\x1b[3;1Hone\ntwo"))
	if got := strings.Split(scr.Text(), "\n")[2:4]; got[0] != "one" || got[1] != "two" {
		t.Errorf("rows 3 and 4 are %q", got)
	}
}

// A wait that is not met fails the test, showing the screen.
func TestWaitForFailsWithTheScreen(t *testing.T) {
	var out testenv.LockedBuffer
	out.Write([]byte("nothing here"))
	ft := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		New(ft, &out, 20, 2).WaitFor(ft, "«x»", func(string) bool { return false }, 50*time.Millisecond)
	}()
	<-done
	if !strings.Contains(ft.msg, "nothing here") || !strings.Contains(ft.msg, "«x»") {
		t.Errorf("failure message %q", ft.msg)
	}
}

type fakeTB struct {
	testing.TB
	msg string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
