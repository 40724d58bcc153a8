package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/secret"
	"github.com/pimmail/pimmail/steps"
)

// binary is pimmail built once for these tests, with a version stamped in.
var binary string

const testVersion = "1.2.3-test"

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "pimmail-cmd-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "pimmail")
	// -race and -cover: command code is race-checked and measured; the
	// coverage lands in GOCOVERDIR (the caller's, or one under dir).
	cover := os.Getenv("GOCOVERDIR")
	if cover == "" {
		cover = filepath.Join(dir, "cover")
		if err := os.Mkdir(cover, 0o700); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if err := os.Setenv("GOCOVERDIR", cover); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	} else if err := os.MkdirAll(cover, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	build := exec.Command("go", "build", "-race", "-cover", "-ldflags", "-X main.version="+testVersion, "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building pimmail:", err)
		return 1
	}
	return m.Run()
}

// result is one run of the binary.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout:\n%s\n--- stderr:\n%s", r.code, r.stdout, r.stderr)
}

// pimmail runs the binary without a terminal (stdin is empty, output is
// captured), with HOME and XDG_CONFIG_HOME in a temporary directory so the
// tests never touch the real user's files.
func pimmail(t *testing.T, args ...string) result {
	t.Helper()
	return pimmailEnv(t, nil, args...)
}

// pimmailEnv is pimmail with extra environment variables (NAME=value).
func pimmailEnv(t *testing.T, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	home := t.TempDir()
	// A known terminal type and no ACCESSIBLE, whatever CI's environment
	// says: TERM=dumb or ACCESSIBLE=1 would choose the line mode (a test
	// that wants it says so in env, which comes last and wins).
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "PIMMAIL_DEBUG_LOG=",
		"TERM=xterm-256color", "ACCESSIBLE=")
	cmd.Env = append(cmd.Env, env...)
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(""), &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run pimmail %v: %v", args, err)
	}
	return result{out.String(), errb.String(), code}
}

// expect fails unless r exited with code and its output holds every want.
func expect(t *testing.T, r result, code int, wants ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("want exit %d; got %v", code, r)
	}
	all := r.stdout + r.stderr
	for _, w := range wants {
		if !strings.Contains(all, w) {
			t.Errorf("output lacks %q; got %v", w, r)
		}
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}, {"setup", "--version"}} {
		r := pimmail(t, args...)
		expect(t, r, 0)
		if !strings.HasPrefix(r.stdout, "pimmail "+testVersion+"\n") {
			t.Errorf("pimmail %v printed %q", args, r.stdout)
		}
	}
}

func TestHelp(t *testing.T) {
	tests := []struct {
		args  []string
		wants []string
	}{
		{[]string{"--help"}, []string{"pimmail test", "pimmail status", "pimmail sandbox", "--sandbox", "PIMMAIL_DEBUG_LOG", "tokencache.json",
			"[--timeout DUR]", "--scenario NAME]", "mode 0600", "creates for them gets mode 0700"}},
		{[]string{"help"}, []string{"Usage:"}},
		{[]string{"setup", "--help"}, []string{"-config", "-sandbox", "-scenario", "needs a terminal"}},
		{[]string{"--sandbox", "--help"}, []string{"-scenario"}},
		{[]string{"test", "--help"}, []string{"-to", "-config", "-verbose", "-timeout", "-scenario", "Exit status: 0"}},
		{[]string{"status", "-h"}, []string{"-config", "-scenario", "masked", "refresh token"}},
		{[]string{"sandbox", "--help"}, []string{"-scenario", "-list-scenarios", "-state-dir", "-approve-after", "swaks"}},
	}
	for _, tt := range tests {
		r := pimmail(t, tt.args...)
		expect(t, r, 0, tt.wants...)
		if r.stderr != "" {
			t.Errorf("pimmail %v --help wrote to stderr: %s", tt.args, r.stderr)
		}
		// An existing directory keeps its mode: promise no 0700 one.
		if strings.Contains(r.stdout, "in a 0700 directory") {
			t.Errorf("pimmail %v promises a 0700 directory:\n%s", tt.args, r.stdout)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"test", "--nope"}, "unknown flag --nope"},
		{[]string{"status", "extra"}, `unexpected argument "extra"`},
		{[]string{"--scenario", "declined"}, "--scenario works only with --sandbox"},
		{[]string{"sandbox", "--scenario", "no-such-thing", "--state-dir", "STATE"}, `unknown scenario "no-such-thing"`},
		{[]string{"test", "--config", "CONFIG", "--to", "Ops <ops@contoso.com>"}, "without a display name"},
	}
	for _, tt := range tests {
		args := append([]string(nil), tt.args...)
		for i, a := range args {
			switch a {
			case "STATE":
				args[i] = filepath.Join(t.TempDir(), "state")
			case "CONFIG":
				args[i] = localConfig(t)
			}
		}
		expect(t, pimmail(t, args...), 2, tt.want)
	}
}

