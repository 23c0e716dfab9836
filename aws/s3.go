package aws

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/lockwarden/lockwarden/model"
)

// S3API is the S3 calls lockwarden makes.
type S3API interface {
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, optFns ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// NewS3 returns an S3 client for the endpoint ("" for AWS; the SDK also
// honours AWS_ENDPOINT_URL_S3). An endpoint override uses path-style
// addressing, which emulators need.
func NewS3(cfg sdkaws.Config, endpoint string) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if endpoint != "" {
			o.BaseEndpoint = sdkaws.String(endpoint)
			o.UsePathStyle = true
		}
		// Lock files are tiny; the default CRC trailers trip emulators.
		o.RequestChecksumCalculation = sdkaws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = sdkaws.ResponseChecksumValidationWhenRequired
		// List keeps up to 80 requests in flight; with the SDK's 10 idle
		// connections per host, most would open a new TLS connection.
		if bc, ok := o.HTTPClient.(*awshttp.BuildableClient); ok {
			o.HTTPClient = bc.WithTransportOptions(func(t *http.Transport) {
				t.MaxIdleConnsPerHost = max(t.MaxIdleConnsPerHost, DefaultListConcurrency+DefaultGetConcurrency)
			})
		}
	})
}

// BucketPrefix is one place to look for lock files: a bucket, optionally
// with a key prefix ("tfstate" or "tfstate/team-a/").
type BucketPrefix struct {
	Bucket, Prefix string
}

// ParseBucketPrefix reads "bucket" or "bucket/prefix".
func ParseBucketPrefix(s string) (BucketPrefix, error) {
	bucket, prefix, _ := strings.Cut(strings.TrimSpace(s), "/")
	if bucket == "" {
		return BucketPrefix{}, fmt.Errorf("bucket %q: want BUCKET or BUCKET/PREFIX", s)
	}
	return BucketPrefix{Bucket: bucket, Prefix: prefix}, nil
}

// String is the bucket as configured: "bucket" or "bucket/prefix".
func (b BucketPrefix) String() string {
	if b.Prefix == "" {
		return b.Bucket
	}
	return b.Bucket + "/" + b.Prefix
}

// Place names the bucket as messages and metrics do: "bucket NAME" or
// "bucket NAME/PREFIX".
func (b BucketPrefix) Place() string { return "bucket " + b.String() }

// LockFiles reads S3 lock files (.tflock) in the watched buckets.
// Keep one LockFiles for a session and use it by pointer: List keeps the
// bodies it read, so that the next List fetches only what changed.
type LockFiles struct {
	Client             S3API
	Buckets            []BucketPrefix
	Region, Endpoint   string
	WorkspaceKeyPrefix string
	// ListConcurrency and GetConcurrency bound the ListObjectsV2 and
	// GetObject requests a List keeps in flight; zero means
	// DefaultListConcurrency and DefaultGetConcurrency.
	ListConcurrency, GetConcurrency int

	mu                  sync.Mutex
	cache               map[fileKey]cachedFile // by bucket and key, from the last List
	lastLists, lastGets int
}

// s3Error explains a failed S3 call the way Explain does a DynamoDB one:
// what was refused on which bucket, and what to check next.
func s3Error(err error, action, bucket string) error {
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "AccessDenied", "AccessDeniedException", "Forbidden":
			return &UserError{Msg: fmt.Sprintf("access denied: %s on bucket %s is not allowed for these credentials", action, bucket), Err: err}
		case "NoSuchBucket":
			return &UserError{Msg: fmt.Sprintf("bucket %s does not exist (check buckets / --bucket)", bucket), Err: err}
		}
		return &UserError{Msg: fmt.Sprintf("%s on bucket %s: %s: %s", action, bucket, api.ErrorCode(), firstLine(api.ErrorMessage())), Err: err}
	}
	if isCredentialsError(err) {
		return &UserError{Msg: "no AWS credentials found for S3: pass --profile (or set AWS_PROFILE), run `aws sso login`, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", Err: err}
	}
	if isUnreachable(err) {
		return &UserError{Msg: fmt.Sprintf("cannot reach S3 for bucket %s: %s (check --s3-endpoint-url)", bucket, netReason(err)), Err: err}
	}
	return &UserError{Msg: fmt.Sprintf("%s on bucket %s: %s", action, bucket, firstLine(err.Error())), Err: err}
}

var errNoObject = errors.New("no such object")

// Read fetches one lock file with its ETag, always from S3: the guarded
// release path relies on it, so it never answers from List's cache.
func (l *LockFiles) Read(ctx context.Context, bucket, key string) (model.LockFile, error) {
	obj, err := l.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: sdkaws.String(bucket), Key: sdkaws.String(key)})
	if err != nil {
		var api smithy.APIError
		if errors.As(err, &api) && (api.ErrorCode() == "NoSuchKey" || api.ErrorCode() == "NotFound") {
			return model.LockFile{}, errNoObject
		}
		return model.LockFile{}, s3Error(err, "s3:GetObject", bucket)
	}
	defer obj.Body.Close()
	body, err := io.ReadAll(io.LimitReader(obj.Body, 1<<20))
	if err != nil {
		return model.LockFile{}, s3Error(err, "s3:GetObject", bucket)
	}
	return model.LockFile{Bucket: bucket, Key: key, ETag: sdkaws.ToString(obj.ETag), Body: string(body),
		LastModified: sdkaws.ToTime(obj.LastModified)}, nil
}

