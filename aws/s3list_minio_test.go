package aws_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/internal/testenv"
)

// On MinIO, a real S3 server (folder markers, delimiter listings and
// StartAfter as S3 does them, ETags its own): every lock file once at every
// concurrency and under a prefix, and a quiet second poll makes no GET.
func TestListOnMinio(t *testing.T) {
	ctx := context.Background()
	m := testenv.StartMinio(t)
	const bucket = "tfstate"
	m.CreateBucket(t, bucket)
	put := func(key, body string) {
		if _, err := m.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: sdkaws.String(bucket), Key: sdkaws.String(key), Body: strings.NewReader(body)}); err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
	}
	want := seedNested(put, bucket)
	for _, conc := range []int{1, 4, 16} {
		t.Run(fmt.Sprintf("conc%d", conc), func(t *testing.T) {
			counting := &countingS3{S3API: m.Client}
			files := &lwaws.LockFiles{Client: counting, Buckets: []lwaws.BucketPrefix{{Bucket: bucket}}, ListConcurrency: conc}
			for poll, wantGets := range []int64{int64(len(want)), 0} {
				before := counting.gets.Load()
				entries, errs := files.List(ctx)
				if got := lockIDs(entries); len(errs) > 0 || !slices.Equal(got, want) {
					t.Fatalf("poll %d: got %d lock files %v, want %d:\n got %q\nwant %q", poll, len(got), errs, len(want), got, want)
				}
				if gets := counting.gets.Load() - before; gets != wantGets {
					t.Errorf("poll %d: %d GETs, want %d", poll, gets, wantGets)
				}
			}
		})
	}
	for _, prefix := range []string{"env:/ws03/", "env:/ws0", "legacy-0"} {
		var under []string
		for _, id := range want {
			if strings.HasPrefix(id, bucket+"/"+prefix) {
				under = append(under, id)
			}
		}
		files := &lwaws.LockFiles{Client: m.Client, Buckets: []lwaws.BucketPrefix{{Bucket: bucket, Prefix: prefix}}, ListConcurrency: 2}
		entries, errs := files.List(ctx)
		if got := lockIDs(entries); len(errs) > 0 || !slices.Equal(got, under) {
			t.Errorf("prefix %q: got %q %v, want %q", prefix, got, errs, under)
		}
	}
}
