package aws

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/sync/errgroup"

	"github.com/lockwarden/lockwarden/model"
)

// Bounds of List's parallelism, used when LockFiles leaves them zero. A
// listing page holds up to a thousand keys and costs far more memory than
// a lock file's body, hence the lower bound for lists.
const (
	DefaultListConcurrency = 16
	DefaultGetConcurrency  = 64
)

// listPageKeys is the most keys S3 returns per ListObjectsV2 page; asking
// for it explicitly makes emulators page the same way.
const listPageKeys = 1000

// fileKey names one object.
type fileKey struct{ bucket, key string }

// cachedFile is a lock file as last read, valid while the listing shows
// the same ETag.
type cachedFile struct {
	etag string
	file model.LockFile
}

// LastCost reports what the last completed List cost: its ListObjectsV2
// pages (lists) and GetObject calls (gets), SDK retries not counted. A
// poll of a bucket where nothing changed makes lists only. Safe to call
// while a List runs; it then reports the one before.
func (l *LockFiles) LastCost() (lists, gets int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lastLists, l.lastGets
}

// List returns every lock file in the watched buckets as entries, sorted
// by LockID, one per LockID. A bucket that cannot be read is reported in
// errs (a *BucketError) with what was found in it so far, and the others
// are still listed.
//
// The listing fans out: delimiter listings descend the key hierarchy until
// there are enough prefixes to spread over ListConcurrency requests, then
// the prefixes are listed flat in contiguous groups. Bodies are fetched
// while the listing goes on, at most GetConcurrency at a time, and kept:
// a lock file whose listed ETag is unchanged since the previous List is
// not fetched again. The guarded release path never uses these copies
// (Read always fetches).
func (l *LockFiles) List(ctx context.Context) (entries []model.Entry, errs []error) {
	l.mu.Lock()
	prev := l.cache
	l.mu.Unlock()
	d := &discovery{l: l, prev: prev, claimed: map[fileKey]bool{}, next: map[fileKey]cachedFile{}, failed: make([]error, len(l.Buckets)),
		listLimit: orDefault(l.ListConcurrency, DefaultListConcurrency)}
	d.gets.SetLimit(orDefault(l.GetConcurrency, DefaultGetConcurrency))
	d.walk(ctx)
	_ = d.gets.Wait() // tasks record their errors per bucket

	for i, err := range d.failed {
		if err == nil {
			continue
		}
		errs = append(errs, &BucketError{Bucket: l.Buckets[i], Err: err})
		// Unlisted is not gone: keep what is cached under a bucket that
		// failed, to be checked again next time.
		bp := l.Buckets[i]
		for k, c := range prev {
			if _, seen := d.next[k]; !seen && k.bucket == bp.Bucket && strings.HasPrefix(k.key, bp.Prefix) {
				d.next[k] = c
			}
		}
	}
	l.mu.Lock()
	l.cache, l.lastLists, l.lastGets = d.next, int(d.lists.Load()), int(d.getCalls.Load())
	l.mu.Unlock()

	entries = d.entries
	slices.SortFunc(entries, func(a, b model.Entry) int { return strings.Compare(a.LockID, b.LockID) })
	entries = slices.CompactFunc(entries, func(a, b model.Entry) bool { return a.LockID == b.LockID })
	return entries, errs
}

// BucketError says a watched bucket (or prefix) could not be listed.
type BucketError struct {
	Bucket BucketPrefix
	Err    error
}

// Error is the listing's error, as it says it.
func (e *BucketError) Error() string { return e.Err.Error() }

// Unwrap gives the listing's error.
func (e *BucketError) Unwrap() error { return e.Err }

// Place names the bucket as lockwarden's messages and metrics do:
// "bucket NAME" or "bucket NAME/PREFIX".
func (e *BucketError) Place() string { return e.Bucket.Place() }

func orDefault(v, dflt int) int {
	if v > 0 {
		return v
	}
	return dflt
}

