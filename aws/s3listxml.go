package aws

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// keysOnly is a ListObjectsV2 option for discovery. The SDK decodes a
// listing page token by token with encoding/xml; profiled on a 100,000-key
// bucket, that was 87 % of lockwarden's CPU time, and with the machine's
// cores busy it set the pace of the whole listing. This decoder reads only
// what discovery uses — each object's Key and ETag, the common prefixes,
// IsTruncated and NextContinuationToken — and leaves the other fields of
// Contents empty. An error answer, or any body it does not recognise
// (CDATA, url-encoded keys, another root element), goes to the SDK's own
// decoder unchanged.
func keysOnly(o *s3.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		sdk, ok := stack.Deserialize.Get(operationDeserializer)
		if !ok {
			return nil // an SDK that names it otherwise keeps its decoder
		}
		_, err := stack.Deserialize.Swap(operationDeserializer, &keysOnlyDecoder{sdk: sdk})
		return err
	})
}

const operationDeserializer = "OperationDeserializer"

type keysOnlyDecoder struct {
	sdk middleware.DeserializeMiddleware
}

func (*keysOnlyDecoder) ID() string { return operationDeserializer }

func (m *keysOnlyDecoder) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (
	middleware.DeserializeOutput, middleware.Metadata, error,
) {
	out, meta, err := next.HandleDeserialize(ctx, in)
	// The SDK's decoder, handed the answer already received.
	sdk := func() (middleware.DeserializeOutput, middleware.Metadata, error) {
		return m.sdk.HandleDeserialize(ctx, in, middleware.DeserializeHandlerFunc(
			func(context.Context, middleware.DeserializeInput) (middleware.DeserializeOutput, middleware.Metadata, error) {
				return out, meta, err
			}))
	}
	resp, ok := out.RawResponse.(*smithyhttp.Response)
	if err != nil || !ok || resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return sdk()
	}
	// Read straight into the string that is parsed, in one allocation of
	// the page's size when it is known. S3 streams listings without a
	// Content-Length; a full page of 1,000 keys is about 250 KB.
	var body strings.Builder
	if resp.ContentLength > 0 && resp.ContentLength <= maxListPageBytes {
		body.Grow(int(resp.ContentLength))
	} else {
		body.Grow(listPageHint)
	}
	_, rerr := io.Copy(&body, resp.Body)
	resp.Body.Close()
	if rerr != nil {
		return out, meta, &smithy.DeserializationError{Err: fmt.Errorf("read ListObjectsV2 answer: %w", rerr)}
	}
	if page, ok := parseListPage(body.String()); ok {
		out.Result = page
		return out, meta, nil
	}
	resp.Body = io.NopCloser(strings.NewReader(body.String()))
	return sdk()
}

// maxListPageBytes bounds the buffer sized from Content-Length: a page of
// 1,000 keys of S3's maximum length is about 1.3 MB.
const maxListPageBytes = 4 << 20

// listPageHint is the buffer a listing of unknown length is read into
// first; strings.Builder grows it by a quarter at a time beyond that.
const listPageHint = 320 << 10

// parseListPage reads a ListObjectsV2 answer as S3 and its emulators write
// it. It reports false for anything else. The strings it returns share
// doc's memory: clone what is kept (a key kept alone would otherwise keep
// its whole page alive).
func parseListPage(doc string) (*s3.ListObjectsV2Output, bool) {
	if !strings.Contains(doc, "<ListBucketResult") || strings.Contains(doc, "<![CDATA[") || strings.Contains(doc, "<EncodingType>") {
		return nil, false
	}
	n := strings.Count(doc, "<Contents>")
	page := &s3.ListObjectsV2Output{Contents: make([]types.Object, 0, n)}
	// The SDK's fields are pointers: point them into one array.
	fields := make([]string, 0, 2*n)
	field := func(v string) *string {
		if len(fields) == cap(fields) {
			return &v
		}
		fields = append(fields, v)
		return &fields[len(fields)-1]
	}
	for rest := doc; ; {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			return page, true
		}
		rest = rest[i:]
		var block string
		var ok bool
		switch {
		case strings.HasPrefix(rest, "<Contents>"):
			if block, rest, ok = cutElement(rest, "Contents"); !ok {
				return nil, false
			}
			key, ok1 := elementText(block, "Key")
			etag, ok2 := elementText(block, "ETag")
			if !ok1 || !ok2 {
				return nil, false
			}
			page.Contents = append(page.Contents, types.Object{Key: field(key), ETag: field(etag)})
		case strings.HasPrefix(rest, "<CommonPrefixes>"):
			if block, rest, ok = cutElement(rest, "CommonPrefixes"); !ok {
				return nil, false
			}
			prefix, ok := elementText(block, "Prefix")
			if !ok {
				return nil, false
			}
			page.CommonPrefixes = append(page.CommonPrefixes, types.CommonPrefix{Prefix: sdkaws.String(prefix)})
		case strings.HasPrefix(rest, "<IsTruncated>"):
			if block, rest, ok = cutElement(rest, "IsTruncated"); !ok {
				return nil, false
			}
			v, _ := elementText(block, "IsTruncated")
			page.IsTruncated = sdkaws.Bool(v == "true")
		case strings.HasPrefix(rest, "<NextContinuationToken>"):
			if block, rest, ok = cutElement(rest, "NextContinuationToken"); !ok {
				return nil, false
			}
			v, ok := elementText(block, "NextContinuationToken")
			if !ok {
				return nil, false
			}
			page.NextContinuationToken = sdkaws.String(v)
		default:
			rest = rest[1:]
		}
	}
}

// cutElement splits s, which starts with <name>, after its </name>.
func cutElement(s, name string) (element, rest string, ok bool) {
	end := strings.Index(s, "</"+name+">")
	if end < 0 {
		return "", "", false
	}
	end += len(name) + 3
	return s[:end], s[end:], true
}

// elementText is the text of the first <name>…</name> in s.
func elementText(s, name string) (string, bool) {
	open := "<" + name + ">"
	i := strings.Index(s, open)
	if i < 0 {
		return "", false
	}
	s = s[i+len(open):]
	j := strings.Index(s, "</"+name+">")
	if j < 0 || strings.IndexByte(s[:j], '<') >= 0 {
		return "", false
	}
	return xmlText(s[:j])
}

var quoteEntities = strings.NewReplacer("&quot;", `"`, "&#34;", `"`)

// xmlText unescapes element text. ETags always come quoted, the quotes
// escaped: that case costs one string; any other reference is left to
// encoding/xml.
func xmlText(v string) (string, bool) {
	if !strings.Contains(v, "&") {
		return v, true
	}
	for _, q := range []string{"&quot;", "&#34;"} {
		if inner, ok := strings.CutPrefix(v, q); ok {
			if inner, ok = strings.CutSuffix(inner, q); ok && !strings.Contains(inner, "&") {
				return `"` + inner + `"`, true
			}
		}
	}
	if v = quoteEntities.Replace(v); !strings.Contains(v, "&") {
		return v, true
	}
	var text string
	if err := xml.Unmarshal([]byte("<x>"+v+"</x>"), &text); err != nil {
		return "", false
	}
	return text, true
}
