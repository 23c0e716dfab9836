package aws

import (
	"context"
	"fmt"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// CreateLockTable creates a lock table the way Terraform documents it (hash
// key LockID of type S, on demand). lockwarden only does this for its own
// sandbox and tests; it never creates tables in a real account.
func CreateLockTable(ctx context.Context, c *dynamodb.Client, name string) error {
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            sdkaws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: sdkaws.String("LockID"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: sdkaws.String("LockID"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	if err != nil {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	// DynamoDB and dynalite report CREATING for a moment, and writes before
	// ACTIVE fail; minidyn reports no status at all.
	for {
		out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: sdkaws.String(name)})
		if err != nil {
			return fmt.Errorf("describe table %s: %w", name, err)
		}
		if st := out.Table.TableStatus; st == "" || st == types.TableStatusActive {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("table %s did not become active: %w", name, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
