package guard

import (
	"context"
	"fmt"

	"github.com/lockwarden/lockwarden/audit"
	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/model"
)

// PruneResult is what a prune removed, and what it could not.
type PruneResult struct {
	RecordID string
	Removed  int
	// Failed are the versions not removed (KEY@VERSION_ID: why); a key
	// with one is left with its delete markers, so that nothing comes back.
	Failed []string
}

// PruneLockVersions removes plan's versions of lock files from bucket, in
// plan's order (model.PrunePlan), audited as one action: the intent
// lists every version before the first delete (no record, no delete), the
// outcome what went. Once a version of a key fails, that key's later
// entries (its delete markers) are left: removing a marker above a
// version that stayed would bring an old lock back.
func (s *Service) PruneLockVersions(ctx context.Context, bucket string, plan []model.PruneVersion) (PruneResult, error) {
	if s.ReadOnly {
		return PruneResult{}, &model.Refusal{Kind: model.RefusedReadOnly, Msg: "read-only: lockwarden makes no writes in this run (pass --write to allow them)"}
	}
	if s.Files == nil {
		return PruneResult{}, fmt.Errorf("nothing pruned: no bucket is configured to reach %s", bucket)
	}
	var ids []string
	for _, v := range plan {
		ids = append(ids, v.Key+"@"+v.VersionID)
	}
	id := audit.NewRecordID(s.now())
	intent := s.base(ctx, id, audit.ActionPruneVersions, bucket)
	intent.Phase, intent.Versions = audit.PhaseIntent, ids
	intent.Reason = fmt.Sprintf("%d old versions and delete markers of lock files in bucket %s; no current lock file", len(plan), bucket)
	if err := s.Audit.Append(intent); err != nil {
		return PruneResult{}, &NotRecordedError{What: "pruned", Err: err}
	}
	res := PruneResult{RecordID: id}
	var removed []string
	failedKey := map[string]bool{}
	for _, v := range plan {
		if failedKey[v.Key] {
			res.Failed = append(res.Failed, v.Key+"@"+v.VersionID+": left, as an earlier version of the key was")
			continue
		}
		if err := lwaws.DeleteVersion(ctx, s.Files.Client, bucket, v.Key, v.VersionID); err != nil {
			failedKey[v.Key] = true
			res.Failed = append(res.Failed, v.Key+"@"+v.VersionID+": "+err.Error())
			continue
		}
		removed = append(removed, v.Key+"@"+v.VersionID)
	}
	res.Removed = len(removed)
	out := s.base(ctx, id, audit.ActionPruneVersions, bucket)
	out.Phase, out.Versions, out.Outcome = audit.PhaseOutcome, removed, audit.OutcomePruned
	if len(res.Failed) > 0 {
		out.Outcome = fmt.Sprintf("partial: %d of %d removed", len(removed), len(plan))
		out.Error = fmt.Sprint(res.Failed)
	}
	if err := s.Audit.Append(out); err != nil {
		return res, &UnrecordedError{Did: fmt.Sprintf("pruned %d versions in bucket %s", len(removed), bucket), RecordID: id, Err: err}
	}
	return res, nil
}
