package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/sandbox"
)

// The line modes of the wizard, driven through the built binary:
// pimmail setup --accessible (answers piped in) and --non-interactive.

// lineRun runs the binary with stdin and env in a fresh directory dir
// (HOME, XDG_CONFIG_HOME) and TERM=xterm unless env sets it.
func lineRun(t *testing.T, dir, stdin string, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, ".config"), "PIMMAIL_DEBUG_LOG=",
		"TERM=xterm", "ACCESSIBLE=", "PIMMAIL_CLIENT_SECRET=", "PIMMAIL_RELAY_PASSWORD=")
	cmd.Env = append(cmd.Env, env...)
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run pimmail %v: %v", args, err)
	}
	return result{out.String(), errb.String(), code}
}

// lineDir is a 0700 directory with the config path inside it.
func lineDir(t *testing.T) (dir, cfg string) {
	dir = t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir, filepath.Join(dir, "pimmail", "config.json")
}

// entraAnswers are the accessible wizard's answers for the sandbox's
// Entra setup: provider 3, cloud 1, tenant, client, secret, then Enter
// for the sign-in method (device code), the smart host, From, display
// name and recipient, and 1 (enable).
func entraAnswers(secret string) string {
	return strings.Join([]string{"3", "1", sandbox.DefaultTenantID, sandbox.DefaultClientID, secret, "", "", "", "", "", "1"}, "\n") + "\n"
}

func noEscapes(t *testing.T, r result) {
	t.Helper()
	if i := strings.IndexByte(r.stdout+r.stderr, 0x1b); i >= 0 {
		t.Errorf("the output holds an escape character at %d: %q", i, r.stdout+r.stderr)
	}
}

func loadConfig(t *testing.T, path string) config.Config {
	t.Helper()
	c, err := config.Load(path)
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	return c
}

func TestSetupAccessibleReachesSaved(t *testing.T) {
	dir, cfg := lineDir(t)
	r := lineRun(t, dir, entraAnswers(sandbox.DefaultClientSecret), nil, "setup", "--accessible", "--sandbox", "--config", cfg)
	expect(t, r, 0, "Enter a number between 1 and 3", "Checking the tenant ... done",
		"Checking the app and its secret with Entra ID ... done", "First copy your one-time code: ",
		"Then open this address on any device: https://127.0.0.1:", "Waiting for the mailbox to sign in ... done",
		"Signed in as "+sandbox.DefaultMailbox, "Sending a test email to", "SMTP Client is enabled.")
	noEscapes(t, r)
	if c := loadConfig(t, cfg); c.Enabled != config.ProviderEntra || c.Entra.Mailbox != sandbox.DefaultMailbox {
		t.Errorf("saved %+v", c)
	}
	// The secret is read as a line, not repeated: it appears only as the
	// sandbox's hint, once.
	if n := strings.Count(r.stdout, sandbox.DefaultClientSecret); n != 1 {
		t.Errorf("the secret appears %d times (want once, as the sandbox hint):\n%s", n, r.stdout)
	}
}

func TestSetupAccessibleChosenByEnvironment(t *testing.T) {
	for _, env := range [][]string{{"ACCESSIBLE=1"}, {"TERM=dumb"}} {
		dir, cfg := lineDir(t)
		// Local SMTP: server, port, TLS kept; From typed; quit at the end.
		in := "1\n\n\n\npim@example.com\n\n\n3\n"
		r := lineRun(t, dir, in, env, "setup", "--sandbox", "--config", cfg)
		expect(t, r, 1, "Enter a number between 1 and 3", "Connecting to 127.0.0.1:", "Test email sent to pim@example.com",
			"Quit without saving", "Nothing was saved")
		noEscapes(t, r)
		if _, err := os.Stat(cfg); err == nil {
			t.Errorf("%v: quitting wrote %s", env, cfg)
		}
	}
}

func TestSetupAccessibleFailurePrintsFix(t *testing.T) {
	dir, cfg := lineDir(t)
	r := lineRun(t, dir, entraAnswers(sandbox.DefaultClientSecret), nil,
		"setup", "--accessible", "--sandbox", "--scenario", "secret-expired", "--config", cfg)
	expect(t, r, 1, "Checking the app and its secret with Entra ID ... failed", "Problem: ", "Fix: ",
		"What now?", "1. Try again", "Nothing was saved")
	noEscapes(t, r)
	if !strings.Contains(r.stdout, "7000222") {
		t.Errorf("the diagnosis lacks the AADSTS code:\n%s", r.stdout)
	}
}

