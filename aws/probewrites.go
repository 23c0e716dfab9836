package aws

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// This file asks a store whether it honours the conditions locking rests
// on, with real writes under keys of doctor's own, always removed.

// StoreConditions is what a store did with the conditions.
type StoreConditions struct {
	// IfNoneMatch: a PutObject with If-None-Match: * on an existing key
	// was refused (use_lockfile's lock). IfMatch: a DeleteObject with a
	// wrong If-Match was refused (lockwarden's guarded release of a lock
	// file). Each is meaningful when its Err is nil.
	IfNoneMatch, IfMatch       bool
	IfNoneMatchErr, IfMatchErr error
	// Leftover names what could not be removed afterwards ("" when all
	// was).
	Leftover string
}

// ProbeBucketWrites writes .lockwarden-doctor/<random> in bucket, asks
// both conditions of it, and removes every version of it.
func ProbeBucketWrites(ctx context.Context, c *s3.Client, bucket string) StoreConditions {
	var r StoreConditions
	key := sdkaws.String("." + ProbeKey + "-" + randomHex())
	b := sdkaws.String(bucket)
	defer func() { r.Leftover = removeAllVersions(ctx, c, bucket, *key) }()
	put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: key, Body: strings.NewReader("lockwarden doctor probe")})
	if err != nil {
		r.IfNoneMatchErr = s3Error(err, "s3:PutObject", bucket)
		r.IfMatchErr = r.IfNoneMatchErr
		return r
	}
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: key, Body: strings.NewReader("second"), IfNoneMatch: sdkaws.String("*")})
	switch {
	case err == nil:
	case preconditionFailed(err):
		r.IfNoneMatch = true
	default:
		r.IfNoneMatchErr = s3Error(err, "s3:PutObject", bucket)
	}
	wrong := `"00000000000000000000000000000000"`
	if sdkaws.ToString(put.ETag) == wrong {
		wrong = `"11111111111111111111111111111111"`
	}
	_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: key, IfMatch: sdkaws.String(wrong)})
	switch {
	case err == nil:
	case preconditionFailed(err):
		r.IfMatch = true
	default:
		r.IfMatchErr = s3Error(err, "s3:DeleteObject", bucket)
	}
	return r
}

// ProbeTableWrites puts lockwarden-doctor/<random>, asks DynamoDB to
// delete it on a condition that does not hold, and removes it: refused
// is true when the delete was refused, as lockwarden's release of a lock
// that changed must be.
func ProbeTableWrites(ctx context.Context, c *dynamodb.Client, table string) (refused bool, leftover string, err error) {
	key := map[string]types.AttributeValue{"LockID": &types.AttributeValueMemberS{Value: ProbeKey + "-" + randomHex()}}
	item := map[string]types.AttributeValue{"LockID": key["LockID"], "Info": &types.AttributeValueMemberS{Value: "lockwarden doctor probe"}}
	t := sdkaws.String(table)
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: t, Item: item, ConditionExpression: sdkaws.String("attribute_not_exists(LockID)")}); err != nil {
		return false, "", err
	}
	_, derr := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: t, Key: key, ConditionExpression: sdkaws.String("Info = :other"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":other": &types.AttributeValueMemberS{Value: "changed since read"}}})
	var ccf *types.ConditionalCheckFailedException
	refused = errors.As(derr, &ccf)
	if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: t, Key: key}); err != nil {
		leftover = "item " + key["LockID"].(*types.AttributeValueMemberS).Value
	}
	if derr != nil && !refused {
		return false, leftover, derr
	}
	return refused, leftover, nil
}

// removeAllVersions deletes key and, on a versioned bucket, each of its
// versions and delete markers; it names what is left, or "".
func removeAllVersions(ctx context.Context, c *s3.Client, bucket, key string) string {
	b := sdkaws.String(bucket)
	_, _ = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: sdkaws.String(key)})
	out, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: b, Prefix: sdkaws.String(key)})
	if err != nil {
		return "" // not versioned, or not listable: the delete above was all there is
	}
	left := ""
	for _, v := range out.Versions {
		if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: v.Key, VersionId: v.VersionId}); err != nil {
			left = "s3://" + bucket + "/" + key
		}
	}
	for _, m := range out.DeleteMarkers {
		if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: m.Key, VersionId: m.VersionId}); err != nil {
			left = "s3://" + bucket + "/" + key
		}
	}
	return left
}

func preconditionFailed(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && (api.ErrorCode() == "PreconditionFailed" || api.ErrorCode() == "412" || api.ErrorCode() == "ConditionalRequestConflict")
}

func randomHex() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
