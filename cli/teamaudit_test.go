package cli

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/lockwarden/lockwarden/audit"
	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/internal/testenv"
	"github.com/lockwarden/lockwarden/sandbox"
)

// teamBucket is the shared audit log's bucket in these tests.
const teamBucket = "team-audit"

var recordIDRe = regexp.MustCompile(`r-\d{8}-\d{6}-[0-9a-f]{16}`)

// teamSandbox is an empty sandbox on server with the team's audit bucket,
// and the flags that reach both from any machine.
func teamSandbox(t *testing.T, server testenv.S3Server) (*sandbox.Sandbox, []string) {
	t.Helper()
	sb := testenv.On(t, server, emptySandbox(t, fixtureNow))
	if _, err := sb.S3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: sdkaws.String(teamBucket)}); err != nil {
		t.Fatal(err)
	}
	return sb, []string{"--table", sandbox.Table, "--endpoint-url", sb.DynamoURL, "--s3-endpoint-url", sb.S3URL, "--audit", "s3://" + teamBucket + "/lockwarden"}
}

// machine runs lockwarden as one engineer's machine: its own state and
// config homes, so its own local audit file.
type machine struct{ state, config string }

func newMachine(t *testing.T) machine { return machine{t.TempDir(), t.TempDir()} }

func (m machine) run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	t.Setenv("XDG_STATE_HOME", m.state)
	t.Setenv("XDG_CONFIG_HOME", m.config)
	return runAt(t, "", false, args...)
}

// Two engineers on one rotation: A force-unlocks with a reason; B, on
// another machine, sees the record, restores it by its ID, and A sees B's
// restore. On the sandbox's gofakes3 and on MinIO.
func TestTeamAuditTwoMachines(t *testing.T) {
	for _, server := range testenv.S3Servers {
		t.Run(string(server), func(t *testing.T) { testTeamAuditTwoMachines(t, server) })
	}
}

