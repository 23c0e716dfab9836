// Package model is lockwarden's domain: the items of a Terraform/OpenTofu
// lock table, the LockInfo that clients write, classification of every item,
// staleness, the verdict on a state's digest, filtering and sorting, and
// each rule every screen shares (the typed confirmation, the row marker,
// the tally, the release note). It is pure Go: no AWS SDK, no terminal,
// and no other lockwarden package — every other package may import it.
package model

import (
	"encoding/json"
	"time"
)

// LockInfo is the JSON that Terraform and OpenTofu store in a lock item's
// Info attribute and in the body of an S3 .tflock object. The field order and
// types match the clients' Go struct, so that marshalling it with
// encoding/json gives back the bytes a client wrote.
type LockInfo struct {
	ID        string
	Operation string
	Info      string
	Who       string
	Version   string
	Created   time.Time
	Path      string
}

// ParseLockInfo decodes a LockInfo as stored by a client.
func ParseLockInfo(raw string) (LockInfo, error) {
	var li LockInfo
	err := json.Unmarshal([]byte(raw), &li)
	return li, err
}

// Marshal encodes the LockInfo exactly as a Go client would: plain
// encoding/json, no indentation. OpenTofu >= 1.10 unlocks with a condition on
// these bytes, so they must be identical to what the client produces.
func (li LockInfo) Marshal() (string, error) {
	b, err := json.Marshal(li)
	return string(b), err
}
