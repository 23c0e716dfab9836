package cli

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/lockwarden/lockwarden/audit"
	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/doctor"
	"github.com/lockwarden/lockwarden/internal/testenv"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sandbox"
	"github.com/lockwarden/lockwarden/ui"
)

// iamScenario is a sandbox behind recording proxies, seeded with a
// stale lock held in the table and a lock file, a state and a digest
// that no longer matches it.
type iamScenario struct {
	sb *sandbox.Sandbox
	// clock is the sandbox's (its S3's LastModified): set back to put a
	// lock file hours ago.
	clock        atomic.Pointer[time.Time]
	li           model.LockInfo
	dyn, s3      *testenv.Recorder
	flags        []string
	lock         string
	lockID, path string
}

func newIAMScenario(t *testing.T) *iamScenario {
	t.Helper()
	sc := &iamScenario{path: "tfstate/app/terraform.tfstate"}
	sc.setClock(fixtureNow.Add(-3 * time.Hour))
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Empty: true, Now: func() time.Time { return *sc.clock.Load() }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	useConfig(t, "")
	sc.sb, sc.dyn, sc.s3 = sb, testenv.NewRecorder(t, sb.DynamoURL), testenv.NewRecorder(t, sb.S3URL)
	// With a shared audit log, which every mode that writes records into
	// and the UI and doctor read.
	sc.flags = []string{"--table", sandbox.Table, "--region", sandbox.Region, "--endpoint-url", sc.dyn.URL, "--bucket", sandbox.Bucket, "--s3-endpoint-url", sc.s3.URL,
		"--audit", "s3://team-audit/lockwarden"}
	ctx := context.Background()
	if _, err := sb.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: sdkaws.String("team-audit")}); err != nil {
		t.Fatal(err)
	}
	if err := sandbox.WriteState(ctx, sb, "app/terraform.tfstate", sandbox.State(1, "lin", "1.11.4")); err != nil {
		t.Fatal(err)
	}
	// A later state write the digest has not caught up with.
	if _, err := sb.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: sdkaws.String(sandbox.Bucket), Key: sdkaws.String("app/terraform.tfstate"),
		Body: strings.NewReader(string(sandbox.State(2, "lin", "1.11.4")))}); err != nil {
		t.Fatal(err)
	}
	li := sandbox.NewInfo(sc.path, "OperationTypeApply", "ci@runner-7", "1.11.4", fixtureNow.Add(-3*time.Hour))
	if err := sandbox.Lock(ctx, sb.Dynamo, sandbox.Table, li); err != nil {
		t.Fatal(err)
	}
	if err := sandbox.LockFile(ctx, sb.S3, li); err != nil {
		t.Fatal(err)
	}
	sc.lockID, sc.li = li.ID, li
	sc.setClock(fixtureNow)
	return sc
}

func (sc *iamScenario) setClock(t time.Time) { sc.clock.Store(&t) }

// oldLockFile puts the lock file back as written 3 hours ago, as the
// reaper wants a lock file no one has touched since.
func (sc *iamScenario) oldLockFile(t *testing.T) {
	t.Helper()
	sc.setClock(fixtureNow.Add(-3 * time.Hour))
	defer sc.setClock(fixtureNow)
	ctx := context.Background()
	if err := sandbox.UnlockFile(ctx, sc.sb.S3, sc.li); err != nil {
		t.Fatal(err)
	}
	if err := sandbox.LockFile(ctx, sc.sb.S3, sc.li); err != nil {
		t.Fatal(err)
	}
}

// actions are the IAM actions both proxies saw since the last reset.
func (sc *iamScenario) actions() []string {
	out := append(sc.dyn.Actions(), sc.s3.Actions()...)
	slices.Sort(out)
	return out
}

func (sc *iamScenario) reset() { sc.dyn.Reset(); sc.s3.Reset() }

// run runs lockwarden with the scenario's flags and fails on an exit code
// not in ok.
func (sc *iamScenario) run(t *testing.T, ok []int, args ...string) string {
	t.Helper()
	out, errOut, code := runAt(t, "", false, append(args, sc.flags...)...)
	if !slices.Contains(ok, code) {
		t.Fatalf("%v: exit %d %s\n%s", args, code, errOut, out)
	}
	return out
}

// policyActions is what iam-policy --for mode grants here.
func (sc *iamScenario) policyActions(t *testing.T, mode string) []string {
	t.Helper()
	out := sc.run(t, []int{0}, "iam-policy", "--for", mode)
	var pol doctor.Policy
	if err := json.Unmarshal([]byte(out), &pol); err != nil {
		t.Fatalf("%s: %v\n%s", mode, err, out)
	}
	return pol.Actions()
}

