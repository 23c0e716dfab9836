package model

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseReapOperations(t *testing.T) {
	good := []struct {
		in   []string
		want string
	}{
		{[]string{"plan", "refresh"}, "plan,refresh"},
		{[]string{"plan,refresh"}, "plan,refresh"},
		{[]string{" Plan , APPLY "}, "plan,apply"},
		{[]string{"state-rm", "state rm"}, "state rm"},
		{[]string{"import/other"}, "import/other"},
		{[]string{"backend  from plan"}, "backend from plan"},
	}
	for _, c := range good {
		got, err := ParseReapOperations(c.in)
		if err != nil || strings.Join(got, ",") != c.want {
			t.Errorf("%q: %v %v, want %s", c.in, got, err, c.want)
		}
	}
	bad := []struct {
		in   []string
		want string
	}{
		{[]string{"destroy"}, "list apply"},
		{[]string{"plna"}, `operation "plna" is not one lockwarden knows`},
		{[]string{"plan,,apply"}, "empty operation"},
		{[]string{"*"}, "is not one lockwarden knows"},
		{nil, "operations is empty"},
	}
	for _, c := range bad {
		if got, err := ParseReapOperations(c.in); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v %v, want an error with %q", c.in, got, err, c.want)
		}
	}
}

// Every operation word lockwarden shows for a client's operation string
// can be listed in a policy.
func TestReapOperationWordsCoverTheClients(t *testing.T) {
	for _, op := range []string{"OperationTypeApply", "OperationTypePlan", "OperationTypeRefresh", "OperationTypeInvalid", "init",
		"backend from plan", "migration source state", "migration destination state", "state-mv", "state-push", "state-rm",
		"state-replace-provider", "taint", "untaint", "workspace-new", "workspace-delete"} {
		if _, err := ParseReapOperations([]string{OperationWord(op)}); err != nil {
			t.Errorf("%s: %v", op, err)
		}
	}
}

func TestReapCheck(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	p := ReapPolicy{OlderThan: time.Hour, Operations: []string{"plan", "refresh"}, RequireNoStateWrite: true, MaxPerRun: 3}
	lock := func(op string, created time.Time) Entry {
		return Entry{Kind: KindLock, LockID: "b/k", Info: LockInfo{ID: "id", Operation: op, Created: created}}
	}
	type reapCase struct {
		name string
		e    Entry
		ok   bool
		why  string
	}
	cases := []reapCase{
		{"old plan", lock("OperationTypePlan", now.Add(-2*time.Hour)), true, "held 2h00m ≥ older_than 1h, operation plan"},
		{"exactly older_than", lock("OperationTypeRefresh", now.Add(-time.Hour)), true, "held 1h00m ≥ older_than 1h"},
		{"young plan", lock("OperationTypePlan", now.Add(-59*time.Minute)), false, "held 59m00s, under older_than 1h"},
		{"apply not listed", lock("OperationTypeApply", now.Add(-3*time.Hour)), false, "operation apply is not in the policy (plan, refresh)"},
		{"clock ahead", lock("OperationTypePlan", now.Add(time.Minute)), false, "clock is 1m00s ahead"},
		{"no created", lock("OperationTypePlan", time.Time{}), false, "age is unknown"},
		{"digest", Entry{Kind: KindDigest, LockID: "b/k-md5"}, false, "digest (-md5) item"},
		{"malformed -md5", Entry{Kind: KindMalformed, LockID: "b/k-md5", Problem: "x"}, false, "digest (-md5) item"},
		{"malformed", Entry{Kind: KindMalformed, LockID: "b/k", Problem: "no Info attribute"}, false, "malformed item (no Info attribute)"},
	}
	flagged := lock("OperationTypePlan", now.Add(-2*time.Hour))
	flagged.Warning = "lock file alone, the state has a digest item"
	// A holder whose clock is behind: Created says 2h, S3 says its lock
	// file was put 10 minutes ago.
	behind := lock("OperationTypePlan", now.Add(-2*time.Hour))
	behind.Source, behind.File = SourceS3, &LockFile{LastModified: now.Add(-10 * time.Minute)}
	fileOld := behind
	fileOld.File = &LockFile{LastModified: now.Add(-90 * time.Minute)}
	cases = append(cases,
		reapCase{"lock file younger than Created says", behind, false, "its lock file was put 10m00s ago by S3's clock, under older_than 1h"},
		reapCase{"lock file old too", fileOld, true, "held 2h00m"},
		reapCase{"flagged", flagged, false, "flagged ≠ (lock file alone"})
	for _, c := range cases {
		ok, why := p.ReapCheck(c.e, now)
		if ok != c.ok || !strings.Contains(why, c.why) {
			t.Errorf("%s: %v %q, want %v %q", c.name, ok, why, c.ok, c.why)
		}
	}
}