// The line writer drops every escape sequence, also one the admin typed
// (a pasted coloured value, a terminal title sequence) that is repeated.
func TestSetupAccessibleDropsEscapesTyped(t *testing.T) {
	dir, cfg := lineDir(t)
	in := "3\n1\n\x1b]0;owned\x07\x1b[31m" + sandbox.DefaultTenantID + "\x1b[0m\n"
	r := lineRun(t, dir, in, nil, "setup", "--accessible", "--sandbox", "--config", cfg)
	noEscapes(t, r)
	if !strings.Contains(r.stdout, "Directory (tenant) ID") {
		t.Fatalf("never asked for the tenant: %v", r)
	}
}

// nonInteractive are the scripted setup's flags for the sandbox's Entra setup.
func nonInteractive(cfg string, extra ...string) []string {
	return append([]string{"setup", "--non-interactive", "--sandbox", "--config", cfg, "--provider", "entra",
		"--tenant", sandbox.DefaultTenantID, "--client", sandbox.DefaultClientID}, extra...)
}

// portLines are a sandbox config's port values, which change every run.
var portLines = regexp.MustCompile(`"port": \d+`)

func TestSetupNonInteractiveSavedAndIdempotent(t *testing.T) {
	dir, cfg := lineDir(t)
	secretFile := filepath.Join(dir, "secret")
	if err := os.WriteFile(secretFile, []byte(sandbox.DefaultClientSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := lineRun(t, dir, "", nil, nonInteractive(cfg, "--client-secret-file", secretFile, "--enable")...)
	expect(t, r, 0, "Checking the tenant ... done", "Waiting for the mailbox to sign in ... done",
		"SMTP Client is enabled.")
	noEscapes(t, r)
	// The device code goes to stderr, as gh auth login prints it.
	if !strings.Contains(r.stderr, "First copy your one-time code: ") || strings.Contains(r.stdout, "one-time code") {
		t.Errorf("the device code belongs on stderr: %v", r)
	}
	first, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := loadConfig(t, cfg)
	if c.Enabled != config.ProviderEntra || c.Entra.ClientSecret.Reveal() != sandbox.DefaultClientSecret {
		t.Fatalf("saved %+v", c)
	}

	// The same command again, the secret no longer given: it is kept, the
	// saved sign-in is reused (no new code), and the file is the same but
	// for the sandbox's ports, which change every run.
	r = lineRun(t, dir, "", nil, nonInteractive(cfg, "--enable")...)
	expect(t, r, 0, "Checking the saved sign-in of "+sandbox.DefaultMailbox+" ... done", "SMTP Client is enabled.")
	if strings.Contains(r.stderr, "one-time code") {
		t.Errorf("a rerun asked for a new sign-in: %v", r)
	}
	again, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := portLines.ReplaceAllString(string(first), "PORT"), portLines.ReplaceAllString(string(again), "PORT"); a != b {
		t.Errorf("a rerun changed the configuration:\n%s\n---\n%s", a, b)
	}
}

func TestSetupNonInteractiveWithoutEnableSavesSettingsOnly(t *testing.T) {
	dir, cfg := lineDir(t)
	r := lineRun(t, dir, "", []string{"PIMMAIL_CLIENT_SECRET=" + sandbox.DefaultClientSecret}, nonInteractive(cfg)...)
	expect(t, r, 0, "no provider is enabled")
	if c := loadConfig(t, cfg); c.Enabled != config.ProviderNone || c.Entra.Mailbox != sandbox.DefaultMailbox {
		t.Errorf("saved %+v", c)
	}
}

// A failing check: exit 1, the diagnosis with its fix on stderr, and
// nothing saved, even with --enable (enabling needs a passing test).
func TestSetupNonInteractiveFailureExitsWithFix(t *testing.T) {
	for _, tc := range []struct{ scenario, stage, want string }{
		{"secret-expired", "Checking the app and its secret with Entra ID ... failed", "7000222"},
		{"smtp-auth-disabled-mailbox", "Sending a test email to", "Set-CASMailbox"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			dir, cfg := lineDir(t)
			r := lineRun(t, dir, sandbox.DefaultClientSecret, nil,
				nonInteractive(cfg, "--client-secret-file", "-", "--enable", "--scenario", tc.scenario)...)
			expect(t, r, 1, tc.stage, "Nothing was saved")
			if !strings.Contains(r.stderr, "Problem: ") || !strings.Contains(r.stderr, "Fix: ") || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr lacks the diagnosis with %q: %v", tc.want, r)
			}
			if strings.Contains(r.stdout, "Fix: ") {
				t.Errorf("the diagnosis belongs on stderr: %v", r)
			}
			if _, err := os.Stat(cfg); err == nil {
				t.Errorf("a failed check saved %s", cfg)
			}
		})
	}
}

