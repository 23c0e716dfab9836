package aws_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sandbox"
)

// fakeS3 is an in-memory bucket that lists the way S3 does (sorted keys,
// Prefix, Delimiter, StartAfter, continuation, common prefixes never
// repeated across pages) and counts what it is asked, including the most
// requests of each kind in flight at once.
type fakeS3 struct {
	lwaws.S3API
	pageSize int           // at most this many keys per page (S3: 1,000)
	delay    time.Duration // per request, so that overlaps show

	mu      sync.Mutex
	objects map[string]string // key → body

	lists, gets                   atomic.Int64
	inLists, inGets               atomic.Int64
	maxInLists, maxInGets         atomic.Int64
	listedStartAfter, listedDelim atomic.Int64
}

func newFakeS3(pageSize int) *fakeS3 {
	return &fakeS3{pageSize: pageSize, objects: map[string]string{}}
}

func (f *fakeS3) put(key, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.objects[key] = body
}

func (f *fakeS3) del(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.objects, key)
}

func etagOf(body string) string {
	sum := md5.Sum([]byte(body))
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

func enter(in, peak *atomic.Int64) func() {
	n := in.Add(1)
	for {
		p := peak.Load()
		if n <= p || peak.CompareAndSwap(p, n) {
			break
		}
	}
	return func() { in.Add(-1) }
}

func (f *fakeS3) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, _ ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	defer enter(&f.inLists, &f.maxInLists)()
	f.lists.Add(1)
	time.Sleep(f.delay)
	if in.StartAfter != nil {
		f.listedStartAfter.Add(1)
	}
	if in.Delimiter != nil {
		f.listedDelim.Add(1)
	}
	f.mu.Lock()
	keys := make([]string, 0, len(f.objects))
	for k := range f.objects {
		keys = append(keys, k)
	}
	bodies := f.objects
	f.mu.Unlock()
	slices.Sort(keys)

	prefix, delim := sdkaws.ToString(in.Prefix), sdkaws.ToString(in.Delimiter)
	after := sdkaws.ToString(in.StartAfter)
	if in.ContinuationToken != nil {
		after = *in.ContinuationToken
	}
	limit := min(int(sdkaws.ToInt32(in.MaxKeys)), f.pageSize)
	if limit <= 0 {
		limit = f.pageSize
	}
	out := &s3.ListObjectsV2Output{}
	n := 0
	for i := 0; i < len(keys); i++ {
		k := keys[i]
		if k <= after || !strings.HasPrefix(k, prefix) {
			continue
		}
		if n == limit {
			out.IsTruncated = sdkaws.Bool(true)
			out.NextContinuationToken = sdkaws.String(keys[i-1])
			break
		}
		n++
		if j := strings.Index(k[len(prefix):], delim); delim != "" && j >= 0 {
			cp := k[:len(prefix)+j+len(delim)]
			out.CommonPrefixes = append(out.CommonPrefixes, types.CommonPrefix{Prefix: sdkaws.String(cp)})
			for i+1 < len(keys) && strings.HasPrefix(keys[i+1], cp) {
				i++ // S3 rolls every key under a common prefix into it
			}
			continue
		}
		f.mu.Lock()
		body := bodies[k]
		f.mu.Unlock()
		out.Contents = append(out.Contents, types.Object{Key: sdkaws.String(k), ETag: sdkaws.String(etagOf(body))})
	}
	return out, nil
}

func (f *fakeS3) GetObject(ctx context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	defer enter(&f.inGets, &f.maxInGets)()
	f.gets.Add(1)
	time.Sleep(f.delay)
	f.mu.Lock()
	body, ok := f.objects[sdkaws.ToString(in.Key)]
	f.mu.Unlock()
	if !ok {
		return nil, &types.NoSuchKey{}
	}
	return &s3.GetObjectOutput{Body: io.NopCloser(strings.NewReader(body)), ETag: sdkaws.String(etagOf(body))}, nil
}

func lockBody(id int) string {
	return fmt.Sprintf(`{"ID":"%08x-1c3c-81fa-2756-dd3e0470aaaa","Operation":"OperationTypeApply","Who":"ci@runner","Version":"1.11.4","Created":"2026-11-26T06:29:41Z","Path":""}`, id)
}

