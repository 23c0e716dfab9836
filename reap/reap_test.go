package reap

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lockwarden/lockwarden/guard"
	"github.com/lockwarden/lockwarden/model"
)

// A read-only context, and one not wholly read, reap nothing: every lock
// is kept and says why, before anything is read again.
func TestJudgeKeepsWhatItMustNotReap(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	old := model.Entry{Kind: model.KindLock, LockID: "tfstate/app/terraform.tfstate",
		Info: model.LockInfo{ID: "x", Operation: "OperationTypePlan", Created: now.Add(-5 * time.Hour)}}
	policy := model.ReapPolicy{OlderThan: time.Hour, Operations: []string{"plan"}, MaxPerRun: 3}
	for _, c := range []struct {
		name     string
		readOnly bool
		notes    []string
		why      string
	}{
		{"read-only", true, nil, "context is read-only: never reaped"},
		{"partly read", false, []string{"S3 lock files not read: bucket b: access denied"}, "context not wholly read: never reaped on half the evidence"},
	} {
		r := Run{Context: "prod", Policy: policy, Service: &guard.Service{ReadOnly: c.readOnly}}
		r.Judge(context.Background(), model.Snapshot{Entries: []model.Entry{old}, Notes: c.notes}, now)
		if len(r.Candidates) != 0 || len(r.Decisions) != 1 || r.Decisions[0].Action != Keep || r.Decisions[0].Why != c.why {
			t.Errorf("%s: %+v", c.name, r.Decisions)
		}
		if c.notes != nil && (len(r.Errs) != 1 || !strings.Contains(r.Errs[0].Error(), "not wholly read")) {
			t.Errorf("%s: errors %v", c.name, r.Errs)
		}
	}
}
