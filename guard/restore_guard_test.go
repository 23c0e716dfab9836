package guard_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/lockwarden/lockwarden/audit"
	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/guard"
	"github.com/lockwarden/lockwarden/internal/testenv"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sandbox"
)

// blockedAudit points the service at an audit path that cannot be created.
func blockedAudit(t *testing.T, svc *guard.Service) {
	t.Helper()
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	svc.Audit = &audit.Log{Path: filepath.Join(blocker, "audit.jsonl")}
}

// Every way a restore must refuse, and that it then writes nothing.
func TestRestoreGuards(t *testing.T) {
	e := newEnv(t, testenv.Minidyn(t))
	ctx := context.Background()
	li := e.lock(t, "tfstate/app/terraform.tfstate", "alice@ci", 3*time.Hour)
	observed, _ := e.get(t, li.Path)
	res, err := e.svc.Release(ctx, observed, staleReq(li.ID), "")
	if err != nil {
		t.Fatal(err)
	}

	// A record of another table.
	like := func() *guard.Service {
		return &guard.Service{Writer: e.svc.Writer, Audit: e.svc.Audit, Actor: e.svc.Actor, Now: e.svc.Now}
	}
	// A record of another place: table, region, endpoint or account.
	w := *e.svc.Writer
	places := map[string]func(*guard.Service){
		"table " + e.table + ", not some-other-table": func(s *guard.Service) { w := w; w.Table = "some-other-table"; s.Writer = &w },
		"region us-east-1, not eu-west-1":             func(s *guard.Service) { w := w; w.Region = "eu-west-1"; s.Writer = &w },
		"endpoint (none), not http://127.0.0.1:1":     func(s *guard.Service) { w := w; w.Endpoint = "http://127.0.0.1:1"; s.Writer = &w },
	}
	for want, change := range places {
		other := like()
		change(other)
		_, err := other.Restore(ctx, res.RecordID)
		var refusal *model.Refusal
		if !errors.As(err, &refusal) || refusal.Kind != model.RefusedOtherPlace || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "--allow-other-place") {
			t.Errorf("other place (%s): %v", want, err)
		}
	}
	// Accounts are compared when both actors are STS ARNs.
	arnAt := func(acct string) string { return "arn:aws:sts::" + acct + ":assumed-role/admin/alice" }
	acctSvc := like()
	acctSvc.Actor = arnAt("111111111111")
	li3 := e.lock(t, "tfstate/acct/terraform.tfstate", "alice@ci", 3*time.Hour)
	obs3, _ := e.get(t, li3.Path)
	rel3, err := acctSvc.Release(ctx, obs3, staleReq(li3.ID), "")
	if err != nil {
		t.Fatal(err)
	}
	elsewhere := like()
	elsewhere.Actor = arnAt("222222222222")
	if _, err := elsewhere.Restore(ctx, rel3.RecordID); err == nil || !strings.Contains(err.Error(), "account 111111111111, not 222222222222") {
		t.Errorf("other account: %v", err)
	}
	if _, found := e.get(t, li3.Path); found {
		t.Fatal("a refused restore wrote the lock back")
	}
	// --allow-other-place restores on purpose.
	elsewhere.AllowOtherPlace = true
	if _, err := elsewhere.Restore(ctx, rel3.RecordID); err != nil {
		t.Errorf("--allow-other-place: %v", err)
	}
	// Read-only.
	ro := like()
	ro.ReadOnly = true
	if _, err := ro.Restore(ctx, res.RecordID); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("read-only: %v", err)
	}
	// An unknown record, and a record whose release was refused.
	if _, err := e.svc.Restore(ctx, "r-20260101-000000-000000"); err == nil || !strings.Contains(err.Error(), "no audit record") {
		t.Errorf("unknown record: %v", err)
	}
	li2 := e.lock(t, "tfstate/web/terraform.tfstate", "bob@ws", 3*time.Hour)
	obs2, _ := e.get(t, li2.Path)
	if err := sandbox.Unlock(ctx, e.c, e.table, li2); err != nil {
		t.Fatal(err)
	}
	gone, err := e.svc.Release(ctx, obs2, staleReq(li2.ID), "")
	if !errors.As(err, new(*guard.ChangedError)) {
		t.Fatalf("release of a gone lock: %v", err)
	}
	if _, err := e.svc.Restore(ctx, gone.RecordID); err == nil || !strings.Contains(err.Error(), "did not release anything") {
		t.Errorf("restore of a refused release: %v", err)
	}
	// No audit record, no restore: a log others can read is readable but
	// refuses appends (root ignores file modes, this guard does not).
	if err := os.Chmod(logOf(e.svc).Path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Restore(ctx, res.RecordID); err == nil || !strings.Contains(err.Error(), "nothing restored: the audit record could not be written") {
		t.Errorf("unwritable audit: %v", err)
	}
	if _, found := e.get(t, li.Path); found {
		t.Fatal("a restore went through without its audit record")
	}
	if err := os.Chmod(logOf(e.svc).Path, 0o600); err != nil {
		t.Fatal(err)
	}
	// And after all that, the real restore still works.
	if _, err := e.svc.Restore(ctx, res.RecordID); err != nil {
		t.Fatal(err)
	}
}

