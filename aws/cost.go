package aws

import (
	"fmt"
	"time"

	"github.com/lockwarden/lockwarden/model"
)

// S3's request prices (S3 Standard, us-east-1), in dollars per request:
// LIST requests are billed at $0.005 per 1,000, GET at $0.0004 per 1,000.
// A ListObjectsV2 page holds up to 1,000 keys.
const (
	ListRequestPrice = 0.005 / 1000
	GetRequestPrice  = 0.0004 / 1000
)

// S3CostPerDay is what polling the buckets every interval costs in S3
// requests over a day, in dollars: requests per poll × polls per day ×
// price.
func S3CostPerDay(lists, gets int, every time.Duration) float64 {
	if every <= 0 {
		return 0
	}
	polls := float64(24*time.Hour) / float64(every)
	return (float64(lists)*ListRequestPrice + float64(gets)*GetRequestPrice) * polls
}

// S3PollCost says what one listing of the buckets cost and what polling
// at that rate costs a day: "10 LIST + 2 GET per poll, every 1m: ≈
// $0.072/day".
func S3PollCost(lists, gets int, every time.Duration) string {
	return fmt.Sprintf("%d LIST + %d GET per poll, every %s: ≈ $%.3f/day", lists, gets, model.FormatThreshold(every), S3CostPerDay(lists, gets, every))
}
