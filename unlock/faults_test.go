package unlock_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/lockwarden/lockwarden/audit"
	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/internal/faultproxy"
	"github.com/lockwarden/lockwarden/internal/testenv"
	"github.com/lockwarden/lockwarden/unlock"
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
	cfg, err := lwaws.LoadConfig(ctx, lwaws.Connection{Region: "us-east-1", Endpoint: p.URL, AttemptTimeout: 250 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	client := lwaws.NewDynamoDB(cfg, p.URL)

	cases := []struct {
		name string
		mode faultproxy.Mode
		ops  []string
	}{
		{"DeleteItem throttled", faultproxy.Throttle, []string{"DeleteItem"}},
		{"DeleteItem 500", faultproxy.ServerError, []string{"DeleteItem"}},
		{"DeleteItem never answered", faultproxy.Hold, []string{"DeleteItem"}},
		{"DeleteItem denied", faultproxy.Deny, []string{"DeleteItem"}},
		{"endpoint down after the read", faultproxy.Refuse, nil},
	}
	for _, c := range cases {
		svc := &unlock.Service{
			Writer: &lwaws.LockWriter{Client: client, Table: e.table, Region: "us-east-1", Endpoint: p.URL},
			Audit:  &audit.Log{Path: filepath.Join(t.TempDir(), "audit.jsonl")},
			Actor:  "tester@host", Now: func() time.Time { return now },
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
		t.Logf("%s: %d DeleteItem attempts, failed in %s: %v", c.name, p.Count("DeleteItem").Requests, took.Round(10*time.Millisecond), err)
		if err := p.Clear(); err != nil {
			t.Fatal(err)
		}

		if cur, found := e.get(t, li.Path); !found || cur.Info.ID != li.ID {
			t.Fatalf("%s: once the endpoint is back the lock is gone (found=%v)", c.name, found)
		}
		recs, rerr := svc.Audit.Read()
		if rerr != nil {
			t.Fatal(rerr)
		}
		if len(recs) != 2 || recs[0].Phase != audit.PhaseIntent || recs[1].Phase != audit.PhaseOutcome ||
			recs[0].RecordID != res.RecordID || recs[1].RecordID != res.RecordID ||
			recs[1].Outcome != audit.OutcomeFailed || recs[1].Error != err.Error() ||
			recs[0].Observed["Info"].S != observed.InfoRaw {
			t.Errorf("%s: audit records %+v, want the intent and a failed outcome of record %s", c.name, recs, res.RecordID)
		}
	}
}