func testTeamAuditTwoMachines(t *testing.T, server testenv.S3Server) {
	sb, flags := teamSandbox(t, server)
	stale := sandbox.NewInfo("tfstate/prod/terraform.tfstate", "OperationTypeApply", "runner@ci", "1.5.7", fixtureNow.Add(-3*time.Hour))
	if err := sandbox.Lock(context.Background(), sb.Dynamo, sandbox.Table, stale); err != nil {
		t.Fatal(err)
	}
	a, b := newMachine(t), newMachine(t)
	out, errOut, code := a.run(t, append([]string{"unlock", stale.Path, "--id", stale.ID, "--yes", "--reason", "INC-42 runner died"}, flags...)...)
	if code != 0 {
		t.Fatalf("A's unlock: exit %d %s", code, errOut)
	}
	id := recordIDRe.FindString(out)
	if id == "" || !strings.Contains(out, "--audit s3://"+teamBucket+"/lockwarden") {
		t.Fatalf("A's unlock printed no record, or an undo that misses the shared log:\n%s", out)
	}
	// The record is two objects under its day, as documented.
	keys, err := (&audit.Shared{Store: auditStore(sb), Prefix: "lockwarden"}).Store.List(context.Background(), "lockwarden/2026/11/26/")
	if err != nil || !slices.Equal(keys, []string{"lockwarden/2026/11/26/" + id + ".intent.json", "lockwarden/2026/11/26/" + id + ".outcome.json"}) {
		t.Fatalf("objects %q, %v", keys, err)
	}

	out, errOut, code = b.run(t, append([]string{"audit"}, flags...)...)
	if code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "INC-42 runner died") || !strings.Contains(out, "released") || strings.Contains(out, "not in the shared log") {
		t.Fatalf("B's audit: exit %d %s\n%s", code, errOut, out)
	}
	out, errOut, code = b.run(t, append([]string{"restore", id}, flags...)...)
	if code != 0 || !strings.Contains(out, "Restored") {
		t.Fatalf("B's restore: exit %d %s\n%s", code, errOut, out)
	}
	restoreID := recordIDRe.FindString(out)

	out, errOut, code = a.run(t, append([]string{"audit", "-o", "json"}, flags...)...)
	var recs []audit.Record
	if err := json.Unmarshal([]byte(out), &recs); code != 0 || err != nil {
		t.Fatalf("A's audit: exit %d %s %v", code, errOut, err)
	}
	var phases []string
	for _, r := range recs {
		phases = append(phases, r.Action+"/"+r.Phase)
		if r.RecordID == restoreID && r.RestoreOf != id && r.Phase == audit.PhaseIntent {
			t.Errorf("B's restore record names %q, not %s", r.RestoreOf, id)
		}
	}
	slices.Sort(phases) // the clock stands still here: one time for all
	if want := []string{"force-unlock/intent", "force-unlock/outcome", "restore/intent", "restore/outcome"}; !slices.Equal(phases, want) {
		t.Errorf("A sees %q, want %q", phases, want)
	}
	// A's own copy holds only what A wrote; B's only B's.
	for name, m := range map[string]machine{"A": a, "B": b} {
		local, err := (&audit.Log{Path: filepath.Join(m.state, "lockwarden", "audit.jsonl")}).Read()
		if err != nil || len(local) != 2 {
			t.Errorf("%s's local copy: %d records, %v", name, len(local), err)
		}
	}
	// Restoring twice from the other machine is refused: the lock is back.
	if _, errOut, code := a.run(t, append([]string{"restore", id}, flags...)...); code == 0 {
		t.Errorf("a second restore: exit 0 %s", errOut)
	}

	// The reaper as A: B finds its release by its actor and restores it.
	abandoned := sandbox.NewInfo("tfstate/batch/terraform.tfstate", "OperationTypePlan", "runner@ci", "1.5.7", fixtureNow.Add(-5*time.Hour))
	if err := sandbox.Lock(context.Background(), sb.Dynamo, sandbox.Table, abandoned); err != nil {
		t.Fatal(err)
	}
	reaper := newMachine(t)
	if _, errOut, code := reaper.run(t, append([]string{"reap", "--older-than", "4h", "--operations", "plan", "--apply"}, flags...)...); code != 0 {
		t.Fatalf("reap: exit %d %s", code, errOut)
	}
	out, _, code = b.run(t, append([]string{"audit", "--actor", "reaper", "-o", "json"}, flags...)...)
	recs = nil
	if err := json.Unmarshal([]byte(out), &recs); code != 0 || err != nil || len(recs) != 2 || recs[0].LockID != abandoned.Path || recs[0].Policy == "" {
		t.Fatalf("B's audit --actor reaper: exit %d %v %+v", code, err, recs)
	}
	if _, errOut, code := b.run(t, append([]string{"restore", recs[0].RecordID}, flags...)...); code != 0 {
		t.Errorf("B restores the reaper's release: exit %d %s", code, errOut)
	}

	// A crash between intent and outcome: the intent alone is in the log
	// (the outcome object removed here, as a SIGKILL would have left it).
	// restore works from the intent, once told the release happened.
	crashed := sandbox.NewInfo("tfstate/crashed/terraform.tfstate", "OperationTypeApply", "runner@ci", "1.5.7", fixtureNow.Add(-3*time.Hour))
	if err := sandbox.Lock(context.Background(), sb.Dynamo, sandbox.Table, crashed); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = a.run(t, append([]string{"unlock", crashed.Path, "--id", crashed.ID, "--yes"}, flags...)...)
	crashID := recordIDRe.FindString(out)
	if code != 0 || crashID == "" {
		t.Fatalf("unlock: exit %d %s", code, errOut)
	}
	if _, err := sb.S3.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: sdkaws.String(teamBucket),
		Key: sdkaws.String("lockwarden/2026/11/26/" + crashID + ".outcome.json")}); err != nil {
		t.Fatal(err)
	}
	out, _, _ = b.run(t, append([]string{"audit", "--state", crashed.Path}, flags...)...)
	if !strings.Contains(out, "no outcome recorded") {
		t.Errorf("B's audit of the crashed release:\n%s", out)
	}
	if out, errOut, code := b.run(t, append([]string{"restore", crashID, "--yes"}, flags...)...); code != 0 || !strings.Contains(out, "Restored") {
		t.Errorf("B restores from the intent: exit %d %s\n%s", code, errOut, out)
	}
}

func auditStore(sb *sandbox.Sandbox) audit.ObjectStore {
	return &lwaws.AuditStore{Client: sb.S3, Bucket: teamBucket}
}