// A digest repair refuses what it cannot repair and, without its audit
// record, writes nothing.
func TestRepairDigestGuards(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	const key = "app/terraform.tfstate"
	path := sandbox.Bucket + "/" + key
	if err := sandbox.WriteState(ctx, e.sb, key, sandbox.State(1, "l", "1.5.7")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.RepairDigest(ctx, lwaws.CheckDigest(ctx, e.svc.Writer, e.sb.S3, path), ""); err == nil || !strings.Contains(err.Error(), "already matches") {
		t.Errorf("ok digest: %v", err)
	}
	orphan := lwaws.CheckDigest(ctx, e.svc.Writer, e.sb.S3, sandbox.Bucket+"/nothing/terraform.tfstate")
	if _, err := e.svc.RepairDigest(ctx, orphan, ""); err == nil || !strings.Contains(err.Error(), "has no digest item: Terraform checks nothing, so there is nothing to repair") {
		t.Errorf("no state: %v", err)
	}
	bad := map[string]types.AttributeValue{"LockID": &types.AttributeValueMemberS{Value: path + "-md5"}, "Digest": &types.AttributeValueMemberS{Value: "0123456789abcdef0123456789abcdef"}}
	if err := sandbox.PutRaw(ctx, e.sb.Dynamo, sandbox.Table, bad); err != nil {
		t.Fatal(err)
	}
	r := lwaws.CheckDigest(ctx, e.svc.Writer, e.sb.S3, path)
	blockedAudit(t, e.svc)
	if _, err := e.svc.RepairDigest(ctx, r, ""); err == nil || !strings.Contains(err.Error(), "nothing written: the audit record could not be written") {
		t.Errorf("unwritable audit: %v", err)
	}
	if after := lwaws.CheckDigest(ctx, e.svc.Writer, e.sb.S3, path); after.Stored != "0123456789abcdef0123456789abcdef" {
		t.Error("the digest was written without an audit record")
	}
}

// A restore compares the record's context, profile and account with its
// own, and an account it cannot compare is not a match: a prod record
// restored with --context staging (same table and region), a record of
// the reaper (no account) and a run where STS did not answer are each
// refused, writing nothing, unless --allow-other-place. An emulator on
// this machine has no account: there the endpoint is the place.
func TestRestoreRefusesAnotherContextProfileOrAnUnknownAccount(t *testing.T) {
	e := newEnv(t, testenv.Minidyn(t))
	ctx := context.Background()
	release := func(svc *guard.Service, path string) (string, model.LockInfo) {
		t.Helper()
		li := e.lock(t, path, "alice@ci", 3*time.Hour)
		observed, _ := e.get(t, li.Path)
		res, err := svc.Release(ctx, observed, staleReq(li.ID), "")
		if err != nil {
			t.Fatal(err)
		}
		return res.RecordID, li
	}
	svcWith := func(context, profile, account string, resolve func(context.Context) lwaws.Identity) *guard.Service {
		return &guard.Service{Writer: e.svc.Writer, Audit: e.svc.Audit, Now: e.svc.Now, Actor: "tester@host",
			Context: context, Profile: profile, Account: account, ResolveIdentity: resolve}
	}
	prod := svcWith("prod", "prod-admin", testAccount, nil)
	cases := []struct {
		name   string
		writer *guard.Service // releases
		here   *guard.Service // restores
		want   string
	}{
		{"another context", prod, svcWith("staging", "prod-admin", testAccount, nil), "context prod, not staging"},
		{"another profile", prod, svcWith("prod", "staging-admin", testAccount, nil), "profile prod-admin, not staging-admin"},
		{"a record without an account (the reaper's)", svcWith("prod", "prod-admin", "", nil), prod, "account unknown: the record names none"},
		{"STS does not answer here", prod, svcWith("prod", "prod-admin", "", func(context.Context) lwaws.Identity { return lwaws.Identity{Actor: "bob@ws"} }),
			"account " + testAccount + ", and this run's is unknown"},
	}
	for i, c := range cases {
		id, li := release(c.writer, fmt.Sprintf("tfstate/place-%d/terraform.tfstate", i))
		_, err := c.here.Restore(ctx, id)
		var refusal *model.Refusal
		if !errors.As(err, &refusal) || refusal.Kind != model.RefusedOtherPlace || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want a refusal saying %q", c.name, err, c.want)
		}
		if _, found := e.get(t, li.Path); found {
			t.Errorf("%s: the refused restore wrote the lock back", c.name)
		}
		c.here.AllowOtherPlace = true
		if _, err := c.here.Restore(ctx, id); err != nil {
			t.Errorf("%s, --allow-other-place: %v", c.name, err)
		}
	}
	// The same context, profile and account (resolved from STS at the
	// first write) restore.
	sts := func(context.Context) lwaws.Identity {
		return lwaws.Identity{Actor: "arn:aws:sts::" + testAccount + ":assumed-role/admin/alice", Account: testAccount}
	}
	id, _ := release(svcWith("prod", "prod-admin", "", sts), "tfstate/same/terraform.tfstate")
	if _, err := svcWith("prod", "prod-admin", "", sts).Restore(ctx, id); err != nil {
		t.Errorf("same place: %v", err)
	}

	// The reaper names itself as the actor, and its records still carry
	// the account STS answered with.
	reaper := svcWith("prod", "prod-admin", "", sts)
	reaper.Actor = "reaper@host"
	id, _ = release(reaper, "tfstate/reaped/terraform.tfstate")
	if in, out, err := e.svc.Audit.Find(id); err != nil || in.Actor != "reaper@host" || in.Account != testAccount || out.Account != testAccount {
		t.Errorf("the reaper's records: %+v %+v %v", in, out, err)
	}

	// STS's answer is recorded as the identity beside the user@host that
	// ran lockwarden, in both records.
	withARN := svcWith("prod", "prod-admin", "", func(context.Context) lwaws.Identity {
		return lwaws.Identity{Actor: "carol@laptop", ARN: "arn:aws:sts::" + testAccount + ":assumed-role/OnCall/carol", Account: testAccount}
	})
	withARN.Actor = ""
	id, _ = release(withARN, "tfstate/identity/terraform.tfstate")
	if in, out, err := e.svc.Audit.Find(id); err != nil || in.Actor != "carol@laptop" || in.Identity != "arn:aws:sts::"+testAccount+":assumed-role/OnCall/carol" ||
		out.Identity != in.Identity || in.Account != testAccount || model.ActorName(in.Actor, in.Identity) != "carol (OnCall)" {
		t.Errorf("the identity: %+v %+v %v", in, out, err)
	}

	// An emulator on this machine: no account on either side, the
	// loopback endpoint is the place.
	w := *e.svc.Writer
	w.Endpoint = "http://127.0.0.1:8000"
	local := func() *guard.Service {
		return &guard.Service{Writer: &w, Audit: e.svc.Audit, Now: e.svc.Now, Actor: "tester@host", Context: "sandbox"}
	}
	id, _ = release(local(), "tfstate/local/terraform.tfstate")
	if _, err := local().Restore(ctx, id); err != nil {
		t.Errorf("an emulator on loopback: %v", err)
	}
}
