package ui

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/internal/faultproxy"
	"github.com/lockwarden/lockwarden/internal/testenv"
	"github.com/lockwarden/lockwarden/model"
)

// provisionedTable creates "locks" on dynalite with 5 RCU, as many lock
// tables are, and fills it with digest items of about 1 KB each so that
// a scan consumes read capacity.
func provisionedTable(t *testing.T, endpoint string, items int) {
	t.Helper()
	c := testenv.DynamoClient(endpoint)
	ctx := context.Background()
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:             sdkaws.String("locks"),
		AttributeDefinitions:  []types.AttributeDefinition{{AttributeName: sdkaws.String("LockID"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:             []types.KeySchemaElement{{AttributeName: sdkaws.String("LockID"), KeyType: types.KeyTypeHash}},
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: sdkaws.Int64(5), WriteCapacityUnits: sdkaws.Int64(5)},
	})
	if err != nil {
		t.Fatal(err)
	}
	for {
		out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: sdkaws.String("locks")})
		if err != nil {
			t.Fatal(err)
		}
		if out.Table.TableStatus == types.TableStatusActive {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	pad := strings.Repeat("x", 1000)
	for i := range items {
		testenv.PutItem(t, c, "locks", map[string]types.AttributeValue{
			"LockID": &types.AttributeValueMemberS{Value: fmt.Sprintf("tfstate/app-%04d/terraform.tfstate-md5", i)},
			"Digest": &types.AttributeValueMemberS{Value: "0123456789abcdef0123456789abcdef"},
			"Pad":    &types.AttributeValueMemberS{Value: pad},
		})
	}
}

// The recording endpoint: dynalite behind a proxy that counts Scan
// requests, a table provisioned with 5 RCU, the UI asked to poll every
// second and driven on a fake clock for an hour. The Scan requests it
// makes stay within a quarter of the table's read capacity.
func TestDynaliteScansStayWithinTheReadBudget(t *testing.T) {
	endpoint := testenv.Dynalite(t)
	provisionedTable(t, endpoint, 200)
	p := faultproxy.New(t, endpoint)
	testNow = t0
	m := New(Config{Settings: config.Settings{Table: "locks", PollInterval: time.Second}, Now: func() time.Time { return testNow }, Location: time.UTC}, awsSource(t, p.URL))
	m = send(m, tea.WindowSizeMsg{Width: 200, Height: 20})
	m = send(m, m.scan(0)())
	m = send(m, m.describe(0)())
	if m.one().capacity != (model.TableCapacity{Mode: model.BillingProvisioned, ReadUnits: 5}) {
		t.Fatalf("capacity %+v, want provisioned 5 RCU", m.one().capacity)
	}
	perScan := m.one().rcu
	if perScan < 5 {
		t.Fatalf("a scan consumed %.1f RCU; dynalite should report about 25", perScan)
	}
	spacing := time.Duration(math.Ceil(perScan/1.25)) * time.Second
	if wait := m.one().nextPoll.Sub(testNow); wait != spacing {
		t.Errorf("next poll in %s; want %s (%.1f RCU / 1.25 RCU/s)", wait, spacing, perScan)
	}
	start := testNow
	m = pollUntil(t, m, start.Add(time.Hour))
	scans := p.Count("Scan").Requests
	// One hour at 1.25 RCU/s, plus the first read from burst.
	allowed := 1 + int(3600*1.25/perScan)
	if scans > allowed || scans < allowed*9/10 {
		t.Errorf("%d Scan requests in an hour of %.1f RCU each; the budget allows %d (asked to poll every second: 3,600)", scans, perScan, allowed)
	}
	t.Logf("%.1f RCU a scan, every %s: %d Scan requests in an hour", perScan, spacing, scans)

	// A throttled poll (after the SDK's retries) doubles the spacing.
	if err := p.Set(faultproxy.Throttle); err != nil {
		t.Fatal(err)
	}
	testNow = m.one().nextPoll
	m, cmd := sendCmd(m, pollDueMsg{gen: m.one().gen})
	m = send(m, cmd())
	if m.one().throttles != 1 || m.one().nextPoll.Sub(testNow) != 2*spacing {
		t.Errorf("throttled: throttles %d, next poll in %s; want 1 and %s", m.one().throttles, m.one().nextPoll.Sub(testNow), 2*spacing)
	}
}
