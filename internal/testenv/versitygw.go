package testenv

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Versity is versitygw (v1.8.0, its POSIX backend on a directory): the S3
// store here that honours If-Match on DeleteObject, as AWS S3 does since
// 2025-09-16 and gofakes3 and MinIO do not.
const (
	VersityUser     = "lockwarden"
	VersityPassword = "lockwarden-secret"
)

// VersityBin finds versitygw: LOCKWARDEN_VERSITYGW, else the cache `make
// test` fills.
func VersityBin() string { return CachedTool("LOCKWARDEN_VERSITYGW", "versitygw-1.8.0/versitygw") }

// StartVersity starts versitygw on a free port over a temporary directory,
// stopped when the test ends, and waits until it answers a signed call.
func StartVersity(t testing.TB) *Minio {
	t.Helper()
	bin := VersityBin()
	if _, err := os.Stat(bin); err != nil {
		Unavailable(t, "versitygw is not installed at %s", bin)
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		dir := filepath.Join(t.TempDir(), "posix")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		url := fmt.Sprintf("http://127.0.0.1:%d", FreePort(t))
		cmd := exec.Command(bin, "--access", VersityUser, "--secret", VersityPassword, "--port", url[len("http://"):], "posix", dir)
		var logs LockedBuffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatalf("start versitygw: %v", err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		stop := func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); <-exited }
		client := S3Client(url, VersityUser, VersityPassword)
		if lastErr = waitReady(client, exited, &logs); lastErr == nil {
			t.Cleanup(stop)
			return &Minio{URL: url, Client: client}
		}
		stop()
	}
	t.Fatalf("versitygw did not start: %v", lastErr)
	return nil
}

// waitReady waits until a signed ListBuckets succeeds, the server exits,
// or 30 s pass.
func waitReady(c *s3.Client, exited chan struct{}, logs *LockedBuffer) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-exited:
			return fmt.Errorf("exited before it was ready: %s", logs.String())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := c.ListBuckets(ctx, &s3.ListBucketsInput{}, func(o *s3.Options) { o.RetryMaxAttempts = 1 })
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready within 30s: %v: %s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
