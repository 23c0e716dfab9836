package sandbox

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lockwarden/lockwarden/model"
)

// NewLockID returns an ID as clients make them: 16 random bytes as
// 8-4-4-4-12 lowercase hex.
func NewLockID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// NewInfo builds a LockInfo as a client at version would write it.
func NewInfo(path, op, who, version string, created time.Time) model.LockInfo {
	return model.LockInfo{ID: NewLockID(), Operation: op, Who: who, Version: version, Created: created.UTC(), Path: path}
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

// Lock takes a lock the way clients do: PutItem conditioned on no item.
func Lock(ctx context.Context, c *dynamodb.Client, table string, li model.LockInfo) error {
	raw, err := li.Marshal()
	if err != nil {
		return err
	}
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           sdkaws.String(table),
		Item:                map[string]types.AttributeValue{"LockID": str(li.Path), "Info": str(raw)},
		ConditionExpression: sdkaws.String("attribute_not_exists(LockID)"),
	})
	return err
}

// Unlock releases a lock the way OpenTofu >= 1.10 does: DeleteItem
// conditioned on the Info bytes it wrote.
func Unlock(ctx context.Context, c *dynamodb.Client, table string, li model.LockInfo) error {
	raw, err := li.Marshal()
	if err != nil {
		return err
	}
	_, err = c.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 sdkaws.String(table),
		Key:                       map[string]types.AttributeValue{"LockID": str(li.Path)},
		ConditionExpression:       sdkaws.String("Info = :info"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":info": str(raw)},
	})
	return err
}

// LockFile takes a lock the way clients with use_lockfile do: the
// LockInfo JSON put as <key>.tflock, only if no such object exists
// (If-None-Match: *).
func LockFile(ctx context.Context, c *s3.Client, li model.LockInfo) error {
	raw, err := li.Marshal()
	if err != nil {
		return err
	}
	bucket, key := model.SplitPath(li.Path)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: sdkaws.String(bucket), Key: sdkaws.String(key + model.LockFileSuffix),
		Body: strings.NewReader(raw), IfNoneMatch: sdkaws.String("*")})
	return err
}

// UnlockFile releases a lock file the way clients do: DeleteObject.
func UnlockFile(ctx context.Context, c *s3.Client, li model.LockInfo) error {
	bucket, key := model.SplitPath(li.Path)
	_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: sdkaws.String(bucket), Key: sdkaws.String(key + model.LockFileSuffix)})
	return err
}

// PutRaw writes an item as it is, for the odd items found in real tables.
func PutRaw(ctx context.Context, c *dynamodb.Client, table string, item map[string]types.AttributeValue) error {
	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: sdkaws.String(table), Item: item})
	return err
}

// State is the content of a small Terraform state file.
func State(serial int, lineage, version string) []byte {
	return fmt.Appendf(nil, `{
  "version": 4,
  "terraform_version": %q,
  "serial": %d,
  "lineage": %q,
  "outputs": {},
  "resources": [],
  "check_results": null
}
`, version, serial, lineage)
}

// WriteState writes a state object and then its digest item, in the order
// clients do. A sandbox with no lock table gets no digest item.
func WriteState(ctx context.Context, sb *Sandbox, key string, body []byte) error {
	if err := sb.putState(ctx, key, body); err != nil {
		return err
	}
	if sb.lockFiles {
		return nil
	}
	sum := md5.Sum(body)
	return PutRaw(ctx, sb.Dynamo, Table, map[string]types.AttributeValue{
		"LockID": str(Bucket + "/" + key + model.DigestSuffix), "Digest": str(hex.EncodeToString(sum[:])),
	})
}

// putState writes a state object alone.
func (sb *Sandbox) putState(ctx context.Context, key string, body []byte) error {
	if _, err := sb.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: sdkaws.String(Bucket), Key: sdkaws.String(key), Body: bytes.NewReader(body)}); err != nil {
		return fmt.Errorf("put state %s: %w", key, err)
	}
	return nil
}