func TestSetupNonInteractiveUsage(t *testing.T) {
	dir, cfg := lineDir(t)
	secretEnv := []string{"PIMMAIL_CLIENT_SECRET=" + sandbox.DefaultClientSecret}
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"no provider", secretEnv, []string{"setup", "--non-interactive", "--sandbox", "--config", cfg}, "--provider"},
		{"unknown provider", secretEnv, nonInteractive(cfg, "--provider", "exchange"), `"exchange" is not one of the choices`},
		{"bad tenant", secretEnv, nonInteractive(cfg, "--tenant", "not a tenant"), "--tenant"},
		{"no secret", nil, nonInteractive(cfg), "--client-secret-file"},
		{"unknown sign-in", secretEnv, nonInteractive(cfg, "--sign-in", "browser"), `"browser" is not one of the choices`},
		{"secret as a flag", nil, nonInteractive(cfg, "--client-secret", "x"), "unknown flag --client-secret"},
		{"another provider's flag", secretEnv, nonInteractive(cfg, "--relay-host", "mail.example.com"), "--relay-host is a setting of SMTP Relay"},
		{"field without --non-interactive", nil, []string{"setup", "--accessible", "--tenant", "x", "--config", cfg}, "work only with --non-interactive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := lineRun(t, dir, "", tc.env, tc.args...)
			expect(t, r, 2, tc.want)
			if _, err := os.Stat(cfg); err == nil {
				t.Errorf("%s saved %s", tc.name, cfg)
			}
		})
	}
}

func TestSetupNonInteractiveMailboxMustMatch(t *testing.T) {
	dir, cfg := lineDir(t)
	r := lineRun(t, dir, "", []string{"PIMMAIL_CLIENT_SECRET=" + sandbox.DefaultClientSecret},
		nonInteractive(cfg, "--mailbox", "someone-else@contoso-sandbox.onmicrosoft.com", "--enable")...)
	expect(t, r, 1, "Signed in as "+sandbox.DefaultMailbox+", not as someone-else@contoso-sandbox.onmicrosoft.com")
}

// A secret given in a file (or on stdin) is never on the command line of
// the running process, nor in its output.
func TestSetupNonInteractiveSecretNotInPsOrOutput(t *testing.T) {
	dir, cfg := lineDir(t)
	secretFile := filepath.Join(dir, "secret")
	if err := os.WriteFile(secretFile, []byte(sandbox.DefaultClientSecret), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, nonInteractive(cfg, "--client-secret-file", secretFile, "--enable")...)
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, ".config"), "PIMMAIL_DEBUG_LOG=",
		"TERM=xterm", "PIMMAIL_CLIENT_SECRET=")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// Read the command line while it runs (the sign-in takes seconds).
	seen := 0
	cmdline := filepath.Join("/proc", strconv.Itoa(cmd.Process.Pid), "cmdline")
	var err error
poll:
	for {
		select {
		case err = <-done:
			break poll
		case <-time.After(50 * time.Millisecond):
			b, rerr := os.ReadFile(cmdline)
			if rerr != nil || len(b) == 0 {
				continue // not started yet, or ended (a zombie has no command line)
			}
			seen++
			if bytes.Contains(b, []byte(sandbox.DefaultClientSecret)) {
				t.Errorf("the secret is on the command line: %q", b)
			}
			if !bytes.Contains(b, []byte("--client-secret-file")) {
				t.Errorf("read another process's command line: %q", b)
			}
		}
	}
	if err != nil {
		t.Fatalf("pimmail: %v\n%s\n%s", err, out.String(), errb.String())
	}
	if seen == 0 {
		t.Fatal("never saw the running process")
	}
	if all := out.String() + errb.String(); strings.Contains(all, sandbox.DefaultClientSecret) || !strings.Contains(all, "SMTP Client is enabled.") {
		t.Errorf("output holds the secret or did not save:\n%s", all)
	}
}