// A shared log that cannot take the intent — its bucket missing, its
// endpoint dead — means nothing is released, restored or reaped: no
// DeleteItem reaches the table. One line says why; the exit code is 6.
func TestTeamAuditUnreachableWritesNothing(t *testing.T) {
	rec, staleID, _ := seededTable(t)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	dead := "http://127.0.0.1:" + strconv.Itoa(testenv.FreePort(t))
	sb := emptySandbox(t, fixtureNow)
	for _, c := range []struct {
		name  string
		flags []string
		want  string
	}{
		{"no such bucket", []string{"--audit", "s3://no-such-audit/lw", "--s3-endpoint-url", sb.S3URL}, "bucket no-such-audit does not exist"},
		{"dead endpoint", []string{"--config", writeConfig(t, "audit: s3://team-audit/lw\naudit_endpoint: "+dead+"\ns3_endpoint: "+sb.S3URL+"\n")}, "cannot reach S3 for bucket team-audit"},
	} {
		base := append([]string{"--table", "locks", "--endpoint-url", rec.URL}, c.flags...)
		_, errOut, code := runAt(t, "", false, append([]string{"unlock", "tfstate/app/terraform.tfstate", "--id", staleID, "--yes"}, base...)...)
		if code != ExitNotRecorded || !strings.Contains(errOut, "nothing released: the audit record could not be written: the shared audit log s3://") ||
			!strings.Contains(errOut, c.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%s: unlock exit %d %q", c.name, code, errOut)
		}
		_, errOut, code = runAt(t, "", false, append([]string{"reap", "--older-than", "2h", "--operations", "apply", "--apply"}, base...)...)
		if code != ExitNotRecorded || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: reap exit %d %q", c.name, code, errOut)
		}
		if w := rec.writes(); len(w) != 0 {
			t.Fatalf("%s: wrote without a stored intent: %v", c.name, w)
		}
	}
}

// Fifty writers at once against MinIO — forty-nine unlocks of different
// states from as many runs, and a reaper run — every record stored once,
// none overwritten, every local copy whole.
func TestTeamAuditConcurrentWriters(t *testing.T) {
	sb, flags := teamSandbox(t, testenv.MinIO)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	var infos []string
	for i := range 50 {
		li := sandbox.NewInfo(fmt.Sprintf("tfstate/s%02d/terraform.tfstate", i), "OperationTypePlan", "runner@ci", "1.5.7", fixtureNow.Add(-3*time.Hour))
		if err := sandbox.Lock(context.Background(), sb.Dynamo, sandbox.Table, li); err != nil {
			t.Fatal(err)
		}
		infos = append(infos, li.Path+" "+li.ID)
	}
	var wg sync.WaitGroup
	results := make(chan string, 50)
	for _, info := range infos[:49] {
		path, id, _ := strings.Cut(info, " ")
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errOut, code := runAt(t, "", false, append([]string{"unlock", path, "--id", id, "--yes"}, flags...)...)
			results <- fmt.Sprintf("%d %s", code, errOut)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, errOut, code := runAt(t, "", false, append([]string{"reap", "--older-than", "2h", "--operations", "plan", "--max-per-run", "50", "--apply"}, flags...)...)
		results <- fmt.Sprintf("reap %d %s", code, errOut)
	}()
	wg.Wait()
	close(results)
	for r := range results {
		if !strings.HasPrefix(r, "0 ") && !strings.HasPrefix(r, "reap 0 ") && !strings.HasPrefix(r, "3 ") && !strings.HasPrefix(r, "4 ") {
			t.Errorf("a writer: %s", r) // 3, 4: the reaper or an unlock found its lock gone: refused, nothing written
		}
	}
	keys, err := auditStore(sb).List(context.Background(), "lockwarden/")
	if err != nil {
		t.Fatal(err)
	}
	shared := &audit.Shared{Store: auditStore(sb), Prefix: "lockwarden", Now: func() time.Time { return fixtureNow }}
	recs, err := shared.Since(fixtureNow.Add(-time.Hour))
	if err != nil || len(recs) != len(keys) {
		t.Fatalf("%d records for %d objects: %v", len(recs), len(keys), err)
	}
	released := map[string]int{}
	for _, a := range audit.Group(recs) {
		if a.Intent == nil || a.Outcome == nil {
			t.Errorf("action %+v lacks a phase", a)
			continue
		}
		if a.Outcome.Outcome == audit.OutcomeReleased {
			released[a.Intent.LockID]++
		}
	}
	if len(released) != 50 {
		t.Errorf("%d states released, want 50", len(released))
	}
	for state, n := range released {
		if n != 1 {
			t.Errorf("%s released %d times", state, n)
		}
	}
	local, err := (&audit.Log{Path: audit.DefaultPath()}).Read()
	if err != nil || len(local) != len(recs) {
		t.Errorf("local copy: %d records of %d, %v", len(local), len(recs), err)
	}
}

