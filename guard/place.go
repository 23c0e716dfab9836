package guard

import (
	"context"
	"fmt"
	"strings"

	"github.com/lockwarden/lockwarden/audit"
	"github.com/lockwarden/lockwarden/model"
)

// samePlace refuses to write a record's lock anywhere but where it was
// taken from: the same table, region, endpoint and — when both are known
// from STS caller ARNs — account. terraform-locks exists in every account
// and region, so a matching table name alone proves nothing.
func (s *Service) samePlace(ctx context.Context, rec *audit.Record) error {
	here := s.place()
	var diffs []string
	differ := func(what, recorded, here string) {
		if recorded != here {
			diffs = append(diffs, fmt.Sprintf("%s %s, not %s", what, orNone(recorded), orNone(here)))
		}
	}
	differ("table", rec.Table, here.table)
	differ("region", rec.Region, here.region)
	differ("endpoint", rec.Endpoint, here.endpoint)
	if recAcct, hereAcct := AccountOf(rec.Actor), AccountOf(s.actor(ctx)); recAcct != "" && hereAcct != "" {
		differ("account", recAcct, hereAcct)
	}
	if len(diffs) == 0 {
		return nil
	}
	return &model.Refusal{Kind: model.RefusedOtherPlace, Msg: fmt.Sprintf("audit record %s was written for another place (%s): nothing restored. Use the same --context (or --table/--region/--endpoint-url), or pass --allow-other-place to restore it here on purpose",
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

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
