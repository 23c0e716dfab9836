// Command bench measures lockwarden against baselines measured in the same
// run and checks the targets (BENCHMARKS.md). Run it with `make bench`.
//
// The DynamoDB case: `lockwarden list -o json` on a 100,000-item lock
// table in dynalite against a plain AWS SDK parallel scan of the same
// table; wall time within 1.2× of the scan, peak RSS at most 40 MiB.
//
// The fleet case (fleet.go): the UI over 10 contexts × 10,000 items, one
// dynalite table each; peak RSS at most 100 MiB, every context read again
// within its interval.
//
// The S3 case: `lockwarden list --bucket` on a 100,000-object bucket in
// gofakes3 behind a 50 ms delay proxy against a plain sequential
// ListObjectsV2 pass; wall time at most 0.3× the pass, peak RSS at most
// 40 MiB, and no GET on a second poll of the unchanged bucket.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/internal/testenv"
)

const table = "bench-locks"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "plainscan" {
		plainScan(os.Args[2:])
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "plainlist" {
		plainList(os.Args[2:])
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "s3serve" {
		s3Serve(os.Args[2:])
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "plainget" {
		plainGet(os.Args[2:])
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "uicheck" {
		os.Exit(uiCheck(os.Stdin))
	}
	if len(os.Args) > 1 && os.Args[1] == "fleetui" {
		fleetUI(os.Args[2:])
		return
	}
	which := flag.String("case", "all", "which case to run: dynamodb, s3, fleet, audit or all")
	items := flag.Int("items", 100000, "items in the table")
	locks := flag.Int("locks", 1000, "of which locks (the rest are digests)")
	runs := flag.Int("runs", 7, "runs of each command")
	segments := flag.Int("segments", 4, "scan segments for both")
	serve := flag.Bool("serve", false, "seed the table, print the endpoint and wait (for profiling by hand)")
	objects := flag.Int("objects", 100000, "objects in the S3 bucket")
	lockFiles := flag.Int("lockfiles", 1000, "of which lock files (the rest are state objects)")
	s3Delay := flag.Duration("s3-delay", 50*time.Millisecond, "delay the proxy adds to every S3 request")
	s3Runs := flag.Int("s3-runs", 5, "runs of each command in the S3 case")
	fleetContexts := flag.Int("fleet-contexts", 10, "contexts in the fleet case, one table each")
	fleetItems := flag.Int("fleet-items", 10000, "items in each fleet table")
	fleetFor := flag.Duration("fleet-for", 70*time.Second, "how long the fleet UI runs")
	auditRecords := flag.Int("audit-records", 100000, "records in the shared audit log of the audit case")
	flag.Parse()
	if !slices.Contains([]string{"all", "dynamodb", "s3", "fleet", "audit"}, *which) {
		check(fmt.Errorf("-case must be dynamodb, s3, fleet, audit or all, not %q", *which))
	}

	dir, err := os.MkdirTemp("", "lockwarden-bench")
	check(err)
	defer os.RemoveAll(dir)
	lw := filepath.Join(dir, "lockwarden")
	self := filepath.Join(dir, "bench")
	build(lw, ".")
	build(self, "./internal/bench")

	ok := true
	if *which == "all" || *which == "dynamodb" {
		ok = dynamoCase(lw, self, *items, *locks, *runs, *segments, *serve) && ok
	}
	if *which == "all" || *which == "s3" {
		fmt.Println()
		ok = s3Case(self, lw, *objects, *lockFiles, *s3Runs, *s3Delay) && ok
	}
	if *which == "all" || *which == "fleet" {
		fmt.Println()
		ok = fleetCase(self, dir, *fleetContexts, *fleetItems, *fleetFor) && ok
	}
	if *which == "all" || *which == "audit" {
		fmt.Println()
		ok = auditCase(self, lw, *auditRecords, *s3Runs, *s3Delay) && ok
	}
	if !ok {
		stopS3()
		os.RemoveAll(dir)
		os.Exit(1)
	}
}

// dynamoCase measures `lockwarden list -o json` on a lock table in
// dynalite against a plain parallel scan and reports whether the targets
// were met.
func dynamoCase(lw, self string, items, locks, runs, segments int, serve bool) bool {
	url, stop := startDynalite()
	defer stop()

	c := client(url)
	ctx := context.Background()
	check(lwaws.CreateLockTable(ctx, c, table))
	t0 := time.Now()
	seed(ctx, c, items, locks)
	fmt.Printf("seeded %d items (%d locks) into dynalite in %s\n", items, locks, time.Since(t0).Round(time.Millisecond))
	if serve {
		fmt.Printf("serving table %s at %s; Ctrl+C to stop\n", table, url)
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		return true
	}

	lwArgs := []string{"list", "-o", "json", "--table", table, "--region", "us-east-1", "--endpoint-url", url, "--segments", fmt.Sprint(segments)}
	plainArgs := []string{"plainscan", url, fmt.Sprint(segments)}
	// Warm up both, then alternate so drift hits both alike.
	measure(lw, lwArgs)
	measure(self, plainArgs)
	var lwRuns, plainRuns []result
	for i := 0; i < runs; i++ {
		lwRuns = append(lwRuns, measure(lw, lwArgs))
		plainRuns = append(plainRuns, measure(self, plainArgs))
	}
	lwr, pr := summarize(lwRuns), summarize(plainRuns)
	ratio := float64(lwr.wall) / float64(pr.wall)
	fmt.Printf("\n| command | median wall | peak RSS |\n|---|---|---|\n")
	fmt.Printf("| plain SDK parallel scan (%d segments) | %s | %.1f MiB |\n", segments, pr.wall.Round(time.Millisecond), pr.rssMiB)
	fmt.Printf("| lockwarden list -o json | %s | %.1f MiB |\n\n", lwr.wall.Round(time.Millisecond), lwr.rssMiB)
	var v verdicts
	v.check(ratio <= 1.2, "wall time %.2f× the plain scan (target ≤ 1.2×)", ratio)
	v.check(lwr.rssMiB <= 40, "peak RSS %.1f MiB (target ≤ 40 MiB)", lwr.rssMiB)
	return !v.failed
}

// verdicts prints one PASS or FAIL line per target and remembers a miss,
// so that make bench exits non-zero.
type verdicts struct{ failed bool }

func (v *verdicts) check(pass bool, format string, a ...any) {
	word := "PASS"
	if !pass {
		word, v.failed = "FAIL", true
	}
	fmt.Printf("%s  %s\n", word, fmt.Sprintf(format, a...))
}

type result struct {
	wall, cpu time.Duration
	rssMiB    float64
}

// measure runs a command to completion and reads its wall time and peak
// resident memory from the kernel's accounting.
func measure(bin string, args []string) result {
	cmd := exec.Command(bin, args...)
	cmd.Stdout = nil // discarded, as a pipe to a monitor would be
	cmd.Stderr = os.Stderr
	start := time.Now()
	check(cmd.Run())
	wall := time.Since(start)
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return result{wall: wall, cpu: cpu, rssMiB: float64(ru.Maxrss) / 1024}
}

func summarize(rs []result) result {
	walls := make([]time.Duration, len(rs))
	var peak float64
	for i, r := range rs {
		walls[i] = r.wall
		peak = max(peak, r.rssMiB)
	}
	slices.Sort(walls)
	return result{wall: walls[len(walls)/2], rssMiB: peak}
}

func build(out, pkg string) {
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Stderr = os.Stderr
	check(cmd.Run())
}

func client(url string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region: "us-east-1", BaseEndpoint: sdkaws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("bench", "bench", ""),
	})
}

// seed writes the table with eight concurrent BatchWriteItem streams.
func seed(ctx context.Context, c *dynamodb.Client, items, locks int) {
	seedTable(ctx, c, table, items, locks)
}

// seedTable writes items into table name, the first locks of them locks.
func seedTable(ctx context.Context, c *dynamodb.Client, name string, items, locks int) {
	jobs := make(chan []types.WriteRequest)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for batch := range jobs {
				req := map[string][]types.WriteRequest{name: batch}
				for len(req) > 0 {
					out, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: req})
					check(err)
					req = out.UnprocessedItems
				}
			}
		}()
	}
	var batch []types.WriteRequest
	for i := 0; i < items; i++ {
		path := fmt.Sprintf("org-tfstate/env:/ws%03d/team%02d/service-%05d/terraform.tfstate", i%50+1, i%20+1, i+1)
		item := map[string]types.AttributeValue{}
		if i < locks {
			item["LockID"] = &types.AttributeValueMemberS{Value: path}
			item["Info"] = &types.AttributeValueMemberS{Value: fmt.Sprintf(
				`{"ID":"%08x-1c3c-81fa-2756-dd3e0470aaaa","Operation":"OperationTypeApply","Info":"","Who":"ci@runner-%d","Version":"1.12.6","Created":"2026-11-26T06:29:41.165507604Z","Path":"%s"}`, i, i%40, path)}
		} else {
			item["LockID"] = &types.AttributeValueMemberS{Value: path + "-md5"}
			item["Digest"] = &types.AttributeValueMemberS{Value: fmt.Sprintf("%032x", i)}
		}
		batch = append(batch, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
		if len(batch) == 25 {
			jobs <- batch
			batch = nil
		}
	}
	if len(batch) > 0 {
		jobs <- batch
	}
	close(jobs)
	wg.Wait()
}

