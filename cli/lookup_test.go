package cli

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sandbox"
)

// unlock and restore take the lock as a person has it: Terraform's lock
// ID alone, the state (bucket/key), s3://bucket/key, or the backend key
// with its bucket.
func TestUnlockAndRestoreAcceptEveryForm(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	sb := emptySandbox(t, now)
	ctx := context.Background()
	lock := func(key string) model.LockInfo {
		li := sandbox.NewInfo(sandbox.Bucket+"/"+key, "OperationTypeApply", "alice@ci", "1.11.4", now.Add(-3*time.Hour))
		if err := sandbox.Lock(ctx, sb.Dynamo, sandbox.Table, li); err != nil {
			t.Fatal(err)
		}
		return li
	}
	base := []string{"--table", sandbox.Table, "--region", sandbox.Region, "--endpoint-url", sb.DynamoURL, "--bucket", sandbox.Bucket, "--s3-endpoint-url", sb.S3URL}
	unlockArgs := func(extra ...string) []string { return append(append([]string{"unlock"}, extra...), base...) }

	byID := lock("payments/terraform.tfstate")
	bySchemeURL := lock("dns/terraform.tfstate")
	byKey := lock("iam/terraform.tfstate")
	// The prompt shows what the state's last write says, as the UI does.
	if err := sandbox.WriteState(ctx, sb, "dns/terraform.tfstate", sandbox.State(4, "lineage-1", "1.11.4")); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		li   model.LockInfo
	}{
		{"lock ID alone, as terraform force-unlock takes it", unlockArgs(byID.ID, "--yes"), byID},
		{"s3://bucket/key", unlockArgs("s3://tfstate/dns/terraform.tfstate", "--id", bySchemeURL.ID, "--yes"), bySchemeURL},
		{"backend key with --bucket", unlockArgs("iam/terraform.tfstate", "--id", byKey.ID, "--yes"), byKey},
	}
	evidence := map[string]string{
		byID.Path:        "state:      no state object at s3://tfstate/payments/terraform.tfstate yet",
		bySchemeURL.Path: "after the lock was taken",
	}
	for _, c := range cases {
		out, errOut, code := run(t, now, c.args...)
		if code != 0 || !strings.Contains(out, "Released "+c.li.Path) {
			t.Errorf("%s: exit %d\n%s%s", c.name, code, out, errOut)
		}
		if want := evidence[c.li.Path]; want != "" && !strings.Contains(out, want) {
			t.Errorf("%s: the prompt lacks %q:\n%s", c.name, want, out)
		}
	}
	// Not found says what was tried, not "already released".
	_, errOut, code := run(t, now, unlockArgs("4536794d-0000-0000-0000-000000000000", "--yes")...)
	if code != ExitNotFound || !strings.Contains(errOut, "no lock with lock ID 4536794d-0000-0000-0000-000000000000 is held in table terraform-locks and bucket tfstate") || strings.Contains(errOut, "already released") {
		t.Errorf("unknown lock ID: exit %d %q", code, errOut)
	}
	_, errOut, code = run(t, now, unlockArgs("nothing/terraform.tfstate", "--id", "x")...)
	if code != ExitNotFound || !strings.Contains(errOut, "tried nothing/terraform.tfstate, tfstate/nothing/terraform.tfstate") {
		t.Errorf("unknown state: exit %d %q", code, errOut)
	}
	// No argument explains itself; a state without --id says what to do.
	_, errOut, code = run(t, now, unlockArgs()...)
	if code != ExitUsage || !strings.Contains(errOut, "unlock takes one lock: the lock ID from Terraform's error") || strings.Contains(errOut, "arg(s)") {
		t.Errorf("no argument: exit %d %q", code, errOut)
	}
	_, errOut, code = run(t, now, unlockArgs("tfstate/x/terraform.tfstate")...)
	if code != ExitUsage || !strings.Contains(errOut, "--id is required with a state") {
		t.Errorf("state without --id: exit %d %q", code, errOut)
	}

	// restore finds the release from the lock ID or the state.
	out, errOut, code := run(t, now, append([]string{"restore", byID.ID}, base...)...)
	if code != 0 || !strings.Contains(out, "Restored "+byID.Path) {
		t.Errorf("restore by lock ID: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = run(t, now, append([]string{"restore", "s3://tfstate/dns/terraform.tfstate"}, base...)...)
	if code != 0 || !strings.Contains(out, "Restored "+bySchemeURL.Path) {
		t.Errorf("restore by state: exit %d\n%s%s", code, out, errOut)
	}
	_, errOut, code = run(t, now, append([]string{"restore", byID.ID}, base...)...)
	if code == 0 || !strings.Contains(errOut, "no release of "+byID.ID+" that can still be restored") {
		t.Errorf("restore of a restored release: exit %d %q", code, errOut)
	}
	// A record of us-east-1 is not restored into eu-west-1.
	other := append([]string{"restore", "iam/terraform.tfstate"}, base...)
	other[4+1] = "eu-west-1" // --region's value
	_, errOut, code = run(t, now, other...)
	if code != ExitRefused || !strings.Contains(errOut, "region us-east-1, not eu-west-1") {
		t.Errorf("restore into another region: exit %d %q", code, errOut)
	}
	w := &lwaws.LockWriter{Client: sb.Dynamo, Table: sandbox.Table}
	if _, found, _ := w.Get(ctx, byKey.Path); found {
		t.Error("a refused restore wrote the lock back")
	}
}

// findLock says "ambiguous" when a backend key names held locks in two
// watched buckets, and never picks one.
func TestFindLockRefusesToGuess(t *testing.T) {
	held := map[string]model.Entry{
		"a/app/terraform.tfstate": {LockID: "a/app/terraform.tfstate", Kind: model.KindLock, Info: model.LockInfo{ID: "1"}},
		"b/app/terraform.tfstate": {LockID: "b/app/terraform.tfstate", Kind: model.KindLock, Info: model.LockInfo{ID: "1"}},
	}
	get := func(_ context.Context, id string) (model.Entry, bool, error) { e, ok := held[id]; return e, ok, nil }
	scan := func(context.Context) ([]model.Entry, error) {
		return []model.Entry{held["a/app/terraform.tfstate"], held["b/app/terraform.tfstate"]}, nil
	}
	s := config.Settings{Table: "locks", Buckets: []string{"a", "b"}}
	_, err := findLock(context.Background(), get, scan, "app/terraform.tfstate", s)
	if err == nil || !strings.Contains(err.Error(), "app/terraform.tfstate is ambiguous: locks are held on a/app/terraform.tfstate, b/app/terraform.tfstate") {
		t.Errorf("ambiguous key: %v", err)
	}
	// A backend key at the bucket's root is a state, not a lock ID.
	held["a/terraform.tfstate"] = model.Entry{LockID: "a/terraform.tfstate", Kind: model.KindLock, Info: model.LockInfo{ID: "2"}}
	if lk, err := findLock(context.Background(), get, scan, "terraform.tfstate", config.Settings{Table: "locks", Buckets: []string{"a"}}); err != nil || lk.ByLockID || lk.Entry.LockID != "a/terraform.tfstate" {
		t.Errorf("root key: %+v %v", lk, err)
	}
	_, err = findLock(context.Background(), get, scan, "1", s)
	if err == nil || !strings.Contains(err.Error(), "lock ID 1 is held on 2 states") {
		t.Errorf("ambiguous lock ID: %v", err)
	}
	var nf *notFoundError
	if _, err = findLock(context.Background(), get, scan, "s3://c/app/terraform.tfstate", s); !errors.As(err, &nf) {
		t.Errorf("unknown: %v", err)
	}
}

// emptySandbox starts the in-process sandbox with nothing in it and its
// clock at now, closed when the test ends.
func emptySandbox(t *testing.T, now time.Time) *sandbox.Sandbox {
	t.Helper()
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Empty: true, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	return sb
}
