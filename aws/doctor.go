package aws

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/lockwarden/lockwarden/model"
)

// This file reads, without changing anything, what doctor judges: how a
// lock table and a state bucket are set up, and the clock of the service.

// TableFacts is how a lock table is set up.
type TableFacts struct {
	Status string
	// KeyOK says the key is LockID, a string, alone; Key says what it is.
	KeyOK bool
	Key   string
	// Capacity is its billing mode and read capacity.
	Capacity model.TableCapacity
	// PITR and DeletionProtection are on; PITRKnown is false when the
	// backups could not be described (an emulator, a denied call).
	PITR, PITRKnown, DeletionProtection bool
	// ServerTime is the Date of DescribeTable's answer, and LocalTime
	// when it was received (zero when the answer had none).
	ServerTime, LocalTime time.Time
}

// DescribeLockTable reads how table is set up.
func DescribeLockTable(ctx context.Context, c *dynamodb.Client, table, region, endpoint string) (TableFacts, error) {
	out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: sdkaws.String(table)})
	if err != nil {
		return TableFacts{}, Explain(err, Op{Action: "dynamodb:DescribeTable", Table: table, Region: region, Endpoint: endpoint})
	}
	f := TableFacts{LocalTime: time.Now(), ServerTime: responseDate(out.ResultMetadata)}
	td := out.Table
	f.Status = string(td.TableStatus)
	f.KeyOK = isLockTable(td)
	var keys []string
	for _, k := range td.KeySchema {
		keys = append(keys, sdkaws.ToString(k.AttributeName)+" ("+string(k.KeyType)+")")
	}
	f.Key = strings.Join(keys, ", ")
	f.Capacity = capacityOf(td)
	f.DeletionProtection = sdkaws.ToBool(td.DeletionProtectionEnabled)
	if b, err := c.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: sdkaws.String(table)}); err == nil &&
		b.ContinuousBackupsDescription != nil && b.ContinuousBackupsDescription.PointInTimeRecoveryDescription != nil {
		f.PITRKnown = true
		f.PITR = b.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus == "ENABLED"
	}
	return f, nil
}

// BucketFacts is how a state bucket is set up, and what its versions of
// lock files cost.
type BucketFacts struct {
	Versioning string // Enabled, Suspended, or "" (never turned on)
	ObjectLock bool
	// StaleLockVersions and LockDeleteMarkers count the non-current
	// versions of .tflock keys and their delete markers; Listed says how
	// many versions were looked at, Stopped that the listing stopped at
	// its bound before the end (the counts are then "at least").
	StaleLockVersions, LockDeleteMarkers, Listed int
	StaleLockBytes                               int64
	Stopped                                      bool
	ServerTime, LocalTime                        time.Time
	// LockTags are the tags of a lock file version listed (OpenTofu's
	// lock_tags): a lifecycle rule can select lock files by them.
	// LockTagsErr says why they could not be read (then there may be
	// tags nobody saw).
	LockTags    []s3types.Tag
	LockTagsErr error
}

// maxVersionsListed bounds doctor's listing of a bucket's versions: 20
// LIST requests.
const maxVersionsListed = 20000

// DescribeStateBucket reads how bucket is set up; a bucket that does not
// exist, or cannot be read, is the explained error.
func DescribeStateBucket(ctx context.Context, c *s3.Client, bucket string) (BucketFacts, error) {
	var f BucketFacts
	v, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: sdkaws.String(bucket)})
	if err != nil {
		return f, s3Error(err, "s3:GetBucketVersioning", bucket)
	}
	f.LocalTime, f.ServerTime = time.Now(), responseDate(v.ResultMetadata)
	f.Versioning = string(v.Status)
	if l, err := c.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: sdkaws.String(bucket)}); err == nil &&
		l.ObjectLockConfiguration != nil && l.ObjectLockConfiguration.ObjectLockEnabled == s3types.ObjectLockEnabledEnabled {
		f.ObjectLock = true
	}
	if f.Versioning == "" {
		return f, nil
	}
	var sample s3types.ObjectVersion // a lock file's, whose tags are read
	p := s3.NewListObjectVersionsPaginator(c, &s3.ListObjectVersionsInput{Bucket: sdkaws.String(bucket)})
	for p.HasMorePages() {
		if f.Listed >= maxVersionsListed {
			f.Stopped = true
			break
		}
		page, err := p.NextPage(ctx)
		var api smithy.APIError
		if errors.As(err, &api) && api.ErrorCode() == "NotImplemented" {
			break
		}
		if err != nil {
			return f, s3Error(err, "s3:ListBucketVersions", bucket)
		}
		f.Listed += len(page.Versions) + len(page.DeleteMarkers)
		for _, o := range page.Versions {
			if strings.HasSuffix(sdkaws.ToString(o.Key), model.LockFileSuffix) && sample.Key == nil {
				sample = o
			}
			if strings.HasSuffix(sdkaws.ToString(o.Key), model.LockFileSuffix) && !sdkaws.ToBool(o.IsLatest) {
				f.StaleLockVersions++
				f.StaleLockBytes += sdkaws.ToInt64(o.Size)
			}
		}
		for _, m := range page.DeleteMarkers {
			if strings.HasSuffix(sdkaws.ToString(m.Key), model.LockFileSuffix) {
				f.LockDeleteMarkers++
			}
		}
	}
	f.LockTags, f.LockTagsErr = lockTags(ctx, c, bucket, sample)
	return f, nil
}

// lockTags are the tags of the lock file version v, if any was listed:
// OpenTofu >= 1.11 puts lock_tags on every lock file.
func lockTags(ctx context.Context, c *s3.Client, bucket string, v s3types.ObjectVersion) ([]s3types.Tag, error) {
	if v.Key == nil {
		return nil, nil
	}
	out, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: sdkaws.String(bucket), Key: v.Key, VersionId: v.VersionId})
	if err != nil {
		return nil, s3Error(err, "s3:GetObjectVersionTagging", bucket)
	}
	return out.TagSet, nil
}

// responseDate is the Date header of an answer: the service's clock.
func responseDate(md middleware.Metadata) time.Time {
	raw, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response)
	if !ok || raw == nil {
		return time.Time{}
	}
	t, err := http.ParseTime(raw.Header.Get("Date"))
	if err != nil {
		return time.Time{}
	}
	return t
}
