package doctor

import (
	"fmt"
	"slices"
	"strings"
)

// This file says what IAM each mode of lockwarden needs, as the least a
// policy may grant: the calls each mode makes (proven by recording them in
// the tests), on the configured table, buckets, prefixes and audit log.

// Modes are the modes iam-policy writes a policy for.
var Modes = []string{"read", "release", "restore", "repair", "reap", "exporter", "doctor", "prune", "audit"}

// Places are what a context reaches: its table (region and account for
// the ARN; "*" when the account is not known), its buckets with their
// prefixes, and its shared audit log.
type Places struct {
	Region, Account, Table string
	Buckets                []BucketPrefix
	AuditBucket            string
	AuditPrefix            string
}

// BucketPrefix is a watched bucket and the prefix its states live under
// ("" for the whole bucket).
type BucketPrefix struct{ Bucket, Prefix string }

// Policy is an IAM policy document.
type Policy struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one statement of a Policy.
type Statement struct {
	Sid       string         `json:"Sid"`
	Effect    string         `json:"Effect"`
	Action    []string       `json:"Action"`
	Resource  []string       `json:"Resource"`
	Condition map[string]any `json:"Condition,omitempty"`
}

// need is what a mode calls: on the table; the buckets (list); their
// lock files and state objects (read, delete, put).
type need struct {
	table                                            []string
	list, getLocks, getStates, deleteLocks, putLocks bool
	bucketSetup                                      []string
	// deleteVersions removes lock files' old versions (prune-versions).
	deleteVersions bool
	// auditWrite puts records into the shared audit log (the intent
	// before a write, the outcome after); auditRead reads it: the UI's
	// team history, restore's search, doctor's check.
	auditWrite, auditRead bool
	// lockTags reads a lock file version's tags (OpenTofu's lock_tags),
	// for the lifecycle rule doctor proposes.
	lockTags bool
}

// needs are the calls each mode makes, as the tests record them.
var needs = map[string]need{
	// The UI and list: scan and describe the table (the read budget),
	// read a digest and a state for the detail view's evidence.
	"read":     {table: []string{"dynamodb:Scan", "dynamodb:DescribeTable", "dynamodb:GetItem"}, list: true, getLocks: true, getStates: true, auditRead: true},
	"release":  {table: []string{"dynamodb:Scan", "dynamodb:GetItem", "dynamodb:DeleteItem"}, list: true, getLocks: true, getStates: true, deleteLocks: true, auditWrite: true},
	"restore":  {table: []string{"dynamodb:GetItem", "dynamodb:PutItem"}, getLocks: true, getStates: true, putLocks: true, auditWrite: true, auditRead: true},
	"repair":   {table: []string{"dynamodb:GetItem", "dynamodb:UpdateItem"}, getStates: true, auditWrite: true},
	"reap":     {table: []string{"dynamodb:Scan", "dynamodb:GetItem", "dynamodb:DeleteItem"}, list: true, getLocks: true, getStates: true, deleteLocks: true, auditWrite: true},
	"exporter": {table: []string{"dynamodb:Scan", "dynamodb:DescribeTable"}, list: true, getLocks: true},
	// Its probes (ProbeActions) are not granted: a denial is an answer.
	"doctor": {table: []string{"dynamodb:DescribeTable", "dynamodb:DescribeContinuousBackups", "dynamodb:Scan", "dynamodb:GetItem"},
		list: true, getLocks: true, getStates: true, lockTags: true, auditRead: true,
		bucketSetup: []string{"s3:GetBucketVersioning", "s3:GetBucketObjectLockConfiguration", "s3:ListBucketVersions"}},
	// lockfiles prune-versions: the bucket's versioning, its versions,
	// and the lock files' old versions removed.
	"prune": {bucketSetup: []string{"s3:GetBucketVersioning", "s3:ListBucketVersions"}, deleteVersions: true, auditWrite: true},
}

// IAMPolicy is the least policy mode needs on places.
func IAMPolicy(mode string, p Places) (Policy, error) {
	if !slices.Contains(Modes, mode) {
		return Policy{}, fmt.Errorf("--for must be one of %s, not %q", strings.Join(Modes, ", "), mode)
	}
	pol := Policy{Version: "2012-10-17"}
	if mode == "audit" {
		if p.AuditBucket == "" {
			return Policy{}, fmt.Errorf("no shared audit log is configured (audit: s3://BUCKET/PREFIX)")
		}
		pol.Statement = auditStatements(p, true, true, false)
		return pol, nil
	}
	n := needs[mode]
	account := p.Account
	if account == "" {
		account = "*"
	}
	if p.Table != "" && len(n.table) > 0 { // prune-versions never reads the table
		arn := fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", p.Region, account, p.Table)
		pol.Statement = append(pol.Statement, Statement{Sid: "LockTable", Effect: "Allow", Action: n.table, Resource: []string{arn}})
	}
	pol.Statement = append(pol.Statement, bucketStatements(n, p.Buckets)...)
	if p.AuditBucket != "" {
		pol.Statement = append(pol.Statement, auditStatements(p, n.auditWrite, n.auditRead, mode == "doctor")...)
	}
	return pol, nil
}

