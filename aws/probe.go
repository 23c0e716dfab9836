package aws

import (
	"context"
	"errors"
	"path"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// This file finds what this identity may do by calls that cannot change
// anything: a read of a key nobody uses, and writes conditioned on what
// cannot hold. DynamoDB evaluates a condition after the permission, so a
// ConditionalCheckFailed means allowed and an AccessDenied denied; no
// item is ever written. Of S3's writes only DeleteObject is probed, and
// only on a bucket that has never been versioned (ProbeLockFileDelete). A
// PutObject cannot be made harmless on every store. Each call is still a
// call: CloudTrail data events, and an AccessDenied alarm, see it.

// ProbeKey is the LockID and key prefix doctor's probes use: no client
// ever locks it.
const ProbeKey = "lockwarden-doctor/probe"

// Permission is what a probe found of one IAM action.
type Permission struct {
	Action string
	// Allowed is meaningful when Known: a probe can also fail for another
	// reason (the network), which says nothing either way.
	Allowed, Known bool
	// Unprobed: the call was not made, on purpose (Why says why): a
	// write that could not be made harmless here.
	Unprobed bool
	Why      string
}

// Unprobed is a write not probed, and why.
func Unprobed(action, why string) Permission {
	return Permission{Action: action, Unprobed: true, Why: why}
}

// never is a condition no item can meet.
const never = "attribute_exists(LockID) AND attribute_not_exists(LockID)"

// ProbeTable finds whether this identity may read, delete and put items
// of table, and update a digest.
func ProbeTable(ctx context.Context, c *dynamodb.Client, table string) []Permission {
	key := map[string]types.AttributeValue{"LockID": &types.AttributeValueMemberS{Value: ProbeKey}}
	t := sdkaws.String(table)
	_, scanErr := c.Scan(ctx, &dynamodb.ScanInput{TableName: t, Limit: sdkaws.Int32(1)})
	_, getErr := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: t, Key: key, ConsistentRead: sdkaws.Bool(true)})
	_, delErr := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: t, Key: key, ConditionExpression: sdkaws.String(never)})
	_, putErr := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: t, Item: key, ConditionExpression: sdkaws.String(never)})
	_, updErr := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: t, Key: key, ConditionExpression: sdkaws.String(never),
		UpdateExpression: sdkaws.String("SET Digest = :d"), ExpressionAttributeValues: map[string]types.AttributeValue{":d": &types.AttributeValueMemberS{Value: "probe"}}})
	return []Permission{
		permission("dynamodb:Scan", scanErr, false),
		permission("dynamodb:GetItem", getErr, false),
		permission("dynamodb:DeleteItem", delErr, true),
		permission("dynamodb:PutItem", putErr, true),
		permission("dynamodb:UpdateItem", updErr, true),
	}
}

// ProbeBucketReads finds whether this identity may list bucket under
// prefix and read its objects there (a key that does not exist: S3
// answers 404 to one allowed to read and list, 403 to one not allowed to
// read — and to one not allowed to list, so then it cannot tell).
func ProbeBucketReads(ctx context.Context, c S3API, bucket, prefix string) []Permission {
	b := sdkaws.String(bucket)
	in := &s3.ListObjectsV2Input{Bucket: b, MaxKeys: sdkaws.Int32(1)}
	if prefix != "" {
		in.Prefix = sdkaws.String(prefix + "/")
	}
	_, listErr := c.ListObjectsV2(ctx, in)
	_, getErr := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: sdkaws.String(path.Join(prefix, "."+ProbeKey))})
	list, get := permission("s3:ListBucket", listErr, false), objectPermission("s3:GetObject", getErr)
	if !list.Allowed && get.Known && !get.Allowed {
		get = Permission{Action: "s3:GetObject", Why: "not known: S3 answers 403 for an absent key to one who may not list the bucket"}
	}
	return []Permission{list, get}
}

// ProbeLockFileDelete finds whether this identity may delete a lock file
// under prefix, by deleting one that does not exist with an If-Match no
// object has. Only on a bucket whose versioning was never set: there a
// delete of an absent key changes nothing even on a store that ignores
// the If-Match, where on a versioned one it would leave a delete marker.
func ProbeLockFileDelete(ctx context.Context, c S3API, bucket, prefix string) Permission {
	_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: sdkaws.String(bucket), Key: sdkaws.String(probeLockFile(prefix)),
		IfMatch: sdkaws.String(`"` + strings.Repeat("0", 32) + `"`)})
	if err != nil && (preconditionFailed(err) || notFound(err)) {
		return Permission{Action: "s3:DeleteObject", Allowed: true, Known: true, Why: "a conditioned delete of an absent lock file was answered; nothing was there to delete"}
	}
	return permission("s3:DeleteObject", err, false)
}

// probeLockFile is the absent lock file ProbeLockFileDelete deletes: a .tflock
// under the prefix, so that a policy's grant on lock files covers it.
func probeLockFile(prefix string) string { return path.Join(prefix, "."+ProbeKey+".tflock") }

// permission reads a probe's answer: no error, or for a conditioned
// write a failed condition, is allowed; AccessDenied is denied.
func permission(action string, err error, conditioned bool) Permission {
	var ccf *types.ConditionalCheckFailedException
	switch {
	case err == nil:
		return Permission{Action: action, Allowed: true, Known: true}
	case conditioned && errors.As(err, &ccf):
		return Permission{Action: action, Allowed: true, Known: true, Why: "its condition was checked, so the call is allowed; nothing was written"}
	case IsAccessDenied(err):
		return Permission{Action: action, Known: true, Why: "access denied"}
	}
	return Permission{Action: action, Why: "not known: " + firstLine(err.Error())}
}

// objectPermission reads a GET of a key that does not exist.
func objectPermission(action string, err error) Permission {
	if notFound(err) {
		return Permission{Action: action, Allowed: true, Known: true, Why: "an absent key answered 404"}
	}
	return permission(action, err, false)
}

// notFound says S3 answered that the key does not exist.
func notFound(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && (api.ErrorCode() == "NoSuchKey" || api.ErrorCode() == "NotFound")
}
