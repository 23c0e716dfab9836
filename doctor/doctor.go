// Package doctor judges whether a context's locking is safe, from facts
// read without changing anything: how its lock table and state bucket are
// set up, what its locks look like, how far the clocks are apart. Each
// verdict is a model.Finding with one line of why and the fix. It does no
// I/O: the aws package reads the facts, cli prints the findings. It
// imports aws (for the facts' types, and the SDK's S3 tags) and model.
package doctor

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// Table judges a lock table: it exists and is ACTIVE with LockID (S) as
// its only key; its billing, and how often the read budget lets the UI
// poll; point-in-time recovery and deletion protection.
func Table(table string, f lwaws.TableFacts, budget model.ReadBudget, interval time.Duration, scanRCU float64) []model.Finding {
	var out []model.Finding
	switch {
	case !f.KeyOK:
		out = append(out, model.Finding{Check: "table", Severity: model.Unsafe,
			Why: fmt.Sprintf("table %s is keyed by %s: a Terraform lock table has LockID (S) as its only key, so this is not the backend's dynamodb_table", table, f.Key),
			Fix: "check dynamodb_table in the backend, and table in the context"})
	case f.Status == "":
		out = append(out, model.Finding{Check: "table", Severity: model.Fine, Why: fmt.Sprintf("table %s is keyed by LockID; its status was not reported (an emulator)", table)})
	case f.Status != "ACTIVE":
		out = append(out, model.Finding{Check: "table", Severity: model.Warning, Why: fmt.Sprintf("table %s is %s, not ACTIVE: Terraform cannot lock in it until it is", table, f.Status)})
	default:
		out = append(out, model.Finding{Check: "table", Severity: model.Fine, Why: fmt.Sprintf("table %s is ACTIVE, keyed by LockID (S)", table)})
	}
	out = append(out, pace(table, f.Capacity, budget, interval, scanRCU))
	switch {
	case !f.PITRKnown:
		out = append(out, model.Finding{Check: "point-in-time recovery", Severity: model.Warning,
			Why: "could not be read (dynamodb:DescribeContinuousBackups): a lock or digest deleted by mistake may not be recoverable"})
	case !f.PITR:
		out = append(out, model.Finding{Check: "point-in-time recovery", Severity: model.Warning,
			Why: "off: a lock or digest deleted by mistake cannot be recovered (lockwarden's own releases are kept in its audit log)",
			Fix: fmt.Sprintf("aws dynamodb update-continuous-backups --table-name %s --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true", table)})
	default:
		out = append(out, model.Finding{Check: "point-in-time recovery", Severity: model.Fine, Why: "on"})
	}
	if f.DeletionProtection {
		out = append(out, model.Finding{Check: "deletion protection", Severity: model.Fine, Why: "on"})
	} else {
		out = append(out, model.Finding{Check: "deletion protection", Severity: model.Warning,
			Why: "off: the table, and every lock and digest in it, can be deleted in one call",
			Fix: fmt.Sprintf("aws dynamodb update-table --table-name %s --deletion-protection-enabled", table)})
	}
	return out
}

// pace says how often the read budget lets the UI poll the table, from
// what one scan of it consumed.
func pace(table string, c model.TableCapacity, budget model.ReadBudget, interval time.Duration, scanRCU float64) model.Finding {
	mode := "billing unknown (an emulator, or DescribeTable did not say)"
	switch c.Mode {
	case model.BillingOnDemand:
		mode = "on demand"
	case model.BillingProvisioned:
		mode = fmt.Sprintf("provisioned, %g RCU", c.ReadUnits)
	}
	p := model.PacePolls(interval, scanRCU, c, budget, 0)
	why := fmt.Sprintf("%s; a scan read %.1f RCU, so the UI polls every %s", mode, scanRCU, model.FormatDuration(p.Wait))
	if p.Reason != "" {
		why += " (" + p.Reason + ")"
	}
	return model.Finding{Check: "read budget", Severity: model.Fine, Why: why}
}

// lockVersionsDays is how long the lifecycle rule doctor proposes keeps
// non-current versions.
const lockVersionsDays = 7