// seedNested fills a bucket with state files and lock files at every
// depth: at the top, beside workspace folders, and deep under them, plus
// folder markers and keys that only look like lock files. It returns the
// LockIDs of the lock files, sorted.
func seedNested(put func(key, body string), bucket string) []string {
	var want []string
	lock := func(key string, id int) {
		put(key, lockBody(id))
		want = append(want, bucket+"/"+strings.TrimSuffix(key, model.LockFileSuffix))
	}
	put("terraform.tfstate", "{}")
	lock("terraform.tfstate.tflock", 1)
	put("env:/", "")                              // a folder marker
	put("notes.tflock.txt", "not a lock")         // looks like one, is not
	lock("env:/ws00/terraform.tfstate.tflock", 2) // beside the workspace folders' subfolders
	n := 3
	for ws := 0; ws < 7; ws++ {
		for team := 0; team < 5; team++ {
			for svc := 0; svc < 6; svc++ {
				dir := fmt.Sprintf("env:/ws%02d/team%d/service-%03d/", ws, team, svc)
				put(dir+"terraform.tfstate", "{}")
				if (ws+team+svc)%3 == 0 {
					lock(dir+"terraform.tfstate.tflock", n)
					n++
				}
			}
		}
		lock(fmt.Sprintf("env:/ws%02d/team0/terraform.tfstate.tflock", ws), n) // between folders
		n++
	}
	// Many folders at the top, with lock files that sort between them
	// ("legacy-03z" comes after every key under "legacy-03/").
	for i := 0; i < 12; i++ {
		n++
		lock(fmt.Sprintf("legacy-%02d/terraform.tfstate.tflock", i), n)
		n++
		lock(fmt.Sprintf("legacy-%02dz.tflock", i), n)
	}
	n++
	lock("env:/ws03z.tflock", n)
	n++
	lock("zz/last/terraform.tfstate.tflock", n)
	slices.Sort(want)
	return want
}

func lockIDs(entries []model.Entry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.LockID)
	}
	return out
}

func TestListFansOutAndFindsEveryLockFileOnce(t *testing.T) {
	ctx := context.Background()
	for _, pageSize := range []int{1000, 3} {
		for _, conc := range []int{1, 2, 4, 16} {
			t.Run(fmt.Sprintf("page%d/conc%d", pageSize, conc), func(t *testing.T) {
				fake := newFakeS3(pageSize)
				want := seedNested(fake.put, "b")
				files := &lwaws.LockFiles{Client: fake, Buckets: []lwaws.BucketPrefix{{Bucket: "b"}}, ListConcurrency: conc}
				entries, errs := files.List(ctx)
				if len(errs) > 0 {
					t.Fatal(errs)
				}
				if got := lockIDs(entries); !slices.Equal(got, want) {
					t.Fatalf("got %d lock files, want %d:\n got %q\nwant %q", len(got), len(want), got, want)
				}
				for _, e := range entries {
					if e.Kind != model.KindLock {
						t.Errorf("%s: %v %s", e.LockID, e.Kind, e.Problem)
					}
				}
				if fake.listedDelim.Load() == 0 || (conc <= 2 && fake.listedStartAfter.Load() == 0) {
					t.Errorf("delimiter listings %d, range listings %d: want both", fake.listedDelim.Load(), fake.listedStartAfter.Load())
				}
				if lists, gets := files.LastCost(); lists != int(fake.lists.Load()) || gets != len(want) {
					t.Errorf("LastCost %d lists, %d gets; the store saw %d lists and %d lock files exist", lists, gets, fake.lists.Load(), len(want))
				}
			})
		}
	}
}

func TestListUnderAPrefixOnly(t *testing.T) {
	ctx := context.Background()
	fake := newFakeS3(4)
	all := seedNested(fake.put, "b")
	for _, prefix := range []string{"env:/ws03/", "env:/ws0", "env:/ws03/team0/"} {
		var want []string
		for _, id := range all {
			if strings.HasPrefix(id, "b/"+prefix) {
				want = append(want, id)
			}
		}
		files := &lwaws.LockFiles{Client: fake, Buckets: []lwaws.BucketPrefix{{Bucket: "b", Prefix: prefix}}, ListConcurrency: 2}
		entries, errs := files.List(ctx)
		if got := lockIDs(entries); len(errs) > 0 || !slices.Equal(got, want) {
			t.Errorf("prefix %q: got %q %v, want %q", prefix, got, errs, want)
		}
	}
}