// plainScan is the baseline: a parallel scan with the SDK that reads every
// item and keeps nothing.
func plainScan(args []string) {
	url := args[0]
	var segments, limit int
	fmt.Sscan(args[1], &segments)
	if len(args) > 2 {
		fmt.Sscan(args[2], &limit)
	}
	c := client(url)
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for seg := 0; seg < segments; seg++ {
		wg.Add(1)
		go func(seg int) {
			defer wg.Done()
			in := &dynamodb.ScanInput{
				TableName: sdkaws.String(table), Segment: sdkaws.Int32(int32(seg)), TotalSegments: sdkaws.Int32(int32(segments)),
			}
			if limit > 0 {
				in.Limit = sdkaws.Int32(int32(limit))
			}
			p := dynamodb.NewScanPaginator(c, in)
			for p.HasMorePages() {
				out, err := p.NextPage(context.Background())
				check(err)
				mu.Lock()
				total += len(out.Items)
				mu.Unlock()
			}
		}(seg)
	}
	wg.Wait()
	fmt.Println(total)
}

// startDynalite starts the pinned dynalite on a free port; stop stops it.
func startDynalite() (url string, stop func()) {
	root, err := os.Getwd()
	check(err)
	url, stopIt, err := testenv.StartDynalite(testenv.DynaliteBin(root))
	check(err)
	// check exits the process; dynalite must not outlive it.
	stopDynalite = stopIt
	return url, func() {
		stopIt()
		stopDynalite = func() {}
	}
}

