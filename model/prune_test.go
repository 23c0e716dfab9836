package model

import (
	"slices"
	"testing"
)

// The plan never takes a held lock file, takes a key's old versions
// before its delete marker, takes a latest marker only when nothing of
// the key stays, and keeps a key whole within max.
func TestPrunePlan(t *testing.T) {
	v := func(key, id string, latest, marker bool) PruneVersion {
		return PruneVersion{Key: key, VersionID: id, Latest: latest, DeleteMarker: marker}
	}
	versions := []PruneVersion{
		// a.tflock: unlocked — a marker on top of two old versions.
		v("a.tflock", "a3", true, true), v("a.tflock", "a2", false, false), v("a.tflock", "a1", false, false),
		// b.tflock: held now — its current version stays, history goes.
		v("b.tflock", "b3", true, false), v("b.tflock", "b2", false, true), v("b.tflock", "b1", false, false),
	}
	plan, rest := PrunePlan(versions, 100)
	var ids []string
	for _, p := range plan {
		ids = append(ids, p.VersionID)
	}
	if want := []string{"a2", "a1", "a3", "b1", "b2"}; !slices.Equal(ids, want) || rest != 0 {
		t.Errorf("plan %q rest %d, want %q", ids, rest, want)
	}
	// Room for 4: a whole (3), not b (2): b waits for the next run.
	plan, rest = PrunePlan(versions, 4)
	if len(plan) != 3 || rest != 2 {
		t.Errorf("max 4: %d planned, %d left", len(plan), rest)
	}
}
