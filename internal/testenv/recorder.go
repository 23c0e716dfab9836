package testenv

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Recorder is a reverse proxy in front of a DynamoDB or S3 endpoint that
// records every request, to prove what lockwarden (or anything pointed at
// it) did and did not write.
type Recorder struct {
	URL     string
	mu      sync.Mutex
	ops     []string
	actions []string
	// status is each request's answer, by the index of its op; gen
	// counts resets, so that an answer after one is not put on a later
	// request's index.
	status []int
	gen    int
}

// NewRecorder starts a recording proxy to upstream, closed with the test.
func NewRecorder(t testing.TB, upstream string) *Recorder {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	r := &Recorder{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		i, gen := len(r.ops), r.gen
		r.ops = append(r.ops, operation(req))
		r.actions = append(r.actions, IAMAction(req))
		r.status = append(r.status, 0)
		r.mu.Unlock()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		proxy.ServeHTTP(sw, req)
		r.mu.Lock()
		if gen == r.gen { // not reset meanwhile
			r.status[i] = sw.code
		}
		r.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

// operation names a request: a DynamoDB call by its target (DeleteItem),
// an S3 call by its method and path (DELETE /tfstate/app.tflock).
func operation(req *http.Request) string {
	if target := req.Header.Get("X-Amz-Target"); target != "" {
		return target[strings.LastIndex(target, ".")+1:]
	}
	return req.Method + " " + req.URL.Path
}

// statusWriter keeps the status of the answer it passes on.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) { w.code = code; w.ResponseWriter.WriteHeader(code) }

// Unwrap lets the proxy flush through it (http.ResponseController).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Writes returns the recorded requests that write: DynamoDB's PutItem,
// DeleteItem, UpdateItem and batch writes; S3's PUT, POST and DELETE.
func (r *Recorder) Writes() []string { return r.writes(false) }

// SucceededWrites returns the Writes that were answered with a 2xx: those
// a server took (a delete of an absent key among them).
func (r *Recorder) SucceededWrites() []string { return r.writes(true) }

func (r *Recorder) writes(succeeded bool) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var w []string
	for i, op := range r.ops {
		if succeeded && (r.status[i] < 200 || r.status[i] > 299) {
			continue
		}
		switch {
		case op == "DeleteItem", op == "PutItem", op == "UpdateItem", op == "BatchWriteItem", op == "TransactWriteItems",
			strings.HasPrefix(op, "PUT "), strings.HasPrefix(op, "POST "), strings.HasPrefix(op, "DELETE "):
			w = append(w, op)
		}
	}
	return w
}

// Actions returns the IAM action of each request recorded, each once,
// sorted.
func (r *Recorder) Actions() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := slices.Clone(r.actions)
	slices.Sort(out)
	return slices.Compact(out)
}

// IAMAction names the IAM action a request needs: a DynamoDB call by its
// target; an S3 call by its method, whether it names an object, and the
// bucket subresource it asks for.
func IAMAction(req *http.Request) string {
	if target := req.Header.Get("X-Amz-Target"); target != "" {
		return "dynamodb:" + target[strings.LastIndex(target, ".")+1:]
	}
	q := req.URL.Query()
	if !strings.Contains(strings.Trim(req.URL.Path, "/"), "/") {
		switch {
		case q.Has("versioning"):
			return "s3:GetBucketVersioning"
		case q.Has("object-lock"):
			return "s3:GetBucketObjectLockConfiguration"
		case q.Has("versions"):
			return "s3:ListBucketVersions"
		case req.Method == http.MethodPut:
			return "s3:CreateBucket"
		}
		return "s3:ListBucket"
	}
	switch {
	case req.Method == http.MethodGet && q.Has("tagging") && q.Has("versionId"):
		return "s3:GetObjectVersionTagging"
	case req.Method == http.MethodGet && q.Has("tagging"):
		return "s3:GetObjectTagging"
	}
	switch req.Method {
	case http.MethodPut:
		return "s3:PutObject"
	case http.MethodDelete:
		if q.Has("versionId") {
			return "s3:DeleteObjectVersion"
		}
		return "s3:DeleteObject"
	}
	return "s3:GetObject"
}

// Requests returns how many requests were recorded.
func (r *Recorder) Requests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.ops)
}

// Reset forgets what was recorded.
func (r *Recorder) Reset() {
	r.mu.Lock()
	r.ops, r.actions, r.status = nil, nil, nil
	r.gen++
	r.mu.Unlock()
}
