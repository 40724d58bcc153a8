package sandbox

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/pimmail/pimmail/secfile"
)

// A sandbox another process announces in the state directory is shared:
// Open attaches to it (refusing another scenario), Join attaches whatever
// it runs, and closing an attached one leaves it alone. Once that process
// is gone the announcement is stale: the next sandbox starts here and
// announces itself, and withdraws the announcement when closed.
func TestRunningAnnouncementIsShared(t *testing.T) {
	dir := t.TempDir()
	sb, err := Start(Options{StateDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	// The other process: a sandbox is served from here, announced under
	// the pid of a process that is not this one.
	other := exec.Command("sleep", "60")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = other.Process.Kill(); _ = other.Wait() }()
	ep := sb.Endpoints()
	a := Announcement{PID: other.Process.Pid, Scenario: "declined", Authority: ep.Authority,
		SMTPHost: ep.SMTPHost, SMTPPort: ep.SMTPPort, RelayHost: ep.RelayHost, RelayPort: ep.RelayPort,
		LocalHost: ep.LocalHost, LocalPort: ep.LocalPort, CAPEM: string(sb.CAPEM())}
	b, _ := json.Marshal(a)
	if err := secfile.WriteFile(filepath.Join(dir, runningFileName), b); err != nil {
		t.Fatal(err)
	}

	if got, ok := Live(dir); !ok || got.PID != a.PID {
		t.Fatalf("Live = %+v, %v; want the announcement of process %d", got, ok, a.PID)
	}
	var busy *AlreadyRunningError
	if _, err := Open(dir, Options{Scenario: "throttled"}); !errors.As(err, &busy) || busy.Running.PID != a.PID {
		t.Fatalf("Open with another scenario: %v; want AlreadyRunningError naming process %d", err, a.PID)
	}
	for name, open := range map[string]func() (*Running, error){
		"Open":                 func() (*Running, error) { return Open(dir, Options{}) },
		"Join, other scenario": func() (*Running, error) { return Join(dir, Options{Scenario: "throttled"}) },
	} {
		r, err := open()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if r.Own != nil || r.PID != a.PID || r.Scenario != "declined" || r.Endpoints != ep || string(r.CAPEM) != a.CAPEM || r.RootCAs == nil {
			t.Errorf("%s did not attach to the running sandbox: %+v", name, r)
		}
		r.Close()
		if _, err := os.Stat(filepath.Join(dir, runningFileName)); err != nil {
			t.Fatalf("%s: closing an attached sandbox withdrew the other's announcement: %v", name, err)
		}
	}

	// The other process ends: its announcement no longer counts.
	_ = other.Process.Kill()
	_ = other.Wait()
	if _, ok := Live(dir); ok {
		t.Fatal("Live believes a sandbox runs in a process that has ended")
	}
	_ = sb.Close()
	own, err := Join(dir, Options{Scenario: "throttled"})
	if err != nil {
		t.Fatal(err)
	}
	if own.Own == nil || own.PID != os.Getpid() || own.Scenario != "throttled" {
		t.Fatalf("Join after the other ended: %+v; want a sandbox of this process", own)
	}
	if got, err := readAnnouncement(dir); err != nil || got.PID != os.Getpid() || got.Authority != own.Endpoints.Authority {
		t.Fatalf("the new sandbox's announcement: %+v, %v", got, err)
	}
	if st, err := os.Stat(filepath.Join(dir, runningFileName)); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("running.json: %v, mode %v; want 0600", err, st.Mode().Perm())
	}
	own.Close()
	if _, err := os.Stat(filepath.Join(dir, runningFileName)); !os.IsNotExist(err) {
		t.Fatalf("closing its own sandbox left the announcement: %v", err)
	}
}