// audit push copies a machine's history into the shared log once: run
// again, it writes nothing new.
func TestTeamAuditPush(t *testing.T) {
	sb, flags := teamSandbox(t, testenv.Gofakes3)
	a := newMachine(t)
	stale := sandbox.NewInfo("tfstate/old/terraform.tfstate", "OperationTypeApply", "runner@ci", "1.5.7", fixtureNow.Add(-3*time.Hour))
	if err := sandbox.Lock(context.Background(), sb.Dynamo, sandbox.Table, stale); err != nil {
		t.Fatal(err)
	}
	local := flags[:len(flags)-2] // before the team had a shared log
	if _, errOut, code := a.run(t, append([]string{"unlock", stale.Path, "--id", stale.ID, "--yes"}, local...)...); code != 0 {
		t.Fatal(errOut)
	}
	out, _, code := a.run(t, append([]string{"audit"}, flags...)...)
	if code != 0 || !strings.Contains(out, "not in the shared log") {
		t.Errorf("before push: exit %d\n%s", code, out)
	}
	out, errOut, code := a.run(t, append([]string{"audit", "push"}, flags...)...)
	if code != 0 || !strings.Contains(out, "Pushed 2 records to s3://team-audit/lockwarden; 0 were there already.") {
		t.Fatalf("push: exit %d %s\n%s", code, errOut, out)
	}
	out, _, code = a.run(t, append([]string{"audit", "push"}, flags...)...)
	if code != 0 || !strings.Contains(out, "Pushed 0 records to s3://team-audit/lockwarden; 2 were there already.") {
		t.Errorf("push again: exit %d\n%s", code, out)
	}
	out, _, code = newMachine(t).run(t, append([]string{"audit"}, flags...)...)
	if code != 0 || !strings.Contains(out, "tfstate/old/terraform.tfstate") || strings.Contains(out, "not in the shared log") {
		t.Errorf("another machine after push: exit %d\n%s", code, out)
	}
	// The shared log gone: this machine's copy, said to be unconfirmed,
	// and exit 1.
	dead := "http://127.0.0.1:" + strconv.Itoa(testenv.FreePort(t))
	offline := append(slices.Clone(flags[:len(flags)-2]), "--audit", "s3://team-audit/lockwarden")
	offline[5] = dead // --s3-endpoint-url
	out, errOut, code = a.run(t, append([]string{"audit"}, offline...)...)
	if code != ExitError || !strings.Contains(out, "tfstate/old/terraform.tfstate") || !strings.Contains(out, "unconfirmed (the shared log was not read)") ||
		!strings.Contains(errOut, "cannot reach S3 for bucket team-audit") {
		t.Errorf("offline: exit %d %q\n%s", code, errOut, out)
	}
}

