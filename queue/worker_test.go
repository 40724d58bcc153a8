package queue_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/queue"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/secret"
	"github.com/pimmail/pimmail/steps"
)

// fastClock runs speed times faster than the wall clock from now on.
func fastClock(speed int) func() time.Time {
	base := time.Now()
	return func() time.Time { return base.Add(time.Since(base) * time.Duration(speed)) }
}

// signedIn makes an Entra configuration signed in against a sandbox with
// options o (the way the wizard does) and returns its path, the running
// sandbox and the environment a worker uses with it.
func signedIn(t *testing.T, o sandbox.Options) (string, *sandbox.Sandbox, steps.Env) {
	t.Helper()
	return signedInB(t, o)
}

// signedInB is signedIn for tests and benchmarks.
func signedInB(t testing.TB, o sandbox.Options) (string, *sandbox.Sandbox, steps.Env) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pimmail", "config.json")
	o.StateDir = config.SandboxDir(path)
	o.ApproveAfter, o.PollInterval = 10*time.Millisecond, 10*time.Millisecond
	sb, err := sandbox.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	ep := sb.Endpoints()
	env := steps.Env{ConfigPath: path, Authority: ep.Authority, RootCAs: sb.RootCAs(),
		Sandbox: &steps.Hints{SmartHost: ep.SMTPHost, SmartPort: ep.SMTPPort, RelayHost: ep.RelayHost, RelayPort: ep.RelayPort,
			LocalHost: ep.LocalHost, LocalPort: ep.LocalPort, RelayDomain: sandbox.RelayDomain}}
	run, start := steps.Open(env)
	c := start.Config
	c.Entra.TenantID, c.Entra.ClientID = sandbox.DefaultTenantID, sandbox.DefaultClientID
	c.Entra.ClientSecret = secret.New(sandbox.DefaultClientSecret)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	lg, err := run.StartLogon(ctx, c.Entra)
	if err != nil {
		t.Fatal(err)
	}
	in, err := lg.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c.Entra.Mailbox = in.Mailbox
	if _, err := run.Save(c, config.ProviderEntra, false); err != nil {
		t.Fatal(err)
	}
	return path, sb, env
}

