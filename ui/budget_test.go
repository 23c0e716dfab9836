package ui

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/config"
)

// recordingDynamo stands in for DynamoDB at the SDK's edge: a table
// provisioned with rcu read units whose every Scan page costs pageRCU.
// It counts Scan requests and the capacity they consumed, and can refuse
// DescribeTable or throttle the next scans.
type recordingDynamo struct {
	mu             sync.Mutex
	rcu            int64
	pageRCU        float64
	pages          int // pages per segment's scan
	scans          int
	consumed       float64
	describeDenied bool
	throttleNext   int
	describeCalls  int
}

func (d *recordingDynamo) Scan(_ context.Context, in *dynamodb.ScanInput, _ ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.throttleNext > 0 {
		d.throttleNext--
		return nil, &smithy.GenericAPIError{Code: "ProvisionedThroughputExceededException", Message: "rate exceeded"}
	}
	d.scans++
	d.consumed += d.pageRCU
	out := &dynamodb.ScanOutput{ConsumedCapacity: &types.ConsumedCapacity{CapacityUnits: sdkaws.Float64(d.pageRCU)}}
	page := 0
	if in.ExclusiveStartKey != nil {
		page = len(in.ExclusiveStartKey["LockID"].(*types.AttributeValueMemberS).Value)
	}
	if page+1 < d.pages {
		out.LastEvaluatedKey = map[string]types.AttributeValue{"LockID": &types.AttributeValueMemberS{Value: strings.Repeat("k", page+1)}}
	}
	return out, nil
}

func (d *recordingDynamo) DescribeTable(_ context.Context, in *dynamodb.DescribeTableInput, _ ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.describeCalls++
	if d.describeDenied {
		return nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized to perform dynamodb:DescribeTable"}
	}
	return &dynamodb.DescribeTableOutput{Table: &types.TableDescription{
		TableName:             in.TableName,
		ProvisionedThroughput: &types.ProvisionedThroughputDescription{ReadCapacityUnits: sdkaws.Int64(d.rcu), WriteCapacityUnits: sdkaws.Int64(5)},
	}}, nil
}

// budgetModel starts the UI on a lock table read through d, polling every
// second as the operator asked, and runs its first read and the
// table's description (as the runtime would run Init's commands).
func budgetModel(t *testing.T, d *recordingDynamo) Model {
	t.Helper()
	testNow = t0
	src := &lwaws.Locks{Table: &lwaws.LockTable{Client: d, Table: "terraform-locks", Segments: 1}}
	m := New(Config{Settings: config.Settings{Table: "terraform-locks", PollInterval: time.Second}, Now: func() time.Time { return testNow }, Location: time.UTC}, src)
	m = send(m, tea.WindowSizeMsg{Width: 200, Height: 20})
	if rate := m.one().pageRate(); rate != 0 {
		t.Errorf("the first read is paced at %g RCU/s; it may use burst", rate)
	}
	m = send(m, m.scan(0)())
	return send(m, m.describe(0)())
}

// pollUntil runs the UI's poll loop on the fake clock: each armed poll
// fires when its time comes, until the clock reaches end.
func pollUntil(t *testing.T, m Model, end time.Time) Model {
	t.Helper()
	for {
		if m.one().nextPoll.IsZero() || m.one().nextPoll.Before(testNow) {
			t.Fatalf("no poll armed (next %s, now %s)", m.one().nextPoll, testNow)
		}
		if m.one().nextPoll.After(end) {
			return m
		}
		testNow = m.one().nextPoll
		var cmd tea.Cmd
		if m, cmd = sendCmd(m, pollDueMsg{gen: m.one().gen}); cmd == nil {
			t.Fatal("a due poll started no read")
		}
		m = send(m, cmd())
	}
}

