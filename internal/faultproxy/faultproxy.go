// Package faultproxy is a reverse proxy for tests that sits between an AWS
// SDK client and a DynamoDB emulator and injects the faults a real endpoint
// has: refused connections, throttling, server errors, answers that never
// come, and access denied — for every call or only for some operations.
package faultproxy

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Mode is the fault the proxy injects.
type Mode int

// The faults. Every mode but Pass and Refuse answers, or fails, one request
// at a time, so it can be limited to some operations.
const (
	// Pass forwards every request to the upstream unchanged.
	Pass Mode = iota
	// Refuse closes the listening socket: new connections are refused, as
	// by an endpoint that is down. Open connections are closed too.
	Refuse
	// Reset accepts the request and resets the connection without an
	// answer, as a crashing endpoint or a dropping middlebox does.
	Reset
	// Throttle answers 400 ProvisionedThroughputExceededException.
	Throttle
	// ServerError answers 500 InternalServerError.
	ServerError
	// Unavailable answers 503 ServiceUnavailable.
	Unavailable
	// Hold sends no answer: the request waits until the client gives up
	// (its timeout) and is never forwarded. Lifting the fault resets the
	// connections of requests still held, because the proxy cannot tell
	// exactly when a client gave up, and a request that acted after its
	// client had been told it failed would make a test's outcome a race
	// (LoseAnswer is that case, on purpose).
	Hold
	// Deny answers 400 AccessDeniedException for the operation.
	Deny
	// LoseAnswer forwards the request, so that the upstream acts on it,
	// then resets the connection instead of answering: a write that
	// happened although the client was told the connection failed.
	LoseAnswer
)

var modeNames = map[Mode]string{Pass: "pass", Refuse: "refuse", Reset: "reset", Throttle: "throttle",
	ServerError: "500", Unavailable: "503", Hold: "hold", Deny: "deny", LoseAnswer: "lose-answer"}

func (m Mode) String() string { return modeNames[m] }

// Proxy is a running fault-injecting proxy. Its methods are safe to call
// from any goroutine while requests are in flight.
type Proxy struct {
	// URL is the proxy's address, for the client's endpoint.
	URL string

	addr     string
	upstream *httputil.ReverseProxy
	srv      *http.Server

	mu       sync.Mutex
	mode     Mode
	ops      map[string]bool // nil: every operation
	listener net.Listener
	conns    map[net.Conn]bool
	released chan struct{} // closed when a Hold is lifted
	counts   map[string]*Count
	closed   bool
}

// Count is what the proxy saw of one operation.
type Count struct {
	// Requests is every request received; Faulted those given a fault.
	Requests, Faulted int
}

// Start serves a proxy to upstream (an http:// URL) on a free loopback port.
func Start(upstream string) (*Proxy, error) {
	target, err := url.Parse(upstream)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{addr: l.Addr().String(), listener: l, conns: map[net.Conn]bool{},
		released: make(chan struct{}), counts: map[string]*Count{}}
	p.URL = "http://" + p.addr
	rp := httputil.NewSingleHostReverseProxy(target)
	// An upstream that cannot be reached (the emulator was killed) looks
	// to the client like a dead endpoint, not like a proxy's 502.
	rp.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) { reset(w) }
	p.upstream = rp
	p.srv = &http.Server{Handler: http.HandlerFunc(p.serve), ConnState: p.track}
	go func() { _ = p.srv.Serve(l) }()
	return p, nil
}

