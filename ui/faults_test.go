package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	lwaws "github.com/lockwarden/lockwarden/aws"
	"github.com/lockwarden/lockwarden/config"
	"github.com/lockwarden/lockwarden/internal/faultproxy"
	"github.com/lockwarden/lockwarden/internal/testenv"
	"github.com/lockwarden/lockwarden/model"
	"github.com/lockwarden/lockwarden/sandbox"
)

// These tests run the UI's own poll loop against a real lock table
// (dynalite), read through the real aws reader, while faults are injected
// between the two: a fault proxy, or the emulator killed and restarted.

// pollLoop drives the UI as the program would, one poll at a time: it
// carries out the timer command the UI returned after its last reply (the
// next poll, or a retry after backoff), hands the UI the timer's message,
// and carries out the scan the UI then asks for. Nothing is polled that
// the UI did not schedule itself.
type pollLoop struct {
	t     *testing.T
	m     Model
	next  tea.Cmd
	clock *time.Time
}

func newPollLoop(t *testing.T, src Source) *pollLoop {
	clock := t0
	cfg := Config{Settings: config.Settings{Table: "locks", Region: "us-east-1", StaleAfter: time.Hour, PollInterval: 50 * time.Millisecond}, Now: func() time.Time { return clock }, Location: time.UTC}
	l := &pollLoop{t: t, m: New(cfg, src), clock: &clock}
	l.m = send(l.m, tea.WindowSizeMsg{Width: 160, Height: 30})
	// The first poll, as Init starts it.
	l.m, l.next = sendCmd(l.m, l.m.scan(0)())
	return l
}

// poll lets time pass on the UI's clock, then runs the next poll the UI
// scheduled and returns its reply.
func (l *pollLoop) poll(pass time.Duration) snapshotMsg {
	l.t.Helper()
	*l.clock = l.clock.Add(pass)
	if l.next == nil {
		l.t.Fatal("the UI scheduled no next poll")
	}
	due, ok := l.next().(pollDueMsg)
	if !ok {
		l.t.Fatal("the UI's next command is not its poll timer")
	}
	m, scan := sendCmd(l.m, due)
	if scan == nil {
		l.t.Fatal("the poll timer started no scan")
	}
	reply, ok := scan().(snapshotMsg)
	if !ok {
		l.t.Fatal("the scan did not reply with a snapshot")
	}
	l.m, l.next = sendCmd(m, reply)
	return reply
}

// screen is the rendered UI as one line of words, so that a banner
// wrapped over two lines still reads as one sentence.
func (l *pollLoop) screen() string {
	return strings.Join(strings.Fields(plain(l.m)), " ")
}

