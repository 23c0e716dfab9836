package faultproxy

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// call posts one DynamoDB-shaped request for op through the proxy.
func call(ctx context.Context, p *Proxy, op string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL, strings.NewReader("{}"))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func upstream(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "upstream "+Operation(r))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestModesAnswerAsDynamoDBWould(t *testing.T) {
	p := New(t, upstream(t).URL)
	ctx := context.Background()
	cases := []struct {
		mode   Mode
		status int
		body   string
	}{
		{Pass, 200, "upstream Scan"},
		{Throttle, 400, `"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"`},
		{ServerError, 500, `#InternalServerError"`},
		{Unavailable, 503, `#ServiceUnavailableException"`},
		{Deny, 400, `#AccessDeniedException","message":"User: arn:aws:iam::123456789012:user/ci is not authorized to perform: dynamodb:Scan`},
	}
	for _, c := range cases {
		if err := p.Set(c.mode); err != nil {
			t.Fatal(err)
		}
		status, body, err := call(ctx, p, "Scan")
		if err != nil || status != c.status || !strings.Contains(body, c.body) {
			t.Errorf("%v: %d %q %v; want %d and %q", c.mode, status, body, err, c.status, c.body)
		}
	}
	if got := p.Count("Scan"); got != (Count{Requests: 5, Faulted: 4}) {
		t.Errorf("counts %+v", got)
	}
}

func TestFaultOnlyForNamedOperations(t *testing.T) {
	p := New(t, upstream(t).URL)
	if err := p.Set(Throttle, "DeleteItem"); err != nil {
		t.Fatal(err)
	}
	if status, body, _ := call(context.Background(), p, "GetItem"); status != 200 || body != "upstream GetItem" {
		t.Errorf("GetItem: %d %q", status, body)
	}
	if status, _, _ := call(context.Background(), p, "DeleteItem"); status != 400 {
		t.Errorf("DeleteItem: %d", status)
	}
	if p.Count("GetItem").Faulted != 0 || p.Count("DeleteItem").Faulted != 1 || p.Count("").Requests != 2 {
		t.Errorf("counts %+v %+v", p.Count("GetItem"), p.Count("DeleteItem"))
	}
	if err := p.Set(Refuse, "DeleteItem"); err == nil {
		t.Error("Refuse for one operation must be refused: it acts on connections")
	}
}

func TestRefuseThenComeBackOnTheSamePort(t *testing.T) {
	p := New(t, upstream(t).URL)
	ctx := context.Background()
	if _, _, err := call(ctx, p, "Scan"); err != nil {
		t.Fatal(err) // leaves a pooled connection, which Refuse must close
	}
	if err := p.Set(Refuse); err != nil {
		t.Fatal(err)
	}
	// The pooled connection was closed under the client: its first try
	// may fail on it (EOF) before it dials again and is refused.
	_, _, err := call(ctx, p, "Scan")
	if err != nil && !errors.Is(err, syscall.ECONNREFUSED) {
		_, _, err = call(ctx, p, "Scan")
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("down: %v, want connection refused", err)
	}
	if err := p.Clear(); err != nil {
		t.Fatal(err)
	}
	if status, _, err := call(ctx, p, "Scan"); err != nil || status != 200 {
		t.Fatalf("back up: %d %v", status, err)
	}
}

// Reset drops the request; LoseAnswer passes it on, then drops the
// answer.
func TestResetAndLoseAnswerDropTheConnection(t *testing.T) {
	// The upstream's handler and the test share seen across a network
	// round trip, which the race detector cannot see: lock it.
	var mu sync.Mutex
	var seen []string
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, Operation(r))
	}))
	t.Cleanup(up.Close)
	p := New(t, up.URL)
	for _, mode := range []Mode{Reset, LoseAnswer} {
		if err := p.Set(mode); err != nil {
			t.Fatal(err)
		}
		if _, _, err := call(context.Background(), p, mode.String()); err == nil {
			t.Fatalf("%s: the connection gave an answer", mode)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 || seen[0] != "lose-answer" {
		t.Errorf("the upstream saw %v, want only the lost answer's request", seen)
	}
}

// A held request gets no answer and never reaches the upstream: not while
// the client waits, not after it gave up, not when the fault is lifted.
func TestHoldNeverAnswersNorForwards(t *testing.T) {
	up := upstream(t)
	var forwarded atomic.Int32 // written by the upstream's handler
	up.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { forwarded.Add(1) })
	p := New(t, up.URL)
	if err := p.Set(Hold); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, _, err := call(ctx, p, "Scan"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("held: %v, want the client's deadline", err)
	}

	done := make(chan error, 1)
	go func() {
		_, _, err := call(context.Background(), p, "Scan")
		done <- err
	}()
	// Lift the fault once the proxy holds the second request.
	for deadline := time.Now().Add(10 * time.Second); p.Count("Scan").Requests < 2; {
		if time.Now().After(deadline) {
			t.Fatal("the second request never reached the proxy")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := p.Clear(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil {
		t.Fatal("a held request was answered when the fault was lifted")
	}
	if status, _, err := call(context.Background(), p, "Scan"); err != nil || status != 200 {
		t.Fatalf("after the hold: %d %v", status, err)
	}
	if n := forwarded.Load(); n != 1 {
		t.Errorf("the upstream saw %d requests, want only the one after the hold", n)
	}
}