// runWorker runs a worker on path's spool until done(spool) or the timeout.
func runWorker(t *testing.T, env steps.Env, lim queue.Limits, timeout time.Duration, done func(*queue.Spool) bool) *queue.Spool {
	t.Helper()
	sp, err := queue.Open(queue.Dir(env.ConfigPath))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	w := queue.NewWorker(sp, queue.WorkerOptions{Target: steps.DeliveryTarget(env), Limits: lim, Poll: 50 * time.Millisecond})
	var wg sync.WaitGroup
	wg.Add(1)
	var runErr error
	go func() { defer wg.Done(); runErr = w.Run(ctx) }()
	for ctx.Err() == nil && !done(sp) {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if runErr != nil {
		t.Fatalf("Run: %v", runErr)
	}
	return sp
}

func enqueue(t *testing.T, path string, n int, from string, rcpts ...string) []string {
	t.Helper()
	sp, err := queue.Open(queue.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if len(rcpts) == 0 {
		rcpts = []string{"ops@example.com"}
	}
	// A test naming another sender wants it sent as it is.
	keep := from != ""
	if from == "" {
		from = sandbox.DefaultMailbox
	}
	var ids []string
	for i := range n {
		id, err := sp.Enqueue(queue.Envelope{To: rcpts, Source: "test", KeepSender: keep},
			strings.NewReader(fmt.Sprintf("From: %s\r\nSubject: message %d\r\n\r\nbody %d\r\n", from, i, i)))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func queued(sp *queue.Spool) (q, failed int) {
	items, _ := sp.List()
	for _, it := range items {
		if it.Failed {
			failed++
		} else {
			q++
		}
	}
	return q, failed
}

func empty(sp *queue.Spool) bool { q, f := queued(sp); return q+f == 0 }

// The pacing keeps the worker under 30 messages a minute: the sandbox
// (on a clock 30 times faster, so a minute is 2 s) never answers its
// rate-limit reply, and no message needs a second attempt. Without the
// pacing, the sandbox answers 421 4.4.2 from the 31st message on.
func TestWorkerPacingNeverMeetsRateLimit(t *testing.T) {
	path, sb, env := signedIn(t, sandbox.Options{Now: fastClock(30), AccessTokenLifetime: 30 * time.Hour})
	enqueue(t, path, 70, "")
	sp := runWorker(t, env, queue.Limits{Window: 2 * time.Second}, 30*time.Second, empty)
	if q, f := queued(sp); q+f != 0 {
		t.Fatalf("%d still queued, %d failed", q, f)
	}
	st, _ := sp.ReadWorkerStatus()
	if st.LastFailure != nil {
		t.Errorf("a delivery failed: %+v", st.LastFailure)
	}
	msgs := sb.Messages()
	if len(msgs) != 70 {
		t.Fatalf("sandbox got %d messages, want 70", len(msgs))
	}
	// In the sandbox's time, no minute holds more than 30.
	for i := range msgs {
		n := 0
		for j := i; j < len(msgs) && msgs[j].Received.Sub(msgs[i].Received) < time.Minute; j++ {
			n++
		}
		if n > 30 {
			t.Fatalf("%d messages within a minute from message %d", n, i)
		}
	}
}

// A 4xx reply (the throttled scenario's 421 4.4.2 at 2 a minute) is
// retried with backoff until the message goes: nothing is lost, nothing
// fails for good.
func TestWorkerRetriesTemporaryFailure(t *testing.T) {
	path, sb, env := signedIn(t, sandbox.Options{Scenario: "throttled", Now: fastClock(60), AccessTokenLifetime: 60 * time.Hour})
	enqueue(t, path, 4, "")
	sp := runWorker(t, env, queue.Limits{Window: time.Second, FirstRetry: 300 * time.Millisecond, MaxRetry: time.Second},
		60*time.Second, empty)
	if q, f := queued(sp); q+f != 0 {
		t.Fatalf("%d still queued, %d failed", q, f)
	}
	if n := len(sb.Messages()); n != 4 {
		t.Errorf("sandbox got %d, want 4", n)
	}
	st, _ := sp.ReadWorkerStatus()
	if st.LastFailure == nil || !strings.Contains(st.LastFailure.Raw, "421 4.4.2") {
		t.Errorf("the rate-limit reply was not met or not recorded: %+v", st.LastFailure)
	}
}

// A 5xx reply moves the message to failed/ with the wizard's diagnosis;
// the other messages are delivered.
func TestWorkerPermanentFailureToFailed(t *testing.T) {
	path, sb, env := signedIn(t, sandbox.Options{Scenario: "send-as-denied"})
	bad := enqueue(t, path, 1, "ceo@contoso-sandbox.onmicrosoft.com")[0]
	enqueue(t, path, 2, "")
	sp := runWorker(t, env, queue.Limits{}, 30*time.Second, func(sp *queue.Spool) bool { q, f := queued(sp); return q == 0 && f == 1 })
	it, err := sp.Get(bad)
	if err != nil || !it.Failed {
		t.Fatalf("the refused message is not in failed/: %+v %v", it, err)
	}
	if it.State.Problem == nil || !strings.Contains(it.State.Problem.Raw, "554 5.2.252") || !strings.Contains(it.State.Problem.Fix, "Add-RecipientPermission") {
		t.Errorf("diagnosis: %+v", it.State.Problem)
	}
	if _, err := os.Stat(filepath.Join(sp.Path(), "failed", bad)); err != nil {
		t.Error(err)
	}
	if n := len(sb.Messages()); n != 2 {
		t.Errorf("sandbox got %d, want the 2 good ones", n)
	}
}

// When the token cannot be refreshed (revoked refresh token), nothing is
// bounced: the messages stay queued and the status says to sign in again.
func TestWorkerRevokedRefreshTokenKeepsQueued(t *testing.T) {
	// Access tokens live 1 minute: MSAL renews from 5 minutes before
	// expiry, so every token request needs the (revoked) refresh token.
	path, sb, env := signedIn(t, sandbox.Options{Scenario: "refresh-revoked", AccessTokenLifetime: time.Minute})
	ids := enqueue(t, path, 3, "")
	sp := runWorker(t, env, queue.Limits{}, 20*time.Second, func(sp *queue.Spool) bool {
		st, _ := sp.ReadWorkerStatus()
		return st.Held != nil
	})
	st, _ := sp.ReadWorkerStatus()
	if !st.SignInAgain || st.Held == nil || !strings.Contains(st.Held.Raw+st.Held.Title, "50173") && !strings.Contains(strings.ToLower(st.Held.Title), "sign") {
		t.Errorf("status: %+v", st)
	}
	if q, f := queued(sp); q != 3 || f != 0 {
		t.Errorf("%d queued, %d failed; want all 3 queued", q, f)
	}
	for _, id := range ids {
		if it, _ := sp.Get(id); it.State.Attempts != 0 {
			t.Errorf("%s charged with %d attempts for our sign-in problem", id, it.State.Attempts)
		}
	}
	if n := len(sb.Messages()); n != 0 {
		t.Errorf("sandbox got %d", n)
	}
}

// A message whose 250 was recorded in sent.log is never sent again, even
// when the worker died before removing its file.
func TestRecordedDeliveryIsNotResent(t *testing.T) {
	path, sb, env := signedIn(t, sandbox.Options{})
	ids := enqueue(t, path, 2, "")
	sp, _ := queue.Open(queue.Dir(path))
	line := fmt.Sprintf(`{"t":%q,"id":%q,"n":1,"reply":"250 2.0.0 OK"}`+"\n", time.Now().UTC().Format(time.RFC3339Nano), ids[0])
	if err := os.WriteFile(filepath.Join(sp.Path(), "sent.log"), []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	runWorker(t, env, queue.Limits{}, 20*time.Second, empty)
	if n := len(sb.Messages()); n != 1 {
		t.Errorf("sandbox got %d messages, want only the unrecorded one", n)
	}
}

// The daily recipient budget counts across restarts (sent.log).
func TestDailyBudgetPersists(t *testing.T) {
	path, sb, env := signedIn(t, sandbox.Options{})
	enqueue(t, path, 3, "", "a@example.com", "b@example.com")
	lim := queue.Limits{RecipientsPerDay: 5}
	done := func(sp *queue.Spool) bool { q, _ := queued(sp); return q == 1 }
	runWorker(t, env, lim, 20*time.Second, done)
	time.Sleep(500 * time.Millisecond)
	runWorker(t, env, lim, 2*time.Second, func(*queue.Spool) bool { return false })
	if n := len(sb.Messages()); n != 2 {
		t.Errorf("sandbox got %d messages (%d recipients), want 2 within the budget of 5", n, 2*n)
	}
}

// A server that cannot be reached: messages stay queued with the last
// error, and those queued longer than GiveUpAfter move to failed/ with
// the diagnosis; nothing newer is given up.
func TestWorkerGivesUpAfterLimit(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // nothing listens there now: connection refused
	path := filepath.Join(t.TempDir(), "pimmail", "config.json")
	c := config.Default()
	c.Enabled = config.ProviderLocal
	c.Email.From = "pim@contoso.example"
	c.Local.Host, c.Local.Port = "127.0.0.1", port
	if err := config.Save(path, c); err != nil {
		t.Fatal(err)
	}
	old := enqueue(t, path, 2, "pim@contoso.example")
	time.Sleep(700 * time.Millisecond)
	fresh := enqueue(t, path, 1, "pim@contoso.example")[0]
	lim := queue.Limits{GiveUpAfter: 500 * time.Millisecond, FirstRetry: 100 * time.Millisecond, MaxRetry: 200 * time.Millisecond}
	sp := runWorker(t, steps.Env{ConfigPath: path}, lim, 10*time.Second, func(sp *queue.Spool) bool { _, f := queued(sp); return f == 2 })
	for _, id := range old {
		it, err := sp.Get(id)
		if err != nil || !it.Failed || !strings.Contains(it.State.Problem.Title, "given up") || it.State.LastError == "" {
			t.Errorf("old message %s: %+v %v", id, it, err)
		}
	}
	if it, err := sp.Get(fresh); err != nil || it.Failed {
		t.Errorf("the fresh message was given up: %+v %v", it, err)
	}
}

// A limit set lower than Exchange's is kept: at 2 a minute against the
// throttled scenario's 2 a minute, the rate-limit reply never comes.
func TestWorkerLowerRateAgainstThrottled(t *testing.T) {
	path, sb, env := signedIn(t, sandbox.Options{Scenario: "throttled", Now: fastClock(60), AccessTokenLifetime: 60 * time.Hour})
	enqueue(t, path, 5, "")
	sp := runWorker(t, env, queue.Limits{PerMinute: 2, Window: time.Second}, 30*time.Second, empty)
	if q, f := queued(sp); q+f != 0 {
		t.Fatalf("%d queued, %d failed", q, f)
	}
	if st, _ := sp.ReadWorkerStatus(); st.LastFailure != nil {
		t.Errorf("the rate-limit reply came: %+v", st.LastFailure)
	}
	if n := len(sb.Messages()); n != 5 {
		t.Errorf("sandbox got %d", n)
	}
}

// The server refuses the login (535: SMTP AUTH off for the mailbox): an
// administrator's fix, not the messages' fault. Nothing moves to failed/;
// the worker holds with the diagnosis.
func TestWorkerAuthRefusedHolds(t *testing.T) {
	path, _, env := signedIn(t, sandbox.Options{Scenario: "smtp-auth-disabled-mailbox"})
	enqueue(t, path, 2, "")
	sp := runWorker(t, env, queue.Limits{}, 20*time.Second, func(sp *queue.Spool) bool {
		st, _ := sp.ReadWorkerStatus()
		return st.Held != nil
	})
	st, _ := sp.ReadWorkerStatus()
	if st.Held == nil || !strings.Contains(st.Held.Fix, "Set-CASMailbox") || st.SignInAgain {
		t.Errorf("status: %+v", st)
	}
	if q, f := queued(sp); q != 2 || f != 0 {
		t.Errorf("%d queued, %d failed; want both kept queued", q, f)
	}
}
