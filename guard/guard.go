// Package guard is lockwarden's one guarded write path, shared by the CLI,
// the TUI and the reaper: every write lockwarden makes goes through it —
// force-unlock a lock only if it is still exactly as the person saw it,
// restore one that was released, repair a digest — each checked against
// what was observed and audited before and after. It imports aws, audit,
// model and sanitize; never ui, cli or reap, which call it.
package guard

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/lockwarden/lockwarden/audit"
	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// Service performs guarded writes on one lock table and the watched
// buckets' lock files.
type Service struct {
	// Writer reaches the lock table; nil when none is configured (a team
	// that locks with S3 lock files alone). Every guard of a lock file's
	// release and restore holds without it; a lock-table item or a
	// digest is then refused before anything is written.
	Writer *lwaws.LockWriter
	// Files reads and writes S3 lock files; nil when no bucket is watched.
	Files *lwaws.LockFiles
	// Audit receives an intent before every write and exactly one
	// outcome after it; no intent record, no write.
	Audit audit.Trail
	// ReadOnly refuses every write, whatever else is asked.
	ReadOnly bool
	// Actor is who is writing: the STS caller ARN, or user@host. Account
	// is the AWS account the writes go to, from STS ("" when unknown).
	// Whichever is empty is asked of ResolveIdentity once, at the first
	// write, so that opening the UI never waits on STS.
	Actor, Account string
	// ARN is the STS caller ARN, recorded beside Actor ("" when unknown);
	// it too is asked of ResolveIdentity when empty.
	ARN             string
	ResolveIdentity func(context.Context) lwaws.Identity
	identityOnce    sync.Once
	// Context and Profile are recorded in the audit: where the operator
	// said they were working.
	Context string
	Profile string
	// Now is the clock (default time.Now).
	Now func() time.Time
	// RequireReason refuses a release without the operator's reason.
	RequireReason bool
	// Policy, when set, is the policy that chose the locks released (the
	// reaper's), recorded with each release.
	Policy string
	// AllowOtherPlace lets Restore write a record's lock into another
	// table, region, endpoint or account than the one it was taken from
	// (--allow-other-place).
	AllowOtherPlace bool
	// ConfirmUnknown lets Restore put back a release whose outcome is
	// unknown (or was never recorded) when the lock is absent and nothing
	// shows it was held after the release: the operator said the release
	// removed it. Without it such a restore is refused with an
	// *UnknownOutcomeError.
	ConfirmUnknown bool
	// State reads a state object, for the evidence that a lock's holder
	// lived on after a release of unknown outcome (its state written
	// since); nil reads nothing.
	State func(ctx context.Context, bucket, key string) (model.StateObject, error)

	// doneHere are the writes this Service saw done but could not record
	// the outcome of: a restore of one needs no confirmation in this run.
	doneMu   sync.Mutex
	doneHere map[string]bool
}

// noteDone remembers that recordID's write was answered as done.
func (s *Service) noteDone(recordID string) {
	s.doneMu.Lock()
	defer s.doneMu.Unlock()
	if s.doneHere == nil {
		s.doneHere = map[string]bool{}
	}
	s.doneHere[recordID] = true
}

// sawDone reports whether this Service saw recordID's write done.
func (s *Service) sawDone(recordID string) bool {
	s.doneMu.Lock()
	defer s.doneMu.Unlock()
	return s.doneHere[recordID]
}

// Result is what a write did.
type Result struct {
	RecordID string
	// Actor is who the records name as having written, as people know
	// them (model.ActorName): the STS session and role, else user@host.
	Actor string
	// Item is the item removed (for a release) or put back (restore).
	Item model.Item
	// Entry is that item classified.
	Entry model.Entry
}

// ChangedError says the lock is no longer as observed; Current is what is
// there now (nil when nothing is, or when reading it again failed:
// ReadErr).
type ChangedError struct {
	LockID  string
	Current *model.Entry
	ReadErr error
}

// Gone reports whether the lock is known to be released: read again, and
// nothing there.
func (e *ChangedError) Gone() bool { return e.Current == nil && e.ReadErr == nil }

