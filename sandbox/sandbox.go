// Package sandbox runs lockwarden's embedded AWS stand-ins: minidyn's
// DynamoDB API and gofakes3's S3 on loopback, seeded with locks, digests and
// state objects in the exact formats Terraform and OpenTofu write, plus a
// simulated team that takes and releases locks with the clients' protocol.
// It imports only aws and model: it is what lockwarden reads, never part
// of how it reads.
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/truora/minidyn/server"

	lwaws "github.com/lockwarden/lockwarden/aws"
)

// Names of what the sandbox creates.
const (
	Table  = "terraform-locks"
	Bucket = "tfstate"
	Region = "us-east-1"
	// AuditBucket is an empty bucket for a team's shared audit log:
	// --audit s3://lockwarden-audit/team from two terminals with their
	// own homes shows the team's memory.
	AuditBucket = "lockwarden-audit"
)

// Options configure a sandbox.
type Options struct {
	// DynamoAddr and S3Addr are host:port to listen on; "127.0.0.1:0"
	// picks a free port.
	DynamoAddr, S3Addr string
	// Empty skips the seed data: table and bucket exist but hold nothing.
	Empty bool
	// Now is the sandbox's clock; seed ages are relative to it.
	Now func() time.Time
	// LockFilesOnly sets the sandbox up as a team that finished migrating
	// to S3-native locking (use_lockfile) has it: a bucket and no lock
	// table. Seed locks and the team's locks are .tflock files, states
	// have no digest items.
	LockFilesOnly bool
}

// Sandbox is a running pair of emulators.
type Sandbox struct {
	DynamoURL, S3URL string
	Dynamo           *dynamodb.Client
	S3               *s3.Client
	servers          []*http.Server
	now              func() time.Time
	s3clock          *shiftClock
	// lockFiles: no lock table, locks are S3 lock files (LockFilesOnly).
	lockFiles bool
}

// shiftClock is the S3 emulator's clock: the sandbox's clock, shifted.
type shiftClock struct {
	mu    sync.Mutex
	now   func() time.Time
	shift time.Duration
}

func (c *shiftClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now().Add(c.shift)
}

func (c *shiftClock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

// setBack makes S3 writes look d old until the returned func is called.
func (c *shiftClock) setBack(d time.Duration) func() {
	c.mu.Lock()
	c.shift = -d
	c.mu.Unlock()
	return func() {
		c.mu.Lock()
		c.shift = 0
		c.mu.Unlock()
	}
}

// Start listens, creates the table and bucket and seeds them.
func Start(ctx context.Context, o Options) (*Sandbox, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	sb := &Sandbox{now: o.Now, lockFiles: o.LockFilesOnly}
	var err error
	if sb.DynamoURL, err = sb.serve("DynamoDB", o.DynamoAddr, server.NewServer()); err != nil {
		return nil, err
	}
	// The S3 clock can be set back while seeding, so that state objects
	// carry realistic last-write times (days old beside a days-old lock).
	sb.s3clock = &shiftClock{now: o.Now}
	faker := gofakes3.New(s3mem.New(s3mem.WithTimeSource(sb.s3clock)), gofakes3.WithAutoBucket(false), gofakes3.WithTimeSource(sb.s3clock), gofakes3.WithTimeSkewLimit(0))
	if sb.S3URL, err = sb.serve("S3", o.S3Addr, faker.Server()); err != nil {
		sb.Close()
		return nil, err
	}
	sb.Dynamo = dynamodb.New(dynamodb.Options{
		Region: Region, BaseEndpoint: sdkaws.String(sb.DynamoURL),
		Credentials: credentials.NewStaticCredentialsProvider("sandbox", "sandbox", ""),
	})
	sb.S3 = s3.New(s3.Options{
		Region: Region, BaseEndpoint: sdkaws.String(sb.S3URL), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider("sandbox", "sandbox", ""),
		RequestChecksumCalculation: sdkaws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: sdkaws.ResponseChecksumValidationWhenRequired,
	})
	if !sb.lockFiles {
		if err := lwaws.CreateLockTable(ctx, sb.Dynamo, Table); err != nil {
			sb.Close()
			return nil, err
		}
	}
	for _, b := range []string{Bucket, AuditBucket} {
		if _, err := sb.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: sdkaws.String(b)}); err != nil {
			sb.Close()
			return nil, fmt.Errorf("create bucket %s: %w", b, err)
		}
	}
	if !o.Empty {
		if err := sb.seed(ctx); err != nil {
			sb.Close()
			return nil, fmt.Errorf("seed sandbox: %w", err)
		}
	}
	return sb, nil
}