func TestListFetchesOnlyWhatChanged(t *testing.T) {
	ctx := context.Background()
	fake := newFakeS3(5)
	want := seedNested(fake.put, "b")
	files := &lwaws.LockFiles{Client: fake, Buckets: []lwaws.BucketPrefix{{Bucket: "b"}}, ListConcurrency: 3}
	poll := func(wantGets int) []model.Entry {
		t.Helper()
		before := fake.gets.Load()
		entries, errs := files.List(ctx)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		if _, gets := files.LastCost(); gets != wantGets || fake.gets.Load()-before != int64(wantGets) {
			t.Fatalf("LastCost says %d gets, the store saw %d; want %d", gets, fake.gets.Load()-before, wantGets)
		}
		return entries
	}
	first := poll(len(want))

	// A quiet bucket: not one GET, and the same answer.
	second := poll(0)
	if !slices.Equal(lockIDs(second), lockIDs(first)) {
		t.Fatalf("second poll differs:\n%q\n%q", lockIDs(second), lockIDs(first))
	}
	if lists, _ := files.LastCost(); lists == 0 {
		t.Error("a poll made no list requests")
	}

	// A lock taken again (new body, new ETag) is read again.
	changed := "env:/ws02/team1/service-000/terraform.tfstate.tflock"
	fake.put(changed, lockBody(9999))
	entries := poll(1)
	if e := find(entries, "b/"+strings.TrimSuffix(changed, model.LockFileSuffix)); e == nil || !strings.Contains(e.File.Body, "0000270f") {
		t.Fatalf("changed lock file not re-read: %+v", e)
	}

	// A new lock file is read; a released one disappears.
	added := "env:/ws05/team4/service-005/terraform.tfstate.tflock"
	fake.put(added, lockBody(10000))
	released := "terraform.tfstate.tflock"
	releasedBody := fake.objects[released]
	fake.del(released)
	entries = poll(1)
	if find(entries, "b/env:/ws05/team4/service-005/terraform.tfstate") == nil {
		t.Error("new lock file not listed")
	}
	if find(entries, "b/terraform.tfstate") != nil {
		t.Error("released lock file still listed")
	}
	poll(0)

	// The released file was dropped from the cache: put back byte for
	// byte (same ETag), it is read again rather than trusted.
	fake.put(released, releasedBody)
	if find(poll(1), "b/terraform.tfstate") == nil {
		t.Error("restored lock file not listed")
	}
}

// The UI polls through Locks.Scan with one Locks for the session: the
// lock files' bodies are read on the first poll only.
func TestLocksScanReadsBodiesOnce(t *testing.T) {
	fake := newFakeS3(1000)
	want := seedNested(fake.put, "b")
	locks := &lwaws.Locks{Files: &lwaws.LockFiles{Client: fake, Buckets: []lwaws.BucketPrefix{{Bucket: "b"}}}}
	for poll, wantGets := range []int64{int64(len(want)), 0, 0} {
		before := fake.gets.Load()
		snap, err := locks.Scan(context.Background(), false)
		if err != nil || len(snap.Entries) != len(want) {
			t.Fatalf("poll %d: %d entries, %v", poll, len(snap.Entries), err)
		}
		if gets := fake.gets.Load() - before; gets != wantGets {
			t.Errorf("poll %d: %d GETs, want %d", poll, gets, wantGets)
		}
	}
}

func TestReadNeverAnswersFromTheListCache(t *testing.T) {
	ctx := context.Background()
	fake := newFakeS3(1000)
	fake.put("a/terraform.tfstate.tflock", lockBody(1))
	files := &lwaws.LockFiles{Client: fake, Buckets: []lwaws.BucketPrefix{{Bucket: "b"}}}
	files.List(ctx)
	fake.put("a/terraform.tfstate.tflock", lockBody(2))
	before := fake.gets.Load()
	f, err := files.Read(ctx, "b", "a/terraform.tfstate.tflock")
	if err != nil || f.Body != lockBody(2) || fake.gets.Load() != before+1 {
		t.Fatalf("Read: %q %v after %d GETs; want the new body from one GET", f.Body, err, fake.gets.Load()-before)
	}
	e, ok, err := files.ReadFor(ctx, "b/a/terraform.tfstate")
	if err != nil || !ok || e.File.Body != lockBody(2) {
		t.Fatalf("ReadFor: %+v %v %v", e, ok, err)
	}
	old := model.LockFile{Bucket: "b", Key: "a/terraform.tfstate.tflock", ETag: etagOf(lockBody(1)), Body: lockBody(1)}
	if _, err := files.DeleteIfUnchanged(ctx, old); err != lwaws.ErrConditionFailed {
		t.Fatalf("DeleteIfUnchanged of the listed (now changed) file: %v, want ErrConditionFailed", err)
	}
}

