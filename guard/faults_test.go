package guard_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lockwarden/lockwarden/audit"
	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/guard"
	"github.com/lockwarden/lockwarden/internal/faultproxy"
	"github.com/lockwarden/lockwarden/internal/testenv"
)

// A release attempted during an outage fails closed, whatever the fault:
// Release returns an error, the lock is still in the table once the
// endpoint is back, and the audit file holds the intent and a failed
// outcome under one record ID. The Service is wired as the CLI wires it
// (LoadConfig: the default retries, a bounded attempt) through a fault
// proxy in front of dynalite; the lock is read before the fault starts,
// as a person looks before confirming.
func TestReleaseDuringAnOutageFailsClosed(t *testing.T) {
	endpoint := testenv.Dynalite(t)
	p := faultproxy.New(t, endpoint)
	e := newEnv(t, endpoint) // its client goes straight to dynalite
	li := e.lock(t, "tfstate/app/terraform.tfstate", "alice@ci", 3*time.Hour)
	ctx := context.Background()
	cfg, err := lwaws.LoadConfig(ctx, lwaws.Connection{Region: "us-east-1", Endpoint: p.URL, AttemptTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	client := lwaws.NewDynamoDB(cfg, p.URL)

	cases := []struct {
		name string
		mode faultproxy.Mode
		ops  []string
		// unknown: the delete may have happened and reading the item
		// back failed too, so the error must say the outcome is unknown.
		unknown bool
	}{
		{"DeleteItem throttled", faultproxy.Throttle, []string{"DeleteItem"}, false},
		{"DeleteItem 500", faultproxy.ServerError, []string{"DeleteItem"}, false},
		{"DeleteItem never answered", faultproxy.Hold, []string{"DeleteItem"}, false},
		{"DeleteItem denied", faultproxy.Deny, []string{"DeleteItem"}, false},
		{"endpoint down after the read", faultproxy.Refuse, nil, false},
		{"no answer to the delete nor to reading it back", faultproxy.Hold, nil, true},
	}
	for _, c := range cases {
		svc := &guard.Service{
			Writer:  &lwaws.LockWriter{Client: client, Table: e.table, Region: "us-east-1", Endpoint: p.URL},
			Audit:   &audit.Log{Path: filepath.Join(t.TempDir(), "audit.jsonl")},
			Account: testAccount, Actor: "tester@host", Now: func() time.Time { return now },
		}
		observed, found, err := svc.Get(ctx, li.Path)
		if err != nil || !found {
			t.Fatalf("%s: the read before the fault: found=%v %v", c.name, found, err)
		}
		if err := p.Set(c.mode, c.ops...); err != nil {
			t.Fatal(err)
		}
		p.ResetCounts()
		start := time.Now()
		res, err := svc.Release(ctx, observed, staleReq(li.ID), "held 3h ≥ 1h")
		took := time.Since(start)
		if err == nil {
			t.Fatalf("%s: Release succeeded during the outage", c.name)
		}
		t.Logf("%s: %d DeleteItem attempts, %d GetItem to read it back, failed in %s: %v", c.name, p.Count("DeleteItem").Requests,
			p.Count("GetItem").Requests, took.Round(10*time.Millisecond), err)
		if says := strings.Contains(err.Error(), "whether the lock was released is unknown"); says != c.unknown {
			t.Errorf("%s: the error says the outcome is unknown: %v, want %v", c.name, says, c.unknown)
		}
		if err := p.Clear(); err != nil {
			t.Fatal(err)
		}

		if cur, found := e.get(t, li.Path); !found || cur.Info.ID != li.ID {
			t.Fatalf("%s: once the endpoint is back the lock is gone (found=%v)", c.name, found)
		}
		recs, rerr := logOf(svc).Read()
		if rerr != nil {
			t.Fatal(rerr)
		}
		wantOutcome := audit.OutcomeFailed
		if c.unknown {
			wantOutcome = audit.OutcomeUnknown
		}
		if len(recs) != 2 || recs[0].Phase != audit.PhaseIntent || recs[1].Phase != audit.PhaseOutcome ||
			recs[0].RecordID != res.RecordID || recs[1].RecordID != res.RecordID ||
			recs[1].Outcome != wantOutcome || recs[1].Error != err.Error() ||
			recs[0].Observed["Info"].S != observed.InfoRaw {
			t.Errorf("%s: audit records %+v, want the intent and a %q outcome of record %s", c.name, recs, wantOutcome, res.RecordID)
		}
	}
}

// A release whose DeleteItem was carried out but whose answer was lost (the
// connection dropped after the write) released the lock: Release must say
// so, audit it as released with the removed item, and be undoable — not
// report a failure, or "already released" by someone else after a retry
// found the item gone, and leave a record that restore refuses.
func TestReleaseWhoseAnswerIsLost(t *testing.T) {
	endpoint := testenv.Dynalite(t)
	p := faultproxy.New(t, endpoint)
	e := newEnv(t, endpoint)
	li := e.lock(t, "tfstate/app/terraform.tfstate", "alice@ci", 3*time.Hour)
	ctx := context.Background()
	cfg, err := lwaws.LoadConfig(ctx, lwaws.Connection{Region: "us-east-1", Endpoint: p.URL})
	if err != nil {
		t.Fatal(err)
	}
	svc := &guard.Service{
		Writer:  &lwaws.LockWriter{Client: lwaws.NewDynamoDB(cfg, p.URL), Table: e.table, Region: "us-east-1", Endpoint: p.URL},
		Audit:   &audit.Log{Path: filepath.Join(t.TempDir(), "audit.jsonl")},
		Account: testAccount, Actor: "tester@host", Now: func() time.Time { return now },
	}
	observed, _, err := svc.Get(ctx, li.Path)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Set(faultproxy.LoseAnswer, "DeleteItem"); err != nil {
		t.Fatal(err)
	}
	p.ResetCounts()
	res, err := svc.Release(ctx, observed, staleReq(li.ID), "held 3h ≥ 1h")
	t.Logf("lost answer: %d DeleteItem sent, %d GetItem to settle it: %v", p.Count("DeleteItem").Requests, p.Count("GetItem").Requests, err)
	if err != nil {
		t.Fatalf("the lock was released, but Release says: %v", err)
	}
	if _, found := e.get(t, li.Path); found {
		t.Fatal("the lock is still there")
	}
	if res.Item["Info"].S != observed.InfoRaw {
		t.Errorf("removed item %v, want the observed one", res.Item)
	}
	recs, err := logOf(svc).Read()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[1].Outcome != audit.OutcomeReleased || recs[1].Item["Info"].S != observed.InfoRaw {
		t.Fatalf("audit records %+v, want a release with the removed item", recs)
	}

	// Restore puts it back; its PutItem's answer is lost too.
	if err := p.Set(faultproxy.LoseAnswer, "PutItem"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Restore(ctx, res.RecordID); err != nil {
		t.Fatalf("restore with its answer lost: %v", err)
	}
	if cur, found := e.get(t, li.Path); !found || cur.InfoRaw != observed.InfoRaw {
		t.Fatalf("after restore the lock is found=%v", found)
	}
}