// SMTP Relay, scripted: the relay stand-in offers no AUTH, so a username
// with the password from the environment fails at the AUTH check (exit
// 1, the password nowhere in the output); without the password it is a
// usage error; without a username the relay is saved and enabled.
func TestSetupNonInteractiveRelay(t *testing.T) {
	const pw = "relay-Pa55word-never-shown"
	relay := func(cfg string, extra ...string) []string {
		return append([]string{"setup", "--non-interactive", "--sandbox", "--config", cfg, "--provider", "relay",
			"--relay-tls", "starttls", "--from", "pim@" + sandbox.RelayDomain, "--enable"}, extra...)
	}
	dir, cfg := lineDir(t)
	r := lineRun(t, dir, "", []string{"PIMMAIL_RELAY_PASSWORD=" + pw}, relay(cfg, "--relay-username", "pim")...)
	expect(t, r, 1, "offers AUTH ... failed", "Problem: ", "Fix: ")
	if strings.Contains(r.stdout+r.stderr, pw) {
		t.Errorf("the relay password is in the output: %v", r)
	}
	r = lineRun(t, dir, "", nil, relay(cfg, "--relay-username", "pim")...)
	expect(t, r, 2, "--relay-password")
	r = lineRun(t, dir, "", nil, relay(cfg)...)
	expect(t, r, 0, "Relay is enabled.")
	noEscapes(t, r)
	if c := loadConfig(t, cfg); c.Enabled != config.ProviderRelay || c.Relay.TLS != config.TLSStartTLS || c.Email.From != "pim@"+sandbox.RelayDomain {
		t.Errorf("saved %+v", c)
	}
}

// Ctrl+C while the scripted setup waits for the sign-in ends it at once
// without saving (exit 1), not after the code's 15 minutes.
func TestSetupNonInteractiveInterruptWhileWaiting(t *testing.T) {
	dir, cfg := lineDir(t)
	cmd := exec.Command(binary, nonInteractive(cfg, "--enable")...)
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, ".config"), "PIMMAIL_DEBUG_LOG=",
		"TERM=xterm", "PIMMAIL_CLIENT_SECRET="+sandbox.DefaultClientSecret)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	buf := make([]byte, 4096)
	for !strings.Contains(errb.String(), "one-time code") {
		n, rerr := stderr.Read(buf)
		errb.Write(buf[:n])
		if rerr != nil {
			t.Fatalf("no code before the end of stderr: %s\n%s", errb.String(), out.String())
		}
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(stderr)
	errb.Write(rest)
	err = cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 1 {
		t.Fatalf("want exit 1 after Ctrl+C; got %v\n%s\n%s", err, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "Waiting for the mailbox to sign in ... failed") || !strings.Contains(errb.String(), "Nothing was saved") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", out.String(), errb.String())
	}
	if _, err := os.Stat(cfg); err == nil {
		t.Errorf("an interrupted setup saved %s", cfg)
	}
}

// --sign-in app: no one signs in; the app-only token's AUTH is checked
// at the smart host, and the method is saved.
func TestSetupNonInteractiveAppOnly(t *testing.T) {
	dir, cfg := lineDir(t)
	r := lineRun(t, dir, "", []string{"PIMMAIL_CLIENT_SECRET=" + sandbox.DefaultClientSecret},
		nonInteractive(cfg, "--sign-in", "app", "--mailbox", sandbox.DefaultMailbox, "--enable")...)
	expect(t, r, 0, "Checking the app-only token and Exchange Online AUTH as "+sandbox.DefaultMailbox+" ... done", "SMTP Client is enabled.")
	if strings.Contains(r.stderr, "one-time code") {
		t.Errorf("app-only asked for a device sign-in: %v", r)
	}
	c := loadConfig(t, cfg)
	if c.Entra.Method.Normal() != config.MethodAppOnly || c.Entra.Mailbox != sandbox.DefaultMailbox || c.Enabled != config.ProviderEntra {
		t.Errorf("saved %+v", c.Entra)
	}

	// Without --mailbox nothing names the mailbox: a usage error.
	dir, cfg = lineDir(t)
	r = lineRun(t, dir, "", []string{"PIMMAIL_CLIENT_SECRET=" + sandbox.DefaultClientSecret}, nonInteractive(cfg, "--sign-in", "app")...)
	if r.code == 0 || !strings.Contains(r.stdout+r.stderr, "--mailbox") {
		t.Errorf("app-only without --mailbox: %v", r)
	}
}

