package aws

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/lockwarden/lockwarden/model"
)

// StateReadTimeout bounds the read of one state object for the evidence
// of its last write (the unlock prompt, the reaper).
const StateReadTimeout = 15 * time.Second

// ReadState fetches a state object and digests it. A missing object is
// not an error: Exists is false.
func ReadState(ctx context.Context, c S3API, bucket, key string) (model.StateObject, error) {
	obj, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: sdkaws.String(bucket), Key: sdkaws.String(key)})
	if err != nil {
		var api smithy.APIError
		if errors.As(err, &api) && (api.ErrorCode() == "NoSuchKey" || api.ErrorCode() == "NotFound") {
			return model.StateObject{}, nil
		}
		return model.StateObject{}, s3Error(err, "s3:GetObject", bucket)
	}
	defer obj.Body.Close()
	h := md5.New()
	body, err := io.ReadAll(io.TeeReader(obj.Body, h))
	if err != nil {
		return model.StateObject{}, s3Error(err, "s3:GetObject", bucket)
	}
	st := model.StateObject{Exists: true, Size: int64(len(body)), LastModified: sdkaws.ToTime(obj.LastModified), MD5: hex.EncodeToString(h.Sum(nil))}
	var head struct {
		Serial           *int64 `json:"serial"`
		Lineage          string `json:"lineage"`
		TerraformVersion string `json:"terraform_version"`
	}
	if json.Unmarshal(body, &head) == nil {
		st.Serial, st.Lineage, st.Version = head.Serial, head.Lineage, head.TerraformVersion
	}
	return st, nil
}

// CheckDigest reads a state's digest item and object and compares them,
// the way Terraform does on every state read.
func CheckDigest(ctx context.Context, w *LockWriter, c S3API, path string) model.DigestReport {
	r := model.DigestReport{Path: path, Status: model.DigestUnchecked}
	e, found, err := w.Get(ctx, path+model.DigestSuffix)
	if err != nil {
		r.Err = err
		return r
	}
	if found {
		r.Item = e.Item
		if d, ok := e.Item["Digest"]; ok && d.Type == model.TypeS {
			r.Stored = d.S
		}
	}
	bucket, key := model.SplitPath(path)
	st, err := ReadState(ctx, c, bucket, key)
	if err != nil {
		r.Err = err
		return r
	}
	r.State = st
	r.Status = model.JudgeDigest(r.Stored, found, st)
	return r
}

// SetDigest writes Digest = newValue on the state's digest item, only if
// the item still holds oldValue (absent when oldValue is ""). It returns
// the item as it was before, and ErrConditionFailed when it changed.
// observed is the digest item as read (nil when there was none): when the
// write's answer is lost, the item is read back, and a write that happened
// returns observed as the item before, as DeleteIfUnchanged does.
func (w *LockWriter) SetDigest(ctx context.Context, path string, observed model.Item, oldValue, newValue string) (model.Item, error) {
	in := &dynamodb.UpdateItemInput{
		TableName:                 sdkaws.String(w.Table),
		Key:                       map[string]types.AttributeValue{"LockID": &types.AttributeValueMemberS{Value: path + model.DigestSuffix}},
		UpdateExpression:          sdkaws.String("SET #d = :new"),
		ExpressionAttributeNames:  map[string]string{"#d": "Digest"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":new": &types.AttributeValueMemberS{Value: newValue}},
		ReturnValues:              types.ReturnValueAllOld,
	}
	if oldValue == "" {
		in.ConditionExpression = sdkaws.String("attribute_not_exists(#d)")
	} else {
		in.ConditionExpression = sdkaws.String("#d = :old")
		in.ExpressionAttributeValues[":old"] = &types.AttributeValueMemberS{Value: oldValue}
	}
	out, err := w.updateItem(ctx, in)
	var lost *answerLost
	if errors.As(err, &lost) {
		switch now, gerr := w.readDigest(ctx, path); {
		case gerr != nil:
			return nil, digestUnknown(lost.failure, "repaired")
		case now == newValue:
			return observed, nil
		case now == oldValue:
			return nil, lost.failure
		default:
			return nil, ErrConditionFailed
		}
	}
	if err != nil {
		return nil, err
	}
	return itemFromSDK(out.Attributes), nil
}

