package model

import (
	"testing"
	"time"
)

func TestPacePolls(t *testing.T) {
	prov5 := TableCapacity{Mode: BillingProvisioned, ReadUnits: 5}
	budget := ReadBudget{Share: DefaultMaxReadShare, UnitsPerHour: DefaultMaxReadUnitsPerHour}
	tests := []struct {
		name      string
		interval  time.Duration
		consumed  float64
		capacity  TableCapacity
		budget    ReadBudget
		throttles int
		want      time.Duration
		reason    string
	}{
		{"the issue's table: 270 RCU a scan on 5 RCU at 25%", time.Second, 270, prov5, budget, 0, 216 * time.Second, "read budget: 25% of 5 RCU"},
		{"a small scan keeps the interval", 5 * time.Second, 2, prov5, budget, 0, 5 * time.Second, ""},
		{"never below the interval", 10 * time.Minute, 270, prov5, budget, 0, 10 * time.Minute, ""},
		{"a larger share spaces less", time.Second, 270, prov5, ReadBudget{Share: 0.5}, 0, 108 * time.Second, "read budget: 50% of 5 RCU"},
		{"on demand: 36,000 RRU an hour is 10 a second", time.Second, 270, TableCapacity{Mode: BillingOnDemand}, budget, 0, 27 * time.Second, "read budget: 36,000 RRU/hour"},
		{"on demand, small scan", 5 * time.Second, 0.5, TableCapacity{Mode: BillingOnDemand}, budget, 0, 5 * time.Second, ""},
		{"capacity unknown (DescribeTable denied)", 5 * time.Second, 270, TableCapacity{}, budget, 0, 5 * time.Second, ""},
		{"provisioned but zero RCU reported", 5 * time.Second, 270, TableCapacity{Mode: BillingProvisioned}, budget, 0, 5 * time.Second, ""},
		{"nothing consumed (an emulator)", 5 * time.Second, 0, prov5, budget, 0, 5 * time.Second, ""},
		{"zero share: no pacing", 5 * time.Second, 270, prov5, ReadBudget{}, 0, 5 * time.Second, ""},
		{"throttled once doubles the budgeted spacing", time.Second, 270, prov5, budget, 1, 432 * time.Second, "read budget: 25% of 5 RCU · throttled: 2× slower"},
		{"throttled twice", time.Second, 270, prov5, budget, 2, 864 * time.Second, "read budget: 25% of 5 RCU · throttled: 4× slower"},
		{"throttled with the capacity unknown doubles the interval", 5 * time.Second, 0, TableCapacity{}, budget, 1, 10 * time.Second, "throttled: 2× slower"},
		{"throttling is capped at 64×", 5 * time.Second, 0, TableCapacity{}, budget, 40, 320 * time.Second, "throttled: 64× slower"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PacePolls(tt.interval, tt.consumed, tt.capacity, tt.budget, tt.throttles)
			if got.Wait != tt.want || got.Reason != tt.reason {
				t.Errorf("PacePolls = %s %q; want %s %q", got.Wait, got.Reason, tt.want, tt.reason)
			}
		})
	}
}
