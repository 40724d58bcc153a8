//go:build !windows

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/queue"
	"github.com/pimmail/pimmail/sandbox"
)

// fastClock runs speed times faster than the wall clock from now on: the
// sandbox on it counts a "minute" in 60/speed seconds, so tests of the
// pacing take seconds instead of minutes.
func fastClock(speed int) func() time.Time {
	base := time.Now()
	return func() time.Time { return base.Add(time.Since(base) * time.Duration(speed)) }
}

// mailSandbox starts the sandbox for the configuration at path in this
// process, announced in its state directory so the pimmail processes the
// test runs deliver into it, on a clock speed times faster (1: real time).
func mailSandbox(t *testing.T, path, scenario string, speed int) *sandbox.Running {
	t.Helper()
	o := sandbox.Options{Scenario: scenario}
	if speed > 1 {
		o.Now = fastClock(speed)
		// The token's life in wall-clock time stays about an hour.
		o.AccessTokenLifetime = time.Duration(speed) * time.Hour
	}
	sb, err := sandbox.StartAnnounced(config.SandboxDir(path), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	return sb
}

// stopWorkers ends the delivery worker a test's pimmail send started (its
// PID is in the spool's lock file), so none outlives the test.
func stopWorkers(t *testing.T, path string) {
	t.Cleanup(func() {
		sp, err := queue.Open(queue.Dir(path))
		if err != nil {
			return
		}
		// A worker pimmail send started may still be starting: look for
		// one for a while before concluding there is none.
		deadline := time.Now().Add(2 * time.Second)
		for range 100 {
			running, pid := sp.WorkerRunning()
			if !running {
				if time.Now().After(deadline) {
					return
				}
				time.Sleep(100 * time.Millisecond)
				continue
			}
			deadline = time.Now().Add(300 * time.Millisecond)
			if pid > 0 {
				_ = syscall.Kill(pid, syscall.SIGTERM)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

// send runs pimmail send with stdin.
func send(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	return runWith(t, binary, stdin, append([]string{"send"}, args...)...)
}

func runWith(t *testing.T, exe, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, args...)
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "PIMMAIL_DEBUG_LOG=")
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %s %v: %v", exe, args, err)
	}
	return result{out.String(), errb.String(), code}
}

func TestSendWaitDeliversUnchanged(t *testing.T) {
	path := sandboxConfig(t, config.ProviderEntra, nil)
	mailSandbox(t, path, "", 1)
	stopWorkers(t, path)
	msg := "From: " + sandbox.DefaultMailbox + "\r\nTo: ops@example.com\r\nSubject: disk full on pim01\r\n" +
		"X-Check: kept\r\n\r\nline one\r\n.leading dot\r\n"
	r := send(t, msg, "--wait", "--sandbox", "--config", path, "ops@example.com")
	expect(t, r, 0, "Server reply: 250")
	got := storedMail(t, path)
	if len(got) != 1 {
		t.Fatalf("the sandbox stored %d messages, want 1", len(got))
	}
	for _, want := range []string{"Subject: disk full on pim01", "X-Check: kept", "\r\n.leading dot\r\n", "Message-ID: <", "Date: "} {
		if !strings.Contains(got[0], want) {
			t.Errorf("stored message lacks %q:\n%s", want, got[0])
		}
	}
}

// --wait on a message the server refuses for good: exit 69 with the
// wizard's diagnosis, and the message is in failed/.
func TestSendWaitRefused(t *testing.T) {
	path := sandboxConfig(t, config.ProviderEntra, nil)
	mailSandbox(t, path, "send-as-denied", 1)
	stopWorkers(t, path)
	// --keep-sender: by default the From would go out as the mailbox.
	r := send(t, "From: ceo@contoso-sandbox.onmicrosoft.com\nSubject: x\n\nx\n", "--wait", "--keep-sender", "--config", path, "ops@example.com")
	expect(t, r, 69, "not delivered", "failed/", "554 5.2.252", "Add-RecipientPermission")
	expect(t, pimmail(t, "queue", "--config", path), 0, "failed", "554 5.2.252")
}
