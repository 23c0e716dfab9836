package aws

import (
	"context"
	"os"
	"os/user"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Identity is who makes a write, and in which AWS account, for the
// audit trail.
type Identity struct {
	// Actor is the OS user@host of this process.
	Actor string
	// ARN is the STS caller ARN — account, role, session name — when STS
	// answered; "" otherwise.
	ARN string
	// Account is the AWS account ID STS answered with; "" when STS was
	// not asked or did not answer. A restore refuses a record whose
	// account it cannot compare with its own.
	Account string
}

// CallerIdentity asks STS who this run is. Against a loopback endpoint (an
// emulator) STS is not asked: it would reach real AWS, and an emulator
// has no account. Without an answer the actor is user@host and the
// account unknown.
func CallerIdentity(ctx context.Context, cfg sdkaws.Config, endpoint string) Identity {
	if !IsLoopback(endpoint) {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err == nil && out.Arn != nil {
			return Identity{Actor: LocalUser(), ARN: *out.Arn, Account: sdkaws.ToString(out.Account)}
		}
	}
	return Identity{Actor: LocalUser()}
}

// LocalUser is user@host of this process.
func LocalUser() string {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	host, err := os.Hostname()
	if err != nil {
		host = "unknown-host"
	}
	return name + "@" + host
}