// TestWizardNeedsTerminal: without a terminal the wizard explains and
// points to the commands that work, instead of drawing garbage.
func TestWizardNeedsTerminal(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pimmail", "config.json")
	for _, args := range [][]string{{"--config", path}, {"setup", "--config", path}, {"--sandbox", "--config", path}} {
		r := pimmail(t, args...)
		expect(t, r, 2, "needs a terminal", "pimmail test", "pimmail status")
		if r.stdout != "" {
			t.Errorf("pimmail %v wrote to stdout without a terminal: %q", args, r.stdout)
		}
	}
	if _, err := os.Stat(filepath.Dir(path)); !os.IsNotExist(err) {
		t.Errorf("the refused wizard created %s", filepath.Dir(path))
	}
}

// localConfig saves a complete Local SMTP configuration and returns its path.
func localConfig(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pimmail", "config.json")
	c := config.Default()
	c.Enabled = config.ProviderLocal
	c.Email.From = "pim@contoso.example"
	if err := config.Save(path, c); err != nil {
		t.Fatal(err)
	}
	return path
}

// sandboxEnv is the environment of a run against sb: its authority, its
// CA as the only root, its endpoints.
func sandboxEnv(sb *sandbox.Sandbox, path string) steps.Env {
	return steps.Env{
		ConfigPath: path,
		Authority:  sb.Endpoints().Authority,
		RootCAs:    sb.RootCAs(),
		Sandbox:    hintsFor(sb),
	}
}

// sandboxConfig makes a configuration the way `pimmail --sandbox` does:
// the steps against a sandbox in the config's sandbox directory, through
// the device-code sign-in to Save. The sandbox is closed before it
// returns, as the wizard's is when it ends; the binary starts its own.
func sandboxConfig(t *testing.T, p config.Provider, edit func(*config.Config)) string {
	t.Helper()
	return sandboxConfigOpts(t, p, nil, edit)
}

// sandboxConfigOpts is sandboxConfig with the sandbox's options adjusted.
func sandboxConfigOpts(t *testing.T, p config.Provider, opts func(*sandbox.Options), edit func(*config.Config)) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pimmail", "config.json")
	o := sandbox.Options{StateDir: config.SandboxDir(path), ApproveAfter: 10 * time.Millisecond, PollInterval: 10 * time.Millisecond}
	if opts != nil {
		opts(&o)
	}
	sb, err := sandbox.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	run, start := steps.Open(sandboxEnv(sb, path))
	c := start.Config
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if p == config.ProviderEntra {
		c.Entra.TenantID, c.Entra.ClientID = sandbox.DefaultTenantID, sandbox.DefaultClientID
		c.Entra.ClientSecret = secret.New(sandbox.DefaultClientSecret)
		lg, err := run.StartLogon(ctx, c.Entra)
		if err != nil {
			t.Fatal(err)
		}
		in, err := lg.Wait(ctx)
		if err != nil {
			t.Fatal(err)
		}
		c.Entra.Mailbox = in.Mailbox
	} else {
		c.Email.From = "pim@" + sandbox.RelayDomain
	}
	if edit != nil {
		edit(&c)
	}
	if _, err := run.Save(c, p, false); err != nil {
		t.Fatalf("Save: %v", err)
	}
	return path
}

// mailIn counts the .eml files the sandbox wrote for path's configuration.
func mailIn(t *testing.T, path string) int {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(config.SandboxDir(path), "mail"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".eml") {
			n++
		}
	}
	return n
}

