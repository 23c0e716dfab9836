// Package testenv starts the DynamoDB and S3 emulators that lockwarden's
// integration tests run against, and finds the tools they need. When
// LOCKWARDEN_REQUIRE_INTEGRATION=1 (as in CI) a missing tool fails the test
// instead of skipping it.
package testenv

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/truora/minidyn/server"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/model"
)

// RequireIntegration reports whether integration tests must run.
func RequireIntegration() bool { return os.Getenv("LOCKWARDEN_REQUIRE_INTEGRATION") == "1" }

// Unavailable skips the test with the reason, or fails it when integration
// tests are required.
func Unavailable(t testing.TB, format string, a ...any) {
	t.Helper()
	Missing(t, "run `make test` to install it", format, a...)
}

// Missing is Unavailable for a tool that make does not install: install
// says how to get it.
func Missing(t testing.TB, install, format string, a ...any) {
	t.Helper()
	why := fmt.Sprintf(format, a...)
	if RequireIntegration() {
		t.Fatalf("LOCKWARDEN_REQUIRE_INTEGRATION=1 but %s", why)
	}
	t.Skipf("skipping: %s (%s)", why, install)
}

// ModuleRoot finds the directory holding go.mod above the working directory.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// Backend names a DynamoDB emulator and starts it.
type Backend struct {
	Name  string
	Start func(t testing.TB) string
}

// Backends are the two independent emulators every DynamoDB test runs on.
var Backends = []Backend{{"minidyn", Minidyn}, {"dynalite", Dynalite}}

// Minidyn serves minidyn's DynamoDB API in-process and returns its URL.
func Minidyn(t testing.TB) string {
	t.Helper()
	srv := httptest.NewServer(server.NewServer())
	t.Cleanup(srv.Close)
	return srv.URL
}

// DynaliteBin is where `make test` installs dynalite's entry point.
func DynaliteBin(moduleRoot string) string {
	if bin := os.Getenv("LOCKWARDEN_DYNALITE"); bin != "" {
		return bin
	}
	return filepath.Join(moduleRoot, "tools", "dynalite", "node_modules", "dynalite", "cli.js")
}

// Dynalite starts the pinned dynalite on a free loopback port, stops it when
// the test ends, and returns its URL.
func Dynalite(t testing.TB) string {
	t.Helper()
	bin := DynaliteBin(ModuleRoot(t))
	if _, err := os.Stat(bin); err != nil {
		Unavailable(t, "dynalite is not installed at %s", bin)
	}
	if _, err := exec.LookPath("node"); err != nil {
		Unavailable(t, "node is not on PATH, dynalite needs it")
	}
	url, stop, err := StartDynalite(bin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return url
}

// StartDynalite runs dynalite (in memory) on a free loopback port and
// returns its URL and a function that stops it.
func StartDynalite(bin string) (string, func(), error) {
	for attempt := 0; attempt < 5; attempt++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", nil, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		url, stop, err := StartDynaliteAt(bin, port, "")
		if errors.Is(err, errPortTaken) {
			continue // the port was taken between probing and listening
		}
		return url, stop, err
	}
	return "", nil, fmt.Errorf("dynalite could not bind a free port")
}

var errPortTaken = errors.New("dynalite exited before listening (port taken?)")

// StartDynaliteAt runs dynalite on port, keeping its tables in dataDir
// (LevelDB, kept across restarts) or in memory when dataDir is "". It
// returns the URL and a function that kills the process (SIGKILL, as a
// crash would) and waits for it.
func StartDynaliteAt(bin string, port int, dataDir string) (string, func(), error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return "", nil, fmt.Errorf("node is not on PATH: %w", err)
	}
	args := []string{bin, "--host", "127.0.0.1", "--port", fmt.Sprint(port),
		"--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"}
	if dataDir != "" {
		args = append(args, "--path", dataDir)
	}
	cmd := exec.Command(node, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start dynalite: %w", err)
	}
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		ok := false
		for sc.Scan() {
			if !ok && strings.Contains(sc.Text(), "listening") {
				ok = true
				ready <- true
			}
		}
		if !ok {
			ready <- false
		}
	}()
	select {
	case ok := <-ready:
		if !ok {
			_ = cmd.Wait()
			return "", nil, errPortTaken
		}
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return "", nil, fmt.Errorf("dynalite did not start within 20s")
	}
	stop := func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	return fmt.Sprintf("http://127.0.0.1:%d", port), stop, nil
}