// Bucket judges a state bucket: versioning (state history), the lock
// files' stale versions and delete markers on a versioned bucket, and
// Object Lock.
func Bucket(bucket string, f lwaws.BucketFacts) []model.Finding {
	var out []model.Finding
	switch f.Versioning {
	case "Enabled":
		out = append(out, model.Finding{Check: "versioning", Severity: model.Fine, Why: "bucket " + bucket + " keeps every state version"})
	default:
		out = append(out, model.Finding{Check: "versioning", Severity: model.Warning,
			Why: "bucket " + bucket + " is not versioned: an overwritten or deleted state cannot be got back",
			Fix: "aws s3api put-bucket-versioning --bucket " + bucket + " --versioning-configuration Status=Enabled"})
	}
	if f.Versioning != "" {
		out = append(out, lockVersions(bucket, f))
	}
	if f.ObjectLock {
		out = append(out, model.Finding{Check: "object lock", Severity: model.Warning,
			Why: "bucket " + bucket + " has Object Lock: a lock file under retention cannot be deleted, so neither Terraform nor lockwarden can release it until retention ends"})
	}
	return out
}

// lockVersions is what the lock files' old versions and delete markers
// cost on a versioned bucket, and the rule that removes them.
func lockVersions(bucket string, f lwaws.BucketFacts) model.Finding {
	n := f.StaleLockVersions + f.LockDeleteMarkers
	least := ""
	if f.Stopped {
		least = "at least "
	}
	if n == 0 {
		return model.Finding{Check: "lock file versions", Severity: model.Fine,
			Why: fmt.Sprintf("%sno old .tflock versions or delete markers among %d versions listed", least, f.Listed)}
	}
	// S3 Standard: $0.023 per GB-month; each version is billed at least
	// its size, a delete marker nothing but a key.
	dollars := float64(f.StaleLockBytes) / (1 << 30) * 0.023
	return model.Finding{Check: "lock file versions", Severity: model.Warning,
		Why: fmt.Sprintf("%s%d old .tflock versions and %s%d .tflock delete markers (every lock and unlock leaves one of each): ≈ $%.4f/month, and every LIST of the bucket wades through them",
			least, f.StaleLockVersions, least, f.LockDeleteMarkers, dollars),
		Fix: "lockwarden lockfiles prune-versions --apply removes exactly these (audited); to keep them away: " + lifecycleRule(bucket, f.LockTags, f.LockTagsErr)}
}

// lifecycleRule is the command that keeps lock files' old versions away.
// With lock_tags (OpenTofu >= 1.11) a tag filter selects lock files
// alone, and a second rule removes delete markers nothing lies beneath;
// without, no rule can select keys by suffix, so it expires non-current
// state versions too.
func lifecycleRule(bucket string, tags []s3types.Tag, tagsErr error) string {
	command := "aws s3api put-bucket-lifecycle-configuration --bucket " + bucket + " --lifecycle-configuration '%s' (it replaces the bucket's lifecycle rules: merge it with any it has)"
	if len(tags) == 0 {
		rule := fmt.Sprintf(`{"Rules":[{"ID":"expire-noncurrent","Status":"Enabled","Filter":{},"NoncurrentVersionExpiration":{"NoncurrentDays":%d,"NewerNoncurrentVersions":10},"Expiration":{"ExpiredObjectDeleteMarker":true}}]}`, lockVersionsDays)
		tagged := "OpenTofu ≥ 1.11 can tag lock files with lock_tags: a tag filter then removes only theirs"
		if tagsErr != nil {
			tagged = "whether the lock files carry lock_tags is not known (" + sanitize.OneLine(tagsErr.Error()) + "): with tags, a tag filter would remove only theirs"
		}
		return fmt.Sprintf(command, rule) + fmt.Sprintf(" — no rule can select keys by suffix: this one also expires non-current state versions after %d days, keeping the newest 10 (%s)", lockVersionsDays, tagged)
	}
	type tag struct{ Key, Value string }
	var ts []tag
	for _, t := range tags {
		ts = append(ts, tag{sdkaws.ToString(t.Key), sdkaws.ToString(t.Value)})
	}
	var filter any = map[string]any{"Tag": ts[0]}
	if len(ts) > 1 {
		filter = map[string]any{"And": map[string]any{"Tags": ts}}
	}
	rules := map[string]any{"Rules": []any{
		map[string]any{"ID": "expire-noncurrent-lock-files", "Status": "Enabled", "Filter": filter, "NoncurrentVersionExpiration": map[string]any{"NoncurrentDays": 1}},
		map[string]any{"ID": "expire-orphan-delete-markers", "Status": "Enabled", "Filter": map[string]any{}, "Expiration": map[string]any{"ExpiredObjectDeleteMarker": true}},
	}}
	raw, _ := json.Marshal(rules)
	return fmt.Sprintf(command, strings.ReplaceAll(string(raw), "'", `'\''`)) +
		" — it selects lock files by their lock_tags and expires their versions a day after they stop being current; the second rule removes only delete markers with nothing beneath them"
}