// noSecrets fails when the output shows the client secret, a token or an
// XOAUTH2 line ("eyJ" starts a JWT; "dXNlcj" is base64 of "user=").
func noSecrets(t *testing.T, r result) {
	t.Helper()
	all := r.stdout + r.stderr
	for _, s := range []string{sandbox.DefaultClientSecret, "eyJ", "dXNlcj"} {
		if strings.Contains(all, s) {
			t.Errorf("output shows a secret (%q): %v", s, r)
		}
	}
}

func TestTestAndStatusEntra(t *testing.T) {
	path := sandboxConfig(t, config.ProviderEntra, func(c *config.Config) { c.Email.DisplayName = "PIM Alerts" })
	before := mailIn(t, path)

	r := pimmail(t, "test", "--config", path)
	expect(t, r, 0, "Test email sent to "+sandbox.DefaultMailbox, "Microsoft Entra ID SMTP Client", "Server reply: 250", "Sent as:")
	noSecrets(t, r)
	if got := mailIn(t, path); got != before+1 {
		t.Errorf("sandbox mail folder has %d messages, want %d", got, before+1)
	}

	r = pimmail(t, "test", "--config", path, "--verbose", "--to", "ops@contoso.example")
	expect(t, r, 0, "Test email sent to ops@contoso.example", "Transcript", "AUTH XOAUTH2", "EHLO", "STARTTLS")
	noSecrets(t, r)

	r = pimmail(t, "status", "--config", path)
	expect(t, r, 0, "Enabled:", "Microsoft Entra ID SMTP Client [enabled]", "SMTP Relay [disabled]", "Local SMTP [disabled]",
		sandbox.DefaultTenantID, sandbox.DefaultClientID, secret.Mask+sandbox.DefaultClientSecret[len(sandbox.DefaultClientSecret)-4:],
		"Mailbox:", sandbox.DefaultMailbox, "Token cache:", "last written", "Token now:     yes", "Sandbox:", "mode 0600")
	noSecrets(t, r)
}

func TestTestDiagnosesFailure(t *testing.T) {
	// A From the mailbox may not send as: Exchange answers 554 5.2.252.
	path := sandboxConfig(t, config.ProviderEntra, func(c *config.Config) { c.Email.From = "ceo@" + sandbox.DefaultTenantDomain })
	r := pimmail(t, "test", "--config", path, "--verbose")
	expect(t, r, 1, "did not go out", "Fix:", "Add-RecipientPermission", "Details:", "5.2.252", "Transcript")
	noSecrets(t, r)
	if !strings.Contains(r.stderr, "Warning:") {
		t.Errorf("no Send As warning before sending: %v", r)
	}

	// The sign-in is gone: test fails with the diagnosis, status says no token.
	path = sandboxConfig(t, config.ProviderEntra, nil)
	if err := os.Remove(config.CachePath(path)); err != nil {
		t.Fatal(err)
	}
	r = pimmail(t, "test", "--config", path)
	expect(t, r, 1, "The mailbox must sign in again", "Fix:")
	r = pimmail(t, "status", "--config", path)
	expect(t, r, 1, "Token now:     no", "none yet")
}

func TestTestRelayAndLocal(t *testing.T) {
	for _, p := range []config.Provider{config.ProviderRelay, config.ProviderLocal} {
		t.Run(string(p), func(t *testing.T) {
			path := sandboxConfig(t, p, nil)
			r := pimmail(t, "test", "--config", path)
			expect(t, r, 0, "Test email sent to pim@"+sandbox.RelayDomain, p.Label(), "Server reply: 250")
			// Local SMTP's "queued" is not delivery: say where to look.
			if local := strings.Contains(r.stdout, "not delivery yet") && strings.Contains(r.stdout, "journalctl -u postfix"); local != (p == config.ProviderLocal) {
				t.Errorf("queued note shown: %v, want %v: %v", local, p == config.ProviderLocal, r)
			}
			// The relay test went to its own domain (the From's): that
			// proves no relaying, and the output says how to prove it.
			caution := strings.Contains(strings.Join(strings.Fields(r.stdout), " "),
				"⚠ The test went to your own domain only: mail to external recipients is not proven. "+
					"Send a test to an external address (pimmail test --to <external address>) before relying on it.")
			if caution != (p == config.ProviderRelay) {
				t.Errorf("own-domain caution shown: %v, want %v: %v", caution, p == config.ProviderRelay, r)
			}
			if mailIn(t, path) != 1 {
				t.Errorf("no message in the sandbox mail folder")
			}
			r = pimmail(t, "status", "--config", path)
			expect(t, r, 0, p.Label()+" [enabled]", "Microsoft Entra ID SMTP Client [disabled]", "Login:")
			if strings.Contains(r.stdout, "Token now") {
				t.Errorf("status checks a token for a disabled Entra provider: %v", r)
			}
		})
	}
}

