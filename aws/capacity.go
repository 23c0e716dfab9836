package aws

import (
	"context"
	"errors"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/lockwarden/lockwarden/model"
)

// DescribeAPI is the DynamoDB call that tells a table's billing mode and
// provisioned read capacity. It is separate from ScanAPI so that a fake
// scanner need not describe anything: a client without it leaves the
// capacity unknown.
type DescribeAPI interface {
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

// Capacity reads the table's billing mode and provisioned read capacity,
// once, to pace polling. A client that cannot describe tables gives an
// unknown capacity and no error; a refused call (AccessDenied, say) gives
// an unknown capacity and the explained error, which callers show as a
// note and poll at the configured interval.
func (t *LockTable) Capacity(ctx context.Context) (model.TableCapacity, error) {
	d, ok := t.Client.(DescribeAPI)
	if !ok {
		return model.TableCapacity{}, nil
	}
	out, err := d.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: sdkaws.String(t.Table)})
	if err != nil {
		return model.TableCapacity{}, Explain(err, Op{Action: "dynamodb:DescribeTable", Table: t.Table, Region: t.Region, Endpoint: t.Endpoint})
	}
	return capacityOf(out.Table), nil
}

// capacityOf reads a description. A table created before billing modes
// existed, and dynalite, report no BillingModeSummary: provisioned
// throughput with read units then means provisioned.
func capacityOf(td *types.TableDescription) model.TableCapacity {
	if td == nil {
		return model.TableCapacity{}
	}
	var rcu float64
	if td.ProvisionedThroughput != nil {
		rcu = float64(sdkaws.ToInt64(td.ProvisionedThroughput.ReadCapacityUnits))
	}
	mode := types.BillingModeProvisioned
	if td.BillingModeSummary != nil && td.BillingModeSummary.BillingMode != "" {
		mode = td.BillingModeSummary.BillingMode
	}
	switch {
	case mode == types.BillingModePayPerRequest:
		return model.TableCapacity{Mode: model.BillingOnDemand}
	case rcu > 0:
		return model.TableCapacity{Mode: model.BillingProvisioned, ReadUnits: rcu}
	}
	// Provisioned with no read units, or on demand reported as zero
	// units without a summary (some emulators): unknown.
	return model.TableCapacity{}
}

// Capacity is the lock table's capacity; with no table (lock files
// alone) there is nothing to pace.
func (l *Locks) Capacity(ctx context.Context) (model.TableCapacity, error) {
	if l.Table == nil {
		return model.TableCapacity{}, nil
	}
	return l.Table.Capacity(ctx)
}

// IsThrottled reports whether err is DynamoDB (or S3) refusing a call for
// its rate, after the SDK's retries.
func IsThrottled(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && isThrottle(api.ErrorCode())
}

// IsAccessDenied reports whether err is AWS (or an S3-compatible store)
// refusing the call to these credentials.
func IsAccessDenied(err error) bool {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return false
	}
	code := api.ErrorCode()
	return strings.Contains(code, "AccessDenied") || code == "Forbidden" || code == "UnauthorizedOperation"
}