// DeleteIfUnchanged deletes a lock file only if it is still exactly as
// observed. It re-reads body and ETag immediately before the delete —
// some stores accept If-Match on DeleteObject and ignore it — and then
// deletes with If-Match. Where the store rejects the header outright, the
// delete is sent without it, right after the re-read. It returns how the
// delete was guarded, for the audit record, or ErrConditionFailed.
func (l *LockFiles) DeleteIfUnchanged(ctx context.Context, f model.LockFile) (string, error) {
	cur, err := l.Read(ctx, f.Bucket, f.Key)
	if errors.Is(err, errNoObject) {
		return "", ErrConditionFailed
	}
	if err != nil {
		return "", err
	}
	if cur.ETag != f.ETag || cur.Body != f.Body {
		return "", ErrConditionFailed
	}
	in := &s3.DeleteObjectInput{Bucket: sdkaws.String(f.Bucket), Key: sdkaws.String(f.Key), IfMatch: sdkaws.String(f.ETag)}
	_, err = l.Client.DeleteObject(ctx, in, s3RetryOnlyWhatWasNotCarriedOut)
	var api smithy.APIError
	switch {
	case err == nil:
		return "re-read unchanged, then DeleteObject with If-Match " + f.ETag, nil
	case !notCarriedOut(err):
		// The delete may have happened: read back rather than retry (a
		// retry would fail against our own delete and blame someone else).
		failure := s3Error(err, "s3:DeleteObject", f.Bucket)
		switch now, rerr := l.readBack(ctx, f); {
		case errors.Is(rerr, errNoObject):
			return "re-read unchanged, then DeleteObject with If-Match " + f.ETag + " (its answer was lost; read back: gone)", nil
		case rerr != nil:
			return "", fileUnknown(failure, "released")
		case now.ETag == f.ETag && now.Body == f.Body:
			return "", failure
		}
		return "", ErrConditionFailed
	case errors.As(err, &api) && (api.ErrorCode() == "PreconditionFailed" || api.ErrorCode() == "412"):
		return "", ErrConditionFailed
	case errors.As(err, &api) && (api.ErrorCode() == "NotImplemented" || api.ErrorCode() == "InvalidArgument" || api.ErrorCode() == "InvalidRequest"):
		in.IfMatch = nil
		if _, err := l.Client.DeleteObject(ctx, in); err != nil {
			return "", s3Error(err, "s3:DeleteObject", f.Bucket)
		}
		return "re-read unchanged, then unconditional DeleteObject (the store rejected If-Match: " + api.ErrorCode() + ")", nil
	}
	return "", s3Error(err, "s3:DeleteObject", f.Bucket)
}

// PutIfAbsent puts a lock file back exactly, only if none is there now
// (If-None-Match: *), the way clients take the lock.
func (l *LockFiles) PutIfAbsent(ctx context.Context, f model.LockFile) error {
	_, err := l.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: sdkaws.String(f.Bucket), Key: sdkaws.String(f.Key),
		Body: strings.NewReader(f.Body), IfNoneMatch: sdkaws.String("*")}, s3RetryOnlyWhatWasNotCarriedOut)
	var api smithy.APIError
	if errors.As(err, &api) && (api.ErrorCode() == "PreconditionFailed" || api.ErrorCode() == "412" || api.ErrorCode() == "ConditionalRequestConflict") {
		return ErrConditionFailed
	}
	if err == nil {
		return nil
	}
	failure := s3Error(err, "s3:PutObject", f.Bucket)
	if notCarriedOut(err) {
		return failure
	}
	switch now, rerr := l.readBack(ctx, f); {
	case errors.Is(rerr, errNoObject):
		return failure
	case rerr != nil:
		return fileUnknown(failure, "put back")
	case now.Body == f.Body:
		return nil
	}
	return ErrConditionFailed
}

// Watches reports whether bucket is one of the watched buckets.
func (l *LockFiles) Watches(bucket string) bool {
	for _, bp := range l.Buckets {
		if bp.Bucket == bucket {
			return true
		}
	}
	return false
}

// ReadFor returns the lock file of a state path ("<bucket>/<key>"), if any.
func (l *LockFiles) ReadFor(ctx context.Context, path string) (model.Entry, bool, error) {
	bucket, key := model.SplitPath(path)
	f, err := l.Read(ctx, bucket, key+model.LockFileSuffix)
	if errors.Is(err, errNoObject) {
		return model.Entry{}, false, nil
	}
	if err != nil {
		return model.Entry{}, false, err
	}
	return model.ClassifyLockFile(f, l.WorkspaceKeyPrefix), true, nil
}

// s3RetryOnlyWhatWasNotCarriedOut is retryOnlyWhatWasNotCarriedOut for S3:
// a conditional write is retried only after a failure that proves it was
// not carried out.
func s3RetryOnlyWhatWasNotCarriedOut(o *s3.Options) {
	o.Retryer = notCarriedOutRetryer{o.Retryer}
}

// readBack reads a lock file after a write whose answer did not come, with
// its own deadline: the write's may be what ran out.
func (l *LockFiles) readBack(ctx context.Context, f model.LockFile) (model.LockFile, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*DefaultAttemptTimeout)
	defer cancel()
	return l.Read(ctx, f.Bucket, f.Key)
}

// fileUnknown says that a lock-file write may or may not have happened.
func fileUnknown(failure error, what string) error {
	return &UserError{
		Msg: fmt.Sprintf("%s; whether the lock file was %s is unknown, and reading it back failed too: check with 'lockwarden list' before trying again", failure.Error(), what),
		Err: fmt.Errorf("%w: %w", ErrOutcomeUnknown, failure),
	}
}