func TestCommandsOnBrokenConfig(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pimmail")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.json")
	malformed := filepath.Join(dir, "malformed.json")
	if err := os.WriteFile(malformed, []byte("{\n  \"enabled\": local-smtp\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	open := filepath.Join(t.TempDir(), "open.json")
	if err := config.Save(open, config.Default()); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o644); err != nil {
		t.Fatal(err)
	}
	none := filepath.Join(t.TempDir(), "none.json")
	if err := config.Save(none, config.Default()); err != nil {
		t.Fatal(err)
	}
	incomplete := filepath.Join(t.TempDir(), "incomplete.json")
	c := config.Default()
	c.Enabled = config.ProviderEntra
	if err := config.Save(incomplete, c); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path  string
		wants []string
	}{
		{missing, []string{"No configuration at " + missing, "Run pimmail"}},
		{malformed, []string{"line 2, column 14", "not valid JSON"}},
		{open, []string{"accessible to other users", "chmod 600"}},
		{none, []string{"No provider is enabled"}},
		{incomplete, []string{"incomplete", "Mailbox"}},
	}
	for _, tt := range tests {
		expect(t, pimmail(t, "test", "--config", tt.path), 2, tt.wants...)
		if tt.path != none && tt.path != incomplete {
			expect(t, pimmail(t, "status", "--config", tt.path), 2, tt.wants...)
		}
	}
	// Status of a config with nothing enabled is fine to look at.
	expect(t, pimmail(t, "status", "--config", none), 0, "Enabled:       none")
}

// TestSandboxCommand runs `pimmail sandbox` in the foreground, reads what it
// prints, uses the CA file it wrote, and stops it with Ctrl+C (SIGINT).
func TestSandboxCommand(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	text, stop := startForeground(t, "--state-dir", state, "--scenario", "declined", "--approve-after", "-1s")
	for _, want := range []string{sandbox.DefaultTenantID, sandbox.DefaultTenantDomain, sandbox.DefaultClientID,
		sandbox.DefaultClientSecret, sandbox.DefaultSecretID, sandbox.DefaultMailbox, "Smart host", "SMTP relay",
		sandbox.RelayDomain, "Local SMTP", "/devicelogin", "approve each sign-in there by hand", "declined",
		filepath.Join(state, "ca.pem"), filepath.Join(state, "mail")} {
		if !strings.Contains(text, want) {
			t.Errorf("pimmail sandbox does not print %q:\n%s", want, text)
		}
	}
	ca := filepath.Join(state, "ca.pem")
	st, err := os.Stat(ca)
	if err != nil {
		t.Fatalf("CA file: %v", err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("CA file mode %04o, want 0600", st.Mode().Perm())
	}
	if b, _ := os.ReadFile(ca); !bytes.HasPrefix(b, []byte("-----BEGIN CERTIFICATE-----")) {
		t.Errorf("CA file is not a PEM certificate")
	} else if blk, _ := pem.Decode(b); blk == nil || blk.Type != "CERTIFICATE" {
		t.Errorf("CA file does not decode as a certificate")
	}
	if rest := stop(); !strings.Contains(rest, "Sandbox stopped") {
		t.Errorf("no goodbye after Ctrl+C: %q", rest)
	}
}

// startForeground runs `pimmail sandbox` with args until it has printed
// everything, and returns it with a stop function (Ctrl+C, then wait).
func startForeground(t *testing.T, args ...string) (text string, stop func() string) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"sandbox"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var printed strings.Builder
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		printed.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "Press Ctrl+C") {
			break
		}
	}
	stopped := false
	stop = func() string {
		if stopped {
			return ""
		}
		stopped = true
		_ = cmd.Process.Signal(syscall.SIGINT)
		rest, _ := io.ReadAll(stdout)
		if err := cmd.Wait(); err != nil {
			t.Errorf("pimmail sandbox after Ctrl+C: %v\n%s", err, stderr.String())
		}
		return string(rest)
	}
	t.Cleanup(func() { stop() })
	if !strings.Contains(printed.String(), "Press Ctrl+C") {
		t.Fatalf("pimmail sandbox did not start:\n%s\n%s", printed.String(), stderr.String())
	}
	return printed.String(), stop
}

