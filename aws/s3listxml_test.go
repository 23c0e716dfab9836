package aws

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Answers as S3 writes them (compact, &quot; in ETags), as gofakes3 writes
// them (indented, &#34;), and with keys that need escaping.
var listPages = map[string]string{
	"s3": `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>env:/</Prefix><KeyCount>4</KeyCount><MaxKeys>1000</MaxKeys><Delimiter>/</Delimiter><IsTruncated>true</IsTruncated><Contents><Key>env:/a &amp; b/terraform.tfstate.tflock</Key><LastModified>2026-11-26T06:29:41.000Z</LastModified><ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag><ChecksumAlgorithm>CRC64NVME</ChecksumAlgorithm><Size>241</Size><StorageClass>STANDARD</StorageClass></Contents><Contents><Key>env:/&lt;odd&gt; &#233;t&#xE9; &apos;q&apos; &quot;x&quot;.tflock</Key><LastModified>2026-11-26T06:29:41.000Z</LastModified><ETag>"3858f62230ac3c915f300c664312c63f-2"</ETag><Size>5</Size><Owner><ID>abc</ID><DisplayName>o</DisplayName></Owner><StorageClass>STANDARD</StorageClass></Contents><CommonPrefixes><Prefix>env:/ws001/</Prefix></CommonPrefixes><CommonPrefixes><Prefix>env:/ws&amp;2/</Prefix></CommonPrefixes><NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken></ListBucketResult>`,
	"gofakes3": `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>org-tfstate</Name>
  <IsTruncated>false</IsTruncated>
  <Prefix></Prefix>
  <MaxKeys>1000</MaxKeys>
  <Contents>
    <Key>env:/ws001/team01/service-00001/terraform.tfstate.tflock</Key>
    <LastModified>2026-11-26T16:43:04.911Z</LastModified>
    <ETag>&#34;18e081e772085a2d5e49ef1f0a01fd3a&#34;</ETag>
    <Size>241</Size>
  </Contents>
  <KeyCount>1</KeyCount>
</ListBucketResult>`,
	"empty": `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>none/</Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>`,
	// Not for the fast path: the SDK's decoder takes these.
	"cdata": `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key><![CDATA[a/b.tflock]]></Key><ETag>"e"</ETag></Contents></ListBucketResult>`,
	"url-encoded": `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated><Contents><Key>a%2Fb.tflock</Key><ETag>"e"</ETag></Contents></ListBucketResult>`,
}

// summary is what discovery reads from a page.
func summary(page *s3.ListObjectsV2Output) string {
	var keys, prefixes []string
	for _, o := range page.Contents {
		keys = append(keys, sdkaws.ToString(o.Key)+" "+sdkaws.ToString(o.ETag))
	}
	for _, p := range page.CommonPrefixes {
		prefixes = append(prefixes, sdkaws.ToString(p.Prefix))
	}
	return fmt.Sprintf("keys %q prefixes %q truncated %v token %q", keys, prefixes,
		sdkaws.ToBool(page.IsTruncated), sdkaws.ToString(page.NextContinuationToken))
}

