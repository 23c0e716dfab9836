package model

import (
	"fmt"
	"math"
	"time"
)

// BillingMode is how a lock table pays for its reads.
type BillingMode int

// The billing modes DescribeTable can report; BillingUnknown when it was
// not asked, was denied, or did not say.
const (
	BillingUnknown BillingMode = iota
	BillingProvisioned
	BillingOnDemand
)

// TableCapacity is what a table's description says about its reads.
type TableCapacity struct {
	Mode BillingMode
	// ReadUnits is the provisioned read capacity in RCU; 0 on demand or
	// when unknown.
	ReadUnits float64
}

// ReadBudget bounds what polling may read, so that lockwarden never takes
// the capacity Terraform's own lock and digest reads need.
type ReadBudget struct {
	// Share is the part of a provisioned table's read capacity that
	// polling may use on average (max_read_share).
	Share float64
	// UnitsPerHour bounds the read request units polling an on-demand
	// table may use (max_read_units_per_hour).
	UnitsPerHour float64
}

// DefaultMaxReadShare leaves three quarters of a provisioned table's read
// capacity to Terraform.
const DefaultMaxReadShare = 0.25

// DefaultMaxReadUnitsPerHour bounds polling of an on-demand table: 36,000
// RRU an hour, 864,000 a day, ≈ $0.11 a day at $0.125 per million (us-east-1).
const DefaultMaxReadUnitsPerHour = 36000

// maxThrottleDoublings caps how far throttling slows polling: 64× the
// budgeted spacing.
const maxThrottleDoublings = 6

// PollPace is the wait before the next poll and, when it is longer than
// the poll interval, why.
type PollPace struct {
	Wait time.Duration
	// Reason is "" when the poll interval is kept, else e.g.
	// "read budget: 25% of 5 RCU" or "throttled: 2× slower".
	Reason string
}

// PacePolls spaces polls so that the capacity a scan consumed is spread
// over enough time to stay within the budget: consumed / (share × RCU)
// seconds on a provisioned table, consumed / (units per hour / 3600) on
// demand. It never returns less than interval; with the capacity unknown
// or nothing consumed (emulators report none), interval is kept. Each
// throttled poll in a row doubles the wait.
func PacePolls(interval time.Duration, consumedRCU float64, capacity TableCapacity, budget ReadBudget, throttles int) PollPace {
	rate := ReadRate(capacity, budget)
	var why string
	switch {
	case rate > 0 && capacity.Mode == BillingProvisioned:
		why = fmt.Sprintf("read budget: %g%% of %g RCU", budget.Share*100, capacity.ReadUnits)
	case rate > 0:
		why = fmt.Sprintf("read budget: %s RRU/hour", thousands(budget.UnitsPerHour))
	}
	pace := PollPace{Wait: interval}
	if rate > 0 && consumedRCU > 0 {
		// Whole seconds, rounded up: rounding down would overspend.
		if spaced := time.Duration(math.Ceil(consumedRCU/rate-1e-9)) * time.Second; spaced > interval {
			pace = PollPace{Wait: spaced, Reason: why}
		}
	}
	if throttles > 0 {
		n := min(throttles, maxThrottleDoublings)
		pace.Wait <<= n
		slower := fmt.Sprintf("throttled: %d× slower", 1<<n)
		if pace.Reason != "" {
			slower = pace.Reason + " · " + slower
		}
		pace.Reason = slower
	}
	return pace
}

// ReadRate is the average read capacity, in units per second, that
// polling may use: share × RCU on a provisioned table, units per hour /
// 3600 on demand, 0 (no pacing) when the capacity is unknown.
func ReadRate(capacity TableCapacity, budget ReadBudget) float64 {
	switch capacity.Mode {
	case BillingProvisioned:
		if capacity.ReadUnits > 0 && budget.Share > 0 {
			return budget.Share * capacity.ReadUnits
		}
	case BillingOnDemand:
		if budget.UnitsPerHour > 0 {
			return budget.UnitsPerHour / 3600
		}
	}
	return 0
}

// thousands writes a whole number with thousands separators: 36,000.
func thousands(f float64) string {
	s := fmt.Sprintf("%.0f", f)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
