package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/guard"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sanitize"
)

// This file is restore: putting back, byte for byte, what a release
// removed, once it is sure the release did remove it.

// restoredLine says what a restore put back, for the person.
func restoredLine(res guard.Result) string {
	if path, ok := strings.CutSuffix(res.Entry.LockID, model.DigestSuffix); ok {
		return "Restored the digest of " + sanitize.Text(path) + " as it was before the repair."
	}
	return fmt.Sprintf("Restored %s: %s again.", sanitize.Text(res.Entry.LockID), sanitize.Text(guard.Describe(res.Entry)))
}

// confirmUnknown asks whether a release of unknown outcome removed the
// lock: only 'restore' typed at the terminal, or --yes, says it did —
// and --yes not when part of the evidence could not be checked: a person
// must weigh that.
func confirmUnknown(env *Env, e *guard.UnknownOutcomeError, yes bool) error {
	if yes && e.Unchecked == "" {
		return nil
	}
	fmt.Fprintln(env.Stdout, sanitize.Text(e.Question()))
	if yes {
		return refused("not restored: %s, so --yes does not restore it; confirm at a terminal", sanitize.Text(e.Unchecked))
	}
	return confirmTyped(env, "restore", "restore", "not restored")
}

func newRestoreCmd(env *Env) *cobra.Command {
	var allowOtherPlace, yes bool
	cmd := &cobra.Command{
		Use:   "restore [RECORD_ID | LOCK_ID | STATE]",
		Short: "Put back a lock that lockwarden released, exactly as it was",
		Long: `Put back the item that a lockwarden force-unlock removed, byte for byte, from
its audit record. Nothing is written if someone holds the lock now; the
restore is audited too. 'lockwarden audit' lists the records. Instead of
the record ID, the released lock's lock ID or state (as unlock takes them)
finds its latest release not yet restored; in a Terraform working
directory, with none of them, its state's.

The record's table, region, endpoint, context, profile and account (from
STS) must be this run's: restoring into another account's terraform-locks
would lock the wrong state. An account not known on either side (a record
of the reaper or of a run where STS did not answer) is refused too; only an
emulator on this machine (a loopback endpoint) has none to compare.
--allow-other-place does it on purpose.

A partial restore (the lock file put back, the lock-table item not) is
completed by running restore again: what is already back is left as it is.
A release whose outcome is unknown, or was never recorded, may not have
happened: if its holder then released the lock itself, putting it back
would make a lock nobody holds. restore refuses when a later audit record
saw the lock still held, or the state was written at or after the release;
when nothing tells either way it asks you to type 'restore' (--yes for
scripts that know the release went through). It works from the intent
record, only where the lock is absent.

Exit codes: 0 restored; 1 error (also a partial restore, saying what is
back); 2 usage; 3 refused (read-only, another place, the lock is held
again, a release that did not happen, or not confirmed); 5 restored, but
the audit outcome could not be written; 6 nothing restored: its intent
record could not be stored.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usagef("restore takes one release: its audit record ID ('lockwarden audit' lists them), or the released lock's lock ID or state")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			arg := ""
			if len(args) == 1 {
				arg = args[0]
			}
			return runRestore(cmd, env, arg, yes, allowOtherPlace)
		},
	}
	cmd.Flags().BoolVar(&yes, "yes", false, "restore a release of unknown outcome without asking, when nothing shows it did not happen")
	cmd.Flags().BoolVar(&allowOtherPlace, "allow-other-place", false, "restore into this run's table even if the record was written for another table, region, endpoint, context, profile or account, or names no account")
	return cmd
}

// runRestore finds the release arg names and puts back what it removed,
// asking first when its outcome is unknown.
func runRestore(cmd *cobra.Command, env *Env, arg string, yes, allowOtherPlace bool) error {
	s, err := settingsFor(cmd)
	if err != nil {
		return err
	}
	if arg == "" {
		// No release named: the latest of this working directory's state.
		if s.Workdir == nil {
			return usagef("restore takes one release: its audit record ID ('lockwarden audit' lists them), or the released lock's lock ID or state — or run it in the Terraform working directory whose lock was released")
		}
		arg = "s3://" + s.Workdir.State()
	}
	if s.ReadOnly {
		return readOnlyRefusal(s)
	}
	svc, err := newService(cmd.Context(), env, s)
	if err != nil {
		return err
	}
	svc.AllowOtherPlace = allowOtherPlace
	recordID, err := findRecord(svc.Audit, arg, s, env.Now())
	if err != nil {
		return err
	}
	res, err := svc.Restore(cmd.Context(), recordID)
	var unknown *guard.UnknownOutcomeError
	if errors.As(err, &unknown) {
		if err := confirmUnknown(env, unknown, yes); err != nil {
			return err
		}
		svc.ConfirmUnknown = true
		res, err = svc.Restore(cmd.Context(), recordID)
	}
	var held *guard.HeldError
	var refusal *model.Refusal
	var unrecorded *guard.UnrecordedError
	switch {
	case errors.As(err, &held), errors.As(err, &refusal):
		return &exitError{code: ExitRefused, err: err}
	case errors.As(err, &unrecorded):
		fmt.Fprintln(env.Stdout, restoredLine(res))
		return &exitError{code: ExitUnrecorded, err: err}
	case errors.Is(err, lwaws.ErrOutcomeUnknown):
		return fmt.Errorf("%w (audit %s: check with 'lockwarden list', then run this restore again)", err, res.RecordID)
	case err != nil:
		return err
	}
	fmt.Fprintf(env.Stdout, "%s\nAudit record %s.\n", restoredLine(res), res.RecordID)
	return nil
}