func (e *ChangedError) Error() string {
	if e.ReadErr != nil {
		return fmt.Sprintf("not released: %s changed since you looked, and reading it again failed (%v)", e.LockID, e.ReadErr)
	}
	if e.Current == nil {
		return fmt.Sprintf("not released: %s was already released", e.LockID)
	}
	return "not released: the lock changed since you looked — now " + Describe(*e.Current)
}

// Describe says who holds an entry now, for messages.
func Describe(e model.Entry) string {
	switch e.Kind {
	case model.KindLock:
		return fmt.Sprintf("held by %s (%s, ID %s)", sanitize.OrDash(e.Info.Who), model.OperationWord(e.Info.Operation), e.ShortID())
	case model.KindDigest:
		return "a digest item"
	default:
		return "a malformed item (" + e.Problem + ")"
	}
}

// HeldError says a restore found the lock taken again.
type HeldError struct {
	RecordID string
	Current  model.Entry
	// Same is set when what is there is the very item to restore.
	Same bool
	// ReadErr is set when a put was refused (something is there) and
	// reading who holds it failed; LockID then names the lock.
	LockID  string
	ReadErr error
}

func (e *HeldError) Error() string {
	if e.ReadErr != nil {
		return fmt.Sprintf("not restored: %s is held again (the put was refused), and reading who holds it failed (%v)", e.LockID, e.ReadErr)
	}
	if e.Same {
		return fmt.Sprintf("not restored: %s is already back as it was (%s)", e.Current.LockID, Describe(e.Current))
	}
	return fmt.Sprintf("not restored: %s is %s now; restoring would replace a live lock", e.Current.LockID, Describe(e.Current))
}

// PartialError says the S3 lock file was released but the lock-table item
// was not: the state is still locked in DynamoDB.
type PartialError struct {
	LockID   string
	RecordID string
	Err      error
}

func (e *PartialError) Error() string {
	return fmt.Sprintf("partly released %s: the S3 lock file is gone, but the lock-table item was not removed (%v); the state is still locked there (audit %s, lockwarden restore puts the lock file back)", e.LockID, e.Err, e.RecordID)
}

func (e *PartialError) Unwrap() error { return e.Err }

// NotRecordedError says a write was not made because its intent record
// could not be stored — the audit file, or the team's shared log,
// unwritable, unreachable, denied, or the record's key taken: no record,
// no write.
type NotRecordedError struct {
	// What is what was not done: "released", "restored", "written".
	What string
	Err  error
}

func (e *NotRecordedError) Error() string {
	return fmt.Sprintf("nothing %s: the audit record could not be written: %v", e.What, e.Err)
}

func (e *NotRecordedError) Unwrap() error { return e.Err }

// UnrecordedError says a write happened but its audit outcome could not be
// appended. The intent record, written before the write, holds what was
// changed: restore works from it.
type UnrecordedError struct {
	// Did says what happened, for the person: "released tfstate/app".
	Did      string
	RecordID string
	Err      error
}

func (e *UnrecordedError) Error() string {
	return fmt.Sprintf("%s; the audit outcome could not be written: %v (the intent record %s holds what was changed)", e.Did, e.Err, e.RecordID)
}

func (e *UnrecordedError) Unwrap() error { return e.Err }

