package model

import (
	"testing"
	"time"
)

func TestParseDurationReadsWhatIsShown(t *testing.T) {
	good := map[string]time.Duration{
		"90m": 90 * time.Minute, "2h": 2 * time.Hour, "1d": 24 * time.Hour, "3d4h": 76 * time.Hour,
		"3d 4h": 76 * time.Hour, "1d30m": 24*time.Hour + 30*time.Minute, "45s": 45 * time.Second,
	}
	for in, want := range good {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "1.5d", "-1d", "1dd", "3d4", "forever", "1d-2h", "d4h"} {
		if got, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", in, got)
		}
	}
	// What FormatThreshold shows, ParseDuration reads back.
	for _, d := range []time.Duration{time.Hour, 90 * time.Minute, 48 * time.Hour, 76 * time.Hour, 24*time.Hour + 90*time.Second} {
		if got, err := ParseDuration(FormatThreshold(d)); err != nil || got != d {
			t.Errorf("%v shown as %q reads back as %v, %v", d, FormatThreshold(d), got, err)
		}
	}
	if got := FormatThreshold(76 * time.Hour); got != "3d4h" {
		t.Errorf("FormatThreshold(76h) = %q", got)
	}
}