// Each mode's AWS calls, recorded as it runs, are exactly what
// iam-policy --for that mode grants: no call the policy would deny, no
// action granted that the mode does not use.
func TestIAMPolicyCoversEachModeExactly(t *testing.T) {
	sc := newIAMScenario(t)
	modes := []struct {
		mode string
		run  func(t *testing.T)
	}{
		{"read", func(t *testing.T) {
			sc.run(t, []int{0, 3}, "list", "--all")
			sc.run(t, []int{3}, "status", sc.path)
			sc.run(t, []int{0}, "digest", "check")
			uiReads(t, sc)
		}},
		{"exporter", func(t *testing.T) { exporterReads(t, sc) }},
		{"doctor", func(t *testing.T) {
			// On a bucket never versioned, where doctor probes a delete;
			// then on a versioned one, which it lists the versions of.
			sc.run(t, []int{0, 1, 3}, "doctor")
			if _, err := sc.sb.S3.PutBucketVersioning(context.Background(), &s3.PutBucketVersioningInput{Bucket: sdkaws.String(sandbox.Bucket),
				VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
				t.Fatal(err)
			}
			sc.run(t, []int{0, 1, 3}, "doctor")
		}},
		{"repair", func(t *testing.T) { sc.run(t, []int{0}, "digest", "repair", sc.path, "--yes") }},
		{"release", func(t *testing.T) { sc.run(t, []int{0}, "unlock", sc.lockID, "--yes") }},
		{"restore", func(t *testing.T) {
			sc.run(t, []int{0}, "restore", sc.path) // the release
			var recs []audit.Record
			if err := json.Unmarshal([]byte(sc.run(t, []int{0}, "audit", "-o", "json")), &recs); err != nil {
				t.Fatal(err)
			}
			repairs := 0
			for _, r := range recs { // audit reads the local file: no AWS call
				if r.Action == audit.ActionDigestRepair && r.Phase == audit.PhaseOutcome {
					sc.run(t, []int{0}, "restore", r.RecordID) // and the repair
					repairs++
				}
			}
			if repairs != 1 {
				t.Fatalf("%d repairs to restore", repairs)
			}
		}},
		{"reap", func(t *testing.T) {
			sc.oldLockFile(t)
			sc.reset()
			if out := sc.run(t, []int{0}, "reap", "--older-than", "2h", "--operations", "apply", "--require-no-state-write=false", "--apply"); !strings.Contains(out, "Released 1") {
				t.Fatalf("reap released nothing:\n%s", out)
			}
		}},
		{"prune", func(t *testing.T) {
			// The bucket is versioned since doctor's turn: the lock files'
			// releases and restores left old versions.
			if out := sc.run(t, []int{0}, "lockfiles", "prune-versions", "--apply"); !strings.Contains(out, "removed") {
				t.Fatalf("prune removed nothing:\n%s", out)
			}
		}},
		{"audit", func(t *testing.T) {
			// This machine's records into the team's log, and read back.
			sc.run(t, []int{0}, "audit", "push")
			sc.run(t, []int{0}, "audit", "--since", "1d")
		}},
	}
	for _, m := range modes {
		var used []string
		t.Run(m.mode, func(t *testing.T) { // its cleanup (the exporter's stop) before the next
			sc.reset()
			m.run(t)
			used = sc.actions()
		})
		if m.mode == "doctor" {
			// Its probes ask what the identity may do; its own policy
			// does not grant them, so that a denial is the answer.
			for _, a := range doctor.ProbeActions {
				if !slices.Contains(used, a) {
					t.Errorf("doctor never probed %s", a)
				}
			}
			used = slices.DeleteFunc(used, func(a string) bool { return slices.Contains(doctor.ProbeActions, a) })
		}
		if granted := sc.policyActions(t, m.mode); !slices.Equal(used, granted) {
			t.Errorf("%s: the mode called %q; the policy grants %q", m.mode, used, granted)
		}
	}
}

// exporterReads starts the exporter over the scenario and scrapes it once.
func exporterReads(t *testing.T, sc *iamScenario) {
	t.Helper()
	url, _ := startExporter(t, fixtureNow, sc.flags...)
	if text := scrapeText(t, url); !strings.Contains(text, "lockwarden_up") {
		t.Fatalf("scrape:\n%s", text)
	}
}

// uiReads runs the terminal UI over the scenario until the lock shows,
// opens its detail (the evidence reads) and quits.
func uiReads(t *testing.T, sc *iamScenario) {
	t.Helper()
	s, err := config.Load(connectionFlags(t, sc.flags...))
	if err != nil {
		t.Fatal(err)
	}
	s.PollInterval = 200 * time.Millisecond
	src, cfg, err := connect(context.Background(), &Env{Now: func() time.Time { return fixtureNow }}, s, func(string, ...any) {})
	if err != nil {
		t.Fatal(err)
	}
	tm := runUI(t, ui.New(cfg, src))
	waitScreen(t, tm, "ci@runner-7")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitScreen(t, tm, "Lock ID")
	quit(t, tm)
}