// Locks judges what a scan found: lock files and table items that
// disagree, and malformed items, either of which blocks Terraform until
// a person looks.
func Locks(entries []model.Entry) []model.Finding {
	var split, malformed []string
	for i := range entries {
		e := &entries[i]
		switch {
		case e.Kind == model.KindMalformed:
			malformed = append(malformed, e.LockID)
		case e.Split():
			split = append(split, e.LockID)
		}
	}
	var out []model.Finding
	if len(split) == 0 {
		out = append(out, model.Finding{Check: "places agree", Severity: model.Fine, Why: "no lock file and lock-table item disagree"})
	} else {
		out = append(out, model.Finding{Check: "places agree", Severity: model.Warning,
			Why: fmt.Sprintf("%d %s a lock file and a lock-table item that disagree (≠): %s", len(split), model.Plural(len(split), "state has", "states have"), list(split)),
			Fix: "lockwarden list shows them; unlock --allow-split releases one place"})
	}
	if len(malformed) == 0 {
		out = append(out, model.Finding{Check: "malformed items", Severity: model.Fine, Why: "none"})
	} else {
		out = append(out, model.Finding{Check: "malformed items", Severity: model.Warning,
			Why: fmt.Sprintf("%d %s neither a lock nor a digest, and may block Terraform: %s", len(malformed), model.Plural(len(malformed), "item is", "items are"), list(malformed)),
			Fix: "lockwarden unlock ITEM --id ITEM (the full LockID) removes one, audited"})
	}
	return out
}

// maxSkew is the clock difference from which staleness is off by more
// than a rounding: ages, stale_after and the reaper's older_than all
// read this machine's clock against the lock's.
const maxSkew = 30 * time.Second

// Clock judges this machine's clock against the service's.
func Clock(service string, server, local time.Time) model.Finding {
	if server.IsZero() {
		return model.Finding{Check: "clock", Severity: model.Warning, Why: service + " sent no Date: the clock could not be compared"}
	}
	skew := local.Sub(server)
	// Date has whole seconds: a second either way is no skew.
	if skew.Abs() <= time.Second+time.Second/2 {
		return model.Finding{Check: "clock", Severity: model.Fine, Why: fmt.Sprintf("this machine's clock agrees with %s (within a second)", service)}
	}
	dir := "ahead of"
	if skew < 0 {
		dir = "behind"
	}
	sev := model.Fine
	if skew.Abs() > maxSkew {
		sev = model.Warning
	}
	return model.Finding{Check: "clock", Severity: sev,
		Why: fmt.Sprintf("this machine is %s %s %s: every lock's age here is off by as much", model.FormatDuration(skew.Abs().Round(time.Second)), dir, service),
		Fix: "sync the clock (timedatectl set-ntp true, or chrony)"}
}

// Digests judges today's digest check, summarised.
func Digests(reports []model.DigestReport) model.Finding {
	bad := map[string]int{}
	var names []string
	for _, r := range reports {
		if r.Status != model.DigestOK {
			if bad[string(r.Status)] == 0 {
				names = append(names, string(r.Status))
			}
			bad[string(r.Status)]++
		}
	}
	if len(bad) == 0 {
		return model.Finding{Check: "digests", Severity: model.Fine, Why: fmt.Sprintf("%d %s the MD5 of their state", len(reports), model.Plural(len(reports), "digest matches", "digests match"))}
	}
	why := ""
	for _, n := range names {
		why += fmt.Sprintf("%d %s; ", bad[n], n)
	}
	return model.Finding{Check: "digests", Severity: model.Warning, Why: why + fmt.Sprintf("of %d", len(reports)),
		Fix: "lockwarden digest check lists them; digest repair STATE sets one, audited"}
}

func list(items []string) string {
	if len(items) > 5 {
		return fmt.Sprintf("%s and %d more", strings.Join(items[:5], ", "), len(items)-5)
	}
	return strings.Join(items, ", ")
}

