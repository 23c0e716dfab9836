package model

import "strings"

// ActorName is who made a write as people recognise them: from the STS
// caller ARN, the session name and its role (alice (OnCall)), an IAM
// user's name, or the account's root; without an ARN, the user@host that
// ran lockwarden. actor is a record's actor (user@host, or an ARN in
// records written before the identity had its own field).
func ActorName(actor, arn string) string {
	if arn == "" && strings.HasPrefix(actor, "arn:") {
		arn, actor = actor, ""
	}
	name := arnName(arn)
	switch {
	case name == "":
		return OrDash(actor)
	case actor != "" && !strings.HasPrefix(actor, reaperPrefix):
		return name
	case actor != "":
		return actor + " as " + name // the reaper, and the role it runs as
	}
	return name
}

// arnName reads an STS caller ARN: arn:aws:sts::123456789012:assumed-role/
// OnCall/alice is "alice (OnCall)", arn:aws:iam::123456789012:user/bob
// "bob", …:root "root of 123456789012". Anything else is returned as it
// is: an identity never disappears for being unusual.
func arnName(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return arn
	}
	res := strings.Split(parts[5], "/")
	switch {
	case res[0] == "assumed-role" && len(res) >= 3:
		return res[len(res)-1] + " (" + res[1] + ")"
	case (res[0] == "user" || res[0] == "federated-user") && len(res) >= 2:
		return res[len(res)-1]
	case res[0] == "root":
		return "root of " + parts[4]
	}
	return arn
}

// reaperPrefix begins the actor of every release the reaper makes.
const reaperPrefix = "reaper@"

// ReaperActor is the actor the reaper records on host: it names itself,
// not the person who scheduled it.
func ReaperActor(host string) string { return reaperPrefix + host }
