package model

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// DefaultStaleAfter is how old a lock must be before lockwarden calls it
// stale, unless configured otherwise.
const DefaultStaleAfter = time.Hour

// Age is how long a lock has been held, by our clock against the holder's
// Created. ClockAhead is set when Created lies in our future: the holder's
// clock is ahead of ours, and the age is then unknown rather than negative.
type Age struct {
	Held       time.Duration
	ClockAhead bool
	// Ahead is how far the holder's clock is ahead, when ClockAhead.
	Ahead time.Duration
	// Known is false when the lock carries no Created time, or one out of
	// range (OutOfRange).
	Known bool
	// OutOfRange is set when Created is so far from now that no duration
	// can say how far (before 1678 or after 2262, or some 292 years away):
	// the age is unknown, never a saturated or wrapped-around number.
	OutOfRange bool
}

// CreatedKnown reports whether the lock carries a Created time lockwarden
// can reason about: set, and within the years that a Unix time in
// nanoseconds — what Prometheus and time.Duration hold — can express.
func (li LockInfo) CreatedKnown() bool {
	c := li.Created
	return !c.IsZero() && !c.Before(minCreated) && !c.After(maxCreated)
}

// minCreated and maxCreated bound a Created time in nanoseconds since the
// Unix epoch: 1677-09-21 to 2262-04-11.
var (
	minCreated = time.Unix(0, math.MinInt64)
	maxCreated = time.Unix(0, math.MaxInt64)
)

// AgeAt returns the lock's age at now.
func (e Entry) AgeAt(now time.Time) Age {
	if e.Kind != KindLock || e.Info.Created.IsZero() {
		return Age{}
	}
	if !e.Info.CreatedKnown() {
		return Age{OutOfRange: true}
	}
	d := now.Sub(e.Info.Created)
	if d == math.MaxInt64 || d == math.MinInt64 {
		return Age{OutOfRange: true} // Sub saturated: centuries apart
	}
	if d < 0 {
		return Age{Known: true, ClockAhead: true, Ahead: -d}
	}
	return Age{Known: true, Held: d}
}

// StaleAt reports whether the lock has been held for at least staleAfter.
// A lock whose holder clock is ahead of ours, or without a Created time, is
// not called stale: we cannot tell how long it has been held.
func (e Entry) StaleAt(now time.Time, staleAfter time.Duration) bool {
	a := e.AgeAt(now)
	return a.Known && !a.ClockAhead && a.Held >= staleAfter
}

// FreshAt reports whether e is a lock not yet stale at now: releasing it
// takes a second confirmation (or --allow-fresh). A lock of unknown age is
// fresh: nobody can say it is stale.
func (e Entry) FreshAt(now time.Time, staleAfter time.Duration) bool {
	return e.Kind == KindLock && !e.StaleAt(now, staleAfter)
}

// String renders the age for a table cell: "4s", "1m03s", "3h12m", "3d 4h".
func (a Age) String() string {
	switch {
	case a.OutOfRange:
		return "bad Created"
	case !a.Known:
		return "—"
	case a.ClockAhead:
		return "clock ahead " + FormatDuration(a.Ahead)
	}
	return FormatDuration(a.Held)
}

// FormatDuration renders a duration compactly for people: "4s", "1m03s",
// "3h12m", "3d 4h".
func FormatDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	s := int64(d / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	case s < 86400:
		return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	default:
		return fmt.Sprintf("%dd %dh", s/86400, s%86400/3600)
	}
}

// DefaultPollInterval is how often the UI reads a lock table by default,
// before the read budget spaces the reads of a small table further.
const DefaultPollInterval = 5 * time.Second

// DefaultS3PollInterval is how often buckets are listed by default: a
// bucket of 10,000 objects then costs 10 LIST requests a minute, about
// $0.07 a day at S3's list price.
const DefaultS3PollInterval = time.Minute

// FormatThreshold renders a configured duration without trailing zero
// units, with days as lockwarden shows ages: 1h, 90m, 1h30m, 45s, 2d,
// 3d4h. ParseDuration reads it back.
func FormatThreshold(d time.Duration) string {
	var days string
	if d >= 24*time.Hour {
		days = fmt.Sprintf("%dd", d/(24*time.Hour))
		d %= 24 * time.Hour
		if d == 0 {
			return days
		}
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return days + s
}

// ParseDuration reads a duration as lockwarden shows them: Go's units
// (90m, 2h30m) plus whole days in front (1d, 3d4h, "3d 4h").
func ParseDuration(s string) (time.Duration, error) {
	in := strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	var days time.Duration
	if i := strings.IndexByte(in, 'd'); i >= 0 {
		n, err := strconv.ParseUint(in[:i], 10, 16)
		if err != nil {
			return 0, fmt.Errorf("%q: days must be a whole number, as in 1d or 3d4h", s)
		}
		days, in = time.Duration(n)*24*time.Hour, in[i+1:]
		if in == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(in)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration such as 90m, 2h or 3d4h", s)
	}
	if days > 0 && d < 0 {
		return 0, fmt.Errorf("%q mixes signs", s)
	}
	return days + d, nil
}
