package aws

import (
	"context"
	"slices"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lockwarden/lockwarden/model"
)

// LockFileVersions lists every version and delete marker of the .tflock
// keys under prefix in bucket. Past limit entries it stops (stopped is
// then true) and drops every entry of the last key listed, whose versions
// may go on in the next page: a key is returned whole or not at all, so
// that no plan ever misses the version a marker hides.
func LockFileVersions(ctx context.Context, c s3.ListObjectVersionsAPIClient, bucket, prefix string, limit int) (out []model.PruneVersion, stopped bool, err error) {
	p := s3.NewListObjectVersionsPaginator(c, &s3.ListObjectVersionsInput{Bucket: sdkaws.String(bucket), Prefix: sdkaws.String(prefix)})
	for p.HasMorePages() {
		if len(out) >= limit {
			// S3 lists keys in order: the greatest seen may go on.
			last := slices.MaxFunc(out, func(a, b model.PruneVersion) int { return strings.Compare(a.Key, b.Key) }).Key
			return slices.DeleteFunc(out, func(v model.PruneVersion) bool { return v.Key == last }), true, nil
		}
		page, err := p.NextPage(ctx)
		if err != nil {
			return out, false, s3Error(err, "s3:ListBucketVersions", bucket)
		}
		for _, v := range page.Versions {
			if k := sdkaws.ToString(v.Key); strings.HasSuffix(k, model.LockFileSuffix) {
				out = append(out, model.PruneVersion{Key: k, VersionID: sdkaws.ToString(v.VersionId), Latest: sdkaws.ToBool(v.IsLatest), Size: sdkaws.ToInt64(v.Size)})
			}
		}
		for _, m := range page.DeleteMarkers {
			if k := sdkaws.ToString(m.Key); strings.HasSuffix(k, model.LockFileSuffix) {
				out = append(out, model.PruneVersion{Key: k, VersionID: sdkaws.ToString(m.VersionId), Latest: sdkaws.ToBool(m.IsLatest), DeleteMarker: true})
			}
		}
	}
	return out, false, nil
}

// DeleteVersion removes one version (or delete marker) of key.
func DeleteVersion(ctx context.Context, c S3API, bucket, key, versionID string) error {
	_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: sdkaws.String(bucket), Key: sdkaws.String(key), VersionId: sdkaws.String(versionID)})
	if err != nil {
		return s3Error(err, "s3:DeleteObjectVersion", bucket)
	}
	return nil
}

// BucketVersioning is a bucket's versioning status: Enabled, Suspended,
// or "" (never turned on).
func BucketVersioning(ctx context.Context, c *s3.Client, bucket string) (string, error) {
	v, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: sdkaws.String(bucket)})
	if err != nil {
		return "", s3Error(err, "s3:GetBucketVersioning", bucket)
	}
	return string(v.Status), nil
}
