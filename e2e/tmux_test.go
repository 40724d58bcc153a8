// Package e2e drives the built pimmail binary in a real terminal, as a
// person would: tmux runs it at 80x24, send-keys types, capture-pane reads
// the screen. The tests skip when tmux is missing, except in CI (CI=true),
// where .ci/run installs it and a missing tmux is a failure.
package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// binary is the pimmail binary built once for all tests.
var binary string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "pimmail-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "pimmail")
	// -race and -cover: the binary's own code is race-checked and measured
	// (coverage lands in GOCOVERDIR; see coverDir).
	if err := coverDir(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	build := exec.Command("go", "build", "-race", "-cover", "-o", binary, "../cmd/pimmail")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building pimmail:", err)
		return 1
	}
	return m.Run()
}

// term is one tmux server with one 80x24 window running a command.
type term struct {
	t      *testing.T
	socket string
}

// needTmux skips without tmux, but fails in CI where .ci/run installs it.
func needTmux(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tmux is missing in CI; .ci/run should have installed it")
		}
		t.Skip("tmux not installed; apt-get install -y tmux to run the terminal tests")
	}
}

// startTerm runs argv in a fresh tmux server at width x height with env.
func startTerm(t *testing.T, width, height int, env []string, argv ...string) *term {
	t.Helper()
	needTmux(t)
	tm := &term{t: t, socket: fmt.Sprintf("pimmail-e2e-%d-%d", os.Getpid(), time.Now().UnixNano())}
	args := []string{"-L", tm.socket, "-f", "/dev/null", "new-session", "-d", "-s", "e2e",
		"-x", fmt.Sprint(width), "-y", fmt.Sprint(height)}
	for _, e := range env {
		args = append(args, "-e", e)
	}
	// remain-on-exit keeps the pane after the program ends, so the test can
	// read its last screen and its exit status.
	args = append(args, strings.Join(quoteAll(argv), " ")+"; echo PIMMAIL-EXIT=$?; sleep 600")
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", tm.socket, "kill-server").Run() })
	return tm
}

func quoteAll(argv []string) []string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return q
}

// screen returns the visible pane text.
func (tm *term) screen() string {
	out, err := exec.Command("tmux", "-L", tm.socket, "capture-pane", "-p", "-t", "e2e").Output()
	if err != nil {
		tm.t.Fatalf("capture-pane: %v", err)
	}
	return string(out)
}

// keys sends tmux key names (e.g. "Enter", "Escape", "C-c", "Tab").
func (tm *term) keys(keys ...string) {
	tm.t.Helper()
	args := append([]string{"-L", tm.socket, "send-keys", "-t", "e2e"}, keys...)
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		tm.t.Fatalf("send-keys %v: %v\n%s", keys, err, out)
	}
}

// typeText types text literally, as a person typing.
func (tm *term) typeText(text string) {
	tm.t.Helper()
	if out, err := exec.Command("tmux", "-L", tm.socket, "send-keys", "-t", "e2e", "-l", text).CombinedOutput(); err != nil {
		tm.t.Fatalf("send-keys -l: %v\n%s", err, out)
	}
}

// paste pastes text through a tmux buffer with bracketed paste, as a
// terminal does when the admin pastes from the portal.
func (tm *term) paste(text string) {
	tm.t.Helper()
	load := exec.Command("tmux", "-L", tm.socket, "load-buffer", "-b", "p", "-")
	load.Stdin = strings.NewReader(text)
	if out, err := load.CombinedOutput(); err != nil {
		tm.t.Fatalf("load-buffer: %v\n%s", err, out)
	}
	if out, err := exec.Command("tmux", "-L", tm.socket, "paste-buffer", "-p", "-d", "-b", "p", "-t", "e2e").CombinedOutput(); err != nil {
		tm.t.Fatalf("paste-buffer: %v\n%s", err, out)
	}
}

// waitFor waits until the screen contains want, failing with the last
// screen after timeout.
func (tm *term) waitFor(want string, timeout time.Duration) string {
	tm.t.Helper()
	deadline := time.Now().Add(timeout)
	var s string
	for time.Now().Before(deadline) {
		s = tm.screen()
		if strings.Contains(s, want) {
			return s
		}
		time.Sleep(100 * time.Millisecond)
	}
	tm.t.Fatalf("screen never showed %q within %v; last screen:\n%s", want, timeout, s)
	return s
}

// exitCode waits for the program to end and returns its exit status.
func (tm *term) exitCode(timeout time.Duration) string {
	tm.t.Helper()
	s := tm.waitFor("PIMMAIL-EXIT=", timeout)
	i := strings.Index(s, "PIMMAIL-EXIT=")
	rest := s[i+len("PIMMAIL-EXIT="):]
	if j := strings.IndexAny(rest, " \n"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// runCmd runs the binary without a terminal and returns its output and exit code.
func runCmd(t *testing.T, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return out.String(), code
}

// coverDir points GOCOVERDIR, which the children inherit, at a directory:
// the caller's when set (CI collects it), else one under dir. A binary
// built with -cover warns on every run without it.
func coverDir(dir string) error {
	if d := os.Getenv("GOCOVERDIR"); d != "" {
		return os.MkdirAll(d, 0o755)
	}
	d := filepath.Join(dir, "cover")
	if err := os.Mkdir(d, 0o700); err != nil {
		return err
	}
	return os.Setenv("GOCOVERDIR", d)
}
