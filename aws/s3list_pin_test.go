package aws

import (
	"context"
	"io"
	"strings"
	"testing"
	"unsafe"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// oneFileS3 answers every GetObject with the same small lock file.
type oneFileS3 struct{ S3API }

func (oneFileS3) GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	return &s3.GetObjectOutput{Body: io.NopCloser(strings.NewReader(`{"ID":"x"}`)), ETag: sdkaws.String(`"e"`)}, nil
}

// Keys and ETags from the listing decoder are substrings of their page.
// Whatever discovery keeps past the page — claims, the cache, entries —
// must be a copy, or one lock file keeps a 250 KB page alive (this cost
// 18 MiB of peak RSS in the bench once).
func TestDiscoveryKeepsNoListingPageAlive(t *testing.T) {
	const lockKey = "env:/ws001/terraform.tfstate.tflock"
	page := strings.Repeat(" ", 1<<16) + lockKey + `"e"`
	key, etag := page[1<<16:1<<16+len(lockKey)], page[len(page)-3:]
	start := uintptr(unsafe.Pointer(unsafe.StringData(page)))
	inPage := func(s string) bool {
		p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		return len(s) > 0 && p >= start && p < start+uintptr(len(page))
	}

	files := &LockFiles{Client: oneFileS3{}, Buckets: []BucketPrefix{{Bucket: "b"}}}
	var prev map[fileKey]cachedFile
	for _, path := range []string{"fetched", "from the cache"} {
		d := &discovery{l: files, prev: prev, claimed: map[fileKey]bool{}, next: map[fileKey]cachedFile{},
			failed: make([]error, 1), listLimit: 1}
		d.found(context.Background(), 0, key, etag)
		_ = d.gets.Wait()
		if len(d.entries) != 1 {
			t.Fatalf("%s: %d entries", path, len(d.entries))
		}
		for k := range d.claimed {
			if inPage(k.key) {
				t.Errorf("%s: a claim holds the page", path)
			}
		}
		for k, c := range d.next {
			if inPage(k.key) || inPage(c.etag) || inPage(c.file.Key) || inPage(c.file.ETag) {
				t.Errorf("%s: the cache holds the page", path)
			}
		}
		if e := d.entries[0]; inPage(e.Key) || inPage(e.LockID) || inPage(e.File.Key) {
			t.Errorf("%s: the entry holds the page", path)
		}
		prev = d.next
	}
}
