package aws_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/internal/testenv"
	"github.com/lockwarden/lockwarden/model"
)

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func forEachBackend(t *testing.T, test func(t *testing.T, endpoint string)) {
	for _, b := range testenv.Backends {
		t.Run(b.Name, func(t *testing.T) {
			test(t, b.Start(t))
		})
	}
}

func TestScanRealClientItemsAndMalformed(t *testing.T) {
	forEachBackend(t, func(t *testing.T, endpoint string) {
		c := testenv.DynamoClient(endpoint)
		testenv.LoadFixture(t, c, "tf-locks", "scan-while-applying.json")
		// What else turns up in real tables.
		testenv.PutItem(t, c, "tf-locks", map[string]types.AttributeValue{"LockID": s("tfstate/broken/terraform.tfstate"), "Info": s("{not json")})
		testenv.PutItem(t, c, "tf-locks", map[string]types.AttributeValue{"LockID": s("tfstate/migrated/terraform.tfstate-md5")})
		testenv.PutItem(t, c, "tf-locks", map[string]types.AttributeValue{"LockID": s("tfstate/typed/terraform.tfstate"), "Info": &types.AttributeValueMemberN{Value: "42"}})

		for _, withDigests := range []bool{false, true} {
			lt := &lwaws.LockTable{Client: c, Table: "tf-locks", Region: "us-east-1"}
			snap, err := lt.Scan(context.Background(), withDigests)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range snap.Entries {
				got = append(got, e.Kind.String()+" "+e.LockID)
			}
			want := []string{
				"malformed tfstate/broken/terraform.tfstate",
				"lock tfstate/env:/staging/network/terraform.tfstate",
				"lock tfstate/legacy/app/terraform.tfstate",
				"malformed tfstate/migrated/terraform.tfstate-md5",
				"malformed tfstate/typed/terraform.tfstate",
			}
			if withDigests {
				want = append(want[:2], append([]string{"digest tfstate/env:/staging/network/terraform.tfstate-md5"}, want[2:]...)...)
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("digests=%v:\n got %q\nwant %q", withDigests, got, want)
			}
			if snap.Digests != 1 {
				t.Errorf("digests counted %d, want 1", snap.Digests)
			}
			for _, e := range snap.Entries {
				if e.Kind == model.KindLock && e.InfoRaw == "" {
					t.Errorf("%s: stored Info bytes lost", e.LockID)
				}
			}
		}
	})
}

// Paginated, parallel scans must list every LockID exactly once, whether
// the emulator honours segments (dynalite) or returns everything to every
// segment (minidyn).
func TestScanPagesAndSegmentsListEachLockOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, endpoint string) {
		c := testenv.DynamoClient(endpoint)
		testenv.CreateLockTable(t, c, "locks")
		const locks, digests = 60, 140
		for i := 0; i < locks; i++ {
			path := fmt.Sprintf("bkt/env:/ws%02d/svc/terraform.tfstate", i)
			info := fmt.Sprintf(`{"ID":"%08d-0000-0000-0000-000000000000","Operation":"OperationTypePlan","Info":"","Who":"ci@r%d","Version":"1.5.7","Created":"2026-11-26T06:00:00Z","Path":"%s"}`, i, i, path)
			testenv.PutItem(t, c, "locks", map[string]types.AttributeValue{"LockID": s(path), "Info": s(info)})
		}
		for i := 0; i < digests; i++ {
			testenv.PutItem(t, c, "locks", map[string]types.AttributeValue{"LockID": s(fmt.Sprintf("bkt/d%03d/terraform.tfstate-md5", i)), "Digest": s(strings.Repeat("ab", 16))})
		}
		for _, segments := range []int{1, 4, 7} {
			lt := &lwaws.LockTable{Client: c, Table: "locks", Region: "us-east-1", Segments: segments, PageLimit: 9}
			snap, err := lt.Scan(context.Background(), false)
			if err != nil {
				t.Fatal(err)
			}
			if len(snap.Entries) != locks || snap.Digests != digests {
				t.Fatalf("segments=%d: %d locks and %d digests, want %d and %d", segments, len(snap.Entries), snap.Digests, locks, digests)
			}
			seen := map[string]bool{}
			for _, e := range snap.Entries {
				if seen[e.LockID] || e.Kind != model.KindLock {
					t.Fatalf("segments=%d: %s listed twice or not a lock", segments, e.LockID)
				}
				seen[e.LockID] = true
				if e.Workspace == "" || e.Info.Who == "" {
					t.Fatalf("derived fields missing: %+v", e)
				}
			}
			if snap.ScannedCount < locks+digests {
				t.Errorf("scanned %d items, fewer than the table holds", snap.ScannedCount)
			}
		}
	})
}

func TestScanProjectsOnlyUsedAttributes(t *testing.T) {
	endpoint := testenv.Minidyn(t)
	c := testenv.DynamoClient(endpoint)
	testenv.CreateLockTable(t, c, "locks")
	testenv.PutItem(t, c, "locks", map[string]types.AttributeValue{"LockID": s("b/k"), "Info": s(`{"ID":"x"}`), "Extra": s(strings.Repeat("x", 1000))})
	lt := &lwaws.LockTable{Client: c, Table: "locks", Region: "us-east-1", Segments: 1}
	snap, err := lt.Scan(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Entries) != 1 {
		t.Fatalf("%d entries", len(snap.Entries))
	}
	if _, ok := snap.Entries[0].Item["Extra"]; ok {
		t.Error("the scan fetched an attribute lockwarden does not use")
	}
}
