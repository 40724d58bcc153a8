//go:build !windows

package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/queue"
)

// queueMessages queues n messages for path without starting a worker.
func queueMessages(t *testing.T, path string, n int) {
	t.Helper()
	sp, err := queue.Open(queue.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := sp.Enqueue(queue.Envelope{To: []string{"ops@example.com"}, Source: "test"},
			strings.NewReader(fmt.Sprintf("Subject: m%d\r\n\r\nbody\r\n", i))); err != nil {
			t.Fatal(err)
		}
	}
}

// waitDelivered waits until the sandbox stored n messages.
func waitDelivered(t *testing.T, path string, n int) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); mailIn(t, path) < n; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d delivered", mailIn(t, path), n)
		}
	}
}

// While the delivery worker drains the queue with its default connections,
// pimmail test still gets one of the mailbox's 3; a worker told to take all
// 3 makes pimmail test fail with 432 4.3.2, and test says it is pimmail's
// own worker (its process ID).
func TestWorkerLeavesAConnection(t *testing.T) {
	path := sandboxConfig(t, config.ProviderEntra, nil)
	mailSandbox(t, path, "", 1)
	queueMessages(t, path, 8)
	w := startWorker(t, path, time.Minute)
	waitDelivered(t, path, 8) // its sessions stay open 10 s after
	expect(t, pimmail(t, "test", "--config", path), 0, "Test email sent")
	_ = w.Process.Kill()
	_ = w.Wait()

	queueMessages(t, path, 8)
	w = startWorker(t, path, time.Minute, "--connections", "3")
	waitDelivered(t, path, 17)
	expect(t, pimmail(t, "test", "--config", path), 1, "432 4.3.2",
		fmt.Sprintf("pimmail's delivery worker (process %d) holds connections", w.Process.Pid))
	expect(t, pimmail(t, "queue", "run", "--config", path, "--connections", "4"), exitUsage, "give 1 to 3")
}

// pimmail queue without a configuration says there is none and writes
// nothing (no spool beside a configuration that does not exist).
func TestQueueWithoutConfiguration(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/pimmail/config.json"
	for _, args := range [][]string{{"queue", "--config", path}, {"queue", "--json", "--config", path}, {"queue", "retry", "--all", "--config", path}} {
		expect(t, pimmail(t, args...), exitUsage, "There is no configuration at "+path)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("pimmail queue wrote %v without a configuration", entries)
	}
}
