package aws

import (
	"context"
	"errors"
	"fmt"
	"net"
	"reflect"

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
//
// When the delete may have been carried out although no answer came (a
// timeout, a dropped connection, a server error), it is not retried: a
// retry of a delete that happened finds the item gone and would report it
// released by someone else. The item is read back instead: gone means the
// delete happened, and the observed item is returned as the one removed;
// still as observed means it did not, and the failure is returned.
func (w *LockWriter) DeleteIfUnchanged(ctx context.Context, observed model.Entry) (model.Item, error) {
	cond, names, values := unchangedCondition(observed.Item)
	out, err := w.Client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 sdkaws.String(w.Table),
		Key:                       map[string]types.AttributeValue{"LockID": &types.AttributeValueMemberS{Value: observed.LockID}},
		ConditionExpression:       sdkaws.String(cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ReturnValues:              types.ReturnValueAllOld,
	}, retryOnlyWhatWasNotCarriedOut)
	if err == nil {
		return itemFromSDK(out.Attributes), nil
	}
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return nil, ErrConditionFailed
	}
	failure := Explain(err, w.op("dynamodb:DeleteItem"))
	if notCarriedOut(err) {
		return nil, failure
	}
	cur, found, gerr := w.readBack(ctx, observed.LockID)
	switch {
	case gerr != nil:
		return nil, unknownOutcome(failure, "released")
	case !found:
		return observed.Item, nil
	case sameLockAttributes(cur.Item, observed.Item):
		return nil, failure
	default:
		return nil, ErrConditionFailed
	}
}

// retryOnlyWhatWasNotCarriedOut lets the SDK retry a conditional write only
// after a failure that proves it was not carried out (throttled, or the
// connection never opened). Any other retry could repeat a write that
// happened, and its condition would then fail against our own write.
func retryOnlyWhatWasNotCarriedOut(o *dynamodb.Options) {
	o.Retryer = notCarriedOutRetryer{o.Retryer}
}

type notCarriedOutRetryer struct{ sdkaws.Retryer }

func (r notCarriedOutRetryer) IsErrorRetryable(err error) bool {
	return notCarriedOut(err) && r.Retryer.IsErrorRetryable(err)
}

// notCarriedOut reports whether err proves that a request was not carried
// out: the service refused it (an HTTP 4xx: throttled, denied, invalid,
// condition failed) or it was never delivered (the connection could not be
// opened). A timeout, a dropped connection or a 5xx proves nothing.
func notCarriedOut(err error) bool {
	// A request that was never sent carries status 0.
	var status interface{ HTTPStatusCode() int }
	if errors.As(err, &status) && status.HTTPStatusCode() != 0 {
		code := status.HTTPStatusCode()
		return code >= 400 && code < 500
	}
	var op *net.OpError
	var dns *net.DNSError
	return (errors.As(err, &op) && op.Op == "dial") || errors.As(err, &dns)
}

// readBack reads an item after a write whose answer did not come, with its
// own deadline: the write's may be what ran out.
func (w *LockWriter) readBack(ctx context.Context, lockID string) (model.Entry, bool, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*DefaultAttemptTimeout)
	defer cancel()
	return w.Get(ctx, lockID)
}

// ErrOutcomeUnknown marks a write that may or may not have happened: no
// answer came, and reading the item back failed too.
var ErrOutcomeUnknown = errors.New("the write's outcome is unknown")

// unknownOutcome says that a write may or may not have happened.
func unknownOutcome(failure error, what string) error {
	return &UserError{
		Msg: fmt.Sprintf("%s; whether the lock was %s is unknown, and reading it back failed too: check with 'lockwarden list' before trying again", failure.Error(), what),
		Err: fmt.Errorf("%w: %w", ErrOutcomeUnknown, failure),
	}
}

// sameLockAttributes reports whether two items agree on the attributes a
// conditional write compares: Info and Digest, present or absent.
func sameLockAttributes(a, b model.Item) bool {
	for _, name := range []string{"Info", "Digest"} {
		va, oka := a[name]
		vb, okb := b[name]
		if oka != okb || !reflect.DeepEqual(va, vb) {
			return false
		}
	}
	return true
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
	}, retryOnlyWhatWasNotCarriedOut)
	if err == nil {
		return nil
	}
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return ErrConditionFailed
	}
	failure := Explain(err, w.op("dynamodb:PutItem"))
	if notCarriedOut(err) {
		return failure
	}
	// As for a delete: the put may have happened with its answer lost.
	lockID := ""
	if v, ok := item["LockID"]; ok {
		lockID = v.S
	}
	cur, found, gerr := w.readBack(ctx, lockID)
	switch {
	case gerr != nil:
		return unknownOutcome(failure, "put back")
	case !found:
		return failure
	case cur.Item.JSON() == item.JSON():
		return nil
	default:
		return ErrConditionFailed
	}
}
