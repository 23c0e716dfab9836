package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"

	lwaws "github.com/lockwarden/lockwarden/aws"
)

const bucket = "org-tfstate"

// s3Case measures `lockwarden list --bucket` on a bucket of objects in
// gofakes3 behind a proxy that delays every request, against a plain
// sequential ListObjectsV2 pass of the same bucket, and checks that a
// second poll of the unchanged bucket makes no GET. It reports whether
// every target was met.
//
// The emulator and the proxy run in a child process: a child forked from
// a process holding 100,000 objects would report that process's resident
// memory as its own peak (Linux carries the high-water mark across exec).
func s3Case(self, lw string, objects, lockFiles, runs int, delay time.Duration) bool {
	proxyURL, stop := startS3Serve(self, objects, lockFiles, delay)
	defer stop()
	counts := proxyCounts(proxyURL)
	lwArgs := []string{"list", "-o", "json", "--region", "us-east-1", "--bucket", bucket, "--s3-endpoint-url", proxyURL}
	plainArgs := []string{"plainlist", proxyURL}
	lwr, pr, lwLast, plainLast := alternate(runs, counts, command{lw, lwArgs}, command{self, plainArgs})
	ratio := float64(lwr.wall) / float64(pr.wall)

	// Two polls as the UI makes them, with one LockFiles for both.
	polls := uiPolls(proxyURL, counts)

	fmt.Printf("\n| command | median wall | peak RSS | CPU (user+sys) | requests |\n|---|---|---|---|---|\n")
	fmt.Printf("| plain sequential ListObjectsV2 | %s | %.1f MiB | %s | %d LIST |\n", pr.wall.Round(time.Millisecond), pr.rssMiB, plainLast.cpu.Round(time.Millisecond), plainLast.lists)
	fmt.Printf("| lockwarden list --bucket | %s | %.1f MiB | %s | %d LIST, %d GET |\n", lwr.wall.Round(time.Millisecond), lwr.rssMiB, lwLast.cpu.Round(time.Millisecond), lwLast.lists, lwLast.gets)
	for i, p := range polls {
		fmt.Printf("| UI poll %d (in process, one LockFiles) | %s | | | %d LIST, %d GET; %d lock files |\n", i+1, p.took.Round(time.Millisecond), p.lists, p.gets, p.found)
	}
	fmt.Println()
	var v verdicts
	v.check(ratio <= 0.3, "lockwarden list --bucket %.2f× the sequential pass (target ≤ 0.3×)", ratio)
	v.check(lwr.rssMiB <= 40, "peak RSS %.1f MiB (target ≤ 40 MiB)", lwr.rssMiB)
	v.check(polls[0].found == lockFiles && polls[1].found == lockFiles, "both polls found %d and %d of %d lock files", polls[0].found, polls[1].found, lockFiles)
	v.check(polls[1].gets == 0, "second poll of the unchanged bucket: %d GET (target 0)", polls[1].gets)
	return !v.failed
}

// proxyCounts reads the LIST and GET requests the delay proxy at proxyURL
// has counted so far.
func proxyCounts(proxyURL string) func() (lists, gets int64) {
	return func() (lists, gets int64) {
		resp, err := http.Get(proxyURL + countsPath)
		check(err)
		defer resp.Body.Close()
		_, err = fmt.Fscan(resp.Body, &lists, &gets)
		check(err)
		return lists, gets
	}
}

// command is a program and its arguments.
type command struct {
	bin  string
	args []string
}

// counted is one run's result and the requests the proxy counted for it.
type counted struct {
	result
	lists, gets int64
}

// alternate runs a (lockwarden) and b (its baseline) once each to warm
// up, then runs times each, alternately so that drift hits both alike; it
// returns their medians and their last runs' counts.
func alternate(runs int, counts func() (lists, gets int64), a, b command) (ar, br result, aLast, bLast counted) {
	run := func(c command) counted {
		l0, g0 := counts()
		r := measure(c.bin, c.args)
		l1, g1 := counts()
		return counted{r, l1 - l0, g1 - g0}
	}
	run(a)
	run(b)
	var aRuns, bRuns []result
	for i := 0; i < runs; i++ {
		aLast, bLast = run(a), run(b)
		aRuns, bRuns = append(aRuns, aLast.result), append(bRuns, bLast.result)
	}
	return summarize(aRuns), summarize(bRuns), aLast, bLast
}

// startS3Serve starts this program's s3serve — an S3 server behind a slow
// proxy — and returns the proxy's URL and how to stop it.
func startS3Serve(self string, objects, lockFiles int, delay time.Duration) (proxyURL string, stop func()) {
	return startS3ServeWith(self, []string{fmt.Sprint(objects), fmt.Sprint(lockFiles), delay.String()})
}

// startS3ServeWith is startS3Serve with s3serve's arguments as given.
func startS3ServeWith(self string, args []string) (proxyURL string, stop func()) {
	server := exec.Command(self, append([]string{"s3serve"}, args...)...)
	server.Stderr = os.Stderr
	out, err := server.StdoutPipe()
	check(err)
	check(server.Start())
	stopS3 = func() { server.Process.Kill() }
	sc := bufio.NewScanner(out)
	for proxyURL == "" && sc.Scan() {
		fmt.Println(sc.Text())
		if u, ok := strings.CutPrefix(sc.Text(), "proxy "); ok {
			proxyURL = u
		}
	}
	if proxyURL == "" {
		check(fmt.Errorf("s3serve did not start"))
	}
	go io.Copy(io.Discard, out)
	return proxyURL, func() { server.Process.Kill() }
}

// uiPoll is one poll of the bucket as the UI makes it.
type uiPoll struct {
	found, lists, gets int
	took               time.Duration
}