// An app not registered in Exchange Online: exit 1, and stderr has the
// New-ServicePrincipal command with the app's real IDs.
func TestSetupNonInteractiveAppOnlyNotRegistered(t *testing.T) {
	dir, cfg := lineDir(t)
	r := lineRun(t, dir, "", []string{"PIMMAIL_CLIENT_SECRET=" + sandbox.DefaultClientSecret},
		nonInteractive(cfg, "--sign-in", "app", "--mailbox", sandbox.DefaultMailbox, "--enable", "--scenario", "app-not-registered-in-exchange")...)
	expect(t, r, 1, "Checking the app-only token and Exchange Online AUTH", "Nothing was saved")
	if !strings.Contains(r.stderr, "New-ServicePrincipal") || !strings.Contains(r.stderr, sandbox.DefaultClientID) ||
		!strings.Contains(r.stderr, "Add-MailboxPermission") || !strings.Contains(r.stderr, sandbox.DefaultMailbox) {
		t.Errorf("stderr lacks the Exchange Online commands with real values: %v", r)
	}
	if _, err := os.Stat(cfg); err == nil {
		t.Errorf("a failed check saved %s", cfg)
	}
}

// --sign-in authcode: the sign-in address on stderr, the browser (the
// sandbox's stand-in, on "another device") approves it, and the address
// it landed on is piped in as one line.
func TestSetupNonInteractiveAuthCode(t *testing.T) {
	dir, cfg := lineDir(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, nonInteractive(cfg, "--sign-in", "authcode", "--enable")...)
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, ".config"), "PIMMAIL_DEBUG_LOG=",
		"TERM=xterm", "ACCESSIBLE=", "PIMMAIL_CLIENT_SECRET="+sandbox.DefaultClientSecret, "PIMMAIL_RELAY_PASSWORD=")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	sc := bufio.NewScanner(errPipe)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	addr := ""
	for addr == "" && sc.Scan() {
		l := sc.Text()
		stderr.WriteString(l + "\n")
		if strings.HasPrefix(l, "https://") {
			addr = l
		}
	}
	if addr == "" {
		cmd.Wait()
		t.Fatalf("no sign-in address on stderr:\n%s\nstdout:\n%s", stderr.String(), out.String())
	}
	rest := make(chan string)
	go func() { b, _ := io.ReadAll(errPipe); rest <- string(b) }()

	a, ok := sandbox.Live(config.SandboxDir(cfg))
	if !ok {
		t.Fatal("the sandbox does not announce itself in its state directory")
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(a.CAPEM)) {
		t.Fatal("no CA in ca.pem")
	}
	browser := &http.Client{Timeout: 20 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	landed, err := sandbox.BrowserSignIn(ctx, browser, addr, true)
	if err != nil {
		t.Fatalf("signing in at %s: %v", addr, err)
	}
	if !strings.HasPrefix(landed, "http://localhost:") {
		t.Fatalf("the browser landed on %s", landed)
	}
	io.WriteString(stdin, landed+"\n")
	stdin.Close()
	werr := cmd.Wait()
	r := result{out.String(), stderr.String() + <-rest, 0}
	if ee, ok := werr.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	}
	expect(t, r, 0, "Waiting for the address the browser landed on ... done", "Signed in as "+sandbox.DefaultMailbox, "SMTP Client is enabled.")
	if code := landed[strings.Index(landed, "code=")+5:][:20]; strings.Contains(r.stdout+r.stderr, code) {
		t.Errorf("the authorization code is in the output: %v", r)
	}
	c := loadConfig(t, cfg)
	if c.Entra.Method.Normal() != config.MethodAuthCode || c.Entra.Mailbox != sandbox.DefaultMailbox || c.Enabled != config.ProviderEntra {
		t.Errorf("saved %+v", c.Entra)
	}
}
