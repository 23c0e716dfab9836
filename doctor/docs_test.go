package doctor

import (
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"testing"

	"github.com/lockwarden/lockwarden/internal/testenv"
)

// The docs' IAM policies are iam-policy's output for a table TABLE in
// REGION and ACCOUNT, a bucket STATE_BUCKET and an audit log
// AUDIT_BUCKET/PREFIX: never written by hand, so never out of date.
func TestDocsPoliciesAreGenerated(t *testing.T) {
	var raw []byte
	for _, file := range testenv.MarkdownFiles(t, "..") {
		page, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		raw = append(raw, page...)
	}
	blocks := regexp.MustCompile("<!-- generated: lockwarden iam-policy --for (\\w+) [^>]*-->\n```json\n([^`]*)```").FindAllSubmatch(raw, -1)
	if len(blocks) < 4 {
		t.Fatalf("%d generated policies in docs/, want 4", len(blocks))
	}
	places := Places{Region: "REGION", Account: "ACCOUNT", Table: "TABLE", Buckets: []BucketPrefix{{Bucket: "STATE_BUCKET"}}}
	for _, b := range blocks {
		mode := string(b[1])
		p := places
		if mode == "audit" {
			p.AuditBucket, p.AuditPrefix = "AUDIT_BUCKET", "PREFIX"
		}
		want, err := IAMPolicy(mode, p)
		if err != nil {
			t.Fatal(err)
		}
		var got Policy
		if err := json.Unmarshal(b[2], &got); err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		// Through JSON both, so that the conditions compare as data.
		var w, g any
		wb, _ := json.Marshal(want)
		gb, _ := json.Marshal(got)
		_ = json.Unmarshal(wb, &w)
		_ = json.Unmarshal(gb, &g)
		if !reflect.DeepEqual(w, g) {
			out, _ := json.MarshalIndent(want, "", "  ")
			t.Errorf("the README's policy for %s is not iam-policy's; it should be:\n%s", mode, out)
		}
	}
}
