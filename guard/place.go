package guard

import (
	"context"
	"fmt"
	"strings"

	"github.com/lockwarden/lockwarden/audit"
	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/model"
)

// samePlace refuses to write a record's lock anywhere but where it was
// taken from: the same table, region, endpoint, context, profile and
// account. terraform-locks exists in every account and region, so a
// matching table name alone proves nothing, and an account that is not
// known on both sides (a record of the reaper or of a run where STS did
// not answer; STS not answering now) is not a match. Only an emulator on
// this machine (a loopback endpoint, on both sides) has no account to
// compare: the endpoint is the place.
func (s *Service) samePlace(ctx context.Context, rec *audit.Record) error {
	here := s.place()
	var diffs []string
	differ := func(what, recorded, here string) {
		if recorded != here {
			diffs = append(diffs, fmt.Sprintf("%s %s, not %s", what, model.OrNone(recorded), model.OrNone(here)))
		}
	}
	differ("table", rec.Table, here.table)
	differ("region", rec.Region, here.region)
	differ("endpoint", rec.Endpoint, here.endpoint)
	differ("context", rec.Context, s.Context)
	differ("profile", rec.Profile, s.Profile)
	if !lwaws.IsLoopback(rec.Endpoint) || !lwaws.IsLoopback(here.endpoint) {
		recAcct := rec.Account
		if recAcct == "" {
			recAcct = AccountOf(rec.Actor)
		}
		_, _, hereAcct := s.identity(ctx)
		switch {
		case recAcct == "":
			diffs = append(diffs, "account unknown: the record names none (the reaper's, an older lockwarden's, or STS did not answer when it was written)")
		case hereAcct == "":
			diffs = append(diffs, "account "+recAcct+", and this run's is unknown (STS did not answer)")
		default:
			differ("account", recAcct, hereAcct)
		}
	}
	if len(diffs) == 0 {
		return nil
	}
	return &model.Refusal{Kind: model.RefusedOtherPlace, Msg: fmt.Sprintf("audit record %s was written for another place (%s): nothing restored. Use the same --context (or --table/--region/--endpoint-url/--profile), or pass --allow-other-place to restore it here on purpose",
		rec.RecordID, strings.Join(diffs, "; "))}
}

// AccountOf returns the AWS account ID in an STS caller ARN
// (arn:aws:sts::123456789012:assumed-role/…), or "" for any other actor.
func AccountOf(actor string) string {
	parts := strings.Split(actor, ":")
	if len(parts) < 6 || parts[0] != "arn" || len(parts[4]) != 12 {
		return ""
	}
	return parts[4]
}
