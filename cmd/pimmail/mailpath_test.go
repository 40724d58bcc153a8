//go:build !windows

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/queue"
)

// startWorker runs `pimmail queue run` for path with the per-minute
// window shortened to match a sandbox on a fast clock.
func startWorker(t *testing.T, path string, window time.Duration, extra ...string) *exec.Cmd {
	t.Helper()
	args := append([]string{"queue", "run", "--config", path, "--rate-window", window.String()}, extra...)
	cmd := exec.Command(binary, args...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("worker log:\n%s", errb.String())
		}
	})
	return cmd
}

var seqHeader = regexp.MustCompile(`X-Seq: (\d+)`)

// 200 messages through pimmail send while the worker delivers them into
// the sandbox (on a clock 30 times faster, so Exchange's 30 a minute is
// 30 per 2 s); the worker is killed with SIGKILL in the middle and started
// again. Every message arrives, none is lost, and duplicates are at most
// the messages that were in flight (at most 3 connections).
func TestTwoHundredMessagesSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 200 messages")
	}
	path := sandboxConfig(t, config.ProviderEntra, nil)
	sb := mailSandbox(t, path, "", 30)
	window := 2 * time.Second
	w1 := startWorker(t, path, window)
	time.Sleep(300 * time.Millisecond)

	var wg sync.WaitGroup
	errs := make(chan string, 200)
	sem := make(chan struct{}, 4)
	for i := range 200 {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			msg := fmt.Sprintf("To: ops@example.com\nSubject: alert %d\nX-Seq: %d\n\nbody %d\n", i, i, i)
			r := send(t, msg, "-t", "--config", path)
			if r.code != 0 {
				errs <- r.String()
			}
		}()
		if i == 120 {
			// Kill the worker while it delivers.
			if err := w1.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			t.Logf("SIGKILL after %d deliveries", len(sb.Own.Messages()))
		}
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatalf("pimmail send failed: %s", e)
	}
	// pimmail send may have started a worker of its own after the kill;
	// either way one worker, with the test's window, finishes the queue.
	stopWorkers(t, path)
	sp, _ := queue.Open(queue.Dir(path))
	for range 50 {
		if running, pid := sp.WorkerRunning(); running && pid > 0 {
			_ = syscall.Kill(pid, syscall.SIGTERM)
			time.Sleep(200 * time.Millisecond)
			continue
		}
		break
	}
	startWorker(t, path, window, "--idle-exit", "1s")
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		items, _ := sp.List()
		if len(items) == 0 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if items, _ := sp.List(); len(items) != 0 {
		t.Fatalf("%d messages still queued or failed", len(items))
	}
	count := map[string]int{}
	for _, m := range sb.Own.Messages() {
		if s := seqHeader.FindStringSubmatch(string(m.Data)); s != nil {
			count[s[1]]++
		}
	}
	dups := 0
	for i := range 200 {
		n := count[fmt.Sprint(i)]
		if n == 0 {
			t.Errorf("message %d was lost", i)
		}
		dups += max(n-1, 0)
	}
	if dups > queue.MaxConnections {
		t.Errorf("%d duplicates; at most the %d in flight may be sent twice", dups, queue.MaxConnections)
	}
	t.Logf("200 messages delivered, %d duplicate(s) after SIGKILL", dups)
	if n := len(storedMail(t, path)); n != 200+dups {
		t.Errorf("the sandbox's mail folder holds %d, want %d", n, 200+dups)
	}
}

// pimmail status shows the mail path: queue depth, last delivery, and
// when the token cannot be refreshed, "sign in again: run pimmail".
func TestStatusShowsMailPath(t *testing.T) {
	path := sandboxConfig(t, config.ProviderEntra, nil)
	mailSandbox(t, path, "", 1)
	stopWorkers(t, path)
	expect(t, send(t, "Subject: one\n\nx\n", "--wait", "--config", path, "ops@example.com"), 0, "Server reply: 250")
	r := pimmail(t, "status", "--config", path)
	expect(t, r, 0, "Mail path", "Relay:", "not running", "0 queued", "Last delivery:", "250 ",
		"1 in the last minute (limit 30); 1 recipients in the last 24 hours (limit 10000)")
	noSecrets(t, r)
}

func TestStatusSaysSignInAgain(t *testing.T) {
	path := sandboxConfig(t, config.ProviderEntra, nil)
	sp, err := queue.Open(queue.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	// The token cache is gone (as after the sign-in was removed): the
	// worker cannot get a token and holds the queue.
	if err := os.Remove(config.CachePath(path)); err != nil {
		t.Fatal(err)
	}
	mailSandbox(t, path, "", 1)
	if _, err := sp.Enqueue(queue.Envelope{To: []string{"ops@example.com"}}, strings.NewReader("Subject: x\r\n\r\nx\r\n")); err != nil {
		t.Fatal(err)
	}
	w := startWorker(t, path, time.Minute)
	for range 100 {
		if st, _ := sp.ReadWorkerStatus(); st.Held != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	r := pimmail(t, "status", "--config", path)
	expect(t, r, 1, "sign in again: run pimmail", "1 queued", "the messages stay queued")
	_ = w.Process.Signal(syscall.SIGTERM)
	if items, _ := sp.List(); len(items) != 1 || items[0].Failed {
		t.Errorf("the message was not kept queued: %+v", items)
	}
}