func TestKeysOnlyDecoderReadsWhatTheSDKReads(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("prefix") == "denied" {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`)
			return
		}
		fmt.Fprint(w, listPages[r.URL.Query().Get("prefix")])
	}))
	defer srv.Close()
	c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: sdkaws.String(srv.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("k", "s", "")})
	ctx := context.Background()
	names := []string{"s3", "gofakes3", "empty", "cdata", "url-encoded"}
	for _, name := range names {
		in := &s3.ListObjectsV2Input{Bucket: sdkaws.String("b"), Prefix: sdkaws.String(name)}
		sdk, err := c.ListObjectsV2(ctx, in)
		if err != nil {
			t.Fatalf("%s, SDK: %v", name, err)
		}
		fast, err := c.ListObjectsV2(ctx, in, keysOnly)
		if err != nil {
			t.Fatalf("%s, keysOnly: %v", name, err)
		}
		if summary(fast) != summary(sdk) {
			t.Errorf("%s:\nkeysOnly %s\n     SDK %s", name, summary(fast), summary(sdk))
		}
		_, parsed := parseListPage(listPages[name])
		if wantFast := !slices.Contains([]string{"cdata", "url-encoded"}, name); parsed != wantFast {
			t.Errorf("%s: fast path taken %v, want %v", name, parsed, wantFast)
		}
	}
	if page, _ := parseListPage(listPages["s3"]); summary(page) != `keys ["env:/a & b/terraform.tfstate.tflock \"9b2cf535f27731c974343645a3985328\"" "env:/<odd> été 'q' \"x\".tflock \"3858f62230ac3c915f300c664312c63f-2\""] prefixes ["env:/ws001/" "env:/ws&2/"] truncated true token "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM="` {
		t.Errorf("s3 page read as %s", summary(page))
	}
	// An error answer is the SDK's to decode.
	_, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: sdkaws.String("b"), Prefix: sdkaws.String("denied")}, keysOnly)
	if err == nil || s3Error(err, "s3:ListBucket", "b").Error() != "access denied: s3:ListBucket on bucket b is not allowed for these credentials" {
		t.Errorf("error answer: %v", err)
	}
}

// FuzzListPage builds listing pages around any keys, ETags, prefixes and
// tokens, escaped as an XML encoder escapes them, compact or indented:
// the decoder either declines (the SDK's decoder then reads the page) or
// reads exactly what encoding/xml reads.
func FuzzListPage(f *testing.F) {
	f.Add("env:/ws001/terraform.tfstate.tflock", "a & b/<x>.tflock", `"9b2cf535f27731c974343645a3985328"`, "env:/ws001/", "tok/en=", true, false)
	f.Add("k\r\n\t\u0085\u2028", "é", `"3858f62230ac3c915f300c664312c63f-2"`, "&amp;", "", false, true)
	f.Fuzz(func(t *testing.T, key1, key2, etag, prefix, token string, truncated, indent bool) {
		esc := func(v string) string {
			var b strings.Builder
			xml.EscapeText(&b, []byte(v))
			return b.String()
		}
		nl := ""
		if indent {
			nl = "\n  "
		}
		var doc strings.Builder
		doc.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`)
		fmt.Fprintf(&doc, "%s<Name>b</Name>%s<Prefix>%s</Prefix>%s<IsTruncated>%v</IsTruncated>", nl, nl, esc(prefix), nl, truncated)
		for _, k := range []string{key1, key2} {
			fmt.Fprintf(&doc, "%s<Contents>%s<Key>%s</Key>%s<ETag>%s</ETag>%s<Size>1</Size></Contents>", nl, nl, esc(k), nl, esc(etag), nl)
		}
		fmt.Fprintf(&doc, "%s<CommonPrefixes><Prefix>%s</Prefix></CommonPrefixes>", nl, esc(prefix))
		if token != "" {
			fmt.Fprintf(&doc, "%s<NextContinuationToken>%s</NextContinuationToken>", nl, esc(token))
		}
		doc.WriteString("</ListBucketResult>")

		var ref struct {
			IsTruncated bool
			Contents    []struct{ Key, ETag string }
			Prefixes    []struct{ Prefix string } `xml:"CommonPrefixes"`
			Token       string                    `xml:"NextContinuationToken"`
		}
		if err := xml.Unmarshal([]byte(doc.String()), &ref); err != nil {
			return
		}
		page, ok := parseListPage(doc.String())
		if !ok {
			return
		}
		var want, got []string
		for _, c := range ref.Contents {
			want = append(want, c.Key, c.ETag)
		}
		for _, p := range ref.Prefixes {
			want = append(want, p.Prefix)
		}
		want = append(want, fmt.Sprint(ref.IsTruncated), ref.Token)
		for _, c := range page.Contents {
			got = append(got, sdkaws.ToString(c.Key), sdkaws.ToString(c.ETag))
		}
		for _, p := range page.CommonPrefixes {
			got = append(got, sdkaws.ToString(p.Prefix))
		}
		got = append(got, fmt.Sprint(sdkaws.ToBool(page.IsTruncated)), sdkaws.ToString(page.NextContinuationToken))
		if !slices.Equal(got, want) {
			t.Errorf("page read as\n%q\nencoding/xml reads\n%q\nfrom %s", got, want, doc.String())
		}
	})
}