// stopDynalite and stopS3 are set while dynalite and the S3 emulator
// run, so that check can stop them.
var stopDynalite, stopS3 = func() {}, func() {}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		stopDynalite()
		stopS3()
		os.Exit(1)
	}
}

// uiCheck reads `go test -bench` output of the ui package and checks its
// targets: View at 100,000 locks within 2× of View at 100, a 100,000-item
// snapshot applied in at most 50 ms, and View of 100,000 rows from ten
// contexts within 1.5× of the same rows from one. It prints the figures and
// returns the exit code.
func uiCheck(r io.Reader) int {
	ns := map[string]float64{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		fmt.Println(line)
		f := strings.Fields(line)
		if len(f) >= 4 && strings.HasPrefix(f[0], "Benchmark") && f[3] == "ns/op" {
			name := f[0]
			if i := strings.LastIndex(name, "-"); i > 0 {
				name = name[:i] // the GOMAXPROCS suffix
			}
			// With -count, keep the best run: noise only adds time.
			if v, err := strconv.ParseFloat(f[2], 64); err == nil && (ns[name] == 0 || v < ns[name]) {
				ns[name] = v
			}
		}
	}
	v100, v100k, apply := ns["BenchmarkView100"], ns["BenchmarkView100k"], ns["BenchmarkApplySnapshot100k"]
	fleet1, fleet10 := ns["BenchmarkViewFleet1"], ns["BenchmarkViewFleet10"]
	if v100 == 0 || v100k == 0 || apply == 0 || fleet1 == 0 || fleet10 == 0 {
		fmt.Println("FAIL  benchmark figures missing from the input")
		return 1
	}
	var v verdicts
	v.check(v100k <= 2*v100, "View at 100,000 locks %.2f ms, %.2f× View at 100 (%.2f ms); target ≤ 2×", v100k/1e6, v100k/v100, v100/1e6)
	v.check(apply <= 50e6, "100,000-item snapshot applied in %.1f ms; target ≤ 50 ms", apply/1e6)
	v.check(fleet10 <= 1.5*fleet1, "View of 100,000 rows from 10 contexts %.2f ms, %.2f× from 1 context (%.2f ms); target ≤ 1.5×", fleet10/1e6, fleet10/fleet1, fleet1/1e6)
	if v.failed {
		return 1
	}
	return 0
}
