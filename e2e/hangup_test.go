//go:build linux

package e2e

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// pimmailPID is the pid of the pimmail process this test started in the
// pane: the child of the pane's shell.
func (tm *term) pimmailPID() int {
	tm.t.Helper()
	out, err := exec.Command("tmux", "-L", tm.socket, "display", "-p", "-t", "e2e", "#{pane_pid}").Output()
	if err != nil {
		tm.t.Fatalf("tmux display: %v", err)
	}
	shell := strings.TrimSpace(string(out))
	kids, err := os.ReadFile("/proc/" + shell + "/task/" + shell + "/children")
	if err != nil {
		tm.t.Skipf("cannot list the pane's processes: %v", err)
	}
	f := strings.Fields(string(kids))
	if len(f) != 1 {
		tm.t.Fatalf("the pane's shell has children %q, want pimmail alone", f)
	}
	pid, err := strconv.Atoi(f[0])
	if err != nil {
		tm.t.Fatal(err)
	}
	return pid
}

// TestHangupRestoresTerminal: a dropped SSH session (SIGHUP) ends the
// wizard with the terminal restored, as Ctrl+C and SIGTERM do, and
// nothing saved.
func TestHangupRestoresTerminal(t *testing.T) {
	xdg := t.TempDir()
	tm := wizard(t, xdg)
	tm.waitFor("Step 1 of", stepWait)
	if err := syscall.Kill(tm.pimmailPID(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if code := tm.exitCode(stepWait); code == "0" {
		t.Errorf("SIGHUP exited 0; want a non-zero status (nothing saved)")
	}
	tm.restored()
}

// TestScreenTermGetsBold: TERM=screen (GNU screen, older tmux), which termenv takes
// for a terminal without attributes; the wizard still draws its header in
// bold there (SGR 1), as screen and the VT100 family can.
func TestScreenTermGetsBold(t *testing.T) {
	xdg := t.TempDir()
	// tmux sets the pane's TERM itself: env sets it for pimmail alone.
	tm := startTerm(t, 80, 24, []string{"XDG_CONFIG_HOME=" + xdg}, "env", "TERM=screen", "COLORTERM=", "NO_COLOR=", binary, "--sandbox")
	tm.waitFor("Step 1 of", stepWait)
	out, err := exec.Command("tmux", "-L", tm.socket, "capture-pane", "-e", "-p", "-t", "e2e").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "\x1b[1m") {
		t.Errorf("no bold on a TERM=screen pane:\n%q", out)
	}
	tm.keys("C-c")
	tm.exitCode(stepWait)
}