// uiPolls lists the bucket twice with one LockFiles, as the UI polls it,
// and checks that LastCost agrees with the requests the proxy counted.
func uiPolls(proxyURL string, counts func() (lists, gets int64)) [2]uiPoll {
	files := &lwaws.LockFiles{Client: s3Client(proxyURL), Buckets: []lwaws.BucketPrefix{{Bucket: bucket}}}
	ctx := context.Background()
	var polls [2]uiPoll
	for i := range polls {
		l0, g0 := counts()
		start := time.Now()
		entries, errs := files.List(ctx)
		if len(errs) > 0 {
			check(errs[0])
		}
		polls[i].took = time.Since(start)
		l1, g1 := counts()
		polls[i].found = len(entries)
		polls[i].lists, polls[i].gets = files.LastCost()
		if int64(polls[i].lists) != l1-l0 || int64(polls[i].gets) != g1-g0 {
			check(fmt.Errorf("LastCost says %d LIST and %d GET; the proxy saw %d and %d", polls[i].lists, polls[i].gets, l1-l0, g1-g0))
		}
	}

	return polls
}

// countsPath is where the proxy answers with its LIST and GET counts.
const countsPath = "/-bench-counts"

// s3Serve seeds the emulator, starts the delay proxy in front of it, prints
// "proxy URL" and serves until killed. Arguments: objects, lock files,
// delay.
func s3Serve(args []string) {
	var objects, lockFiles int
	fmt.Sscan(args[0], &objects)
	fmt.Sscan(args[1], &lockFiles)
	delay, err := time.ParseDuration(args[2])
	check(err)
	backend := newIndexedBackend()
	check(backend.CreateBucket(bucket))
	t0 := time.Now()
	seedBucket(backend, objects, lockFiles)
	if len(args) > 4 {
		// A shared audit log of args[3] records, up to args[4] (Unix time).
		var records, unix int64
		fmt.Sscan(args[3], &records)
		fmt.Sscan(args[4], &unix)
		seedAudit(backend, int(records), time.Unix(unix, 0).UTC())
		backend.sortIndex()
		fmt.Printf("seeded %d audit records over 365 days under %s/\n", records, auditPrefix)
	}
	faker := gofakes3.New(backend, gofakes3.WithAutoBucket(false), gofakes3.WithTimeSkewLimit(0))
	s3url := serve(faker.Server())
	proxyURL := serve(newDelayProxy(s3url, delay))
	fmt.Printf("seeded %d objects (%d lock files) into gofakes3 in %s; a %s delay proxy in front\n", objects, lockFiles, time.Since(t0).Round(time.Millisecond), delay)
	fmt.Println("proxy " + proxyURL)
	select {}
}

// seedBucket writes objects straight into the emulator's store: state
// objects under workspace, team and service prefixes, and a lock file
// beside the first lockFiles of them.
func seedBucket(backend *indexedBackend, objects, lockFiles int) {
	put := backend.seed
	defer backend.sortIndex()
	for i := 0; i < objects-lockFiles; i++ {
		key := fmt.Sprintf("env:/ws%03d/team%02d/service-%05d/terraform.tfstate", i%50+1, i%20+1, i+1)
		put(key, `{"version":4,"terraform_version":"1.11.4","serial":1,"lineage":"bench","outputs":{},"resources":[]}`)
		if i < lockFiles {
			put(key+".tflock", fmt.Sprintf(
				`{"ID":"%08x-1c3c-81fa-2756-dd3e0470aaaa","Operation":"OperationTypeApply","Info":"","Who":"ci@runner-%d","Version":"1.11.4","Created":"2026-11-26T06:29:41.165507604Z","Path":"%s/%s"}`,
				i, i%40, bucket, key))
		}
	}
}

// serve serves h on a free loopback port until the process exits.
func serve(h http.Handler) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	go func() { _ = (&http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}).Serve(l) }()
	return "http://" + l.Addr().String()
}

// delayProxy forwards every request after a fixed delay, a stand-in for
// S3's round trip, and counts LIST and GET requests.
type delayProxy struct {
	delay       time.Duration
	rp          *httputil.ReverseProxy
	lists, gets atomic.Int64
}

func newDelayProxy(upstream string, delay time.Duration) *delayProxy {
	u, err := url.Parse(upstream)
	check(err)
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, IdleConnTimeout: time.Minute}
	return &delayProxy{delay: delay, rp: rp}
}

func (p *delayProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == countsPath {
		fmt.Fprintln(w, p.lists.Load(), p.gets.Load())
		return
	}
	// Path style: /bucket lists, /bucket/key reads an object.
	if r.Method == http.MethodGet {
		if strings.Contains(strings.TrimPrefix(r.URL.Path, "/"), "/") {
			p.gets.Add(1)
		} else {
			p.lists.Add(1)
		}
	}
	time.Sleep(p.delay)
	p.rp.ServeHTTP(w, r)
}

func s3Client(endpoint string) *s3.Client {
	return s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: sdkaws.String(endpoint), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider("bench", "bench", ""),
		RequestChecksumCalculation: sdkaws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: sdkaws.ResponseChecksumValidationWhenRequired,
	})
}

// plainList is the S3 baseline: one sequential ListObjectsV2 pass over the
// bucket, 1,000 keys a page as S3 returns them, counting keys.
func plainList(args []string) {
	p := s3.NewListObjectsV2Paginator(s3Client(args[0]), &s3.ListObjectsV2Input{Bucket: sdkaws.String(bucket), MaxKeys: sdkaws.Int32(1000)})
	total := 0
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		check(err)
		total += len(page.Contents)
	}
	fmt.Fprintln(os.Stdout, total)
}
