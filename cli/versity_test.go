package cli

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lockwarden/lockwarden/internal/testenv"
	"github.com/lockwarden/lockwarden/sandbox"
)

// retakeBeforeDelete is a proxy in front of an S3 store that, when the
// lock file's DELETE comes, first has another client take the lock
// again (a new lock file, a new ETag): the race lockwarden's If-Match
// guards against, between its re-read and its delete.
func retakeBeforeDelete(t *testing.T, sb *sandbox.Sandbox, key, newBody string) string {
	t.Helper()
	u, _ := url.Parse(sb.S3URL)
	proxy := httputil.NewSingleHostReverseProxy(u)
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete && strings.HasSuffix(r.URL.Path, "/"+key) {
			once.Do(func() {
				if _, err := sb.S3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: sdkaws.String(sandbox.Bucket), Key: sdkaws.String(key),
					Body: strings.NewReader(newBody)}); err != nil {
					t.Errorf("re-take: %v", err)
				}
			})
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// On versitygw, which honours If-Match on DeleteObject, a lock file
// re-taken between lockwarden's re-read and its delete is not deleted:
// the release is refused as changed and audited so, and the new holder's
// lock stays. On MinIO, which ignores If-Match, the same race deletes the
// new holder's lock: what doctor --probe-writes reports as ✗.
func TestALockFileRetakenBeforeTheDelete(t *testing.T) {
	for _, c := range []struct {
		server  testenv.S3Server
		refused bool
	}{{testenv.Versity, true}, {testenv.MinIO, false}} {
		t.Run(string(c.server), func(t *testing.T) {
			sb := testenv.On(t, c.server, emptySandbox(t, fixtureNow))
			useConfig(t, "")
			li := sandbox.NewInfo("tfstate/app/terraform.tfstate", "OperationTypeApply", "ci@runner-7", "1.11.4", fixtureNow.Add(-3*time.Hour))
			if err := sandbox.LockFile(context.Background(), sb.S3, li); err != nil {
				t.Fatal(err)
			}
			next := sandbox.NewInfo(li.Path, "OperationTypeApply", "bob@ws", "1.11.4", fixtureNow)
			body, _ := next.Marshal()
			proxyURL := retakeBeforeDelete(t, sb, "app/terraform.tfstate.tflock", body)
			_, errOut, code := runAt(t, "", false, "unlock", li.Path, "--id", li.ID, "--yes", "--bucket", sandbox.Bucket, "--s3-endpoint-url", proxyURL, "--region", sandbox.Region)
			obj, err := sb.S3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: sdkaws.String(sandbox.Bucket), Key: sdkaws.String("app/terraform.tfstate.tflock")})
			held := ""
			if err == nil {
				b, _ := io.ReadAll(obj.Body)
				obj.Body.Close()
				held = string(b)
			}
			switch {
			case c.refused && (code != ExitRefused || !strings.Contains(errOut, "changed") || held != body):
				t.Errorf("exit %d %q; the lock file now %q", code, errOut, held)
			case !c.refused && held != "":
				t.Errorf("MinIO kept the new holder's lock (%q): it honours If-Match after all? exit %d %q", held, code, errOut)
			}
			if c.refused {
				out, _, _ := runAt(t, "", false, "audit")
				if !strings.Contains(out, "refused: changed since observed") {
					t.Errorf("audit:\n%s", out)
				}
			}
		})
	}
}
