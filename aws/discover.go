package aws

import (
	"context"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// LockTables lists the tables of the account and region whose key is
// exactly what Terraform's and OpenTofu's lock tables have: LockID, a
// string, as the hash key and nothing else.
func LockTables(ctx context.Context, c *dynamodb.Client, region, endpoint string) ([]string, error) {
	var out []string
	p := dynamodb.NewListTablesPaginator(c, &dynamodb.ListTablesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, Explain(err, Op{Action: "dynamodb:ListTables", Region: region, Endpoint: endpoint})
		}
		for _, name := range page.TableNames {
			d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: sdkaws.String(name)})
			if err != nil {
				return nil, Explain(err, Op{Action: "dynamodb:DescribeTable", Table: name, Region: region, Endpoint: endpoint})
			}
			if isLockTable(d.Table) {
				out = append(out, name)
			}
		}
	}
	return out, nil
}

// isLockTable says whether a table's key is LockID (S) alone.
func isLockTable(t *types.TableDescription) bool {
	if t == nil || len(t.KeySchema) != 1 || sdkaws.ToString(t.KeySchema[0].AttributeName) != "LockID" || t.KeySchema[0].KeyType != types.KeyTypeHash {
		return false
	}
	for _, a := range t.AttributeDefinitions {
		if sdkaws.ToString(a.AttributeName) == "LockID" {
			return a.AttributeType == types.ScalarAttributeTypeS
		}
	}
	// A description without the key's type (minidyn gives none): the
	// key's name is all there is to go by.
	return true
}