// discovery is one List under way.
type discovery struct {
	l         *LockFiles
	prev      map[fileKey]cachedFile // read-only during the List
	listLimit int
	gets      errgroup.Group
	lists     atomic.Int64
	getCalls  atomic.Int64

	mu      sync.Mutex
	claimed map[fileKey]bool // listed already, under another watched prefix too
	next    map[fileKey]cachedFile
	entries []model.Entry
	failed  []error // by index in l.Buckets
}

// prefixTask is one prefix of the watched bucket l.Buckets[b].
type prefixTask struct {
	b      int
	prefix string
}

// keyRange is a run of sibling prefixes (each ending in "/") of one bucket,
// listed flat in one paged listing: keys under prefix after start (if
// any), up to end, that lie under one of subs.
type keyRange struct {
	b                  int
	prefix, start, end string
	subs               []string
}

// walk lists the watched buckets breadth-first with delimiter listings,
// all buckets' prefixes of a level together. A bucket whose level has at
// least listLimit prefixes stops descending: its prefixes are split into
// ranges listed flat, which costs about one request more per range than
// listing them in one pass, instead of one request per prefix or more.
func (d *discovery) walk(ctx context.Context) {
	frontier := make([]prefixTask, len(d.l.Buckets))
	for i, bp := range d.l.Buckets {
		frontier[i] = prefixTask{b: i, prefix: bp.Prefix}
	}
	var ranges []keyRange
	for len(frontier) > 0 {
		subs := make([][]string, len(frontier))
		var level errgroup.Group
		level.SetLimit(d.listLimit)
		for i, t := range frontier {
			level.Go(func() error {
				subs[i] = d.listDelimited(ctx, t)
				return nil
			})
		}
		_ = level.Wait()
		byBucket := map[int][]string{}
		for i, t := range frontier {
			byBucket[t.b] = append(byBucket[t.b], subs[i]...)
		}
		frontier = frontier[:0:0]
		for b := range d.l.Buckets {
			s := byBucket[b]
			if d.hasFailed(b) {
				continue
			}
			// Emulators may repeat a prefix across pages.
			slices.Sort(s)
			s = slices.Compact(s)
			if len(s) < d.listLimit {
				for _, p := range s {
					frontier = append(frontier, prefixTask{b: b, prefix: p})
				}
				continue
			}
			ranges = append(ranges, splitRanges(b, s, 4*d.listLimit)...)
		}
	}
	var flat errgroup.Group
	flat.SetLimit(d.listLimit)
	for _, r := range ranges {
		flat.Go(func() error {
			d.listRange(ctx, r)
			return nil
		})
	}
	_ = flat.Wait()
}

// splitRanges cuts sorted sibling prefixes into at most n ranges of about
// equal numbers of prefixes. More ranges than requests in flight let a
// large prefix be listed beside several small ones.
func splitRanges(b int, subs []string, n int) []keyRange {
	n = min(n, len(subs))
	out := make([]keyRange, 0, n)
	for i := 0; i < n; i++ {
		group := subs[i*len(subs)/n : (i+1)*len(subs)/n]
		first, last := group[0], group[len(group)-1]
		if len(group) == 1 {
			// One prefix is listed whole, and the listing ends with it.
			out = append(out, keyRange{b: b, prefix: first, end: afterPrefix(first), subs: group})
			continue
		}
		out = append(out, keyRange{b: b, prefix: commonPrefix(first, last), start: first,
			end: afterPrefix(last), subs: group})
	}
	return out
}

func commonPrefix(a, b string) string {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return a[:n]
}

// afterPrefix is the least string greater than every key under p, a
// prefix ending in "/".
func afterPrefix(p string) string {
	return p[:len(p)-1] + string(rune('/'+1))
}

