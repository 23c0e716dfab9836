package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/lockwarden/lockwarden/sandbox"
)

// A digest that no longer matches its state object stops Terraform with
// the checksum error; lockwarden digest repair sets it right and the next
// plan runs. (Terraform retries the mismatch for about 10 s first.)
func TestDigestRepairLetsPlanRun(t *testing.T) {
	sb := startSandbox(t)
	w := newWorkdir(t, sb, "e2e/digest/terraform.tfstate")
	apply, out := w.startApply()
	w.release()
	if err := apply.Wait(); err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	const path = "tfstate/e2e/digest/terraform.tfstate"
	if err := sandbox.PutRaw(context.Background(), sb.Dynamo, sandbox.Table, map[string]types.AttributeValue{
		"LockID": &types.AttributeValueMemberS{Value: path + "-md5"}, "Digest": &types.AttributeValueMemberS{Value: "0123456789abcdef0123456789abcdef"},
	}); err != nil {
		t.Fatal(err)
	}
	plan, err := w.command("plan", "-input=false", "-no-color").CombinedOutput()
	if err == nil || !strings.Contains(string(plan), "state data in S3 does not have the expected content") {
		t.Fatalf("plan should fail on the digest: %v\n%s", err, plan)
	}

	flags := append(tableFlags(sb, t), "--s3-endpoint-url", sb.S3URL)
	code, check, _ := lockwarden(t, append([]string{"digest", "check", path, "--exit-code"}, flags...)...)
	if code != 3 || !strings.Contains(check, "mismatch") {
		t.Fatalf("digest check: exit %d\n%s", code, check)
	}
	code, repaired, errOut := lockwarden(t, append([]string{"digest", "repair", path, "--yes"}, flags...)...)
	if code != 0 || !strings.Contains(repaired, "Digest of "+path+" set to") {
		t.Fatalf("repair: exit %d\n%s\n%s", code, repaired, errOut)
	}
	w.run("plan", "-input=false", "-no-color")
	if code, _, _ := lockwarden(t, append([]string{"digest", "check", path, "--exit-code"}, flags...)...); code != 0 {
		t.Errorf("after the repair the digest should be ok: exit %d", code)
	}
}
