package model

import (
	"fmt"
	"time"
)

// This file holds the verdict on a state's digest: what a state object
// is, the statuses a digest can have, and how one is judged. Reading the
// item and the object is aws's job; the verdict is the domain's.

// StateObject is what lockwarden learns of a state file in S3: the
// facts a digest is judged against.
type StateObject struct {
	Exists       bool
	Size         int64
	LastModified time.Time
	// MD5 is the hex MD5 of the object's bytes, what a digest must hold.
	MD5 string
	// Serial and Lineage come from the state's JSON, when it parses.
	Serial  *int64
	Lineage string
	Version string // terraform_version
}

// SerialText is the state's serial for people: "unknown" when the state
// did not say.
func (st StateObject) SerialText() string {
	if st.Serial == nil {
		return "unknown"
	}
	return fmt.Sprint(*st.Serial)
}

// DigestStatus is the health of one state's digest.
type DigestStatus string

// The outcomes of a digest check.
const (
	DigestOK        DigestStatus = "ok"
	DigestMismatch  DigestStatus = "mismatch"
	DigestNoState   DigestStatus = "digest without state object"
	DigestNoDigest  DigestStatus = "state without digest"
	DigestInvalid   DigestStatus = "invalid digest value"
	DigestUnchecked DigestStatus = "not checked"
	// DigestNone: neither a digest item nor a state object — a state whose
	// first apply never wrote (killed), or one that locks with files only.
	// Nothing to check, nothing to repair.
	DigestNone DigestStatus = "no digest item, no state object"
)

// JudgeDigest compares a stored digest with a state object the way
// Terraform does on every state read: haveItem says whether the digest
// item exists at all, stored is its Digest value ("" when absent).
func JudgeDigest(stored string, haveItem bool, st StateObject) DigestStatus {
	switch {
	case !haveItem && !st.Exists:
		return DigestNone
	case stored == "" && !st.Exists:
		return DigestNoState
	case !haveItem || stored == "":
		return DigestNoDigest
	case !IsDigestValue(stored):
		return DigestInvalid
	case !st.Exists:
		return DigestNoState
	case stored != st.MD5:
		return DigestMismatch
	}
	return DigestOK
}

// DigestReport is one state's digest check, as package aws reads it:
// the digest item, the state object, and the verdict on the two.
type DigestReport struct {
	Path   string // "<bucket>/<key>"
	Status DigestStatus
	// Stored is the Digest attribute as stored ("" when absent).
	Stored string
	State  StateObject
	// Item is the digest item as read, nil when there is none.
	Item Item
	// Err says why the state could not be read (Status unchecked).
	Err error
}
