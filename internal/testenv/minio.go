package testenv

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/lockwarden/lockwarden/sandbox"
)

// MinioVersion is the MinIO module version `make test` installs.
const MinioVersion = "v0.0.0-20260212201848-7aac2a2c5b7c"

// The root credentials every test MinIO is started with; clients use them
// as access and secret key (MinIO wants a password of 8 or more).
const (
	MinioUser     = "lockwarden"
	MinioPassword = "lockwarden-sandbox"
)

// MinioBin is where `make test` installs MinIO: LOCKWARDEN_MINIO, else the
// cache the Makefile fills.
func MinioBin() string { return CachedTool("LOCKWARDEN_MINIO", "minio-20260212201848/minio") }

// Minio is a MinIO server started for one test: a free loopback port, a
// temporary data directory, stopped when the test ends.
type Minio struct {
	// URL is the S3 endpoint, http://127.0.0.1:PORT.
	URL string
	// Client talks to it with the root credentials, path style.
	Client *s3.Client
}

// StartMinio starts MinIO and waits until it answers its liveness check.
func StartMinio(t testing.TB) *Minio {
	t.Helper()
	bin := MinioBin()
	if _, err := os.Stat(bin); err != nil {
		Unavailable(t, "MinIO is not installed at %s", bin)
	}
	dir := t.TempDir()
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		url, stop, err := startMinioAt(bin, filepath.Join(dir, fmt.Sprint("data", attempt)), FreePort(t), FreePort(t))
		if err != nil {
			lastErr = err // most likely a port taken between probing and binding
			continue
		}
		t.Cleanup(stop)
		return &Minio{URL: url, Client: S3Client(url, MinioUser, MinioPassword)}
	}
	t.Fatalf("MinIO did not start: %v", lastErr)
	return nil
}

// startMinioAt runs MinIO on port (its console on consolePort) and returns
// once it serves S3 calls, with a function that stops it. The liveness
// check (/minio/health/live) answers before the object layer is set up,
// when calls still fail with XMinioServerNotInitialized, so readiness is a
// signed ListBuckets that succeeds.
func startMinioAt(bin, dataDir string, port, consolePort int) (string, func(), error) {
	cmd := exec.Command(bin, "server", dataDir,
		"--address", fmt.Sprintf("127.0.0.1:%d", port), "--console-address", fmt.Sprintf("127.0.0.1:%d", consolePort), "--quiet")
	cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+MinioUser, "MINIO_ROOT_PASSWORD="+MinioPassword,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off")
	var logs LockedBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start MinIO: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	client := &http.Client{Timeout: time.Second}
	s3c := S3Client(url, MinioUser, MinioPassword)
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-exited:
			return "", nil, fmt.Errorf("MinIO exited before it was ready: %s", logs.String())
		default:
		}
		if resp, err := client.Get(url + "/minio/health/live"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				_, err := s3c.ListBuckets(ctx, &s3.ListBucketsInput{}, func(o *s3.Options) { o.RetryMaxAttempts = 1 })
				cancel()
				if err == nil {
					return url, stop, nil
				}
			}
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, fmt.Errorf("MinIO was not ready within 30s: %s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// CreateBucket creates a bucket, failing the test on error.
func (m *Minio) CreateBucket(t testing.TB, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := m.Client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: sdkaws.String(name)}); err != nil {
		t.Fatalf("create bucket %s on MinIO: %v", name, err)
	}
}

// AssumeRole returns MinIO credentials that may do no more than policy
// (an IAM policy document) allows: STS AssumeRole with the root keys and
// policy as the session policy, which MinIO honours as AWS does.
func (m *Minio) AssumeRole(t testing.TB, policy string) sdkaws.Credentials {
	t.Helper()
	c := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: sdkaws.String(m.URL),
		Credentials: credentials.NewStaticCredentialsProvider(MinioUser, MinioPassword, "")})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	in := &sts.AssumeRoleInput{RoleArn: sdkaws.String("arn:aws:iam::000000000000:role/lockwarden-test"),
		RoleSessionName: sdkaws.String("lockwarden-test"), Policy: sdkaws.String(policy)}
	// MinIO serves S3 before its IAM is set up, and says so: ask again
	// until it is, or the deadline.
	out, err := c.AssumeRole(ctx, in)
	for err != nil && strings.Contains(err.Error(), "Server not initialized") && ctx.Err() == nil {
		time.Sleep(100 * time.Millisecond)
		out, err = c.AssumeRole(ctx, in)
	}
	if err != nil {
		t.Fatalf("MinIO AssumeRole: %v", err)
	}
	return sdkaws.Credentials{AccessKeyID: sdkaws.ToString(out.Credentials.AccessKeyId),
		SecretAccessKey: sdkaws.ToString(out.Credentials.SecretAccessKey), SessionToken: sdkaws.ToString(out.Credentials.SessionToken)}
}

// S3Client returns a path-style SDK client for an S3 endpoint.
func S3Client(endpoint, accessKey, secretKey string) *s3.Client {
	return s3.New(s3.Options{
		Region: sandbox.Region, BaseEndpoint: sdkaws.String(endpoint), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
		RequestChecksumCalculation: sdkaws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: sdkaws.ResponseChecksumValidationWhenRequired,
	})
}

// S3Server names an S3 implementation that lock-file tests run on.
type S3Server string

// The S3 implementations: the sandbox's in-process gofakes3, and MinIO.
const (
	Gofakes3 S3Server = "gofakes3"
	MinIO    S3Server = "minio"
	// Versity is versitygw: it honours If-Match on DeleteObject.
	Versity S3Server = "versitygw"
)

// S3Servers are the S3 implementations every lock-file test runs on.
var S3Servers = []S3Server{Gofakes3, MinIO, Versity}

// On returns the sandbox with its S3 side on server: the sandbox itself for
// gofakes3; for MinIO a copy whose S3 and S3URL are a MinIO started for the
// test, holding an empty sandbox.Bucket, while DynamoDB stays the sandbox's.
// For MinIO it also sets AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for
// the test, so that lockwarden's own clients sign with MinIO's keys.
func On(t *testing.T, server S3Server, sb *sandbox.Sandbox) *sandbox.Sandbox {
	t.Helper()
	if server == Gofakes3 {
		return sb
	}
	m, user, password := (*Minio)(nil), MinioUser, MinioPassword
	if server == Versity {
		m, user, password = StartVersity(t), VersityUser, VersityPassword
	} else {
		m = StartMinio(t)
	}
	m.CreateBucket(t, sandbox.Bucket)
	t.Setenv("AWS_ACCESS_KEY_ID", user)
	t.Setenv("AWS_SECRET_ACCESS_KEY", password)
	moved := *sb
	moved.S3, moved.S3URL = m.Client, m.URL
	return &moved
}

// LockedBuffer collects output written by one goroutine (a process, a
// command) while another reads it.
type LockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Read takes what was written and not yet read, as bytes.Buffer does.
func (b *LockedBuffer) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Read(p)
}

func (b *LockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
