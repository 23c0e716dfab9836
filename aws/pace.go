package aws

import (
	"context"
	"sync"
	"time"
)

// pageRateKey carries the read rate a scan must keep to (see WithPageRate).
type pageRateKey struct{}

// WithPageRate asks LockTable.Scan to wait between pages so that the whole
// scan reads at most rcuPerSecond on average: a long scan of a small
// provisioned table then never bursts above lockwarden's read budget.
// A rate of 0 reads at full speed (the first read, which may use burst
// capacity, and list).
func WithPageRate(ctx context.Context, rcuPerSecond float64) context.Context {
	return context.WithValue(ctx, pageRateKey{}, rcuPerSecond)
}

// PageRate is the rate WithPageRate set on ctx; 0 when none was.
func PageRate(ctx context.Context) float64 { return pageRate(ctx) }

func pageRate(ctx context.Context) float64 {
	r, _ := ctx.Value(pageRateKey{}).(float64)
	return r
}

// pagePacer spaces the pages of all segments of one scan: each page
// consumed books rcu/rate seconds, and the next page waits until the time
// booked so far has passed.
type pagePacer struct {
	rate  float64
	mu    sync.Mutex
	until time.Time
}

// pagePause is how a scan waits between pages; tests replace it.
var pagePause = func(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// after books a page that consumed rcu and, when more pages of its
// segment follow, waits until the time booked so far has passed.
func (p *pagePacer) after(ctx context.Context, rcu float64, more bool) error {
	if p == nil || p.rate <= 0 || rcu <= 0 {
		return nil
	}
	p.mu.Lock()
	now := time.Now()
	if p.until.Before(now) {
		p.until = now
	}
	p.until = p.until.Add(time.Duration(rcu / p.rate * float64(time.Second)))
	wait := p.until.Sub(now)
	p.mu.Unlock()
	if !more {
		return nil
	}
	return pagePause(ctx, wait)
}
