package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/secfile"
	"github.com/pimmail/pimmail/steps"
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

// runningFile is what a process running a sandbox announces.
type runningFile struct {
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

// sandboxRun is the sandbox a command uses: its own, or one another
// pimmail process runs for the same state directory.
type sandboxRun struct {
	Authority string
	RootCAs   *x509.CertPool
	Hints     *steps.Hints
	Scenario  string
	// Own is the sandbox this process started; nil when attached.
	Own *sandbox.Sandbox
	// PID is the process running the sandbox (this one when Own is set).
	PID      int
	stateDir string
}

// Env is the steps environment for the config at path against this sandbox.
func (r *sandboxRun) Env(path string) steps.Env {
	return steps.Env{ConfigPath: path, Authority: r.Authority, RootCAs: r.RootCAs, Sandbox: r.Hints}
}

// Close stops an own sandbox and withdraws its announcement; attached
// runs leave the other process alone.
func (r *sandboxRun) Close() {
	if r.Own == nil {
		return
	}
	if rf, err := readRunning(r.stateDir); err == nil && rf.PID == os.Getpid() {
		_ = os.Remove(filepath.Join(r.stateDir, runningFileName))
	}
	_ = r.Own.Close()
}

// errAlreadyRunning is a sandbox running for the state directory that
// cannot be shared (another scenario asked for, or a second foreground run).
type errAlreadyRunning struct {
	stateDir string
	rf       runningFile
	why      string
}

func (e *errAlreadyRunning) Error() string {
	sc := e.rf.Scenario
	if sc == "" {
		sc = "none"
	}
	return fmt.Sprintf("a sandbox is already running for %s (process %d, scenario %s); %s",
		e.stateDir, e.rf.PID, sc, e.why)
}

// openSandbox returns the sandbox for stateDir: the running one when
// another pimmail process has it (and scenario is empty or the same), else
// a new one in this process, announced for the others.
func openSandbox(stateDir string, opts sandbox.Options) (*sandboxRun, error) {
	rf, ok := liveRunning(stateDir)
	if !ok {
		return startSandbox(stateDir, opts)
	}
	if opts.Scenario != "" && opts.Scenario != rf.Scenario {
		return nil, &errAlreadyRunning{stateDir: stateDir, rf: rf,
			why: "stop it (Ctrl+C in its terminal) to start one with scenario " + opts.Scenario + ", or leave out --scenario to use it"}
	}
	return attachSandbox(stateDir, rf)
}

// attachSandbox is the sandbox another process runs for stateDir, as its
// announcement rf describes it.
func attachSandbox(stateDir string, rf runningFile) (*sandboxRun, error) {
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM([]byte(rf.CAPEM)) {
		return nil, fmt.Errorf("the running sandbox's announcement in %s holds no CA certificate", stateDir)
	}
	return &sandboxRun{
		Authority: rf.Authority, RootCAs: roots, Scenario: rf.Scenario, PID: rf.PID, stateDir: stateDir,
		Hints: hintsFrom(sandbox.Endpoints{Authority: rf.Authority, SMTPHost: rf.SMTPHost, SMTPPort: rf.SMTPPort,
			RelayHost: rf.RelayHost, RelayPort: rf.RelayPort, LocalHost: rf.LocalHost, LocalPort: rf.LocalPort}),
	}, nil
}

// startSandbox starts a sandbox in this process for stateDir and announces
// it there for the other pimmail processes. The caller has found none
// running (liveRunning).
func startSandbox(stateDir string, opts sandbox.Options) (*sandboxRun, error) {
	opts.StateDir = stateDir
	sb, err := sandbox.Start(opts)
	if err != nil {
		return nil, err
	}
	ep := sb.Endpoints()
	rf := runningFile{PID: os.Getpid(), Scenario: opts.Scenario, Authority: ep.Authority,
		SMTPHost: ep.SMTPHost, SMTPPort: ep.SMTPPort, RelayHost: ep.RelayHost, RelayPort: ep.RelayPort,
		LocalHost: ep.LocalHost, LocalPort: ep.LocalPort, CAPEM: string(sb.CAPEM())}
	if stateDir != "" {
		b, _ := json.MarshalIndent(rf, "", "  ")
		if err := secfile.WriteFile(filepath.Join(stateDir, runningFileName), b); err != nil {
			_ = sb.Close()
			return nil, fmt.Errorf("announce the sandbox in %s: %w", stateDir, err)
		}
	}
	return &sandboxRun{Authority: ep.Authority, RootCAs: sb.RootCAs(), Hints: hintsFor(sb), Scenario: opts.Scenario,
		Own: sb, PID: os.Getpid(), stateDir: stateDir}, nil
}

// readRunning reads the announcement in stateDir.
func readRunning(stateDir string) (runningFile, error) {
	var rf runningFile
	if stateDir == "" {
		return rf, os.ErrNotExist
	}
	b, err := secfile.ReadFile(filepath.Join(stateDir, runningFileName))
	if err != nil {
		return rf, err
	}
	err = json.Unmarshal(b, &rf)
	return rf, err
}

// liveRunning returns the announcement when its process still runs and its
// Entra stand-in answers; a file left behind by a crash is ignored (and
// replaced by the next sandbox that starts).
func liveRunning(stateDir string) (runningFile, bool) {
	rf, err := readRunning(stateDir)
	if err != nil || rf.PID <= 0 || rf.PID == os.Getpid() || rf.Authority == "" {
		return rf, false
	}
	if err := syscall.Kill(rf.PID, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return rf, false
	}
	u, err := url.Parse(rf.Authority)
	if err != nil || u.Host == "" {
		return rf, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return rf, false
	}
	_ = conn.Close()
	return rf, true
}
