package model

import "testing"

func TestActorName(t *testing.T) {
	for _, c := range []struct{ actor, arn, want string }{
		{"alice@laptop", "arn:aws:sts::123456789012:assumed-role/OnCall/alice", "alice (OnCall)"},
		{"root@vm", "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_0a1b/alice@example.com", "alice@example.com (AWSReservedSSO_Admin_0a1b)"},
		{"bob@ci", "arn:aws:iam::123456789012:user/deploy/bob", "bob"},
		{"x@y", "arn:aws:iam::123456789012:root", "root of 123456789012"},
		{"reaper@cron-1", "arn:aws:sts::123456789012:assumed-role/Reaper/i-0abc", "reaper@cron-1 as i-0abc (Reaper)"},
		{"alice@laptop", "", "alice@laptop"},
		// Records from before the identity had its own field.
		{"arn:aws:sts::123456789012:assumed-role/OnCall/carol", "", "carol (OnCall)"},
		{"", "", "—"},
		{"a@b", "arn:aws:sts::1:weird", "arn:aws:sts::1:weird"},
	} {
		if got := ActorName(c.actor, c.arn); got != c.want {
			t.Errorf("ActorName(%q, %q) = %q, want %q", c.actor, c.arn, got, c.want)
		}
	}
}
