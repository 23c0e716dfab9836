package aws

import (
	"context"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lockwarden/lockwarden/model"
)

// LockFileVersions lists every version and delete marker of the .tflock
// keys under prefix in bucket, at most limit of them (stopped is then
// true); each key's versions come together, newest first.
func LockFileVersions(ctx context.Context, c s3.ListObjectVersionsAPIClient, bucket, prefix string, limit int) (out []model.PruneVersion, stopped bool, err error) {
	p := s3.NewListObjectVersionsPaginator(c, &s3.ListObjectVersionsInput{Bucket: sdkaws.String(bucket), Prefix: sdkaws.String(prefix)})
	for p.HasMorePages() {
		if len(out) >= limit {
			return out, true, nil
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