// awsSource reads table locks at endpoint as lockwarden does, with two
// attempts per call (the CLI tests cover the default five) and attempts
// bounded at 1s rather than 10s, so that a poll with no answer fails soon.
func awsSource(t *testing.T, endpoint string) Source {
	cfg, err := lwaws.LoadConfig(context.Background(), lwaws.Connection{Region: "us-east-1", Endpoint: endpoint,
		MaxAttempts: 2, AttemptTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return &lwaws.Locks{Table: &lwaws.LockTable{Client: lwaws.NewDynamoDB(cfg, endpoint), Table: "locks",
		Region: cfg.Region, Endpoint: endpoint, Segments: 1}}
}

// takeLock writes a lock straight to the emulator, past any fault.
func takeLock(t *testing.T, endpoint, path, who string) model.LockInfo {
	t.Helper()
	li := sandbox.NewInfo(path, "OperationTypeApply", who, "1.5.7", t0.Add(-2*time.Hour))
	if err := sandbox.Lock(context.Background(), testenv.DynamoClient(endpoint), "locks", li); err != nil {
		t.Fatal(err)
	}
	return li
}

// outage is one fault, started and lifted.
type outage struct {
	name         string
	start, lift  func(t *testing.T)
	direct       string   // the emulator, for writes past the fault
	src          Source   // the UI's reader
	reason       []string // what the banner must say of the cause
	afterRestart bool     // the second lock is taken once the fault is lifted
}

// survive runs a UI through o: a good poll; two failed polls that keep the
// rows on screen under a banner saying the read failed, why, and how old
// the data is; then, the fault lifted, the next poll the UI schedules
// itself brings fresh data and clears the warning.
func survive(t *testing.T, o outage) {
	first := takeLock(t, o.direct, "tfstate/app/terraform.tfstate", "alice@ci")
	l := newPollLoop(t, o.src)
	if !strings.Contains(l.screen(), first.Path) || !strings.Contains(l.screen(), "● live") {
		t.Fatalf("the first poll did not show the lock:\n%s", plain(l.m))
	}

	o.start(t)
	faultAt := time.Now()
	for i, age := range []string{"30s", "1m00s"} {
		reply := l.poll(30 * time.Second)
		if reply.err == nil {
			t.Fatalf("poll %d during the fault succeeded", i+1)
		}
		s := l.screen()
		for _, want := range append([]string{
			first.Path, "alice@ci", // the last data stays on screen
			"⚠ not updating",
			"⚠ refresh failed " + map[int]string{0: "1×", 1: "2×"}[i] + " — showing data from " + age + " ago, retrying in",
		}, o.reason...) {
			if !strings.Contains(s, want) {
				t.Errorf("failed poll %d: the screen lacks %q:\n%s", i+1, want, plain(l.m))
			}
		}
	}
	during := time.Since(faultAt)
	rowsDuring := len(l.m.rows)
	if testing.Verbose() {
		t.Logf("%s, the screen after two failed polls:\n%s", o.name, plain(l.m))
	}

	var second model.LockInfo
	if !o.afterRestart {
		second = takeLock(t, o.direct, "tfstate/web/terraform.tfstate", "bob@ws")
	}
	o.lift(t)
	if o.afterRestart {
		second = takeLock(t, o.direct, "tfstate/web/terraform.tfstate", "bob@ws")
	}
	liftedAt := time.Now()
	polls := 0
	for ; polls < 5; polls++ {
		if l.poll(10*time.Second).err == nil {
			polls++
			break
		}
	}
	recovered := time.Since(liftedAt)
	s := l.screen()
	if polls != 1 {
		t.Errorf("recovered after %d polls, want the first one after the fault was lifted", polls)
	}
	for _, want := range []string{first.Path, second.Path, "bob@ws", "reconnected after 2 failed refreshes", "● live"} {
		if !strings.Contains(s, want) {
			t.Errorf("after the fault: the screen lacks %q:\n%s", want, plain(l.m))
		}
	}
	for _, gone := range []string{"refresh failed", "not updating"} {
		if strings.Contains(s, gone) {
			t.Errorf("after the fault: the screen still says %q:\n%s", gone, plain(l.m))
		}
	}
	t.Logf("%s: 2 failed polls in %s kept %d rows on screen; recovered on poll %d after the fault was lifted, %s later",
		o.name, during.Round(10*time.Millisecond), rowsDuring, polls, recovered.Round(10*time.Millisecond))
}

// dynalite killed with SIGKILL and started again on the same port: the
// lock taken before the kill is read again from its data directory.
func TestUISurvivesDynaliteKilledAndRestarted(t *testing.T) {
	d := testenv.RestartableDynalite(t)
	testenv.CreateLockTable(t, testenv.DynamoClient(d.URL), "locks")
	survive(t, outage{
		name: "dynalite killed and restarted", direct: d.URL, src: awsSource(t, d.URL),
		start:        func(*testing.T) { d.Kill() },
		lift:         func(t *testing.T) { d.Restart(t) },
		afterRestart: true,
		reason:       []string{"cannot reach " + d.URL + ": connection refused"},
	})
}

// Faults injected by a proxy in front of dynalite, mid-session.
func TestUISurvivesProxyFaults(t *testing.T) {
	cases := []struct {
		name   string
		mode   faultproxy.Mode
		reason []string
	}{
		{"throttling", faultproxy.Throttle, []string{"DynamoDB throttled dynamodb:Scan", "2 attempts did not get through"}},
		{"access denied", faultproxy.Deny, []string{"access denied: dynamodb:Scan"}},
		{"503", faultproxy.Unavailable, []string{"failed on the server side after 2 attempts: ServiceUnavailableException"}},
		{"no answer", faultproxy.Hold, []string{`dynamodb:Scan on table "locks"`, "timed out: no answer after 2 attempts"}},
		{"endpoint down", faultproxy.Refuse, []string{"connection refused"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			endpoint := testenv.Dynalite(t)
			testenv.CreateLockTable(t, testenv.DynamoClient(endpoint), "locks")
			p := faultproxy.New(t, endpoint)
			survive(t, outage{
				name: c.name, direct: endpoint, src: awsSource(t, p.URL), reason: c.reason,
				start: func(t *testing.T) {
					if err := p.Set(c.mode); err != nil {
						t.Fatal(err)
					}
				},
				lift: func(t *testing.T) {
					if err := p.Clear(); err != nil {
						t.Fatal(err)
					}
				},
			})
			t.Logf("%s: the proxy saw %+v Scan requests", c.name, p.Count("Scan"))
		})
	}
}
