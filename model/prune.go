package model

// PruneVersion is a version, or delete marker, of a lock file.
type PruneVersion struct {
	Key, VersionID       string
	Latest, DeleteMarker bool
	Size                 int64
}

// PrunePlan chooses, of a bucket's lock-file versions, those that may be
// removed — never a current lock file (a lock held now), never anything
// but a .tflock key's — in the order they must go: every old version of
// a key first, then its delete marker, and that marker only when it is
// the key's latest and nothing else of the key is kept (removing a marker
// above a kept version would bring the lock back). At most max are
// chosen; those left over are counted in Rest.
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
		var old, markers []PruneVersion
		keepsData := false
		for _, v := range byKey[k] {
			switch {
			case v.Latest && !v.DeleteMarker:
				keepsData = true // the lock file held now: kept, and its markers above nothing
			case v.DeleteMarker:
				markers = append(markers, v)
			default:
				old = append(old, v)
			}
		}
		step := old
		if !keepsData {
			step = append(step, markers...)
		} else {
			// Markers below the current version are history too.
			for _, m := range markers {
				if !m.Latest {
					step = append(step, m)
				}
			}
		}
		if len(plan)+len(step) > max {
			rest += len(step)
			continue // a key is pruned whole or not at all this run
		}
		plan = append(plan, step...)
	}
	return plan, rest
}
