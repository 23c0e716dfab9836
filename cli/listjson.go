package cli

import (
	"encoding/json"
	"io"
	"time"

	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/model"
)

// This file writes a listing as JSON: one array of records, each with its
// context, kind and the fields of that kind.

// baseRecord holds the fields every JSON entry has.
type baseRecord struct {
	// Context is the configured context the entry was read in.
	Context string `json:"context,omitempty"`
	Source  string `json:"source"`
	// ObjectKey and ETag are the S3 lock file's, when there is one.
	ObjectKey string `json:"object_key,omitempty"`
	ETag      string `json:"etag,omitempty"`
	Warning   string `json:"warning,omitempty"`
	Kind      string `json:"kind"`
	Table     string `json:"table"`
	// LockID is the table's LockID attribute, as Terraform names it (not
	// the lock ID, which is "id"): renaming it would silently change what
	// every script reads. State is the state, as the CLI and UI say it;
	// Path is the same, kept for the scripts that read it.
	LockID    string `json:"lock_id"`
	State     string `json:"state"`
	Path      string `json:"path"`
	Bucket    string `json:"bucket"`
	Key       string `json:"key"`
	Workspace string `json:"workspace"`
}

type lockRecord struct {
	baseRecord
	ID         string `json:"id"`
	Operation  string `json:"operation"`
	Who        string `json:"who"`
	Version    string `json:"version"`
	Info       string `json:"info"`
	Created    string `json:"created"`
	AgeSeconds *int64 `json:"age_seconds"`
	ClockAhead bool   `json:"clock_ahead"`
	Stale      bool   `json:"stale"`
}

type digestRecord struct {
	baseRecord
	Digest string `json:"digest"`
}

type malformedRecord struct {
	baseRecord
	Malformed bool            `json:"malformed"`
	Problem   string          `json:"problem"`
	Item      json.RawMessage `json:"item"`
}

// writeJSON writes entries as one JSON array; settingsOf gives the
// settings of the context an entry was read in.
func writeJSON(w io.Writer, entries []model.Entry, settingsOf func(*model.Entry) *config.Settings, now time.Time) error {
	out := make([]any, 0, len(entries))
	for i := range entries {
		e, s := entries[i], settingsOf(&entries[i])
		base := baseRecord{Context: s.Context, Source: e.Source.String(), Kind: e.Kind.String(), Table: s.Table, LockID: e.LockID,
			State: e.Path(), Path: e.Path(), Bucket: e.Bucket, Key: e.Key, Workspace: e.Workspace, Warning: e.Warning}
		if e.File != nil {
			base.ObjectKey, base.ETag = e.File.Key, e.File.ETag
		}
		switch e.Kind {
		case model.KindLock:
			r := lockRecord{baseRecord: base, ID: e.Info.ID, Operation: e.Info.Operation, Who: e.Info.Who,
				Version: e.Info.Version, Info: e.Info.Info, Stale: e.StaleAt(now, s.StaleAfter)}
			if !e.Info.Created.IsZero() {
				r.Created = e.Info.Created.Format(time.RFC3339Nano)
			}
			if age := e.AgeAt(now); age.Known && !age.ClockAhead {
				secs := int64(age.Held / time.Second)
				r.AgeSeconds = &secs
			} else {
				r.ClockAhead = age.ClockAhead
			}
			out = append(out, r)
		case model.KindDigest:
			out = append(out, digestRecord{baseRecord: base, Digest: e.Digest})
		default:
			raw := json.RawMessage(e.Item.JSON())
			if e.Item == nil && e.File != nil {
				// A malformed lock file: its body is the raw content.
				raw, _ = json.Marshal(map[string]string{"body": e.File.Body})
			}
			out = append(out, malformedRecord{baseRecord: base, Malformed: true, Problem: e.Problem, Item: raw})
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
