package model

import (
	"testing"
	"time"
)

// Columns are declared in ColumnID order (tables index them by ID), every
// column but CONTEXT has a cell, and the cells say what list has always
// printed for a lock, a digest and a malformed item.
func TestColumns(t *testing.T) {
	if len(Columns) != NumColumns {
		t.Fatalf("%d columns, want %d", len(Columns), NumColumns)
	}
	for i, col := range Columns {
		if int(col.ID) != i || (col.Cell == nil) != (col.ID == ColContext) {
			t.Errorf("column %d (%s): ID %d, cell %v", i, col.Long, col.ID, col.Cell != nil)
		}
	}
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	lock := Entry{Kind: KindLock, LockID: "b/k", Bucket: "b", Key: "k",
		Info: LockInfo{ID: "8d1f6c0e-1", Operation: "OperationTypeApply", Who: "alice@ci", Version: "1.5.7", Created: now.Add(-time.Hour)}}
	digest := Entry{Kind: KindDigest, LockID: "b/k-md5", Bucket: "b", Key: "k", Digest: "0123"}
	malformed := Entry{Kind: KindMalformed, LockID: "b/broken"}
	cells := func(e Entry) []string {
		var out []string
		for _, col := range Columns[1:] {
			out = append(out, col.Cell(&e, now))
		}
		return out
	}
	for _, c := range []struct {
		e    Entry
		want []string
	}{
		{lock, []string{"b/k", "ddb", "apply", "alice@ci", "1h00m", "1.5.7", "8d1f6c0e"}},
		{digest, []string{"b/k", "ddb", "digest", "0123", "—", "—", "—"}},
		{malformed, []string{"b/broken", "ddb", "malformed", "—", "—", "—", "—"}},
	} {
		got := cells(c.e)
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: %s is %q, want %q", c.e.Kind, Columns[i+1].Long, got[i], c.want[i])
			}
		}
	}
}