// TestSandboxShared: while `pimmail sandbox` runs for a configuration's
// sandbox directory, the commands use it (same ports, same mail folder),
// and after it stops they start their own again, the saved sign-in still
// valid.
func TestSandboxShared(t *testing.T) {
	path := sandboxConfig(t, config.ProviderEntra, nil)
	state := config.SandboxDir(path)
	text, stop := startForeground(t, "--state-dir", state)

	r := pimmail(t, "test", "--config", path)
	expect(t, r, 0, "Using the sandbox running in process", "Server reply: 250")
	// The smart host the test used is the one the foreground sandbox printed.
	host := r.stdout[strings.Index(r.stdout, "(127.0.0.1:")+1:]
	host = host[:strings.Index(host, ",")]
	if !strings.Contains(text, "Smart host") || !strings.Contains(text, host+" (STARTTLS") {
		t.Errorf("pimmail test used %s, not the running sandbox's smart host:\n%s", host, text)
	}
	expect(t, pimmail(t, "status", "--config", path), 0, "Token now:     yes")
	// A second foreground sandbox for the same directory is refused.
	expect(t, pimmail(t, "sandbox", "--state-dir", state), 2, "already running")
	expect(t, pimmail(t, "test", "--config", path), 0)

	if rest := stop(); !strings.Contains(rest, "Sandbox stopped") {
		t.Errorf("no goodbye: %q", rest)
	}
	if _, err := os.Stat(filepath.Join(state, "running.json")); !os.IsNotExist(err) {
		t.Errorf("the announcement outlived the sandbox: %v", err)
	}
	r = pimmail(t, "test", "--config", path)
	expect(t, r, 0, "Server reply: 250")
	if strings.Contains(r.stdout, "Using the sandbox running") {
		t.Errorf("pimmail test claims to use a stopped sandbox: %v", r)
	}
	if n := mailIn(t, path); n != 3 {
		t.Errorf("sandbox mail folder holds %d messages, want 3", n)
	}
}

// TestStaleAnnouncementIgnored: a running.json left by a crashed sandbox
// does not stop the commands.
func TestStaleAnnouncementIgnored(t *testing.T) {
	path := sandboxConfig(t, config.ProviderLocal, nil)
	stale := `{"pid": 999999999, "authority": "https://127.0.0.1:1", "caPem": "x"}`
	if err := os.WriteFile(filepath.Join(config.SandboxDir(path), "running.json"), []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	expect(t, pimmail(t, "test", "--config", path), 0, "Server reply: 250")
}

func TestListScenarios(t *testing.T) {
	r := pimmail(t, "sandbox", "--list-scenarios")
	var names []string
	for _, sc := range sandbox.Scenarios {
		names = append(names, sc.Name, sc.Summary)
	}
	expect(t, r, 0, names...)
}

// TestStatusHidesPasswords: a relay password is shown only as set or not,
// never its last characters (a human-chosen password would leak a part),
// while the long random client secret keeps its last 4 for comparison with
// the portal.
func TestStatusHidesPasswords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pimmail", "config.json")
	c := config.Default()
	c.Enabled = config.ProviderRelay
	c.Email.From = "pim@contoso.example"
	c.Relay = config.SMTP{Host: "relay.contoso.example", Port: 587, TLS: config.TLSStartTLS,
		Username: "pim", Password: secret.New("Winter2026!Qx7z")}
	c.Entra.ClientSecret = secret.New("Abc8Q~long.random-client-secret-value-WXYZ")
	if err := config.Save(path, c); err != nil {
		t.Fatal(err)
	}
	r := pimmail(t, "status", "--config", path)
	if strings.Contains(r.stdout, "Qx7z") || strings.Contains(r.stdout, "Winter") {
		t.Fatalf("status shows part of the relay password:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "set (") || !strings.Contains(r.stdout, "********WXYZ") {
		t.Fatalf("status should say the password is set and show the secret's last 4:\n%s", r.stdout)
	}
}
