package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// seedLock is one lock the sandbox starts with.
type seedLock struct {
	key, op, who, version string
	age                   time.Duration // negative: the holder's clock is ahead
	alsoLockFile          bool
}

var seedLocks = []seedLock{
	{key: "env:/prod/network/terraform.tfstate", op: "OperationTypeApply", who: "ci@runner-7", version: "1.12.6", age: 76*time.Hour + 12*time.Minute},
	{key: "env:/prod/eks-cluster/terraform.tfstate", op: "OperationTypeApply", who: "alice@laptop", version: "1.9.8", age: 5*time.Hour + 12*time.Minute},
	{key: "env:/staging/dns/terraform.tfstate", op: "OperationTypePlan", who: "ci@runner-2", version: "1.12.6", age: 63 * time.Second, alsoLockFile: true},
	{key: "billing/terraform.tfstate", op: "state-rm", who: "bob@ws-14", version: "1.5.7", age: 9*time.Minute + 30*time.Second},
	{key: "env:/dev/import-test/terraform.tfstate", op: "OperationTypeInvalid", who: "erin@dev-box", version: "1.11.4", age: 22 * time.Minute},
	{key: "iam/terraform.tfstate", op: "OperationTypeApply", who: "dana@skewed-clock", version: "1.10.5", age: -3 * time.Minute},
}

// statesWithDigests are state objects whose digest matches, with how long
// ago each was written: the stale locks' states long before their locks,
// the live plan's just now.
var statesWithDigests = []struct {
	key string
	age time.Duration
}{
	{"env:/prod/network/terraform.tfstate", 80 * time.Hour},
	{"env:/prod/eks-cluster/terraform.tfstate", 5*time.Hour + 11*time.Minute},
	{"env:/staging/dns/terraform.tfstate", 20 * time.Second},
	{"billing/terraform.tfstate", 30 * time.Hour},
	{"iam/terraform.tfstate", 2 * time.Hour},
	{"app/terraform.tfstate", 26 * time.Hour},
	{"env:/staging/app/terraform.tfstate", 50 * time.Minute},
}

func (sb *Sandbox) seed(ctx context.Context) error {
	if sb.lockFiles {
		return sb.seedLockFiles(ctx)
	}
	now := sb.now()
	for i, st := range statesWithDigests {
		restore := sb.s3clock.setBack(st.age)
		err := WriteState(ctx, sb, st.key, State(3+i*7, NewLockID(), "1.12.6"))
		restore()
		if err != nil {
			return err
		}
	}
	// A digest that no longer matches its state object: a run killed
	// between the S3 write and the digest write.
	restore := sb.s3clock.setBack(3 * time.Hour)
	err := WriteState(ctx, sb, "env:/staging/api/terraform.tfstate", State(41, NewLockID(), "1.12.6"))
	restore()
	if err != nil {
		return err
	}
	if err := PutRaw(ctx, sb.Dynamo, Table, map[string]types.AttributeValue{
		"LockID": str(Bucket + "/env:/staging/api/terraform.tfstate-md5"), "Digest": str("0123456789abcdef0123456789abcdef"),
	}); err != nil {
		return err
	}
	// A digest whose state object is gone.
	if err := PutRaw(ctx, sb.Dynamo, Table, map[string]types.AttributeValue{
		"LockID": str(Bucket + "/retired/terraform.tfstate-md5"), "Digest": str("d41d8cd98f00b204e9800998ecf8427e"),
	}); err != nil {
		return err
	}
	for _, l := range seedLocks {
		li := NewInfo(Bucket+"/"+l.key, l.op, l.who, l.version, now.Add(-l.age))
		if err := Lock(ctx, sb.Dynamo, Table, li); err != nil {
			return err
		}
		if l.alsoLockFile {
			raw, err := li.Marshal()
			if err != nil {
				return err
			}
			if _, err := sb.S3.PutObject(ctx, &s3.PutObjectInput{
				Bucket: sdkaws.String(Bucket), Key: sdkaws.String(l.key + ".tflock"),
				Body: bytes.NewReader([]byte(raw)), IfNoneMatch: sdkaws.String("*"),
			}); err != nil {
				return err
			}
		}
	}
	// What else turns up in real tables: Info that is not JSON (it blocks
	// Terraform just the same), and Terragrunt's migrate leaving an -md5
	// item with no Digest.
	if err := PutRaw(ctx, sb.Dynamo, Table, map[string]types.AttributeValue{
		"LockID": str(Bucket + "/broken/terraform.tfstate"), "Info": str("lock held by hand-rolled script (not JSON)"),
	}); err != nil {
		return err
	}
	return PutRaw(ctx, sb.Dynamo, Table, map[string]types.AttributeValue{
		"LockID": str(Bucket + "/migrated/terraform.tfstate-md5"),
	})
}

// seedLockFiles seeds a sandbox with no lock table: the same locks, held
// in S3 lock files, and state objects with no digest items (clients that
// lock with use_lockfile alone write none).
func (sb *Sandbox) seedLockFiles(ctx context.Context) error {
	now := sb.now()
	for i, st := range statesWithDigests {
		restore := sb.s3clock.setBack(st.age)
		err := sb.putState(ctx, st.key, State(3+i*7, NewLockID(), "1.12.6"))
		restore()
		if err != nil {
			return err
		}
	}
	for _, l := range seedLocks {
		if err := LockFile(ctx, sb.S3, NewInfo(Bucket+"/"+l.key, l.op, l.who, l.version, now.Add(-l.age))); err != nil {
			return fmt.Errorf("lock file %s: %w", l.key, err)
		}
	}
	// A lock file that is not LockInfo JSON blocks clients just the same.
	_, err := sb.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: sdkaws.String(Bucket), Key: sdkaws.String("broken/terraform.tfstate.tflock"),
		Body: bytes.NewReader([]byte("lock held by hand-rolled script (not JSON)"))})
	return err
}
