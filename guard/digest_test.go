package guard_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/guard"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sandbox"
)

func TestRepairDigestIsConditionalAuditedAndRestorable(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	const key = "app/terraform.tfstate"
	path := sandbox.Bucket + "/" + key
	if err := sandbox.WriteState(ctx, e.sb, key, sandbox.State(7, "lin-1", "1.5.7")); err != nil {
		t.Fatal(err)
	}
	bad := map[string]types.AttributeValue{"LockID": &types.AttributeValueMemberS{Value: path + "-md5"}, "Digest": &types.AttributeValueMemberS{Value: "0123456789abcdef0123456789abcdef"}}
	if err := sandbox.PutRaw(ctx, e.sb.Dynamo, sandbox.Table, bad); err != nil {
		t.Fatal(err)
	}
	r := lwaws.CheckDigest(ctx, e.svc.Writer, e.sb.S3, path)
	if r.Status != model.DigestMismatch || r.State.Serial == nil || *r.State.Serial != 7 || r.State.Lineage != "lin-1" {
		t.Fatalf("report %+v", r)
	}

	// Changed between the check and the repair: refused, nothing written.
	other := map[string]types.AttributeValue{"LockID": bad["LockID"], "Digest": &types.AttributeValueMemberS{Value: "ffffffffffffffffffffffffffffffff"}}
	if err := sandbox.PutRaw(ctx, e.sb.Dynamo, sandbox.Table, other); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.RepairDigest(ctx, r, ""); err == nil || !strings.Contains(err.Error(), "changed since you looked") {
		t.Fatalf("a changed digest was repaired: %v", err)
	}
	if now := lwaws.CheckDigest(ctx, e.svc.Writer, e.sb.S3, path); now.Stored != "ffffffffffffffffffffffffffffffff" {
		t.Fatal("the refused repair wrote")
	}

	r = lwaws.CheckDigest(ctx, e.svc.Writer, e.sb.S3, path)
	res, err := e.svc.RepairDigest(ctx, r, "test")
	if err != nil {
		t.Fatal(err)
	}
	if after := lwaws.CheckDigest(ctx, e.svc.Writer, e.sb.S3, path); after.Status != model.DigestOK {
		t.Fatalf("after repair: %s", after.Status)
	}
	if _, err := e.svc.Restore(ctx, res.RecordID); err != nil {
		t.Fatal(err)
	}
	if back := lwaws.CheckDigest(ctx, e.svc.Writer, e.sb.S3, path); back.Stored != "ffffffffffffffffffffffffffffffff" {
		t.Errorf("restore did not put the old digest back: %s", back.Stored)
	}

	e.svc.ReadOnly = true
	if _, err := e.svc.RepairDigest(ctx, r, ""); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("read-only repair: %v", err)
	}
}

// Only a digest known to be wrong, with a state object to compute it
// from, is repaired; every other status is refused — including a state
// without a digest item, where a repair would create one.
func TestCheckRepairAllowsOnlyKnownRepairs(t *testing.T) {
	st := model.StateObject{Exists: true, MD5: "06462db2ef044008b94260f6cb5ab7cb"}
	item := model.Item{"LockID": model.String("tfstate/a/terraform.tfstate-md5")}
	cases := []struct {
		r  model.DigestReport
		ok bool
	}{
		{model.DigestReport{Status: model.DigestMismatch, State: st, Item: item}, true},
		{model.DigestReport{Status: model.DigestInvalid, State: st, Item: item}, true},
		{model.DigestReport{Status: model.DigestNoDigest, State: st, Item: item}, true},
		{model.DigestReport{Status: model.DigestNoDigest, State: st}, false},
		{model.DigestReport{Status: model.DigestOK, State: st, Item: item}, false},
		{model.DigestReport{Status: model.DigestNoState, Item: item}, false},
		{model.DigestReport{Status: model.DigestNone}, false},
		{model.DigestReport{Status: model.DigestUnchecked}, false},
		{model.DigestReport{Status: model.DigestMismatch, Item: item}, false}, // no state object read
		{model.DigestReport{Status: "a status added later", State: st, Item: item}, false},
	}
	for _, c := range cases {
		err := guard.CheckRepair(c.r)
		var refusal *model.Refusal
		if (err == nil) != c.ok || (err != nil && (!errors.As(err, &refusal) || refusal.Kind != model.RefusedNoRepair)) {
			t.Errorf("%s (item %v, state %v): %v, want ok=%v", c.r.Status, c.r.Item != nil, c.r.State.Exists, err, c.ok)
		}
	}
}