// New starts a proxy to upstream that is closed when the test ends.
func New(t testing.TB, upstream string) *Proxy {
	t.Helper()
	p, err := Start(upstream)
	if err != nil {
		t.Fatalf("fault proxy: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}

// Set injects mode from now on, for the named operations only (the part
// of X-Amz-Target after the dot, e.g. "DeleteItem"), or for every one when
// none is named. Set(Pass) lifts every fault.
func (p *Proxy) Set(mode Mode, ops ...string) error {
	if mode == Refuse && len(ops) > 0 {
		return errors.New("faultproxy: Refuse acts on connections, not operations")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errors.New("faultproxy: closed")
	}
	was := p.mode
	p.mode, p.ops = mode, nil
	if len(ops) > 0 {
		p.ops = map[string]bool{}
		for _, op := range ops {
			p.ops[op] = true
		}
	}
	if was == Hold && mode != Hold {
		close(p.released)
		p.released = make(chan struct{})
	}
	switch {
	case mode == Refuse && p.listener != nil:
		// Down: nothing listens, and pooled connections go too.
		_ = p.listener.Close()
		p.listener = nil
		for c := range p.conns {
			_ = c.Close()
		}
	case mode != Refuse && p.listener == nil:
		l, err := net.Listen("tcp", p.addr)
		if err != nil {
			return fmt.Errorf("faultproxy: listen again on %s: %w", p.addr, err)
		}
		p.listener = l
		go func() { _ = p.srv.Serve(l) }()
	}
	return nil
}

// Clear lifts every fault: the proxy passes requests through again.
func (p *Proxy) Clear() error { return p.Set(Pass) }

// Count returns what the proxy saw of op ("" sums every operation).
func (p *Proxy) Count(op string) Count {
	p.mu.Lock()
	defer p.mu.Unlock()
	if op != "" {
		if c := p.counts[op]; c != nil {
			return *c
		}
		return Count{}
	}
	var sum Count
	for _, c := range p.counts {
		sum.Requests += c.Requests
		sum.Faulted += c.Faulted
	}
	return sum
}

// ResetCounts forgets what the proxy saw.
func (p *Proxy) ResetCounts() {
	p.mu.Lock()
	p.counts = map[string]*Count{}
	p.mu.Unlock()
}

// Close stops the proxy, releasing any held request.
func (p *Proxy) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	if p.mode == Hold {
		close(p.released)
	}
	p.mu.Unlock()
	_ = p.srv.Close()
}

func (p *Proxy) track(c net.Conn, state http.ConnState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch state {
	case http.StateNew:
		p.conns[c] = true
	case http.StateHijacked, http.StateClosed:
		delete(p.conns, c)
	}
}

// Operation is the DynamoDB operation a request calls, from X-Amz-Target
// ("DynamoDB_20120810.Scan" → "Scan").
func Operation(r *http.Request) string {
	target := r.Header.Get("X-Amz-Target")
	return target[strings.LastIndex(target, ".")+1:]
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	op := Operation(r)
	p.mu.Lock()
	mode := p.mode
	if p.ops != nil && !p.ops[op] {
		mode = Pass
	}
	c := p.counts[op]
	if c == nil {
		c = &Count{}
		p.counts[op] = c
	}
	c.Requests++
	if mode != Pass {
		c.Faulted++
	}
	released := p.released
	p.mu.Unlock()

	switch mode {
	case Reset:
		reset(w)
	case Throttle:
		apiError(w, http.StatusBadRequest, "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
			"The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.")
	case ServerError:
		apiError(w, http.StatusInternalServerError, "com.amazonaws.dynamodb.v20120810#InternalServerError", "Internal server error")
	case Unavailable:
		apiError(w, http.StatusServiceUnavailable, "com.amazonaws.dynamodb.v20120810#ServiceUnavailableException", "Service unavailable")
	case Deny:
		apiError(w, http.StatusBadRequest, "com.amazon.coral.service#AccessDeniedException", fmt.Sprintf(
			"User: arn:aws:iam::123456789012:user/ci is not authorized to perform: dynamodb:%s on resource: arn:aws:dynamodb:us-east-1:123456789012:table/locks because no identity-based policy allows the dynamodb:%s action", op, op))
	case Hold:
		select {
		case <-r.Context().Done(): // the client gave up
		case <-released:
			reset(w)
		}
	case LoseAnswer:
		p.upstream.ServeHTTP(httptest.NewRecorder(), r)
		reset(w)
	default:
		p.upstream.ServeHTTP(w, r)
	}
}

// apiError answers as DynamoDB does, in its JSON error shape.
func apiError(w http.ResponseWriter, status int, errType, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-Requestid", "FAULTPROXY0000000000000000000000000000000000000000000")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"__type":%q,"message":%q}`, errType, msg)
}

// reset drops the connection with a TCP reset and no answer.
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("faultproxy: the response cannot be hijacked")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