// modes are lockwarden's modes and the actions each needs, of the table
// and of the buckets, and its S3 write: probed only where that is
// harmless (see aws.ProbeBucket), and otherwise said to be unprobed.
var modes = []struct {
	name          string
	table, bucket []string
	write         string
}{
	{"read", []string{"dynamodb:Scan", "dynamodb:GetItem"}, []string{"s3:ListBucket", "s3:GetObject"}, ""},
	{"release", []string{"dynamodb:Scan", "dynamodb:GetItem", "dynamodb:DeleteItem"}, []string{"s3:ListBucket", "s3:GetObject"}, "s3:DeleteObject"},
	{"restore", []string{"dynamodb:GetItem", "dynamodb:PutItem"}, []string{"s3:GetObject"}, "s3:PutObject"},
	{"repair", []string{"dynamodb:GetItem", "dynamodb:UpdateItem"}, []string{"s3:GetObject"}, ""},
	{"reap", []string{"dynamodb:Scan", "dynamodb:GetItem", "dynamodb:DeleteItem"}, []string{"s3:ListBucket", "s3:GetObject"}, "s3:DeleteObject"},
	{"exporter", []string{"dynamodb:Scan"}, []string{"s3:ListBucket", "s3:GetObject"}, ""},
}

// Permissions says which of lockwarden's modes this identity has, from
// probes that changed nothing: one finding, ✓ when every probe answered
// (a mode denied is a fact, not a fault), ⚠ when some could not tell. A
// mode whose S3 write was not probed is "not confirmed", never "may".
func Permissions(table []lwaws.Permission, buckets []lwaws.Permission, hasTable, hasBuckets bool) model.Finding {
	byAction := map[string]lwaws.Permission{}
	for _, p := range append(slices.Clone(table), buckets...) {
		if q, seen := byAction[p.Action]; !seen || rank(p) < rank(q) {
			byAction[p.Action] = p // of several buckets, the least sure
		}
	}
	var may, mayNot, unknown, partly []string
	for _, m := range modes {
		var need []string
		if hasTable {
			need = append(need, m.table...)
		}
		if hasBuckets {
			need = append(need, m.bucket...)
			if m.write != "" {
				need = append(need, m.write)
			}
		}
		var no, notKnown, unconfirmed []string
		for _, a := range need {
			switch p, seen := byAction[a]; {
			case p.Unprobed:
				unconfirmed = append(unconfirmed, a+" "+p.Why)
			case !seen && a == m.write:
				unconfirmed = append(unconfirmed, a+" not probed")
			case !p.Known:
				notKnown = append(notKnown, a)
			case !p.Allowed:
				no = append(no, a)
			}
		}
		switch {
		case len(no) > 0:
			mayNot = append(mayNot, m.name+" ("+strings.Join(no, ", ")+" denied)")
		case len(notKnown) > 0:
			unknown = append(unknown, m.name+" ("+strings.Join(notKnown, ", ")+")")
		case len(unconfirmed) > 0:
			partly = append(partly, m.name+" ("+strings.Join(unconfirmed, ", ")+")")
		default:
			may = append(may, m.name)
		}
	}
	why := "may " + model.OrNone(strings.Join(may, ", "))
	if len(mayNot) > 0 {
		why += "; may not " + strings.Join(mayNot, ", ")
	}
	if len(partly) > 0 {
		why += "; not confirmed: " + strings.Join(partly, ", ")
	}
	f := model.Finding{Check: "permissions", Severity: model.Fine,
		Why: why + " — found by calls that changed nothing, on keys no client uses (lockwarden-doctor/probe); a policy limited to some keys may answer otherwise for others"}
	if len(unknown) > 0 {
		f.Severity = model.Warning
		f.Why = "could not tell for " + strings.Join(unknown, ", ") + "; " + f.Why
	}
	return f
}

// rank orders what several probes of one action found, the least sure
// first: denied, not known, not probed, allowed.
func rank(p lwaws.Permission) int {
	switch {
	case p.Known && !p.Allowed:
		return 0
	case !p.Known && !p.Unprobed:
		return 1
	case p.Unprobed:
		return 2
	}
	return 3
}

