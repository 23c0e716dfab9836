package guard_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/lockwarden/lockwarden/audit"
	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/guard"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sandbox"
)

// lockVersions leaves two unlocked lock files' worth of old versions and
// delete markers in a versioned bucket, and returns its plan.
func lockVersions(t *testing.T, e s3env) []model.PruneVersion {
	t.Helper()
	ctx := context.Background()
	if _, err := e.sb.S3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: sdkaws.String(sandbox.Bucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		e.putFile(t, "app/terraform.tfstate.tflock", `{"ID":"x"}`)
		if _, err := e.sb.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: sdkaws.String(sandbox.Bucket), Key: sdkaws.String("app/terraform.tfstate.tflock")}); err != nil {
			t.Fatal(err)
		}
	}
	versions, _, err := lwaws.LockFileVersions(ctx, e.sb.S3, sandbox.Bucket, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	plan, _ := model.PrunePlan(versions, 100)
	if len(plan) != 4 {
		t.Fatalf("plan %+v", plan)
	}
	return plan
}

// No intent record, no delete: a prune whose audit file cannot be written
// removes nothing; a read-only run removes nothing either.
func TestPruneWritesNothingWithoutItsRecord(t *testing.T) {
	e := newS3Env(t)
	plan := lockVersions(t, e)
	before, _, _ := lwaws.LockFileVersions(context.Background(), e.sb.S3, sandbox.Bucket, "", 1000)
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	logOf(e.svc).Path = filepath.Join(blocker, "audit.jsonl")
	var notRecorded *guard.NotRecordedError
	if _, err := e.svc.PruneLockVersions(context.Background(), sandbox.Bucket, plan); !errors.As(err, &notRecorded) || notRecorded.What != "pruned" {
		t.Errorf("unwritable audit: %v", err)
	}
	e.svc.ReadOnly = true
	if _, err := e.svc.PruneLockVersions(context.Background(), sandbox.Bucket, plan); err == nil {
		t.Error("read-only: pruned")
	}
	after, _, _ := lwaws.LockFileVersions(context.Background(), e.sb.S3, sandbox.Bucket, "", 1000)
	if !slices.Equal(before, after) {
		t.Errorf("versions changed:\n%+v\n%+v", before, after)
	}
}

// A version that cannot be removed leaves the rest of its key — above all
// its delete marker, whose removal would bring the version back — and the
// outcome says partial, naming what was left.
func TestPruneLeavesAKeyWhoseVersionFailed(t *testing.T) {
	e := newS3Env(t)
	plan := lockVersions(t, e)
	res, err := e.svc.PruneLockVersions(context.Background(), "no-such-bucket", plan)
	if err != nil || res.Removed != 0 || len(res.Failed) != 4 || !strings.Contains(res.Failed[3], "left, as an earlier version of the key was") {
		t.Fatalf("%+v %v", res, err)
	}
	_, out, err := logOf(e.svc).Find(res.RecordID)
	if err != nil || out == nil || out.Outcome != "partial: 0 of 4 removed" || out.Action != audit.ActionPruneVersions {
		t.Errorf("outcome %+v %v", out, err)
	}
}
