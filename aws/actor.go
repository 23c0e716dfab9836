package aws

import (
	"context"
	"os"
	"os/user"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Actor says who is making a write, for the audit trail: the STS caller
// ARN when it can be had, else the OS user@host. Against a loopback
// endpoint (an emulator) STS is not asked: it would reach real AWS.
func Actor(ctx context.Context, cfg sdkaws.Config, endpoint string) string {
	if !IsLoopback(endpoint) {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err == nil && out.Arn != nil {
			return *out.Arn
		}
	}
	return LocalUser()
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