// Restartable is a dynalite that keeps its tables on disk, so that it can
// be killed and started again on the same port with its data.
type Restartable struct {
	// URL stays the same across restarts.
	URL  string
	bin  string
	port int
	dir  string
	stop func()
}

// RestartableDynalite starts dynalite on a free port with its tables in a
// temporary directory; it is killed when the test ends.
func RestartableDynalite(t testing.TB) *Restartable {
	t.Helper()
	bin := DynaliteBin(ModuleRoot(t))
	if _, err := os.Stat(bin); err != nil {
		Unavailable(t, "dynalite is not installed at %s", bin)
	}
	if _, err := exec.LookPath("node"); err != nil {
		Unavailable(t, "node is not on PATH, dynalite needs it")
	}
	d := &Restartable{bin: bin, dir: filepath.Join(t.TempDir(), "dynalite")}
	for attempt := 0; ; attempt++ {
		d.port = FreePort(t)
		url, stop, err := StartDynaliteAt(bin, d.port, d.dir)
		if errors.Is(err, errPortTaken) && attempt < 5 {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		d.URL, d.stop = url, stop
		break
	}
	t.Cleanup(d.Kill)
	return d
}

// Kill ends the process with SIGKILL and waits for it: the port is closed
// and requests are refused until Restart.
func (d *Restartable) Kill() {
	if d.stop != nil {
		d.stop()
		d.stop = nil
	}
}

// Restart starts dynalite again on the same port and data directory.
func (d *Restartable) Restart(t testing.TB) {
	t.Helper()
	d.Kill()
	_, stop, err := StartDynaliteAt(d.bin, d.port, d.dir)
	if err != nil {
		t.Fatalf("restart dynalite on port %d: %v", d.port, err)
	}
	d.stop = stop
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// DynamoClient returns an SDK client for an emulator endpoint.
func DynamoClient(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: sdkaws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
}

// CreateLockTable creates a lock table shaped as Terraform documents it.
func CreateLockTable(t testing.TB, c *dynamodb.Client, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := lwaws.CreateLockTable(ctx, c, name); err != nil {
		t.Fatal(err)
	}
}

// PutItem writes raw attributes, failing the test on error.
func PutItem(t testing.TB, c *dynamodb.Client, table string, item map[string]types.AttributeValue) {
	t.Helper()
	if _, err := c.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: sdkaws.String(table), Item: item}); err != nil {
		t.Fatalf("put item: %v", err)
	}
}

// FixtureItems loads a scan captured from real clients (model/testdata/
// real-clients) as SDK items.
func FixtureItems(t testing.TB, name string) []map[string]types.AttributeValue {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(ModuleRoot(t), "model", "testdata", "real-clients", name))
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Items []model.Item }
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	out := make([]map[string]types.AttributeValue, 0, len(f.Items))
	for _, it := range f.Items {
		m := map[string]types.AttributeValue{}
		for k, v := range it {
			m[k] = lwaws.AttrToSDK(v)
		}
		out = append(out, m)
	}
	return out
}

// LoadFixture creates table and puts a captured scan's items into it.
func LoadFixture(t testing.TB, c *dynamodb.Client, table, name string) {
	t.Helper()
	CreateLockTable(t, c, table)
	for _, it := range FixtureItems(t, name) {
		PutItem(t, c, table, it)
	}
}

// MarkdownFiles are the README and every page under docs/ of the tree at
// root.
func MarkdownFiles(t testing.TB, root string) []string {
	t.Helper()
	files := []string{filepath.Join(root, "README.md")}
	err := filepath.WalkDir(filepath.Join(root, "docs"), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".md") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// CachedTool is where a tool the Makefile installs is: the variable env
// when set, else path under ~/.cache/lockwarden, where make puts it.
func CachedTool(env, path string) string {
	if bin := os.Getenv(env); bin != "" {
		return bin
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "lockwarden", filepath.FromSlash(path))
}
