package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lockwarden/lockwarden/model"
)

// teamMembers take turns running Terraform in the demo.
var teamMembers = []struct{ who, version string }{
	{"ci@runner-3", "1.12.6"}, {"frank@laptop", "1.9.8"}, {"gia@ws-2", "1.10.5"}, {"ci@runner-9", "1.5.7"},
}

var teamServices = []string{
	"env:/prod/payments/terraform.tfstate", "env:/staging/payments/terraform.tfstate",
	"env:/prod/search/terraform.tfstate", "env:/dev/search/terraform.tfstate",
	"cdn/terraform.tfstate", "env:/staging/queue/terraform.tfstate",
}

var teamOps = []string{"OperationTypeApply", "OperationTypePlan", "OperationTypePlan", "OperationTypeRefresh", "state-mv"}

// RunTeam simulates colleagues running Terraform: every interval one of
// them locks a state, holds it for between hold and 3×hold (writing state and
// digest when applying), and releases it with OpenTofu's conditional
// unlock. In a sandbox with no lock table they lock with S3 lock files
// (use_lockfile), as Terraform >= 1.10 does. It runs until ctx ends;
// errors go to logf.
func (sb *Sandbox) RunTeam(ctx context.Context, every, hold time.Duration, logf func(format string, a ...any)) {
	if every <= 0 {
		every = 3 * time.Second
	}
	if hold <= 0 {
		hold = 4 * time.Second
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	serial := 100
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		m := teamMembers[rng.IntN(len(teamMembers))]
		key := teamServices[rng.IntN(len(teamServices))]
		op := teamOps[rng.IntN(len(teamOps))]
		li := NewInfo(Bucket+"/"+key, op, m.who, m.version, sb.now())
		if err := sb.teamLock(ctx, li); err != nil {
			continue // someone else holds it: exactly what Terraform would hit
		}
		held := hold + time.Duration(rng.Int64N(int64(2*hold)))
		go func(serial int) {
			select {
			case <-ctx.Done():
				return
			case <-time.After(held):
			}
			if op == "OperationTypeApply" {
				if err := WriteState(ctx, sb, key, State(serial, "5c1d7a0e-demo-lineage", m.version)); err != nil && ctx.Err() == nil {
					logf("team: write state %s: %v", key, err)
				}
			}
			if err := sb.teamUnlock(ctx, li); err != nil && ctx.Err() == nil {
				logf("team: %s", fmt.Sprintf("unlock %s: %v", key, err))
			}
		}(serial)
		serial++
	}
}

// teamLock takes a lock where this sandbox's clients lock: the table, or
// a lock file. The lock file is checked first as well as put with
// If-None-Match, for emulators that ignore the header.
func (sb *Sandbox) teamLock(ctx context.Context, li model.LockInfo) error {
	if !sb.lockFiles {
		return Lock(ctx, sb.Dynamo, Table, li)
	}
	bucket, key := model.SplitPath(li.Path)
	if _, err := sb.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: sdkaws.String(bucket), Key: sdkaws.String(key + model.LockFileSuffix)}); err == nil {
		return errors.New("held")
	}
	return LockFile(ctx, sb.S3, li)
}

// teamUnlock releases what teamLock took, only if it is still the team
// member's own lock.
func (sb *Sandbox) teamUnlock(ctx context.Context, li model.LockInfo) error {
	if !sb.lockFiles {
		return Unlock(ctx, sb.Dynamo, Table, li)
	}
	bucket, key := model.SplitPath(li.Path)
	obj, err := sb.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: sdkaws.String(bucket), Key: sdkaws.String(key + model.LockFileSuffix)})
	if err != nil {
		return err
	}
	body, err := io.ReadAll(obj.Body)
	obj.Body.Close()
	if err != nil {
		return err
	}
	if cur, err := model.ParseLockInfo(string(body)); err != nil || cur.ID != li.ID {
		return fmt.Errorf("unlock %s: the lock file is no longer this run's", li.Path)
	}
	return UnlockFile(ctx, sb.S3, li)
}