// Get reads a lock as it is now, in every place it may live: the lock
// table (consistent read) and, when its bucket is watched, its S3 lock
// file. A lock file alone is flagged when the state has a digest item
// (it locks in the table too), as list and the UI flag it.
func (s *Service) Get(ctx context.Context, lockID string) (model.Entry, bool, error) {
	var item model.Entry
	var found bool
	if s.Writer != nil {
		var err error
		if item, found, err = s.Writer.Get(ctx, lockID); err != nil {
			return model.Entry{}, false, err
		}
	}
	bucket, _ := model.SplitPath(lockID)
	if s.Files == nil || !s.Files.Watches(bucket) || model.IsDigestKey(lockID) {
		return item, found, nil
	}
	file, fileFound, err := s.Files.ReadFor(ctx, lockID)
	if err != nil {
		return model.Entry{}, false, err
	}
	var items, files []model.Entry
	if found {
		items = append(items, item)
	}
	hasDigest := false
	if fileFound {
		files = append(files, file)
		if !found && s.Writer != nil {
			if _, hasDigest, err = s.Writer.Get(ctx, lockID+model.DigestSuffix); err != nil {
				return model.Entry{}, false, err
			}
		}
	}
	merged := model.MergeSources(items, files, func(string) bool { return hasDigest })
	if len(merged) == 0 {
		return model.Entry{}, false, nil
	}
	return merged[0], true, nil
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// identity resolves, once, whichever of Actor and Account is unknown.
func (s *Service) identity(ctx context.Context) (actor, arn, account string) {
	s.identityOnce.Do(func() {
		if (s.Actor == "" || s.ARN == "" || s.Account == "") && s.ResolveIdentity != nil {
			id := s.ResolveIdentity(ctx)
			s.Actor = cmp.Or(s.Actor, id.Actor)
			s.ARN = cmp.Or(s.ARN, id.ARN)
			s.Account = cmp.Or(s.Account, id.Account)
		}
		// An STS ARN given as the actor (records before identity).
		s.Account = cmp.Or(s.Account, AccountOf(s.ARN), AccountOf(s.Actor))
	})
	return s.Actor, s.ARN, s.Account
}

func (s *Service) base(ctx context.Context, id, action, lockID string) audit.Record {
	p := s.place()
	actor, arn, account := s.identity(ctx)
	return audit.Record{
		RecordID: id, Time: s.now().UTC(), Action: action, Actor: actor, Identity: arn, Account: account, Context: s.Context,
		Profile: s.Profile, Region: p.region, Endpoint: p.endpoint, Table: p.table, LockID: lockID,
	}
}

// place is where this service writes, as an audit record names it.
type place struct{ table, region, endpoint string }

// place names the lock table's region and endpoint, or — with no table —
// the S3 endpoint's, and the table "": a lock-file-only record is then
// restored only where there is no table either, and only to that S3.
func (s *Service) place() place {
	switch {
	case s.Writer != nil:
		return place{s.Writer.Table, s.Writer.Region, s.Writer.Endpoint}
	case s.Files != nil:
		return place{"", s.Files.Region, s.Files.Endpoint}
	}
	return place{}
}

// workspaceKeyPrefix is the backend's workspace_key_prefix, from the
// table's side or the buckets'.
func (s *Service) workspaceKeyPrefix() string {
	if s.Writer != nil {
		return s.Writer.WorkspaceKeyPrefix
	}
	if s.Files != nil {
		return s.Files.WorkspaceKeyPrefix
	}
	return ""
}

// noTable says why a write that needs the lock table cannot be made.
func noTable(what string) error {
	return fmt.Errorf("%s: no lock table is configured (give --table or a context with table)", what)
}

// record appends the one outcome of an intent and returns what the caller
// should see. A write that happened is never reported as not done: if its
// outcome cannot be appended, the result stands with an *UnrecordedError
// (did says what happened). A failed write keeps its error, with the
// audit failure added.
func (s *Service) record(out audit.Record, res Result, err error, did string) (Result, error) {
	res.Actor = model.ActorName(out.Actor, out.Identity)
	aerr := s.Audit.Append(out)
	switch {
	case aerr == nil:
		return res, err
	case err == nil:
		s.noteDone(out.RecordID)
		return res, &UnrecordedError{Did: did, RecordID: out.RecordID, Err: aerr}
	default:
		return res, fmt.Errorf("%w; its audit outcome could not be written either: %v", err, aerr)
	}
}

// Release removes observed — the entry as the person saw and confirmed it —
// after checking req's guards again. The intent is audited before the
// delete (no record, no delete); the delete is conditioned on the observed
// attributes, so a lock that was released and re-taken, or rewritten, in
// the meantime is never removed: Release then returns a *ChangedError.
// Every intent gets exactly one outcome record: released, refused, failed
// or partial.
func (s *Service) Release(ctx context.Context, observed model.Entry, req model.ReleaseRequest, reason string) (Result, error) {
	req.ReadOnly = req.ReadOnly || s.ReadOnly
	req.RequireReason = req.RequireReason || s.RequireReason
	if req.AllowSplit {
		observed = model.PlaceOf(observed, req.ConfirmID)
	}
	if err := model.CheckRelease(observed, req); err != nil {
		return Result{}, err
	}
	if observed.Source.HasFile() && observed.File != nil && s.Files == nil {
		return Result{}, fmt.Errorf("nothing released: %s has an S3 lock file, but no bucket is configured to reach it", observed.LockID)
	}
	if observed.Source.HasItem() && s.Writer == nil {
		return Result{}, noTable("nothing released: " + observed.LockID + " is a lock-table item")
	}
	id := audit.NewRecordID(s.now())
	intent := s.base(ctx, id, audit.ActionForceUnlock, observed.LockID)
	intent.Phase, intent.Observed, intent.ObservedFile, intent.Reason = audit.PhaseIntent, observed.Item, observed.File, reason
	intent.OperatorReason, intent.Policy = req.Reason, s.Policy
	if err := s.Audit.Append(intent); err != nil {
		return Result{}, &NotRecordedError{What: "released", Err: err}
	}
	out := s.base(ctx, id, audit.ActionForceUnlock, observed.LockID)
	out.Phase, out.Policy = audit.PhaseOutcome, s.Policy
	res, err := s.release(ctx, observed, &out)
	res.RecordID = id
	return s.record(out, res, err, "released "+observed.LockID)
}

// release makes the writes of Release and fills in its outcome record; it
// appends nothing, so that Release appends exactly one outcome.
func (s *Service) release(ctx context.Context, observed model.Entry, out *audit.Record) (Result, error) {
	changed := func() (Result, error) {
		cur, found, gerr := s.Get(ctx, observed.LockID)
		cerr := &ChangedError{LockID: observed.LockID, ReadErr: gerr}
		switch {
		case gerr != nil:
			// Changed or gone: reading it again failed, so not "gone".
			out.Outcome, out.Error = audit.OutcomeChanged, "reading it again failed: "+gerr.Error()
		case found:
			cerr.Current = &cur
			out.Outcome, out.Item, out.File = audit.OutcomeChanged, cur.Item, cur.File
		default:
			out.Outcome = audit.OutcomeGone
		}
		return Result{}, cerr
	}
	failed := func(err error) (Result, error) {
		out.Outcome, out.Error = outcomeOf(err), err.Error()
		return Result{}, err
	}

	// The lock file first, then the item: the order clients take them in,
	// reversed would leave a window where only the file holds the lock.
	var removedFile *model.LockFile
	if observed.Source.HasFile() && observed.File != nil {
		how, err := s.Files.DeleteIfUnchanged(ctx, *observed.File)
		switch {
		case errors.Is(err, lwaws.ErrConditionFailed):
			return changed()
		case err != nil:
			return failed(err)
		}
		removedFile, out.FileDelete = observed.File, how
	}
	var removed model.Item
	if observed.Source.HasItem() {
		var err error
		removed, err = s.Writer.DeleteIfUnchanged(ctx, observed)
		if errors.Is(err, lwaws.ErrOutcomeUnknown) && removedFile != nil {
			// The file is gone; whether the item went too is unknown.
			// Restore works from the intent and puts back what is absent.
			out.Outcome, out.File, out.Error = audit.OutcomeUnknown, removedFile, err.Error()
			return Result{}, err
		}
		if err != nil && removedFile != nil {
			out.Outcome, out.File, out.Error = audit.OutcomePartial, removedFile, err.Error()
			if errors.Is(err, lwaws.ErrConditionFailed) {
				err = errors.New("the lock-table item changed since you looked")
			}
			return Result{}, &PartialError{LockID: observed.LockID, RecordID: out.RecordID, Err: err}
		}
		switch {
		case errors.Is(err, lwaws.ErrConditionFailed):
			return changed()
		case err != nil:
			return failed(err)
		}
	}
	out.Outcome, out.Item, out.File = audit.OutcomeReleased, removed, removedFile
	res := Result{Item: removed, Entry: observed}
	if removed != nil {
		res.Entry = model.Classify(removed, s.workspaceKeyPrefix())
	}
	return res, nil
}

// outcomeOf is the outcome of a write that returned err: failed, or
// unknown when it may have happened all the same.
func outcomeOf(err error) string {
	if errors.Is(err, lwaws.ErrOutcomeUnknown) {
		return audit.OutcomeUnknown
	}
	return audit.OutcomeFailed
}

// failed records a write that failed with err and returns it.
func (s *Service) failed(out audit.Record, err error) (Result, error) {
	out.Outcome, out.Error = outcomeOf(err), err.Error()
	return s.record(out, Result{RecordID: out.RecordID}, err, "")
}