func TestStateCheck(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	created := now.Add(-2 * time.Hour).Add(500 * time.Millisecond)
	on := ReapPolicy{OlderThan: time.Hour, Operations: []string{"plan"}, RequireNoStateWrite: true}
	off := on
	off.RequireNoStateWrite = false
	table := Entry{Kind: KindLock, Source: SourceDynamoDB, Info: LockInfo{ID: "id", Operation: "OperationTypePlan", Created: created}}
	// A lock file put at 10:00:03 by S3's clock, by a holder whose own
	// clock says 10:00:00.5 (2.5s behind); and one put at 09:59:57 by a
	// holder 3.5s ahead.
	file := table
	file.Source, file.File = SourceS3, &LockFile{LastModified: created.Truncate(time.Second).Add(3 * time.Second)}
	ahead := table
	ahead.Source, ahead.File = SourceBoth, &LockFile{LastModified: created.Truncate(time.Second).Add(-3 * time.Second)}
	at := func(d time.Duration) StateRead {
		return StateRead{Exists: true, LastModified: created.Truncate(time.Second).Add(d)}
	}
	cases := []struct {
		name string
		p    ReapPolicy
		e    Entry
		st   StateRead
		ok   bool
		why  string
	}{
		{"written an hour before", on, table, at(-time.Hour), true, "state last written 3h00m ago, before the lock was taken: no sign of life"},
		{"written after", on, table, at(30 * time.Minute), false, "state written 1h30m ago, after the lock was taken (by the holder's clock)"},
		// S3 says 10:00:00 for a write at any time in that second: not
		// known to be before a lock taken at 10:00:00.5.
		{"same second", on, table, at(0), false, "after the lock was taken"},
		{"the second before", on, table, at(-time.Second), true, "before the lock was taken"},
		{"no state object", on, table, StateRead{}, true, "no state object: never written"},
		{"not read", on, table, StateRead{Err: errors.New("s3:GetObject on bucket b: access denied")}, false, "state not read (s3:GetObject on bucket b: access denied): kept while require_no_state_write is on"},
		{"not read, not required", off, table, StateRead{Err: errors.New("denied")}, true, "state not checked (require_no_state_write: false)"},
		{"written after, not required", off, table, at(30 * time.Minute), true, "not checked"},
		// The lock was taken at the earlier of the holder's Created and
		// S3's time of its lock file: a write after either counts.
		{"lock file later: before both", on, file, at(-2 * time.Second), true, "before the lock was taken"},
		{"lock file later: after Created, before the file", on, file, at(2 * time.Second), false, "(by the holder's clock)"},
		{"lock file earlier: after the file, before Created", on, ahead, at(-2 * time.Second), false, "(by its lock file's time)"},
		{"lock file earlier: before both", on, ahead, at(-4 * time.Second), true, "before the lock was taken"},
	}
	for _, c := range cases {
		ok, why := c.p.StateCheck(c.e, c.st, now)
		if ok != c.ok || !strings.Contains(why, c.why) {
			t.Errorf("%s: %v %q, want %v %q", c.name, ok, why, c.ok, c.why)
		}
	}
}