// writeConfig writes a config file and returns its path.
func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// On a MinIO bucket made with Object Lock and a default retention, the
// server refuses to delete a record's version, audit verify says the
// records are protected, and it reports a record overwritten beside it
// (a new version) and an action a crash left without its outcome. On a
// plain bucket it says they are not protected.
func TestTeamAuditObjectLock(t *testing.T) {
	sb, flags := teamSandbox(t, testenv.MinIO)
	ctx := context.Background()
	const locked = "team-audit-locked"
	if _, err := sb.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: sdkaws.String(locked), ObjectLockEnabledForBucket: sdkaws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := sb.S3.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: sdkaws.String(locked),
		ObjectLockConfiguration: &s3types.ObjectLockConfiguration{ObjectLockEnabled: s3types.ObjectLockEnabledEnabled,
			Rule: &s3types.ObjectLockRule{DefaultRetention: &s3types.DefaultRetention{Mode: s3types.ObjectLockRetentionModeGovernance, Days: sdkaws.Int32(1)}}}}); err != nil {
		t.Fatal(err)
	}
	stale := sandbox.NewInfo("tfstate/prod/terraform.tfstate", "OperationTypeApply", "runner@ci", "1.5.7", fixtureNow.Add(-3*time.Hour))
	if err := sandbox.Lock(ctx, sb.Dynamo, sandbox.Table, stale); err != nil {
		t.Fatal(err)
	}
	m := newMachine(t)
	lockedFlags := append(slices.Clone(flags[:len(flags)-2]), "--audit", "s3://"+locked+"/lockwarden")
	out, errOut, code := m.run(t, append([]string{"unlock", stale.Path, "--id", stale.ID, "--yes"}, lockedFlags...)...)
	if code != 0 {
		t.Fatalf("unlock: exit %d %s", code, errOut)
	}
	id := recordIDRe.FindString(out)
	out, errOut, code = m.run(t, append([]string{"audit", "verify"}, lockedFlags...)...)
	if code != 0 || !strings.Contains(out, "✓ 2 records, every one readable and lockwarden's") ||
		!strings.Contains(out, "✓ protected: bucket "+locked+" has Object Lock, GOVERNANCE retention of 1 day by default; every record is under retention") {
		t.Fatalf("verify, locked: exit %d %s\n%s", code, errOut, out)
	}
	// The server keeps the record: its version cannot be deleted.
	key := "lockwarden/2026/11/26/" + id + ".intent.json"
	head, err := sb.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: sdkaws.String(locked), Key: sdkaws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sb.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: sdkaws.String(locked), Key: sdkaws.String(key), VersionId: head.VersionId}); err == nil {
		t.Errorf("the server deleted a retained record")
	}
	// Overwritten (a new version: the first stays, retained) and a crash
	// between intent and outcome: both reported.
	forged := strings.NewReader(`{"record_id":"` + id + `","phase":"intent","action":"force-unlock","lock_id":"x"}`)
	sum := md5.Sum([]byte(`{"record_id":"` + id + `","phase":"intent","action":"force-unlock","lock_id":"x"}`))
	if _, err := sb.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: sdkaws.String(locked), Key: sdkaws.String(key), Body: forged,
		ContentMD5: sdkaws.String(base64.StdEncoding.EncodeToString(sum[:]))}); err != nil {
		t.Fatal(err)
	}
	crashed := &audit.Shared{Store: &lwaws.AuditStore{Client: sb.S3, Bucket: locked}, Prefix: "lockwarden"}
	in, _ := auditRecordPair(audit.NewRecordID(fixtureNow))
	if err := crashed.Append(in); err != nil {
		t.Fatal(err)
	}
	out, _, code = m.run(t, append([]string{"audit", "verify"}, lockedFlags...)...)
	if code != ExitRefused || !strings.Contains(out, "✗ 1 record has more than one version — replaced or deleted since written: "+key+" (2 versions)") ||
		!strings.Contains(out, "⚠ 1 action has no outcome") || !strings.Contains(out, in.RecordID) {
		t.Errorf("verify, tampered: exit %d\n%s", code, out)
	}
	// The day's records deleted (delete markers: the versions stay under
	// retention): still reported, though the day now lists nothing.
	for _, k := range []string{key, "lockwarden/2026/11/26/" + id + ".outcome.json", crashed.Key(in.RecordID, audit.PhaseIntent)} {
		if _, err := sb.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: sdkaws.String(locked), Key: sdkaws.String(k)}); err != nil {
			t.Fatal(err)
		}
	}
	out, _, code = m.run(t, append([]string{"audit", "verify"}, lockedFlags...)...)
	if code != ExitRefused || !strings.Contains(out, "✓ no records in range") || !strings.Contains(out, "✗ 3 records have more than one version — replaced or deleted since written") {
		t.Errorf("verify, a day deleted: exit %d\n%s", code, out)
	}
	// A plain bucket: not protected.
	out, _, code = m.run(t, append([]string{"audit", "verify"}, flags...)...)
	if code != ExitError || !strings.Contains(out, "⚠ not protected: bucket "+teamBucket+" has no Object Lock") {
		t.Errorf("verify, plain: exit %d\n%s", code, out)
	}
}

// auditRecordPair is an intent and its outcome, as a release writes them.
func auditRecordPair(id string) (audit.Record, audit.Record) {
	in := audit.Record{RecordID: id, Phase: audit.PhaseIntent, Time: fixtureNow, Action: audit.ActionForceUnlock, Actor: "x@y", LockID: "tfstate/crashed/terraform.tfstate"}
	out := in
	out.Phase, out.Outcome = audit.PhaseOutcome, audit.OutcomeReleased
	return in, out
}