// bucketStatements grant n's calls on each bucket: listing (under its
// prefix), reading lock files and states, deleting or putting lock
// files only.
func bucketStatements(n need, buckets []BucketPrefix) []Statement {
	var out []Statement
	for i, b := range buckets {
		sid := func(s string) string { return fmt.Sprintf("%s%d", s, i+1) }
		objects := "arn:aws:s3:::" + b.Bucket + "/" + prefixed(b.Prefix, "")
		locks := "arn:aws:s3:::" + b.Bucket + "/" + prefixed(b.Prefix, "*.tflock")
		bucketActions := slices.Clone(n.bucketSetup)
		if n.list {
			bucketActions = append(bucketActions, "s3:ListBucket")
		}
		if len(bucketActions) > 0 {
			st := Statement{Sid: sid("Bucket"), Effect: "Allow", Action: bucketActions, Resource: []string{"arn:aws:s3:::" + b.Bucket}}
			if b.Prefix != "" && len(n.bucketSetup) == 0 {
				st.Condition = map[string]any{"StringLike": map[string]any{"s3:prefix": []string{b.Prefix + "/*"}}}
			}
			out = append(out, st)
		}
		switch {
		case n.getStates:
			out = append(out, Statement{Sid: sid("Read"), Effect: "Allow", Action: []string{"s3:GetObject"}, Resource: []string{objects + "*"}})
		case n.getLocks:
			out = append(out, Statement{Sid: sid("ReadLockFiles"), Effect: "Allow", Action: []string{"s3:GetObject"}, Resource: []string{locks}})
		}
		var write []string
		if n.deleteLocks {
			write = append(write, "s3:DeleteObject")
		}
		if n.putLocks {
			write = append(write, "s3:PutObject")
		}
		if n.deleteVersions {
			write = append(write, "s3:DeleteObjectVersion")
		}
		if len(write) > 0 {
			out = append(out, Statement{Sid: sid("LockFiles"), Effect: "Allow", Action: write, Resource: []string{locks}})
		}
		if n.lockTags {
			out = append(out, Statement{Sid: sid("LockFileTags"), Effect: "Allow", Action: []string{"s3:GetObjectVersionTagging"}, Resource: []string{locks}})
		}
	}
	return out
}

// auditStatements grant the shared audit log: putting records (never
// deleting or overwriting one), reading them and listing the days, and
// for doctor whether Object Lock protects them.
func auditStatements(p Places, write, read, lockConfig bool) []Statement {
	records := "arn:aws:s3:::" + p.AuditBucket + "/" + prefixed(p.AuditPrefix, "*")
	var actions []string
	if write {
		actions = append(actions, "s3:PutObject")
	}
	if read {
		actions = append(actions, "s3:GetObject")
	}
	if len(actions) == 0 {
		return nil
	}
	out := []Statement{{Sid: "AuditRecords", Effect: "Allow", Action: actions, Resource: []string{records}}}
	if read {
		out = append(out, Statement{Sid: "AuditList", Effect: "Allow", Action: []string{"s3:ListBucket"}, Resource: []string{"arn:aws:s3:::" + p.AuditBucket},
			Condition: map[string]any{"StringLike": map[string]any{"s3:prefix": []string{prefixed(p.AuditPrefix, "*")}}}})
	}
	if lockConfig {
		out = append(out, Statement{Sid: "AuditProtection", Effect: "Allow", Action: []string{"s3:GetBucketObjectLockConfiguration"}, Resource: []string{"arn:aws:s3:::" + p.AuditBucket}})
	}
	return out
}

// ProbeActions are the calls doctor makes to find what this identity may
// do, which its own policy does not grant: denied, they are the answer
// "may not" for the identity doctor runs as.
var ProbeActions = []string{"dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "s3:DeleteObject"}

func prefixed(prefix, rest string) string {
	if prefix == "" {
		return rest
	}
	return prefix + "/" + rest
}

// Actions are every action a policy grants.
func (p Policy) Actions() []string {
	var out []string
	for _, s := range p.Statement {
		for _, a := range s.Action {
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	slices.Sort(out)
	return out
}
