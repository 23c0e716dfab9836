package aws

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/lockwarden/lockwarden/model"
)

// maxAuditObject bounds what is read of one audit record object: no
// record lockwarden writes comes near it, and a larger object is not one
// of its records (audit says so and skips it).
const maxAuditObject = 8<<20 + 1

// AuditStore keeps a team's audit records in an S3 bucket, one object
// each (audit.Shared decides the keys). Records are only ever put where
// none is: it never overwrites and never deletes.
type AuditStore struct {
	Client AuditS3API
	Bucket string
	// RetainFor, when set, puts each record under Object Lock retention
	// for that long, in RetainMode (GOVERNANCE or COMPLIANCE); unset, the
	// bucket's default retention applies, if it has one.
	RetainFor  time.Duration
	RetainMode types.ObjectLockMode
	// Now is the clock retention is counted from (default time.Now).
	Now func() time.Time
}

// AuditS3API is what the audit log needs of S3: S3API's calls, and those
// that tell how its records are protected.
type AuditS3API interface {
	S3API
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	ListObjectVersions(ctx context.Context, in *s3.ListObjectVersionsInput, optFns ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error)
	GetObjectLockConfiguration(ctx context.Context, in *s3.GetObjectLockConfigurationInput, optFns ...func(*s3.Options)) (*s3.GetObjectLockConfigurationOutput, error)
}

// Where names the bucket: s3://bucket.
func (a *AuditStore) Where() string { return "s3://" + a.Bucket }

// PutNew puts body at key with If-None-Match: *, so that a record already
// there is never replaced; created is false when one is.
func (a *AuditStore) PutNew(ctx context.Context, key string, body []byte) (bool, error) {
	sum := md5.Sum(body)
	in := &s3.PutObjectInput{Bucket: sdkaws.String(a.Bucket), Key: sdkaws.String(key),
		Body: bytes.NewReader(body), IfNoneMatch: sdkaws.String("*"), ContentType: sdkaws.String("application/json"),
		// A bucket with Object Lock takes no put without a checksum.
		ContentMD5: sdkaws.String(base64.StdEncoding.EncodeToString(sum[:]))}
	if a.RetainFor > 0 {
		now := time.Now
		if a.Now != nil {
			now = a.Now
		}
		in.ObjectLockMode, in.ObjectLockRetainUntilDate = a.RetainMode, sdkaws.Time(now().Add(a.RetainFor).UTC())
	}
	_, err := a.Client.PutObject(ctx, in)
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
		switch {
		case errors.As(err, &api) && (api.ErrorCode() == "NoSuchKey" || api.ErrorCode() == "NotFound"):
			return nil, false, nil
		case errors.As(err, &api) && (api.ErrorCode() == "AccessDenied" || api.ErrorCode() == "InvalidObjectState" || api.ErrorCode() == "InvalidRequest" || api.ErrorCode() == "InvalidArgument"):
			// This object alone: the listing that named it was allowed.
			return nil, false, &ObjectError{Key: key, Err: a.explain(err, "s3:GetObject")}
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

// Protection says whether the bucket keeps records from being replaced
// or removed: Object Lock with a default retention does, for every
// record; Object Lock alone only for records put with their own (an
// audit_retention).
func (a *AuditStore) Protection(ctx context.Context) (bool, string, error) {
	out, err := a.Client.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: sdkaws.String(a.Bucket)})
	var api smithy.APIError
	switch {
	case errors.As(err, &api) && (api.ErrorCode() == "ObjectLockConfigurationNotFoundError" || api.ErrorCode() == "NoSuchObjectLockConfiguration"):
		return false, fmt.Sprintf("bucket %s has no Object Lock: anyone allowed s3:PutObject or s3:DeleteObject on it can replace or remove records (Object Lock is turned on when a bucket is created)", a.Bucket), nil
	case err != nil:
		return false, "", a.explain(err, "s3:GetBucketObjectLockConfiguration")
	}
	cfg := out.ObjectLockConfiguration
	if cfg == nil || cfg.ObjectLockEnabled != types.ObjectLockEnabledEnabled {
		return false, fmt.Sprintf("bucket %s has no Object Lock", a.Bucket), nil
	}
	if cfg.Rule != nil && cfg.Rule.DefaultRetention != nil {
		d := cfg.Rule.DefaultRetention
		n, unit := sdkaws.ToInt32(d.Days), "day"
		if d.Years != nil {
			n, unit = sdkaws.ToInt32(d.Years), "year"
		}
		span := fmt.Sprintf("%d %s%s", n, unit, model.Plural(int(n), "", "s"))
		return true, fmt.Sprintf("bucket %s has Object Lock, %s retention of %s by default", a.Bucket, d.Mode, span), nil
	}
	if a.RetainFor > 0 {
		return true, fmt.Sprintf("bucket %s has Object Lock, and lockwarden puts each record under %s retention for %s", a.Bucket, a.RetainMode, a.RetainFor), nil
	}
	return false, fmt.Sprintf("bucket %s has Object Lock but no default retention, and no audit_retention is set: records are put unretained", a.Bucket), nil
}

// Versions counts the versions and delete markers of each key under
// prefix.
func (a *AuditStore) Versions(ctx context.Context, prefix string) (map[string]int, error) {
	out := map[string]int{}
	p := s3.NewListObjectVersionsPaginator(a.Client, &s3.ListObjectVersionsInput{Bucket: sdkaws.String(a.Bucket), Prefix: sdkaws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, a.explain(err, "s3:ListBucketVersions")
		}
		for _, v := range page.Versions {
			out[sdkaws.ToString(v.Key)]++
		}
		for _, m := range page.DeleteMarkers {
			out[sdkaws.ToString(m.Key)]++
		}
	}
	return out, nil
}

// RetainedUntil is when key's retention ends; zero when it has none.
func (a *AuditStore) RetainedUntil(ctx context.Context, key string) (time.Time, error) {
	out, err := a.Client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: sdkaws.String(a.Bucket), Key: sdkaws.String(key)})
	if err != nil {
		return time.Time{}, a.explain(err, "s3:GetObject")
	}
	return sdkaws.ToTime(out.ObjectLockRetainUntilDate), nil
}

// ObjectError is an error about one object alone — access to it denied,
// its storage class or encryption unreadable — where the bucket answers
// for the others: a read of many records skips it, and tells.
type ObjectError struct {
	Key string
	Err error
}

func (e *ObjectError) Error() string { return e.Key + ": " + e.Err.Error() }
func (e *ObjectError) Unwrap() error { return e.Err }

// ObjectLevel says the error concerns this object alone.
func (e *ObjectError) ObjectLevel() bool { return true }

// Unreachable says the audit log's bucket could not be reached at all:
// it does not exist, the network or the credentials failed. Any other
// error — access denied among them — is an answer from a log that is
// there.
func Unreachable(err error) bool {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode() == "NoSuchBucket"
	}
	return err != nil
}
