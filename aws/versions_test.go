package aws

import (
	"context"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// pagedVersions answers ListObjectVersions from pages, in order.
type pagedVersions struct {
	pages []*s3.ListObjectVersionsOutput
}

func (p *pagedVersions) ListObjectVersions(_ context.Context, in *s3.ListObjectVersionsInput, _ ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error) {
	i := 0
	if in.KeyMarker != nil {
		i = int(sdkaws.ToString(in.KeyMarker)[0] - '0')
	}
	return p.pages[i], nil
}

func version(key, id string, latest bool) s3types.ObjectVersion {
	return s3types.ObjectVersion{Key: sdkaws.String(key), VersionId: sdkaws.String(id), IsLatest: sdkaws.Bool(latest)}
}

// A listing stopped at its limit drops the key that may go on in the next
// page: b.tflock's oldest version is on page 2, so none of b is returned,
// and no plan can remove the marker that hides it.
func TestLockFileVersionsDropsASplitKey(t *testing.T) {
	p := &pagedVersions{pages: []*s3.ListObjectVersionsOutput{
		{IsTruncated: sdkaws.Bool(true), NextKeyMarker: sdkaws.String("1"), NextVersionIdMarker: sdkaws.String("x"),
			Versions:      []s3types.ObjectVersion{version("a.tflock", "a1", false), version("b.tflock", "b2", false)},
			DeleteMarkers: []s3types.DeleteMarkerEntry{{Key: sdkaws.String("a.tflock"), VersionId: sdkaws.String("am"), IsLatest: sdkaws.Bool(true)}, {Key: sdkaws.String("b.tflock"), VersionId: sdkaws.String("bm"), IsLatest: sdkaws.Bool(true)}}},
		{Versions: []s3types.ObjectVersion{version("b.tflock", "b1", false)}},
	}}
	out, stopped, err := LockFileVersions(context.Background(), p, "tfstate", "", 3)
	if err != nil || !stopped {
		t.Fatalf("%v %v", stopped, err)
	}
	for _, v := range out {
		if v.Key == "b.tflock" {
			t.Errorf("the split key was returned: %+v", out)
		}
	}
	if len(out) != 2 {
		t.Errorf("a.tflock whole: %+v", out)
	}
}