// listDelimited lists one prefix with the "/" delimiter: its own lock
// files are taken, and its common prefixes returned.
func (d *discovery) listDelimited(ctx context.Context, t prefixTask) (subs []string) {
	bp := d.l.Buckets[t.b]
	p := s3.NewListObjectsV2Paginator(d.l.Client, &s3.ListObjectsV2Input{Bucket: sdkaws.String(bp.Bucket),
		Prefix: sdkaws.String(t.prefix), Delimiter: sdkaws.String("/"), MaxKeys: sdkaws.Int32(listPageKeys)})
	for p.HasMorePages() && !d.hasFailed(t.b) {
		d.lists.Add(1)
		page, err := p.NextPage(ctx, keysOnly)
		if err != nil {
			d.fail(t.b, s3Error(err, "s3:ListBucket", bp.Bucket))
			return nil
		}
		for _, obj := range page.Contents {
			d.found(ctx, t.b, sdkaws.ToString(obj.Key), sdkaws.ToString(obj.ETag))
		}
		for _, cp := range page.CommonPrefixes {
			subs = append(subs, strings.Clone(sdkaws.ToString(cp.Prefix)))
		}
	}
	return subs
}

// listRange lists a range of sibling prefixes flat.
func (d *discovery) listRange(ctx context.Context, r keyRange) {
	bp := d.l.Buckets[r.b]
	in := &s3.ListObjectsV2Input{Bucket: sdkaws.String(bp.Bucket), Prefix: sdkaws.String(r.prefix), MaxKeys: sdkaws.Int32(listPageKeys)}
	if r.start != "" {
		in.StartAfter = sdkaws.String(r.start)
	}
	p := s3.NewListObjectsV2Paginator(d.l.Client, in)
	for p.HasMorePages() && !d.hasFailed(r.b) {
		d.lists.Add(1)
		page, err := p.NextPage(ctx, keysOnly)
		if err != nil {
			d.fail(r.b, s3Error(err, "s3:ListBucket", bp.Bucket))
			return
		}
		for _, obj := range page.Contents {
			key := sdkaws.ToString(obj.Key)
			if key >= r.end {
				return
			}
			// Keys between the range's prefixes belong to a parent
			// prefix, whose delimiter listing took them already.
			i, exact := slices.BinarySearch(r.subs, key)
			if exact || i == 0 || !strings.HasPrefix(key, r.subs[i-1]) {
				continue
			}
			d.found(ctx, r.b, key, sdkaws.ToString(obj.ETag))
		}
	}
}

// found takes a listed key: a lock file with the ETag of its cached copy
// is taken from the cache, any other lock file is fetched.
func (d *discovery) found(ctx context.Context, b int, key, etag string) {
	if !strings.HasSuffix(key, model.LockFileSuffix) {
		return
	}
	// Keys of a page share its memory; this one outlives the page, and
	// must not keep it alive.
	key, etag = strings.Clone(key), strings.Clone(etag)
	k := fileKey{d.l.Buckets[b].Bucket, key}
	if !d.claim(k) {
		return // watched twice, as bucket and bucket/prefix
	}
	if c, ok := d.prev[k]; ok && etag != "" && c.etag == etag {
		d.keep(k, c)
		return
	}
	d.gets.Go(func() error {
		if d.hasFailed(b) {
			return nil
		}
		d.getCalls.Add(1)
		f, err := d.l.Read(ctx, k.bucket, key)
		switch {
		case errors.Is(err, errNoObject):
			// Released between the listing and the read.
		case err != nil:
			d.fail(b, err)
		default:
			d.keep(k, cachedFile{etag: f.ETag, file: f})
		}
		return nil
	})
}

// claim reports whether k is seen for the first time in this List.
func (d *discovery) claim(k fileKey) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.claimed[k] {
		return false
	}
	d.claimed[k] = true
	return true
}

func (d *discovery) keep(k fileKey, c cachedFile) {
	e := model.ClassifyLockFile(c.file, d.l.WorkspaceKeyPrefix)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.next[k] = c
	d.entries = append(d.entries, e)
}

func (d *discovery) fail(b int, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.failed[b] == nil {
		d.failed[b] = err
	}
}

func (d *discovery) hasFailed(b int) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.failed[b] != nil
}
