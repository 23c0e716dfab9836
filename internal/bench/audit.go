package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lockwarden/lockwarden/audit"
	lwaws "github.com/lockwarden/lockwarden/aws"
)

// auditPrefix is where the bench bucket holds a team's shared audit log.
const auditPrefix = "audit"

// auditParallel is how many GETs the baseline makes at once: as many as
// lockwarden's read of a shared log.
const auditParallel = 32

// auditCase measures `lockwarden audit --since 24h` on a shared log of
// records over 365 days in gofakes3 behind the delay proxy, against a
// plain program that GETs each record lockwarden must read (known keys,
// no LIST) auditParallel at a time; and counts what restore's lookup of
// one record by its ID requests. It reports whether every target was met.
func auditCase(self, lw string, records, runs int, delay time.Duration) bool {
	now := time.Now().UTC().Truncate(time.Second)
	proxyURL, stop := startS3ServeWith(self, []string{"0", "0", delay.String(), fmt.Sprint(records), fmt.Sprint(now.Unix())})
	defer stop()
	counts := proxyCounts(proxyURL)
	state, err := os.MkdirTemp("", "lockwarden-bench-state")
	check(err)
	defer os.RemoveAll(state)
	check(os.Setenv("XDG_STATE_HOME", state)) // no local copy to merge

	keys := auditKeysToRead(records, now)
	keyFile := path.Join(state, "keys")
	check(os.WriteFile(keyFile, []byte(strings.Join(keys, "\n")), 0o600))
	lwArgs := []string{"audit", "--since", "24h", "-o", "json", "--region", "us-east-1", "--audit", "s3://" + bucket + "/" + auditPrefix, "--s3-endpoint-url", proxyURL}
	plainArgs := []string{"plainget", proxyURL, keyFile}
	lwr, pr, lwLast, plainLast := alternate(runs, counts, command{lw, lwArgs}, command{self, plainArgs})
	ratio := float64(lwr.wall) / float64(pr.wall)

	// restore RECORD_ID: the lookup of one record by its ID.
	shared := &audit.Shared{Store: &lwaws.AuditStore{Client: s3Client(proxyURL), Bucket: bucket}, Prefix: auditPrefix}
	id := auditID(records/4, records, now) // one from half a year ago
	l0, g0 := counts()
	in, out, err := shared.Find(id)
	check(err)
	l1, g1 := counts()
	findRequests := (l1 - l0) + (g1 - g0)

	fmt.Printf("\n| command | median wall | peak RSS | requests |\n|---|---|---|---|\n")
	fmt.Printf("| plain parallel GET of the %d records in range (%d at a time) | %s | %.1f MiB | %d GET |\n", len(keys), auditParallel, pr.wall.Round(time.Millisecond), pr.rssMiB, plainLast.gets)
	fmt.Printf("| lockwarden audit --since 24h | %s | %.1f MiB | %d LIST, %d GET |\n", lwr.wall.Round(time.Millisecond), lwr.rssMiB, lwLast.lists, lwLast.gets)
	fmt.Printf("| restore's lookup of one record by ID (in process) | | | %d LIST, %d GET |\n\n", l1-l0, g1-g0)
	var v verdicts
	v.check(lwLast.lists <= 5, "audit --since 24h over %d records and 365 days: %d LIST (target ≤ 5)", records, lwLast.lists)
	v.check(ratio <= 2, "audit --since 24h %.2f× the plain parallel GET of its records (target ≤ 2×)", ratio)
	v.check(findRequests <= 2 && in != nil && out != nil, "a record found by its ID in %d requests (target ≤ 2)", findRequests)
	return !v.failed
}

// auditID is the ID of the i-th of records actions spread evenly over the
// 365 days before now, the oldest first.
func auditID(i, records int, now time.Time) string {
	return "r-" + auditTime(i, records, now).Format("20060102-150405") + fmt.Sprintf("-%016x", i)
}

func auditTime(i, records int, now time.Time) time.Time {
	actions := records / 2
	step := 365 * 24 * time.Hour / time.Duration(actions)
	return now.Add(-365 * 24 * time.Hour).Add(time.Duration(i) * step).Add(step / 2)
}

// auditKey is where the shared log keeps a record.
func auditKey(id, phase string, at time.Time) string {
	return path.Join(auditPrefix, at.Format("2006/01/02"), id+"."+phase+".json")
}

// seedAudit writes records (an intent and an outcome per action) into the
// emulator, as audit.Shared stores them.
func seedAudit(backend *indexedBackend, records int, now time.Time) {
	for i := 0; i < records/2; i++ {
		at := auditTime(i, records, now)
		id := auditID(i, records, now)
		in := audit.Record{RecordID: id, Phase: audit.PhaseIntent, Time: at, Action: audit.ActionForceUnlock, Actor: "bench@host",
			Identity: "arn:aws:sts::123456789012:assumed-role/OnCall/bench", Region: "us-east-1", Table: "locks", LockID: fmt.Sprintf("tfstate/s%05d/terraform.tfstate", i%1000),
			OperatorReason: "INC-" + fmt.Sprint(i)}
		out := in
		out.Phase, out.Time, out.Outcome = audit.PhaseOutcome, at.Add(time.Second), audit.OutcomeReleased
		for _, r := range []audit.Record{in, out} {
			b, err := json.Marshal(r)
			check(err)
			backend.seed(auditKey(id, r.Phase, at), string(b)+"\n")
		}
	}
}

// auditKeysToRead are the keys a read from 24 h before now must GET: those
// of the actions begun from 15 minutes before that on (audit.Shared
// skips the earlier ones by their IDs).
func auditKeysToRead(records int, now time.Time) []string {
	from := now.Add(-24*time.Hour - 15*time.Minute)
	var keys []string
	for i := 0; i < records/2; i++ {
		at := auditTime(i, records, now)
		if at.Before(from) || at.Before(now.Add(-24*time.Hour).Truncate(24*time.Hour)) {
			continue
		}
		id := auditID(i, records, now)
		keys = append(keys, auditKey(id, audit.PhaseIntent, at), auditKey(id, audit.PhaseOutcome, at))
	}
	return keys
}

// plainGet is the audit baseline: one GET of each key in a file,
// auditParallel at a time. Arguments: endpoint, key file.
func plainGet(args []string) {
	raw, err := os.ReadFile(args[1])
	check(err)
	c := s3Client(args[0])
	g, ctx := errgroup.WithContext(context.Background())
	g.SetLimit(auditParallel)
	for _, key := range strings.Split(string(raw), "\n") {
		g.Go(func() error {
			obj, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: sdkaws.String(bucket), Key: sdkaws.String(key)})
			if err != nil {
				return err
			}
			var r audit.Record
			defer obj.Body.Close()
			return json.NewDecoder(obj.Body).Decode(&r)
		})
	}
	check(g.Wait())
}
