package sandbox

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/pimmail/pimmail/secfile"
)

// One sandbox per state directory at a time.
//
// The sandbox keeps its Entra stand-in on the port it had last time, so
// that a token cache saved against it (MSAL keys accounts by host and
// port) stays valid. A second sandbox on the same state directory, while
// the first runs, cannot have that port: its sign-ins would not match the
// saved ones, and it would remember its own port from then on. So the
// process running a sandbox announces it in the state directory
// (running.json, 0600: its pid, endpoints and CA), and every other pimmail
// command for that directory uses the running one instead of starting its
// own: `pimmail --sandbox` and `pimmail test` then talk to the sandbox
// `pimmail sandbox` shows in the other terminal, with its scenario and its
// device login page.

// runningFileName announces a running sandbox in its state directory.
const runningFileName = "running.json"

// caFileName is the sandbox CA's PEM file in the state directory, for
// other tools (swaks, msmtp) to trust.
const caFileName = "ca.pem"

// Announcement is what a process running a sandbox announces in its
// state directory.
type Announcement struct {
	PID       int    `json:"pid"`
	Scenario  string `json:"scenario"`
	Authority string `json:"authority"`
	SMTPHost  string `json:"smtpHost"`
	SMTPPort  int    `json:"smtpPort"`
	RelayHost string `json:"relayHost"`
	RelayPort int    `json:"relayPort"`
	LocalHost string `json:"localHost"`
	LocalPort int    `json:"localPort"`
	CAPEM     string `json:"caPem"`
}

// endpoints are where the announced sandbox listens.
func (a Announcement) endpoints() Endpoints {
	return Endpoints{Authority: a.Authority, SMTPHost: a.SMTPHost, SMTPPort: a.SMTPPort,
		RelayHost: a.RelayHost, RelayPort: a.RelayPort, LocalHost: a.LocalHost, LocalPort: a.LocalPort}
}

// Running is the sandbox a command uses: its own, or one another pimmail
// process runs for the same state directory. Close it when done.
type Running struct {
	// Endpoints are where its stand-ins listen.
	Endpoints Endpoints
	// RootCAs holds its CA, the only root a client of it needs.
	RootCAs *x509.CertPool
	// CAPEM is that CA as PEM.
	CAPEM []byte
	// Scenario is the scenario it runs ("" for none).
	Scenario string
	// Own is the sandbox this process started; nil when attached.
	Own *Sandbox
	// PID is the process running the sandbox (this one when Own is set).
	PID      int
	stateDir string
}

// Close stops an own sandbox and withdraws its announcement; attached
// runs leave the other process alone.
func (r *Running) Close() {
	if r.Own == nil {
		return
	}
	if a, err := readAnnouncement(r.stateDir); err == nil && a.PID == os.Getpid() {
		_ = os.Remove(filepath.Join(r.stateDir, runningFileName))
	}
	_ = r.Own.Close()
}

// WriteCA writes the CA certificate (PEM, 0600) into the state directory
// and returns its path.
func (r *Running) WriteCA() (string, error) {
	p := filepath.Join(r.stateDir, caFileName)
	return p, secfile.WriteFile(p, r.CAPEM)
}

// AlreadyRunningError is a sandbox running for the state directory that
// cannot be shared (another scenario asked for, or a second foreground run).
type AlreadyRunningError struct {
	StateDir string
	Running  Announcement
	// Why says what to do instead.
	Why string
}

func (e *AlreadyRunningError) Error() string {
	sc := e.Running.Scenario
	if sc == "" {
		sc = "none"
	}
	return fmt.Sprintf("a sandbox is already running for %s (process %d, scenario %s); %s",
		e.StateDir, e.Running.PID, sc, e.Why)
}

// Open returns the sandbox for stateDir: the running one when another
// pimmail process has it (and opts.Scenario is empty or the same), else a
// new one in this process, announced for the others.
func Open(stateDir string, opts Options) (*Running, error) {
	a, ok := Live(stateDir)
	if !ok {
		return StartAnnounced(stateDir, opts)
	}
	if opts.Scenario != "" && opts.Scenario != a.Scenario {
		return nil, &AlreadyRunningError{StateDir: stateDir, Running: a,
			Why: "stop it (Ctrl+C in its terminal) to start one with scenario " + opts.Scenario + ", or leave out --scenario to use it"}
	}
	return Attach(stateDir, a)
}

// Join returns the sandbox running for stateDir whatever its scenario
// (the other process owns it), else a new one in this process with opts,
// announced for the others.
func Join(stateDir string, opts Options) (*Running, error) {
	if a, ok := Live(stateDir); ok {
		return Attach(stateDir, a)
	}
	return StartAnnounced(stateDir, opts)
}

// Attach is the sandbox another process runs for stateDir, as its
// announcement a describes it.
func Attach(stateDir string, a Announcement) (*Running, error) {
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM([]byte(a.CAPEM)) {
		return nil, fmt.Errorf("the running sandbox's announcement in %s holds no CA certificate", stateDir)
	}
	return &Running{Endpoints: a.endpoints(), RootCAs: roots, CAPEM: []byte(a.CAPEM), Scenario: a.Scenario,
		PID: a.PID, stateDir: stateDir}, nil
}

// StartAnnounced starts a sandbox in this process for stateDir and
// announces it there for the other pimmail processes. The caller has found
// none running (Live).
func StartAnnounced(stateDir string, opts Options) (*Running, error) {
	opts.StateDir = stateDir
	sb, err := Start(opts)
	if err != nil {
		return nil, err
	}
	ep := sb.Endpoints()
	a := Announcement{PID: os.Getpid(), Scenario: opts.Scenario, Authority: ep.Authority,
		SMTPHost: ep.SMTPHost, SMTPPort: ep.SMTPPort, RelayHost: ep.RelayHost, RelayPort: ep.RelayPort,
		LocalHost: ep.LocalHost, LocalPort: ep.LocalPort, CAPEM: string(sb.CAPEM())}
	if stateDir != "" {
		b, _ := json.MarshalIndent(a, "", "  ")
		if err := secfile.WriteFile(filepath.Join(stateDir, runningFileName), b); err != nil {
			_ = sb.Close()
			return nil, fmt.Errorf("announce the sandbox in %s: %w", stateDir, err)
		}
	}
	return &Running{Endpoints: ep, RootCAs: sb.RootCAs(), CAPEM: sb.CAPEM(), Scenario: opts.Scenario,
		Own: sb, PID: os.Getpid(), stateDir: stateDir}, nil
}

// readAnnouncement reads the announcement in stateDir.
func readAnnouncement(stateDir string) (Announcement, error) {
	var a Announcement
	if stateDir == "" {
		return a, os.ErrNotExist
	}
	b, err := secfile.ReadFile(filepath.Join(stateDir, runningFileName))
	if err != nil {
		return a, err
	}
	err = json.Unmarshal(b, &a)
	return a, err
}

// Live returns the announcement in stateDir when its process still runs
// and its Entra stand-in answers; a file left behind by a crash is ignored
// (and replaced by the next sandbox that starts).
func Live(stateDir string) (Announcement, bool) {
	a, err := readAnnouncement(stateDir)
	if err != nil || a.PID <= 0 || a.PID == os.Getpid() || a.Authority == "" {
		return a, false
	}
	if !processAlive(a.PID) {
		return a, false
	}
	u, err := url.Parse(a.Authority)
	if err != nil || u.Host == "" {
		return a, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return a, false
	}
	_ = conn.Close()
	return a, true
}
