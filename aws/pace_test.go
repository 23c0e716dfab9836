package aws

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// pagedTable answers every segment's scan with pages pages of pageRCU.
type pagedTable struct {
	pages   int
	pageRCU float64
}

func (p pagedTable) Scan(_ context.Context, in *dynamodb.ScanInput, _ ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	n := 0
	if in.ExclusiveStartKey != nil {
		n, _ = strconv.Atoi(in.ExclusiveStartKey["LockID"].(*types.AttributeValueMemberS).Value)
	}
	out := &dynamodb.ScanOutput{ConsumedCapacity: &types.ConsumedCapacity{CapacityUnits: sdkaws.Float64(p.pageRCU)}}
	if n+1 < p.pages {
		out.LastEvaluatedKey = map[string]types.AttributeValue{"LockID": &types.AttributeValueMemberS{Value: strconv.Itoa(n + 1)}}
	}
	return out, nil
}

// A paced scan waits between pages so that its reads, all segments
// together, spread over consumed / rate seconds; an unpaced one (the first
// read, list) never waits.
func TestScanPagesArePaced(t *testing.T) {
	var mu sync.Mutex
	var waits []time.Duration
	saved := pagePause
	t.Cleanup(func() { pagePause = saved })
	pagePause = func(_ context.Context, d time.Duration) error {
		mu.Lock()
		waits = append(waits, d)
		mu.Unlock()
		return nil
	}
	table := &LockTable{Client: pagedTable{pages: 5, pageRCU: 10}, Table: "locks", Segments: 2}

	if _, err := table.Scan(context.Background(), false); err != nil || len(waits) != 0 {
		t.Fatalf("unpaced scan: err %v, waits %v", err, waits)
	}
	snap, err := table.Scan(WithPageRate(context.Background(), 2), false)
	if err != nil {
		t.Fatal(err)
	}
	if snap.ConsumedRCU != 100 {
		t.Fatalf("consumed %.0f RCU", snap.ConsumedRCU)
	}
	// Two segments of five pages: four waits each (none after a
	// segment's last page); the pages booked before the last ones reach
	// 80 RCU at 2 RCU/s, so the longest wait is about 40 s.
	if len(waits) != 8 {
		t.Fatalf("%d waits, want 8: %v", len(waits), waits)
	}
	longest := waits[0]
	for _, w := range waits {
		longest = max(longest, w)
	}
	if longest < 39*time.Second || longest > 46*time.Second {
		t.Errorf("longest wait %s, want about 40s–45s: %v", longest, waits)
	}
}
