package aws_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/internal/testenv"
)

// scanErr scans a table and returns the error message a person would see.
func scanErr(t *testing.T, c lwaws.ScanAPI, table, endpoint string) string {
	t.Helper()
	lt := &lwaws.LockTable{Client: c, Table: table, Region: "eu-west-1", Endpoint: endpoint, Segments: 2}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := lt.Scan(ctx, false)
	if err == nil {
		t.Fatal("scan succeeded, want an error")
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") {
		t.Errorf("error spans several lines: %q", msg)
	}
	return msg
}

func wantAll(t *testing.T, msg string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("message %q lacks %q", msg, p)
		}
	}
}

func TestErrorTableNotFound(t *testing.T) {
	forEachBackend(t, func(t *testing.T, endpoint string) {
		msg := scanErr(t, testenv.DynamoClient(endpoint), "no-such-table", endpoint)
		wantAll(t, msg, `table "no-such-table" in region eu-west-1`, "not found", "--table", "--region")
	})
}

func TestErrorEndpointUnreachable(t *testing.T) {
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", testenv.FreePort(t))
	c := dynamodb.New(dynamodb.Options{
		Region: "eu-west-1", BaseEndpoint: sdkaws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("a", "b", ""),
		Retryer:     retry.AddWithMaxAttempts(retry.NewStandard(), 1),
	})
	msg := scanErr(t, c, "locks", endpoint)
	wantAll(t, msg, "cannot reach "+endpoint, "connection refused", "--endpoint-url")
}

func TestErrorNoCredentials(t *testing.T) {
	home := t.TempDir()
	for k, v := range map[string]string{
		"HOME": home, "AWS_CONFIG_FILE": home + "/none", "AWS_SHARED_CREDENTIALS_FILE": home + "/none",
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
		"AWS_SESSION_TOKEN": "", "AWS_PROFILE": "", "AWS_WEB_IDENTITY_TOKEN_FILE": "",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "",
	} {
		t.Setenv(k, v)
	}
	// A non-loopback endpoint: no dummy credentials are supplied for it,
	// and signing fails before any connection is tried.
	conn := lwaws.Connection{Region: "eu-west-1", Endpoint: "http://dynamodb.example.invalid", MaxAttempts: 1}
	cfg, err := lwaws.LoadConfig(context.Background(), conn)
	if err != nil {
		t.Fatal(err)
	}
	msg := scanErr(t, lwaws.NewDynamoDB(cfg, conn.Endpoint), "locks", conn.Endpoint)
	wantAll(t, msg, "no AWS credentials found", "--profile", "aws sso login", "AWS_ACCESS_KEY_ID")
}

// fakeDynamo answers every call with one DynamoDB error.
func fakeDynamo(t *testing.T, status int, code, message string) (*dynamodb.Client, string) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"__type":"com.amazonaws.dynamodb.v20120810#%s","message":%q}`, code, message)
	}))
	t.Cleanup(srv.Close)
	c := dynamodb.New(dynamodb.Options{
		Region: "eu-west-1", BaseEndpoint: sdkaws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("a", "b", ""),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 3
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		}),
	})
	return c, srv.URL
}

func TestErrorAccessDeniedNamesTheAction(t *testing.T) {
	c, url := fakeDynamo(t, 400, "AccessDeniedException", "User: arn:aws:iam::1:user/bob is not authorized to perform: dynamodb:Scan")
	msg := scanErr(t, c, "locks", url)
	wantAll(t, msg, "access denied", "dynamodb:Scan", `table "locks"`)
}

func TestErrorThrottledAfterRetries(t *testing.T) {
	c, url := fakeDynamo(t, 400, "ProvisionedThroughputExceededException", "slow down")
	msg := scanErr(t, c, "locks", url)
	wantAll(t, msg, "throttled", "3 attempts", "--segments")
}

func TestLoopbackEndpointGetsDummyCredentials(t *testing.T) {
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	endpoint := testenv.Minidyn(t)
	cfg, err := lwaws.LoadConfig(context.Background(), lwaws.Connection{Endpoint: endpoint})
	if err != nil {
		t.Fatal(err)
	}
	c := lwaws.NewDynamoDB(cfg, endpoint)
	testenv.CreateLockTable(t, c, "locks")
	if _, err := (&lwaws.LockTable{Client: c, Table: "locks"}).Scan(context.Background(), false); err != nil {
		t.Fatalf("a sandbox endpoint must work without AWS credentials: %v", err)
	}
}

func TestIsLoopback(t *testing.T) {
	for ep, want := range map[string]bool{
		"http://127.0.0.1:8000": true, "http://localhost:4566": true, "http://[::1]:8000": true,
		"https://dynamodb.eu-west-1.amazonaws.com": false, "": false, "http://10.0.0.1:8000": false,
	} {
		if got := lwaws.IsLoopback(ep); got != want {
			t.Errorf("IsLoopback(%q) = %v", ep, got)
		}
	}
}

// A connection closed under a request is said plainly, however the kernel
// names it: reset by the peer, or a broken pipe while writing.
func TestDroppedConnectionsAreSaidPlainly(t *testing.T) {
	op := lwaws.Op{Action: "dynamodb:Scan", Table: "locks", Region: "us-east-1", Endpoint: "http://127.0.0.1:1"}
	for _, errno := range []syscall.Errno{syscall.ECONNRESET, syscall.EPIPE} {
		err := &net.OpError{Op: "write", Net: "tcp", Err: &os.SyscallError{Syscall: "write", Err: errno}}
		msg := lwaws.Explain(err, op).Error()
		if !strings.Contains(msg, "the connection was dropped before an answer came") || strings.Contains(msg, "tcp") {
			t.Errorf("%v: %q", errno, msg)
		}
	}
}