func TestListBoundsConcurrency(t *testing.T) {
	fake := newFakeS3(4)
	fake.delay = 2 * time.Millisecond
	want := seedNested(fake.put, "b")
	files := &lwaws.LockFiles{Client: fake, Buckets: []lwaws.BucketPrefix{{Bucket: "b"}, {Bucket: "b", Prefix: "env:/ws01/"}},
		ListConcurrency: 3, GetConcurrency: 5}
	entries, errs := files.List(context.Background())
	if len(errs) > 0 || !slices.Equal(lockIDs(entries), want) {
		t.Fatalf("got %q %v", lockIDs(entries), errs)
	}
	if got := fake.gets.Load(); got != int64(len(want)) {
		t.Errorf("%d GETs for %d lock files, some under both watched prefixes: want one each", got, len(want))
	}
	lists, gets := fake.maxInLists.Load(), fake.maxInGets.Load()
	if lists > 3 || gets > 5 {
		t.Errorf("at most %d lists and %d gets in flight; bounds are 3 and 5", lists, gets)
	}
	if lists < 2 || gets < 2 {
		t.Errorf("at most %d lists and %d gets in flight: not parallel", lists, gets)
	}
}

// failingS3 fails every request for one bucket.
type failingS3 struct {
	*fakeS3
	bad string
}

func (f failingS3) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, o ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	if sdkaws.ToString(in.Bucket) == f.bad {
		return nil, &types.NoSuchBucket{}
	}
	return f.fakeS3.ListObjectsV2(ctx, in, o...)
}

func TestListReportsAnUnreadableBucketAndListsTheOthers(t *testing.T) {
	fake := newFakeS3(1000)
	want := seedNested(fake.put, "good")
	files := &lwaws.LockFiles{Client: failingS3{fake, "gone"}, Buckets: []lwaws.BucketPrefix{{Bucket: "gone"}, {Bucket: "good"}}}
	entries, errs := files.List(context.Background())
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "bucket gone does not exist") {
		t.Errorf("errs %v", errs)
	}
	if !slices.Equal(lockIDs(entries), want) {
		t.Errorf("got %q", lockIDs(entries))
	}
}

func find(entries []model.Entry, lockID string) *model.Entry {
	for i := range entries {
		if entries[i].LockID == lockID {
			return &entries[i]
		}
	}
	return nil
}

// On gofakes3, which repeats common prefixes across pages and formats
// ETags its own way: every lock file once, and a quiet second poll makes
// no GET.
func TestListOnTheEmulator(t *testing.T) {
	ctx := context.Background()
	sb, err := sandbox.Start(ctx, sandbox.Options{Empty: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	put := func(key, body string) {
		if _, err := sb.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: sdkaws.String(sandbox.Bucket), Key: sdkaws.String(key), Body: strings.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
	}
	want := seedNested(put, sandbox.Bucket)
	counting := &countingS3{S3API: sb.S3}
	files := &lwaws.LockFiles{Client: counting, Buckets: []lwaws.BucketPrefix{{Bucket: sandbox.Bucket}}, ListConcurrency: 2}
	for poll, wantGets := range []int64{int64(len(want)), 0} {
		before := counting.gets.Load()
		entries, errs := files.List(ctx)
		if got := lockIDs(entries); len(errs) > 0 || !slices.Equal(got, want) {
			t.Fatalf("poll %d: got %q %v\nwant %q", poll, got, errs, want)
		}
		if gets := counting.gets.Load() - before; gets != wantGets {
			t.Errorf("poll %d: %d GETs, want %d", poll, gets, wantGets)
		}
	}
}

type countingS3 struct {
	lwaws.S3API
	gets atomic.Int64
}

func (c *countingS3) GetObject(ctx context.Context, in *s3.GetObjectInput, o ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	c.gets.Add(1)
	return c.S3API.GetObject(ctx, in, o...)
}