// answerLost wraps the failure of a conditional write that may have been
// carried out: no answer, a dropped connection, a server error.
type answerLost struct{ failure error }

func (e *answerLost) Error() string { return e.failure.Error() }
func (e *answerLost) Unwrap() error { return e.failure }

// readDigest reads a state's stored digest back after a write whose answer
// was lost ("" when there is no item or no value).
func (w *LockWriter) readDigest(ctx context.Context, path string) (string, error) {
	e, found, err := w.readBack(ctx, path+model.DigestSuffix)
	if err != nil || !found {
		return "", err
	}
	return e.Digest, nil
}

// digestUnknown says that a digest write may or may not have happened.
func digestUnknown(failure error, what string) error {
	return &UserError{
		Msg: fmt.Sprintf("%s; whether the digest was %s is unknown, and reading it back failed too: check with 'lockwarden digest check' before trying again", failure.Error(), what),
		Err: fmt.Errorf("%w: %w", ErrOutcomeUnknown, failure),
	}
}

func (w *LockWriter) updateItem(ctx context.Context, in *dynamodb.UpdateItemInput) (*dynamodb.UpdateItemOutput, error) {
	u, ok := w.Client.(interface {
		UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	})
	if !ok {
		return nil, fmt.Errorf("this DynamoDB client cannot update items")
	}
	out, err := u.UpdateItem(ctx, in, retryOnlyWhatWasNotCarriedOut)
	if err != nil {
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) {
			return nil, ErrConditionFailed
		}
		failure := Explain(err, w.op("dynamodb:UpdateItem"))
		if !notCarriedOut(err) {
			return nil, &answerLost{failure}
		}
		return nil, failure
	}
	return out, nil
}

// ReplaceIfDigest puts item back (a digest repair undone) only if the
// digest item still holds digest; a nil item deletes the digest item.
func (w *LockWriter) ReplaceIfDigest(ctx context.Context, path string, item model.Item, digest string) error {
	cond := "#d = :cur"
	names := map[string]string{"#d": "Digest"}
	values := map[string]types.AttributeValue{":cur": &types.AttributeValueMemberS{Value: digest}}
	var err error
	action := "dynamodb:PutItem"
	if item == nil {
		action = "dynamodb:DeleteItem"
		_, err = w.Client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: sdkaws.String(w.Table),
			Key:                 map[string]types.AttributeValue{"LockID": &types.AttributeValueMemberS{Value: path + model.DigestSuffix}},
			ConditionExpression: sdkaws.String(cond), ExpressionAttributeNames: names, ExpressionAttributeValues: values}, retryOnlyWhatWasNotCarriedOut)
	} else {
		raw := make(map[string]types.AttributeValue, len(item))
		for k, v := range item {
			raw[k] = AttrToSDK(v)
		}
		_, err = w.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: sdkaws.String(w.Table), Item: raw,
			ConditionExpression: sdkaws.String(cond), ExpressionAttributeNames: names, ExpressionAttributeValues: values}, retryOnlyWhatWasNotCarriedOut)
	}
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return ErrConditionFailed
	}
	if err == nil {
		return nil
	}
	failure := Explain(err, w.op(action))
	if notCarriedOut(err) {
		return failure
	}
	// The answer was lost: read back what is there now.
	now, gerr := w.readDigest(ctx, path)
	want := ""
	if item != nil {
		want = classifyDigest(item)
	}
	switch {
	case gerr != nil:
		return digestUnknown(failure, "put back")
	case now == want:
		return nil
	case now == digest:
		return failure
	}
	return ErrConditionFailed
}

// classifyDigest is the Digest value an item holds ("" for none).
func classifyDigest(item model.Item) string {
	if v, ok := item["Digest"]; ok {
		return v.S
	}
	return ""
}
