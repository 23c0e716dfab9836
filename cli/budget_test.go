package cli

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/truora/minidyn/server"

	"github.com/lockwarden/lockwarden/internal/testenv"
)

// list reads once: its only part in the read budget is to say, on
// stderr, when DescribeTable is refused, so that the operator learns
// before the UI polls without a budget. The listing itself goes on.
func TestListNotesARefusedDescribeTable(t *testing.T) {
	inner := server.NewServer()
	var deny atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if deny.Load() && strings.HasSuffix(req.Header.Get("X-Amz-Target"), ".DescribeTable") {
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#AccessDeniedException","message":"not authorized to perform: dynamodb:DescribeTable"}`))
			return
		}
		inner.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	testenv.CreateLockTable(t, testenv.DynamoClient(srv.URL), "locks")
	deny.Store(true) // the table was created (and described) first
	out, errOut, code := run(t, time.Now(), "list", "--table", "locks", "--region", "us-east-1", "--endpoint-url", srv.URL)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := "lockwarden: note: dynamodb:DescribeTable is not allowed on table locks: the UI polls every 5s without a read budget (max_read_share)"
	if !strings.Contains(errOut, want) || strings.Count(errOut, "\n") != 1 {
		t.Errorf("stderr %q; want the one line %q", errOut, want)
	}
	if strings.Contains(out, "DescribeTable") {
		t.Errorf("the note reached stdout: %q", out)
	}
}