func (sb *Sandbox) serve(what, addr string, h http.Handler) (string, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return "", fmt.Errorf("sandbox %s: %s is already in use: pick another address (or 127.0.0.1:0 for any free port)", what, addr)
		}
		return "", fmt.Errorf("sandbox %s: listen on %s: %w", what, addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	sb.servers = append(sb.servers, srv)
	go func() { _ = srv.Serve(l) }()
	return "http://" + l.Addr().String(), nil
}

// Close stops the emulators.
func (sb *Sandbox) Close() {
	for _, s := range sb.servers {
		_ = s.Close()
	}
}

// LockFilesOnly reports whether the sandbox has no lock table: locks are
// S3 lock files.
func (sb *Sandbox) LockFilesOnly() bool { return sb.lockFiles }

// BackendBlocks returns Terraform/OpenTofu backend blocks that point at the
// sandbox: the >= 1.6 endpoints form and the 1.5 form; with lock files
// only, the one block for Terraform >= 1.10 / OpenTofu >= 1.10.
func (sb *Sandbox) BackendBlocks(key string) string {
	if sb.lockFiles {
		return "# Terraform >= 1.10 / OpenTofu >= 1.10 (S3-native locking)\n" + sb.LockFileBackendBlock(key)
	}
	return "# Terraform >= 1.6 / OpenTofu\n" + sb.BackendBlock(key) + "\n# Terraform 1.5 and older\n" + sb.LegacyBackendBlock(key)
}

// BackendBlock is the backend block for Terraform >= 1.6 and OpenTofu.
func (sb *Sandbox) BackendBlock(key string) string {
	return fmt.Sprintf(`terraform {
  backend "s3" {
    bucket         = %[1]q
    key            = %[2]q
    region         = %[3]q
    dynamodb_table = %[4]q
    access_key     = "sandbox"
    secret_key     = "sandbox"
    endpoints = {
      s3       = %[5]q
      dynamodb = %[6]q
    }
    use_path_style              = true
    skip_credentials_validation = true
    skip_requesting_account_id  = true
    skip_metadata_api_check     = true
    skip_region_validation      = true
    skip_s3_checksum            = true
  }
}
`, Bucket, key, Region, Table, sb.S3URL, sb.DynamoURL)
}

// LockFileBackendBlock is the backend block of a team that locks with S3
// lock files alone: use_lockfile, no dynamodb_table.
func (sb *Sandbox) LockFileBackendBlock(key string) string {
	return fmt.Sprintf(`terraform {
  backend "s3" {
    bucket       = %[1]q
    key          = %[2]q
    region       = %[3]q
    use_lockfile = true
    access_key   = "sandbox"
    secret_key   = "sandbox"
    endpoints = {
      s3 = %[4]q
    }
    use_path_style              = true
    skip_credentials_validation = true
    skip_requesting_account_id  = true
    skip_metadata_api_check     = true
    skip_region_validation      = true
    skip_s3_checksum            = true
  }
}
`, Bucket, key, Region, sb.S3URL)
}

// LegacyBackendBlock is the backend block for Terraform 1.5 and older,
// which knows only endpoint, dynamodb_endpoint and force_path_style.
func (sb *Sandbox) LegacyBackendBlock(key string) string {
	return fmt.Sprintf(`terraform {
  backend "s3" {
    bucket                      = %[1]q
    key                         = %[2]q
    region                      = %[3]q
    dynamodb_table              = %[4]q
    access_key                  = "sandbox"
    secret_key                  = "sandbox"
    endpoint                    = %[5]q
    dynamodb_endpoint           = %[6]q
    force_path_style            = true
    skip_credentials_validation = true
    skip_metadata_api_check     = true
    skip_region_validation      = true
  }
}
`, Bucket, key, Region, Table, sb.S3URL, sb.DynamoURL)
}

// InspectCommand is the lockwarden command line that reads the sandbox.
func (sb *Sandbox) InspectCommand(sub string) string {
	cmd := "lockwarden"
	if sub != "" {
		cmd += " " + sub
	}
	if sb.lockFiles {
		return fmt.Sprintf("%s --region %s --bucket %s --s3-endpoint-url %s", cmd, Region, Bucket, sb.S3URL)
	}
	return fmt.Sprintf("%s --table %s --region %s --endpoint-url %s --bucket %s --s3-endpoint-url %s", cmd, Table, Region, sb.DynamoURL, Bucket, sb.S3URL)
}
