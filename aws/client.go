package aws

import (
	"cmp"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/logging"
)

// Connection says where the lock table lives and who we are. Empty fields
// fall back to the standard AWS chain (AWS_PROFILE, AWS_REGION, SSO, the
// shared config files, environment credentials, instance roles).
type Connection struct {
	Profile string
	Region  string
	// Endpoint overrides the DynamoDB endpoint (--endpoint-url). Without
	// it the SDK still honours AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL.
	Endpoint string
	// S3Endpoint overrides the S3 endpoint; a loopback one (an emulator,
	// with no lock table beside it) needs no credentials either.
	S3Endpoint string
	// AccessKey, SecretKey and Token are static credentials (a backend
	// block's); SharedConfigFiles and SharedCredentialsFiles replace the
	// AWS files; AssumeRole is a role to assume with the credentials
	// found. Set from a Terraform working directory's backend.
	AccessKey, SecretKey, Token               string
	SharedConfigFiles, SharedCredentialsFiles []string
	AssumeRole                                AssumeRole
	// MaxAttempts bounds the SDK's retries of throttled or failed calls.
	MaxAttempts int
	// AttemptTimeout bounds one attempt of a call (0: DefaultAttemptTimeout).
	AttemptTimeout time.Duration
}

// DefaultAttemptTimeout bounds one HTTP attempt: connecting, then waiting
// for the answer to begin. Without it an endpoint that accepts a request
// and never answers holds a call — and `lockwarden list` — forever. An
// attempt that times out is retried like any other failure, so a whole
// call is bounded by MaxAttempts of these. A variable so that tests can
// shorten it.
var DefaultAttemptTimeout = 10 * time.Second

// fallbackRegion is used only against a local endpoint, where the region
// is a formality.
const fallbackRegion = "us-east-1"

// LoadConfig resolves credentials and region from the standard chain.
// Against a loopback endpoint (an emulator such as lockwarden's sandbox) it
// supplies a region and dummy credentials when none are configured, because
// emulators accept any.
func LoadConfig(ctx context.Context, c Connection) (sdkaws.Config, error) {
	// The SDK's own log lines (IMDS fallbacks, checksum notes) would land
	// on the user's terminal; lockwarden reports failures itself.
	opts := []func(*config.LoadOptions) error{config.WithLogger(logging.Nop{})}
	endpoint := EffectiveEndpoint(c.Endpoint)
	loopback := IsLoopback(endpoint) || IsLoopback(c.S3Endpoint)
	if loopback {
		// An emulator needs no instance credentials; asking the metadata
		// service for them only costs seconds off AWS.
		opts = append(opts, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	}
	if c.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(c.Profile))
	}
	if len(c.SharedConfigFiles) > 0 {
		opts = append(opts, config.WithSharedConfigFiles(c.SharedConfigFiles))
	}
	if len(c.SharedCredentialsFiles) > 0 {
		opts = append(opts, config.WithSharedCredentialsFiles(c.SharedCredentialsFiles))
	}
	if c.AccessKey != "" && c.SecretKey != "" {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(c.AccessKey, c.SecretKey, c.Token)))
	}
	if c.Region != "" {
		opts = append(opts, config.WithRegion(c.Region))
	}
	attempts := c.MaxAttempts
	if attempts <= 0 {
		attempts = 5
	}
	timeout := c.AttemptTimeout
	if timeout <= 0 {
		timeout = DefaultAttemptTimeout
	}
	// Only the wait for the answer to begin is bounded, not reading it: a
	// large state object may take longer to download, and does not stall.
	opts = append(opts, config.WithHTTPClient(awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = timeout }).
		WithTransportOptions(func(t *http.Transport) { t.ResponseHeaderTimeout = timeout })))
	opts = append(opts, config.WithRetryer(func() sdkaws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			o.MaxBackoff = 5 * time.Second
		})
	}))
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		if c.Profile != "" {
			return cfg, fmt.Errorf("AWS profile %q: %w", c.Profile, err)
		}
		return cfg, fmt.Errorf("AWS configuration: %w", err)
	}
	if loopback {
		if cfg.Region == "" {
			cfg.Region = fallbackRegion
		}
		rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		if _, err := cfg.Credentials.Retrieve(rctx); err != nil {
			cfg.Credentials = credentials.NewStaticCredentialsProvider("lockwarden", "sandbox", "")
		}
	}
	if cfg.Region == "" {
		return cfg, &UserError{Msg: "no AWS region: pass --region, set AWS_REGION, or set region in the context or AWS profile"}
	}
	if c.AssumeRole.ARN != "" {
		// The role the backend assumes: the reads go to its account.
		cfg.Credentials = c.AssumeRole.credentials(cfg)
	}
	return cfg, nil
}

// credentials are the role's, assumed with cfg's own through STS (the
// backend's endpoint, else AWS's), and renewed before they expire.
func (ar AssumeRole) credentials(cfg sdkaws.Config) sdkaws.CredentialsProvider {
	client := sts.NewFromConfig(cfg, func(o *sts.Options) {
		if ar.Endpoint != "" {
			o.BaseEndpoint = sdkaws.String(ar.Endpoint)
		}
	})
	return sdkaws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(client, ar.ARN, func(o *stscreds.AssumeRoleOptions) {
		if ar.ExternalID != "" {
			o.ExternalID = sdkaws.String(ar.ExternalID)
		}
		o.RoleSessionName = cmp.Or(ar.SessionName, "lockwarden")
	}))
}

// AssumeRole is a role to assume, as a Terraform backend's assume_role
// block names it; Endpoint is its STS endpoint ("" for AWS's).
type AssumeRole struct {
	ARN, ExternalID, SessionName, Endpoint string
}

// NewDynamoDB returns a DynamoDB client for the connection's endpoint.
func NewDynamoDB(cfg sdkaws.Config, endpoint string) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if endpoint != "" {
			o.BaseEndpoint = sdkaws.String(endpoint)
		}
	})
}

// EffectiveEndpoint is the DynamoDB endpoint in use: the override, else
// the SDK's AWS_ENDPOINT_URL_DYNAMODB or AWS_ENDPOINT_URL, else "" (AWS).
func EffectiveEndpoint(override string) string {
	for _, v := range []string{override, os.Getenv("AWS_ENDPOINT_URL_DYNAMODB"), os.Getenv("AWS_ENDPOINT_URL")} {
		if v != "" {
			return v
		}
	}
	return ""
}

// IsLoopback reports whether endpoint is a URL on this machine.
func IsLoopback(endpoint string) bool {
	if endpoint == "" {
		return false
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
