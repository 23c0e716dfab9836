package aws

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// maxAuditObject bounds what is read of one audit record object: no
// record lockwarden writes comes near it, and a larger object is not one
// of its records (audit says so and skips it).
const maxAuditObject = 8<<20 + 1

// AuditStore keeps a team's audit records in an S3 bucket, one object
// each (audit.Shared decides the keys). Records are only ever put where
// none is: it never overwrites and never deletes.
type AuditStore struct {
	Client S3API
	Bucket string
}

// Where names the bucket: s3://bucket.
func (a *AuditStore) Where() string { return "s3://" + a.Bucket }

// PutNew puts body at key with If-None-Match: *, so that a record already
// there is never replaced; created is false when one is.
func (a *AuditStore) PutNew(ctx context.Context, key string, body []byte) (bool, error) {
	_, err := a.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: sdkaws.String(a.Bucket), Key: sdkaws.String(key),
		Body: bytes.NewReader(body), IfNoneMatch: sdkaws.String("*"), ContentType: sdkaws.String("application/json")})
	var api smithy.APIError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &api) && (api.ErrorCode() == "PreconditionFailed" || api.ErrorCode() == "412" || api.ErrorCode() == "ConditionalRequestConflict"):
		return false, nil
	}
	return false, a.explain(err, "s3:PutObject")
}

// Get reads key; found is false when there is no such object.
func (a *AuditStore) Get(ctx context.Context, key string) ([]byte, bool, error) {
	obj, err := a.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: sdkaws.String(a.Bucket), Key: sdkaws.String(key)})
	if err != nil {
		var api smithy.APIError
		if errors.As(err, &api) && (api.ErrorCode() == "NoSuchKey" || api.ErrorCode() == "NotFound") {
			return nil, false, nil
		}
		return nil, false, a.explain(err, "s3:GetObject")
	}
	defer obj.Body.Close()
	body, err := io.ReadAll(io.LimitReader(obj.Body, maxAuditObject))
	if err != nil {
		return nil, false, fmt.Errorf("s3:GetObject %s on bucket %s: %w", key, a.Bucket, err)
	}
	return body, true, nil
}

// List returns every key under prefix, in order, a page (1,000 keys) at a
// time.
func (a *AuditStore) List(ctx context.Context, prefix string) ([]string, error) {
	var keys []string
	p := s3.NewListObjectsV2Paginator(a.Client, &s3.ListObjectsV2Input{Bucket: sdkaws.String(a.Bucket), Prefix: sdkaws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, a.explain(err, "s3:ListBucket")
		}
		for _, o := range page.Contents {
			keys = append(keys, sdkaws.ToString(o.Key))
		}
	}
	return keys, nil
}

// explain is s3Error with the audit log's own hints: its bucket is named
// by audit:, its endpoint by audit_endpoint, not by buckets or
// --s3-endpoint-url.
func (a *AuditStore) explain(err error, action string) error {
	var api smithy.APIError
	switch {
	case errors.As(err, &api) && api.ErrorCode() == "NoSuchBucket":
		return &UserError{Msg: fmt.Sprintf("bucket %s does not exist (check audit: in the config, or --audit)", a.Bucket), Err: err}
	case isUnreachable(err):
		return &UserError{Msg: fmt.Sprintf("cannot reach S3 for bucket %s: %s (check audit_endpoint, or the context's s3_endpoint)", a.Bucket, netReason(err)), Err: err}
	}
	return s3Error(err, action, a.Bucket)
}
