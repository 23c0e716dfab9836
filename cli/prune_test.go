package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/lockwarden/lockwarden/audit"
	"github.com/lockwarden/lockwarden/internal/testenv"
	"github.com/lockwarden/lockwarden/sandbox"
)

// versionsOf lists every version and delete marker in the bucket, as
// KEY@ID (markers marked ×, the latest *).
func versionsOf(t *testing.T, c *s3.Client) []string {
	t.Helper()
	var out []string
	p := s3.NewListObjectVersionsPaginator(c, &s3.ListObjectVersionsInput{Bucket: sdkaws.String(sandbox.Bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page.Versions {
			mark := ""
			if sdkaws.ToBool(v.IsLatest) {
				mark = "*"
			}
			out = append(out, sdkaws.ToString(v.Key)+"@"+sdkaws.ToString(v.VersionId)+mark)
		}
		for _, m := range page.DeleteMarkers {
			out = append(out, sdkaws.ToString(m.Key)+"@"+sdkaws.ToString(m.VersionId)+"×")
		}
	}
	slices.Sort(out)
	return out
}

// A versioned MinIO bucket after 200 lock/state/unlock cycles of one
// state and a lock held now on another: doctor counts the .tflock
// versions and markers; prune-versions' dry run says the same and removes
// nothing; --apply removes exactly those — every state version, the held
// lock file and every other object untouched — audited with every
// version ID; run again, there is nothing to prune.
func TestPruneLockFileVersions(t *testing.T) {
	sb := testenv.On(t, testenv.MinIO, emptySandbox(t, fixtureNow))
	useConfig(t, "")
	ctx := context.Background()
	put, del := versionedBucket(t, sb)
	for i := range 200 {
		put("app/terraform.tfstate.tflock", fmt.Sprintf(`{"ID":"%d"}`, i))
		put("app/terraform.tfstate", fmt.Sprintf(`{"serial":%d}`, i))
		del("app/terraform.tfstate.tflock")
	}
	put("web/terraform.tfstate.tflock", `{"ID":"old"}`)
	del("web/terraform.tfstate.tflock")
	put("web/terraform.tfstate.tflock", `{"ID":"held now"}`)
	before := versionsOf(t, sb.S3)
	flags := []string{"--bucket", sandbox.Bucket, "--s3-endpoint-url", sb.S3URL, "--region", sandbox.Region}

	out, _, _ := runAt(t, "", false, append([]string{"doctor"}, flags...)...)
	if !strings.Contains(out, "201 old .tflock versions and 201 .tflock delete markers") {
		t.Errorf("doctor:\n%s", out)
	}
	out, errOut, code := runAt(t, "", false, append([]string{"lockfiles", "prune-versions"}, flags...)...)
	if code != 0 || !strings.Contains(out, "bucket tfstate: 402 old lock-file versions and delete markers would be removed") {
		t.Fatalf("dry run: exit %d %s\n%s", code, errOut, out)
	}
	if after := versionsOf(t, sb.S3); !slices.Equal(after, before) {
		t.Fatal("the dry run removed something")
	}
	out, errOut, code = runAt(t, "", false, append([]string{"lockfiles", "prune-versions", "--apply"}, flags...)...)
	if code != 0 || !strings.Contains(out, "bucket tfstate: removed 402 of 402") {
		t.Fatalf("apply: exit %d %s\n%s", code, errOut, out)
	}
	after := versionsOf(t, sb.S3)
	var removed []string
	for _, v := range before {
		if !slices.Contains(after, v) {
			removed = append(removed, v)
			if !strings.Contains(v, ".tflock@") || strings.HasSuffix(v, "*") && !strings.Contains(v, "app/") {
				t.Errorf("removed %s", v)
			}
		}
	}
	if len(removed) != 402 || len(after) != 201 || !slices.ContainsFunc(after, func(v string) bool {
		return strings.HasPrefix(v, "web/terraform.tfstate.tflock@") && strings.HasSuffix(v, "*")
	}) {
		t.Errorf("%d removed, %d left: %q", len(removed), len(after), after)
	}
	var recs []audit.Record
	out, _, _ = runAt(t, "", false, "audit", "-o", "json")
	if err := json.Unmarshal([]byte(out), &recs); err != nil || len(recs) != 2 || recs[0].Action != audit.ActionPruneVersions || len(recs[0].Versions) != 402 || recs[1].Outcome != audit.OutcomePruned {
		t.Errorf("audit: %v %d records", err, len(recs))
	}
	out, _, code = runAt(t, "", false, append([]string{"lockfiles", "prune-versions", "--apply"}, flags...)...)
	if code != 0 || !strings.Contains(out, "bucket tfstate: nothing to prune.") {
		t.Errorf("again: exit %d\n%s", code, out)
	}
	// Suspended, a lock taken now would replace a "null" version: refused.
	if _, err := sb.S3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: sdkaws.String(sandbox.Bucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusSuspended}}); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runAt(t, "", false, append([]string{"lockfiles", "prune-versions", "--apply"}, flags...)...); code != ExitRefused || !strings.Contains(errOut, "versioning is Suspended, not Enabled") {
		t.Errorf("suspended: exit %d %q", code, errOut)
	}
}

// versionedBucket turns versioning on in the sandbox's bucket and returns
// how to put and delete its objects, as clients do.
func versionedBucket(t *testing.T, sb *sandbox.Sandbox) (put func(key, body string), del func(key string)) {
	t.Helper()
	ctx := context.Background()
	if _, err := sb.S3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: sdkaws.String(sandbox.Bucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	put = func(key, body string) {
		if _, err := sb.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: sdkaws.String(sandbox.Bucket), Key: sdkaws.String(key), Body: strings.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
	}
	del = func(key string) {
		if _, err := sb.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: sdkaws.String(sandbox.Bucket), Key: sdkaws.String(key)}); err != nil {
			t.Fatal(err)
		}
	}
	return put, del
}
