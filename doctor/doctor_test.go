package doctor

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/model"
)

func find(t *testing.T, fs []model.Finding, check string) model.Finding {
	t.Helper()
	for _, f := range fs {
		if f.Check == check {
			return f
		}
	}
	t.Fatalf("no %q finding in %+v", check, fs)
	return model.Finding{}
}

func TestTableFindings(t *testing.T) {
	budget := model.ReadBudget{Share: 0.25, UnitsPerHour: 36000}
	good := lwaws.TableFacts{Status: "ACTIVE", KeyOK: true, Capacity: model.TableCapacity{Mode: model.BillingProvisioned, ReadUnits: 5}, PITRKnown: true, PITR: true, DeletionProtection: true}
	fs := Table("locks", good, budget, 5*time.Second, 25)
	if model.Worst(fs) != model.Fine || !strings.Contains(find(t, fs, "read budget").Why, "provisioned, 5 RCU; a scan read 25.0 RCU, so the UI polls every 20s (read budget: 25% of 5 RCU)") {
		t.Errorf("a good table: %+v", fs)
	}
	bad := lwaws.TableFacts{Status: "ACTIVE", KeyOK: false, Key: "id (HASH)", PITRKnown: true}
	fs = Table("orders", bad, budget, 5*time.Second, 0)
	if f := find(t, fs, "table"); f.Severity != model.Unsafe || !strings.Contains(f.Why, "keyed by id (HASH)") {
		t.Errorf("not a lock table: %+v", f)
	}
	if f := find(t, fs, "point-in-time recovery"); f.Severity != model.Warning || !strings.Contains(f.Fix, "update-continuous-backups --table-name orders") {
		t.Errorf("PITR off: %+v", f)
	}
	if f := find(t, fs, "deletion protection"); f.Severity != model.Warning || !strings.Contains(f.Fix, "--deletion-protection-enabled") {
		t.Errorf("deletion protection off: %+v", f)
	}
}

func TestBucketFindings(t *testing.T) {
	fs := Bucket("tfstate", lwaws.BucketFacts{Versioning: "Enabled", StaleLockVersions: 200, LockDeleteMarkers: 200, StaleLockBytes: 200 * 300, Listed: 20000, Stopped: true})
	f := find(t, fs, "lock file versions")
	if f.Severity != model.Warning || !strings.Contains(f.Why, "at least 200 old .tflock versions and at least 200 .tflock delete markers") ||
		!strings.Contains(f.Fix, `"NoncurrentVersionExpiration":{"NoncurrentDays":7,"NewerNoncurrentVersions":10}`) || !strings.Contains(f.Fix, "also expires non-current state versions") {
		t.Errorf("versions: %+v", f)
	}
	if f := find(t, Bucket("tfstate", lwaws.BucketFacts{}), "versioning"); f.Severity != model.Warning || !strings.Contains(f.Fix, "put-bucket-versioning") {
		t.Errorf("unversioned: %+v", f)
	}
	if f := find(t, Bucket("tfstate", lwaws.BucketFacts{Versioning: "Enabled", Listed: 40}), "lock file versions"); f.Severity != model.Fine {
		t.Errorf("clean: %+v", f)
	}
}

func TestClockFinding(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	if f := Clock("S3", now, now.Add(900*time.Millisecond)); f.Severity != model.Fine {
		t.Errorf("under a second: %+v", f)
	}
	if f := Clock("S3", now, now.Add(-2*time.Minute)); f.Severity != model.Warning || !strings.Contains(f.Why, "2m00s behind S3") {
		t.Errorf("behind: %+v", f)
	}
	if f := Clock("S3", time.Time{}, now); f.Severity != model.Warning {
		t.Errorf("no Date: %+v", f)
	}
}

func TestLockAndDigestFindings(t *testing.T) {
	malformed := model.Classify(model.Item{"LockID": model.String("tfstate/broken/terraform.tfstate"), "Info": model.String("not json")}, "")
	fs := Locks([]model.Entry{malformed})
	if f := find(t, fs, "malformed items"); f.Severity != model.Warning || !strings.Contains(f.Why, "tfstate/broken/terraform.tfstate") {
		t.Errorf("malformed: %+v", f)
	}
	if f := Digests([]model.DigestReport{{Status: model.DigestOK}, {Status: model.DigestMismatch}}); f.Severity != model.Warning || f.Why != "1 mismatch; of 2" {
		t.Errorf("digests: %+v", f)
	}
}

func TestPermissionsFinding(t *testing.T) {
	allowed := func(a string) lwaws.Permission { return lwaws.Permission{Action: a, Allowed: true, Known: true} }
	table := []lwaws.Permission{allowed("dynamodb:Scan"), allowed("dynamodb:GetItem"), {Action: "dynamodb:DeleteItem", Known: true, Why: "access denied"},
		allowed("dynamodb:PutItem"), {Action: "dynamodb:UpdateItem", Why: "not known: connection reset"}}
	f := Permissions(table, nil, true, false)
	if f.Severity != model.Warning || !strings.Contains(f.Why, "could not tell for repair (dynamodb:UpdateItem)") ||
		!strings.Contains(f.Why, "may read, restore, exporter; may not release (dynamodb:DeleteItem denied), reap (dynamodb:DeleteItem denied)") {
		t.Errorf("%+v", f)
	}
}