// The table: 5 RCU provisioned, each full scan 270 RCU, the UI
// asked to poll every second. It made 210 scans in 40 s; within a 25%
// share the first read uses burst and the next waits 216 s.
func TestPollingStaysWithinTheReadBudget(t *testing.T) {
	d := &recordingDynamo{rcu: 5, pageRCU: 270, pages: 1}
	m := budgetModel(t, d)
	if d.describeCalls != 1 || m.one().capacity.ReadUnits != 5 {
		t.Fatalf("capacity %+v after %d DescribeTable calls", m.one().capacity, d.describeCalls)
	}
	if wait := m.one().nextPoll.Sub(testNow); wait != 216*time.Second {
		t.Errorf("the second read comes %s after the first; want 216s", wait)
	}
	// Later scans keep to the budget between their pages too (one page a
	// scan here: aws's TestScanPagesArePaced shows the waits).
	if rate := m.one().pageRate(); rate != 1.25 {
		t.Errorf("later scans paced at %g RCU/s; want 1.25", rate)
	}
	if head := strings.Split(plain(m), "\n")[1]; !strings.Contains(head, "next read in 3m36s · read budget: 25% of 5 RCU") {
		t.Errorf("header: %q", head)
	}
	if head := strings.Split(plain(send(m, tea.WindowSizeMsg{Width: 80, Height: 20})), "\n")[1]; !strings.Contains(head, "next read in 3m36s (budget)") {
		t.Errorf("header at 80 columns: %q", head)
	}
	start := testNow
	m = pollUntil(t, m, start.Add(time.Hour))
	elapsed := testNow.Sub(start).Seconds()
	// Past the first read, the average stays within 25% of 5 RCU.
	later := d.consumed - 270
	if budget := 0.25 * 5 * (elapsed + 216); later > budget+0.001 {
		t.Errorf("%.0f RCU read in %.0fs after the first scan; the budget allows %.0f", later, elapsed, budget)
	}
	if scans := d.scans; scans < 16 || scans > 17 {
		t.Errorf("%d full scans (%d Scan requests) in an hour; want 17 (one every 216s)", scans, d.scans)
	}
	if d.describeCalls != 1 {
		t.Errorf("DescribeTable called %d times; want once", d.describeCalls)
	}
}

// A throttled poll doubles the budgeted spacing, and the next good poll
// still waits twice as long before the pace returns to the budget.
func TestAThrottledPollDoublesTheSpacing(t *testing.T) {
	d := &recordingDynamo{rcu: 5, pageRCU: 270, pages: 1}
	m := budgetModel(t, d)
	d.throttleNext = 1
	testNow = m.one().nextPoll
	m, cmd := sendCmd(m, pollDueMsg{gen: m.one().gen})
	m = send(m, cmd())
	if m.one().failures != 1 || m.one().throttles != 1 {
		t.Fatalf("failures %d, throttles %d after a throttled poll", m.one().failures, m.one().throttles)
	}
	if wait := m.one().nextPoll.Sub(testNow); wait != 432*time.Second {
		t.Errorf("retry after a throttle in %s; want 432s (2 × 216s)", wait)
	}
	testNow = m.one().nextPoll
	m, cmd = sendCmd(m, pollDueMsg{gen: m.one().gen})
	m = send(m, cmd())
	if wait := m.one().nextPoll.Sub(testNow); wait != 432*time.Second {
		t.Errorf("first good poll after a throttle waits %s; want 432s", wait)
	}
	if head := strings.Split(plain(m), "\n")[1]; !strings.Contains(head, "throttled: 2× slower") {
		t.Errorf("header does not say the throttle: %q", head)
	}
	testNow = m.one().nextPoll
	m, cmd = sendCmd(m, pollDueMsg{gen: m.one().gen})
	m = send(m, cmd())
	if wait := m.one().nextPoll.Sub(testNow); wait != 216*time.Second {
		t.Errorf("then %s; want the budget's 216s again", wait)
	}
}

// DescribeTable denied: a one-line note, and the configured interval.
func TestDescribeDeniedKeepsTheIntervalWithANote(t *testing.T) {
	d := &recordingDynamo{rcu: 5, pageRCU: 270, pages: 1, describeDenied: true}
	m := budgetModel(t, d)
	if wait := m.one().nextPoll.Sub(testNow); wait != time.Second {
		t.Errorf("next poll in %s; want the poll interval, 1s", wait)
	}
	if head := strings.Split(plain(m), "\n")[1]; !strings.Contains(head, "read budget unknown (DescribeTable not allowed): every 1s") {
		t.Errorf("header: %q", head)
	}
}

// The description may come after the first read: the armed poll is
// re-armed with the paced wait, and the old timer is dropped.
func TestALateDescriptionReArmsThePoll(t *testing.T) {
	d := &recordingDynamo{rcu: 5, pageRCU: 270, pages: 1}
	testNow = t0
	src := &lwaws.Locks{Table: &lwaws.LockTable{Client: d, Table: "terraform-locks", Segments: 1}}
	m := New(Config{Settings: config.Settings{Table: "terraform-locks", PollInterval: time.Second}, Now: func() time.Time { return testNow }, Location: time.UTC}, src)
	m = send(m, m.scan(0)())
	stale := m.one().gen
	testNow = testNow.Add(10 * time.Second)
	m, cmd := sendCmd(m, m.describe(0)())
	if cmd == nil || m.one().gen == stale {
		t.Fatal("the poll was not re-armed")
	}
	if m2, cmd := sendCmd(m, pollDueMsg{gen: stale}); cmd != nil || m2.one().polling {
		t.Error("the timer armed before the description still polls")
	}
	if got := m.one().nextPoll.Sub(t0); got != 216*time.Second {
		t.Errorf("next poll %s after the first read; want 216s", got)
	}
}