// StoreConditions judges what a bucket did with the conditions locking
// rests on (doctor --probe-writes).
func StoreConditions(bucket string, c lwaws.StoreConditions) []model.Finding {
	var out []model.Finding
	switch {
	case c.IfNoneMatchErr != nil:
		out = append(out, model.Finding{Check: "If-None-Match", Severity: model.Warning, Why: "not known: " + c.IfNoneMatchErr.Error()})
	case c.IfNoneMatch:
		out = append(out, model.Finding{Check: "If-None-Match", Severity: model.Fine, Why: "bucket " + bucket + " refuses a second PutObject with If-None-Match: * — use_lockfile locks here"})
	default:
		out = append(out, model.Finding{Check: "If-None-Match", Severity: model.Unsafe,
			Why: "bucket " + bucket + " took a PutObject with If-None-Match: * over an existing object: use_lockfile does not lock on this store — two applies can run at once",
			Fix: "lock with a DynamoDB table (dynamodb_table) on this store, or move the state to a store that honours conditional writes"})
	}
	switch {
	case c.IfMatchErr != nil:
		out = append(out, model.Finding{Check: "If-Match", Severity: model.Warning, Why: "not known: " + c.IfMatchErr.Error()})
	case c.IfMatch:
		out = append(out, model.Finding{Check: "If-Match", Severity: model.Fine, Why: "bucket " + bucket + " refuses a DeleteObject with a wrong If-Match: lockwarden's release of a lock file is atomic here"})
	default:
		out = append(out, model.Finding{Check: "If-Match", Severity: model.Unsafe,
			Why: "bucket " + bucket + " deleted an object despite a wrong If-Match: a lock file re-taken between lockwarden's re-read and its delete would be deleted here",
			Fix: "release lock files only when their holder is surely gone; with a lock table beside them, the table's conditional delete still guards the lock"})
	}
	if c.Leftover != "" {
		out = append(out, model.Finding{Check: "probe cleanup", Severity: model.Warning, Why: c.Leftover + " could not be removed", Fix: "remove it by hand"})
	}
	return out
}

// TableConditions judges DynamoDB's conditional delete (--probe-writes).
func TableConditions(table string, refused bool, leftover string, err error) []model.Finding {
	var out []model.Finding
	switch {
	case err != nil:
		out = append(out, model.Finding{Check: "conditional delete", Severity: model.Warning, Why: "not known: " + err.Error()})
	case refused:
		out = append(out, model.Finding{Check: "conditional delete", Severity: model.Fine, Why: "table " + table + " refuses to delete an item that changed: a lock re-taken meanwhile is never released"})
	default:
		out = append(out, model.Finding{Check: "conditional delete", Severity: model.Unsafe, Why: "table " + table + " deleted an item whose condition did not hold: lockwarden's guarded release is not guarded here"})
	}
	if leftover != "" {
		out = append(out, model.Finding{Check: "probe cleanup", Severity: model.Warning, Why: leftover + " could not be removed", Fix: "remove it by hand"})
	}
	return out
}

// AuditFacts are what doctor read of the team's shared audit log.
type AuditFacts struct {
	// Err: the log cannot be reached at all (no such bucket, no network,
	// a configuration that does not load).
	Err error
	// Protected and How: whether Object Lock keeps its records from being
	// replaced, and how; ProtectionErr when that could not be read.
	Protected     bool
	How           string
	ProtectionErr error
	// Reads are what this identity may read there.
	Reads []lwaws.Permission
}

// AuditLog judges the team's shared audit log at where. One that cannot
// be reached refuses every guarded write (none is made unrecorded): ✗.
// One this identity may not read, or whose protection is not known or
// absent, is a warning: writes need only s3:PutObject, which is not
// probed, as a put cannot be made harmless.
func AuditLog(where string, f AuditFacts) model.Finding {
	if f.Err != nil {
		return model.Finding{Check: "audit log", Severity: model.Unsafe,
			Why: where + ": " + sanitize.OneLine(f.Err.Error()) + " — every release, restore, repair and reap is refused while its record cannot be written",
			Fix: "check audit: (and audit_region, audit_profile, audit_endpoint) in the config"}
	}
	var denied []string
	for _, p := range f.Reads {
		if p.Known && !p.Allowed {
			denied = append(denied, p.Action)
		}
	}
	note := " (its s3:PutObject is not probed)"
	switch {
	case len(denied) > 0:
		return model.Finding{Check: "audit log", Severity: model.Warning,
			Why: where + ": " + strings.Join(denied, ", ") + " denied — this identity cannot read the team's log: audit, the UI's history and a restore of another machine's record need it" + note,
			Fix: "lockwarden iam-policy --for audit prints what the log needs"}
	case f.ProtectionErr != nil:
		return model.Finding{Check: "audit log", Severity: model.Warning,
			Why: where + ": whether Object Lock protects its records is not known: " + sanitize.OneLine(f.ProtectionErr.Error()) + note,
			Fix: "lockwarden audit verify, as an identity allowed s3:GetBucketObjectLockConfiguration on the log's bucket"}
	case !f.Protected:
		return model.Finding{Check: "audit log", Severity: model.Warning, Why: where + ": " + f.How + note,
			Fix: "create the log's bucket with Object Lock and a default retention, or set audit_retention (see audit verify)"}
	}
	return model.Finding{Check: "audit log", Severity: model.Fine, Why: where + ": " + f.How + note}
}
