package aws

import (
	"context"
	"errors"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/lockwarden/lockwarden/model"
)

// WriteAPI is the DynamoDB calls the guarded writes need.
type WriteAPI interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

// LockWriter makes lockwarden's conditional writes to one lock table.
type LockWriter struct {
	Client             WriteAPI
	Table              string
	Region, Endpoint   string
	WorkspaceKeyPrefix string
}

// ErrConditionFailed means the item was not as observed (or, for a put,
// already there): nothing was written.
var ErrConditionFailed = errors.New("the item changed since it was read")

func (w *LockWriter) op(action string) Op {
	return Op{Action: action, Table: w.Table, Region: w.Region, Endpoint: w.Endpoint}
}

// Get reads one item with a consistent read, as clients do before they
// unlock. found is false when there is no item.
func (w *LockWriter) Get(ctx context.Context, lockID string) (e model.Entry, found bool, err error) {
	out, err := w.Client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      sdkaws.String(w.Table),
		Key:            map[string]types.AttributeValue{"LockID": &types.AttributeValueMemberS{Value: lockID}},
		ConsistentRead: sdkaws.Bool(true),
	})
	if err != nil {
		return model.Entry{}, false, Explain(err, w.op("dynamodb:GetItem"))
	}
	if len(out.Item) == 0 {
		return model.Entry{}, false, nil
	}
	return model.Classify(itemFromSDK(out.Item), w.WorkspaceKeyPrefix), true, nil
}

// DeleteIfUnchanged deletes the item only if it is still exactly as
// observed: each of Info and Digest equal to the observed value, or absent
// if it was absent. It returns the item as it was deleted (ALL_OLD). When
// the item changed or is gone it returns ErrConditionFailed and deletes
// nothing.
func (w *LockWriter) DeleteIfUnchanged(ctx context.Context, observed model.Entry) (model.Item, error) {
	cond, names, values := unchangedCondition(observed.Item)
	out, err := w.Client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 sdkaws.String(w.Table),
		Key:                       map[string]types.AttributeValue{"LockID": &types.AttributeValueMemberS{Value: observed.LockID}},
		ConditionExpression:       sdkaws.String(cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ReturnValues:              types.ReturnValueAllOld,
	})
	if err != nil {
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) {
			return nil, ErrConditionFailed
		}
		return nil, Explain(err, w.op("dynamodb:DeleteItem"))
	}
	return itemFromSDK(out.Attributes), nil
}

// unchangedCondition builds "the item exists and its lock attributes are as
// observed". The attributes are the ones a scan reads; Terraform and
// OpenTofu look at nothing else.
func unchangedCondition(observed model.Item) (string, map[string]string, map[string]types.AttributeValue) {
	names := map[string]string{"#lid": "LockID"}
	values := map[string]types.AttributeValue{}
	cond := "attribute_exists(#lid)"
	for i, name := range []string{"Info", "Digest"} {
		ph := []string{"#info", "#dig"}[i]
		names[ph] = name
		if v, ok := observed[name]; ok {
			vp := ":" + ph[1:]
			values[vp] = AttrToSDK(v)
			cond += " AND " + ph + " = " + vp
		} else {
			cond += " AND attribute_not_exists(" + ph + ")"
		}
	}
	if len(values) == 0 {
		values = nil
	}
	return cond, names, values
}

// PutIfAbsent puts an item back exactly as given, only if no item has its
// LockID now. It returns ErrConditionFailed when one does.
func (w *LockWriter) PutIfAbsent(ctx context.Context, item model.Item) error {
	raw := make(map[string]types.AttributeValue, len(item))
	for k, v := range item {
		raw[k] = AttrToSDK(v)
	}
	_, err := w.Client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                sdkaws.String(w.Table),
		Item:                     raw,
		ConditionExpression:      sdkaws.String("attribute_not_exists(#lid)"),
		ExpressionAttributeNames: map[string]string{"#lid": "LockID"},
	})
	if err != nil {
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) {
			return ErrConditionFailed
		}
		return Explain(err, w.op("dynamodb:PutItem"))
	}
	return nil
}
