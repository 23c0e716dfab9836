package model

import "slices"

// PruneVersion is a version, or delete marker, of a lock file.
type PruneVersion struct {
	Key, VersionID       string
	Latest, DeleteMarker bool
	Size                 int64
}

// PrunePlan chooses, of a bucket's lock-file versions, those that may be
// removed — never a current lock file (a lock held now), never anything
// but a .tflock key's — in the order they must go: a key's old versions
// first, then its delete markers, and a latest marker only when every
// other version of the key goes before it (removing a marker above a kept
// version would bring the lock back). A key whose listing does not show
// exactly one latest entry is left whole: something is missing, or
// changed. At most max are chosen, a key's old versions in chunks (its
// markers with its last chunk); those left over are counted in rest.
func PrunePlan(versions []PruneVersion, max int) (plan []PruneVersion, rest int) {
	byKey := map[string][]PruneVersion{}
	var keys []string
	for _, v := range versions {
		if _, seen := byKey[v.Key]; !seen {
			keys = append(keys, v.Key)
		}
		byKey[v.Key] = append(byKey[v.Key], v)
	}
	for _, k := range keys {
		step, ok := keyPlan(byKey[k])
		if !ok {
			continue
		}
		room := max - len(plan)
		if len(step) <= room {
			plan = append(plan, step...)
			continue
		}
		// Old versions in a chunk now; the markers wait for the last one.
		old := 0
		for old < len(step) && !step[old].DeleteMarker {
			old++
		}
		take := min(room, old) // never a marker in a partial chunk
		plan = append(plan, step[:take]...)
		rest += len(step) - take
	}
	return plan, rest
}

// keyPlan is what may go of one key's versions, old versions first; ok
// is false when the listing does not show exactly one latest entry.
func keyPlan(versions []PruneVersion) (step []PruneVersion, ok bool) {
	var old, markers []PruneVersion
	latest, keepsData := 0, false
	for _, v := range versions {
		if v.Latest {
			latest++
		}
		switch {
		case v.Latest && !v.DeleteMarker:
			keepsData = true // the lock file held now: kept
		case v.DeleteMarker:
			markers = append(markers, v)
		default:
			old = append(old, v)
		}
	}
	if latest != 1 {
		return nil, false
	}
	for _, v := range versions {
		if v.Latest && v.VersionID == "null" {
			// Versioning was suspended: the next lock taken replaces
			// this very version, so it could be a lock held by then.
			return nil, false
		}
	}
	step = old
	for _, m := range markers {
		// Below the current version a marker is history; on top, it may
		// go only last, with nothing beneath it kept.
		if !m.Latest || !keepsData {
			step = append(step, m)
		}
	}
	// A latest marker goes after every other entry of the key.
	slices.SortStableFunc(step, func(a, b PruneVersion) int {
		return boolRank(a.Latest && a.DeleteMarker) - boolRank(b.Latest && b.DeleteMarker)
	})
	return step, true
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}
