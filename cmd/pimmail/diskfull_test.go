//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/queue"
)

// A full disk while accepting: pimmail send answers 75 (try again later),
// says why, and leaves neither a torn message in the queue nor a temporary
// file; what was queued before is intact, and once there is room a message
// is accepted again. Needs root for a 1 MB tmpfs.
func TestSendDiskFull(t *testing.T) {
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1M,mode=0700", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a 1 MB tmpfs (needs root): %v %s", err, out)
	}
	t.Cleanup(func() {
		// A delivery worker that send started may still hold a file in
		// the mount for a moment (stopWorkers ends it): wait for it, and
		// detach the mount lazily if it never lets go.
		for range 50 {
			if exec.Command("umount", mnt).Run() == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		_ = exec.Command("umount", "-l", mnt).Run()
	})
	path := filepath.Join(mnt, "pimmail", "config.json")
	c := config.Default()
	c.Enabled = config.ProviderLocal
	c.Email.From = "pim@contoso.example"
	if err := config.Save(path, c); err != nil {
		t.Fatal(err)
	}
	stopWorkers(t, path)
	small := "Subject: small\n\nfits\n"
	expect(t, send(t, small, "--config", path, "a@example.com"), 0)
	before := queuedMessages(t, path)

	big := "Subject: big\n\n" + strings.Repeat(strings.Repeat("b", 998)+"\n", 1500) // 1.5 MB
	r := send(t, big, "--config", path, "a@example.com")
	expect(t, r, 75, "full", "nothing was queued")
	after := queuedMessages(t, path)
	if len(after) != len(before) {
		t.Errorf("queue went from %d to %d messages", len(before), len(after))
	}
	for id, m := range before {
		if after[id] != m {
			t.Errorf("message %s changed", id)
		}
	}
	if ents, _ := os.ReadDir(filepath.Join(queue.Dir(path), "tmp")); len(ents) != 0 {
		t.Errorf("temporary files left: %v", ents)
	}
	expect(t, send(t, small, "--config", path, "a@example.com"), 0)
}
