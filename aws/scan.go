package aws

import (
	"context"
	"slices"
	"sort"
	"strings"
	"sync"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"

	"github.com/lockwarden/lockwarden/model"
)

// ScanAPI is the one DynamoDB call the reader needs.
type ScanAPI interface {
	Scan(ctx context.Context, in *dynamodb.ScanInput, optFns ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

// DefaultSegments is how many parallel scan segments read the table.
const DefaultSegments = 4

// DefaultPageLimit caps the items of one Scan page. The SDK decodes a whole
// page into a generic tree before typing it, so a full 1 MB page of small
// digest items costs over ten times its size in memory; with four segments
// in flight that dominated lockwarden's peak memory. 5,000 items keeps
// pages small at the price of a few more requests (see BENCHMARKS.md).
const DefaultPageLimit = 5000

// LockTable reads a Terraform/OpenTofu lock table.
type LockTable struct {
	Client ScanAPI
	Table  string
	// Region and Endpoint are only used to explain errors.
	Region, Endpoint string
	// Segments is the number of parallel scan segments (default 4).
	Segments int
	// WorkspaceKeyPrefix is the backend's workspace_key_prefix ("" = env:).
	WorkspaceKeyPrefix string
	// PageLimit caps items per Scan page (default DefaultPageLimit);
	// DynamoDB also stops a page at 1 MB.
	PageLimit int32
	// Progress, when set, is told how many items have been read so far,
	// after each page.
	Progress func(scanned int)
}

// projection names only the attributes lockwarden uses. The names go
// through placeholders because Info is close to reserved words and a table
// may hold anything.
var (
	projection     = "#lid, #info, #dig"
	projectionName = map[string]string{"#lid": "LockID", "#info": "Info", "#dig": "Digest"}
)

// Scan reads the whole table with parallel segments. Digest items are
// counted but kept only when includeDigests is set, so that a table of
// 100,000 digests is read in little memory.
func (t *LockTable) Scan(ctx context.Context, includeDigests bool) (model.Snapshot, error) {
	segments := t.Segments
	if segments <= 0 {
		segments = DefaultSegments
	}
	var (
		mu   sync.Mutex
		kept = map[string]model.Entry{}
		// Digest keys are hashed into a slice and counted once at the
		// end: a map of 100k entries cost more CPU than the rest of the
		// processing together.
		digests []uint64
		snap    model.Snapshot
	)
	add := func(page []map[string]types.AttributeValue, rcu float64) {
		entries := make([]model.Entry, 0, 16)
		var digestKeys []uint64
		for _, raw := range page {
			// Most items of a busy table are digests; when they are not
			// listed, count them without building an entry.
			if !includeDigests {
				if id, ok := plainDigest(raw); ok {
					digestKeys = append(digestKeys, model.DigestHash(id))
					continue
				}
			}
			entries = append(entries, model.Classify(itemFromSDK(raw), t.WorkspaceKeyPrefix))
		}
		mu.Lock()
		defer mu.Unlock()
		snap.ConsumedRCU += rcu
		snap.ScannedCount += len(page)
		if t.Progress != nil {
			t.Progress(snap.ScannedCount)
		}
		digests = append(digests, digestKeys...)
		for _, e := range entries {
			if e.Kind == model.KindDigest {
				digests = append(digests, model.DigestHash(e.LockID))
				if !includeDigests {
					continue
				}
			}
			key := e.LockID
			if key == "" {
				// Only a broken table holds an item without a usable
				// LockID; key it by its content so it shows once.
				key = "\x00" + e.Item.JSON()
			}
			kept[key] = e
		}
	}

	var pacer *pagePacer
	if rate := pageRate(ctx); rate > 0 {
		pacer = &pagePacer{rate: rate}
	}
	// The first segment to fail cancels the others; Wait returns its
	// error, not theirs (context.Canceled).
	g, ctx := errgroup.WithContext(ctx)
	for seg := range segments {
		g.Go(func() error { return t.scanSegment(ctx, seg, segments, pacer, add) })
	}
	if err := g.Wait(); err != nil {
		return model.Snapshot{}, Explain(err, Op{Action: "dynamodb:Scan", Table: t.Table, Region: t.Region, Endpoint: t.Endpoint})
	}
	slices.Sort(digests)
	snap.SetDigestHashes(slices.Compact(digests))
	snap.Entries = make([]model.Entry, 0, len(kept))
	for _, e := range kept {
		snap.Entries = append(snap.Entries, e)
	}
	sort.Slice(snap.Entries, func(i, j int) bool { return snap.Entries[i].LockID < snap.Entries[j].LockID })
	return snap, nil
}

// scanSegment reads segment seg of segments page by page, handing each
// page to add, paced by pacer (nil: at full speed).
func (t *LockTable) scanSegment(ctx context.Context, seg, segments int, pacer *pagePacer, add func([]map[string]types.AttributeValue, float64)) error {
	in := &dynamodb.ScanInput{
		TableName:                sdkaws.String(t.Table),
		ProjectionExpression:     sdkaws.String(projection),
		ExpressionAttributeNames: projectionName,
		ReturnConsumedCapacity:   types.ReturnConsumedCapacityTotal,
		ConsistentRead:           sdkaws.Bool(false),
	}
	if segments > 1 {
		in.Segment = sdkaws.Int32(int32(seg))
		in.TotalSegments = sdkaws.Int32(int32(segments))
	}
	limit := t.PageLimit
	if limit <= 0 {
		limit = DefaultPageLimit
	}
	in.Limit = sdkaws.Int32(limit)
	p := dynamodb.NewScanPaginator(t.Client, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		var rcu float64
		if out.ConsumedCapacity != nil {
			rcu = sdkaws.ToFloat64(out.ConsumedCapacity.CapacityUnits)
		}
		add(out.Items, rcu)
		if err := pacer.after(ctx, rcu, p.HasMorePages()); err != nil {
			return err
		}
	}
	return nil
}

// plainDigest recognises a well-formed digest item straight from the SDK
// form: exactly LockID "…-md5" and a valid Digest. Anything less regular
// goes through model.Classify, which has the final word.
func plainDigest(raw map[string]types.AttributeValue) (string, bool) {
	if len(raw) != 2 {
		return "", false
	}
	id, ok := raw["LockID"].(*types.AttributeValueMemberS)
	if !ok || !strings.HasSuffix(id.Value, model.DigestSuffix) {
		return "", false
	}
	d, ok := raw["Digest"].(*types.AttributeValueMemberS)
	if !ok || !model.IsDigestValue(d.Value) {
		return "", false
	}
	return id.Value, true
}