// A lock file's delete counts where it was probed (a bucket never
// versioned); where it was not, the modes that need it are "not
// confirmed" — also when another bucket's probe allowed it.
func TestPermissionsOfLockFileDeletes(t *testing.T) {
	allowed := func(a string) lwaws.Permission { return lwaws.Permission{Action: a, Allowed: true, Known: true} }
	put := lwaws.Unprobed("s3:PutObject", "is never probed")
	read := []lwaws.Permission{allowed("s3:ListBucket"), allowed("s3:GetObject"), put}
	versioned := lwaws.Unprobed("s3:DeleteObject", "is not probed on bucket b: it is versioned")
	cases := []struct {
		name  string
		perms []lwaws.Permission
		want  string
	}{
		{"denied", append(slices.Clone(read), lwaws.Permission{Action: "s3:DeleteObject", Known: true, Why: "access denied"}),
			"may read, repair, exporter; may not release (s3:DeleteObject denied), reap (s3:DeleteObject denied); not confirmed: restore (s3:PutObject is never probed) —"},
		{"allowed", append(slices.Clone(read), allowed("s3:DeleteObject")),
			"may read, release, repair, reap, exporter; not confirmed: restore (s3:PutObject is never probed) —"},
		{"versioned", append(slices.Clone(read), versioned),
			"may read, repair, exporter; not confirmed: release (s3:DeleteObject is not probed on bucket b: it is versioned), restore (s3:PutObject is never probed), reap (s3:DeleteObject is not probed on bucket b: it is versioned) —"},
		{"one of two buckets versioned", append(append(slices.Clone(read), allowed("s3:DeleteObject")), append(slices.Clone(read), versioned)...),
			"may read, repair, exporter; not confirmed: release (s3:DeleteObject is not probed on bucket b: it is versioned),"},
	}
	for _, c := range cases {
		if f := Permissions(nil, c.perms, false, true); f.Severity != model.Fine || !strings.Contains(f.Why, c.want) {
			t.Errorf("%s: %+v", c.name, f)
		}
	}
}

// No policy holds a statement that grants nothing (IAM refuses one with
// no Action), whatever the places.
func TestPoliciesGrantSomethingInEveryStatement(t *testing.T) {
	p := Places{Region: "eu-west-1", Account: "123456789012", Table: "locks", Buckets: []BucketPrefix{{Bucket: "state", Prefix: "team"}},
		AuditBucket: "audit", AuditPrefix: "lw"}
	for _, mode := range Modes {
		pol, err := IAMPolicy(mode, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range pol.Statement {
			if len(st.Action) == 0 || len(st.Resource) == 0 {
				t.Errorf("%s: statement %s grants %q on %q", mode, st.Sid, st.Action, st.Resource)
			}
		}
	}
}

// The audit log is ✗ only when it cannot be reached: every write is then
// refused. An identity that may not read it, or may not tell how it is
// protected, is told so as a warning — writes need only s3:PutObject.
func TestAuditLogFinding(t *testing.T) {
	denied := lwaws.Permission{Action: "s3:ListBucket", Known: true, Why: "access denied"}
	cases := []struct {
		name string
		f    AuditFacts
		sev  model.Severity
		want string
	}{
		{"unreachable", AuditFacts{Err: errors.New("bucket audit does not exist")}, model.Unsafe, "every release, restore, repair and reap is refused"},
		{"not readable", AuditFacts{Reads: []lwaws.Permission{denied}, Protected: true}, model.Warning, "s3:ListBucket denied — this identity cannot read the team's log"},
		{"protection not known", AuditFacts{ProtectionErr: errors.New("access denied (s3:GetBucketObjectLockConfiguration)")}, model.Warning, "whether Object Lock protects its records is not known"},
		{"unprotected", AuditFacts{How: "bucket audit has no Object Lock"}, model.Warning, "bucket audit has no Object Lock"},
		{"protected", AuditFacts{Protected: true, How: "bucket audit has Object Lock, GOVERNANCE retention of 400 days by default"}, model.Fine, "retention of 400 days"},
	}
	for _, c := range cases {
		if f := AuditLog("s3://audit/lw", c.f); f.Severity != c.sev || !strings.Contains(f.Why, c.want) {
			t.Errorf("%s: %+v", c.name, f)
		}
	}
}

// The rule proposed for lock files' old versions says when the lock
// files' tags could not be read, rather than proposing the broad rule as
// if there were none to see.
func TestLifecycleRuleSaysWhenTagsAreUnknown(t *testing.T) {
	f := lwaws.BucketFacts{Versioning: "Enabled", StaleLockVersions: 3, LockDeleteMarkers: 3, Listed: 9}
	if got := lockVersions("b", f).Fix; !strings.Contains(got, "OpenTofu ≥ 1.11 can tag lock files") {
		t.Errorf("no tags: %s", got)
	}
	f.LockTagsErr = errors.New("access denied: s3:GetObjectVersionTagging on bucket b is not allowed for these credentials")
	if got := lockVersions("b", f).Fix; !strings.Contains(got, "whether the lock files carry lock_tags is not known (access denied: s3:GetObjectVersionTagging") {
		t.Errorf("tags not read: %s", got)
	}
}
