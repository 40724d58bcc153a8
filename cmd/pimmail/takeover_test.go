//go:build !windows

package main

import (
	"fmt"
	"net/smtp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pimmail/pimmail/queue"
	"github.com/pimmail/pimmail/sandbox"
)

// waitSubject waits until the sandbox stored a message with subject.
func waitSubject(t *testing.T, path, subject string, d time.Duration, log func() string) {
	t.Helper()
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if subjectsIn(t, path)[subject] > 0 {
			return
		}
	}
	t.Fatalf("%q never reached the sandbox's mail store:\n%s", subject, log())
}

// A relay started while the worker pimmail send started still runs (and
// with it the sandbox) keeps delivering after that worker is killed: its
// own worker takes the spool over and delivers into a sandbox that lives.
func TestRelayTakesOverWhenSendersWorkerEnds(t *testing.T) {
	path := relayConfig(t)
	stopWorkers(t, path)
	expect(t, send(t, "Subject: via send\n\nx\n", "--config", path, "ops@"+sandbox.RelayDomain), 0)
	waitSubject(t, path, "via send", 30*time.Second, func() string { return "" })
	sp, err := queue.Open(queue.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	running, pid := sp.WorkerRunning()
	if !running || pid <= 0 {
		t.Fatalf("no background worker after pimmail send: %v %d", running, pid)
	}
	addr := freePort(t)
	p := startRelayProc(t, addr, append([]string{"--config", path}, fastRelayArgs...)...)
	waitLog(t, p, "another delivery worker holds the spool", 1)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := smtp.SendMail(addr, nil, "app@"+sandbox.RelayDomain, []string{"ops@" + sandbox.RelayDomain},
		[]byte("Subject: via relay\r\n\r\nbody\r\n")); err != nil {
		t.Fatal(err)
	}
	waitSubject(t, path, "via relay", 30*time.Second, p.log)
	if !strings.Contains(p.log(), "the sandbox process ended") {
		t.Errorf("the relay's log does not say it moved to another sandbox:\n%s", p.log())
	}
}

// A second relay on the same address names the one running (its process)
// instead of Go's "bind: address already in use".
func TestSecondRelayNamesTheFirst(t *testing.T) {
	path := relayConfig(t)
	addr := freePort(t)
	p := startRelayProc(t, addr, "--config", path)
	sp, err := queue.Open(queue.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if st, ok := sp.ReadRelayState(); ok && st.PID == p.cmd.Process.Pid {
			break
		}
	}
	// Without a local user, the startup log says that no AUTH is offered.
	waitLog(t, p, "no local users: EHLO offers no AUTH", 1)
	r := pimmail(t, "relay", "--config", path, "--listen", addr)
	expect(t, r, exitUsage, fmt.Sprintf("already running on %s (process %d)", addr, p.cmd.Process.Pid))
	if strings.Contains(r.stderr, "bind:") {
		t.Errorf("Go's error shown:\n%s", r.stderr)
	}
}
