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
	// Room for 4: a whole (3), and b's old version; its marker waits.
	plan, rest = PrunePlan(versions, 4)
	if len(plan) != 4 || rest != 1 || plan[3].VersionID != "b1" {
		t.Errorf("max 4: %+v, %d left", plan, rest)
	}
	// A key bigger than a run: its old versions in chunks, its latest
	// marker only with the last of them.
	big := []PruneVersion{v("c.tflock", "m", true, true)}
	for _, id := range []string{"c5", "c4", "c3", "c2", "c1"} {
		big = append(big, v("c.tflock", id, false, false))
	}
	plan, rest = PrunePlan(big, 3)
	if len(plan) != 3 || rest != 3 || slices.ContainsFunc(plan, func(p PruneVersion) bool { return p.DeleteMarker }) {
		t.Errorf("a big key, max 3: %+v, %d left", plan, rest)
	}
	// A key whose listing shows no latest entry, or two, is left whole:
	// what the marker hides may not have been listed.
	for _, odd := range [][]PruneVersion{
		{v("d.tflock", "d2", false, true), v("d.tflock", "d1", false, false)},
		{v("e.tflock", "e2", true, true), v("e.tflock", "e1", true, false)},
	} {
		if plan, _ := PrunePlan(odd, 100); len(plan) != 0 {
			t.Errorf("%s: planned %+v", odd[0].Key, plan)
		}
	}
}
