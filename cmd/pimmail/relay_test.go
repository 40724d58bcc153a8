package main

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/queue"
	"github.com/pimmail/pimmail/sandbox"
)

// relayProc is a `pimmail relay` process started by a test.
type relayProc struct {
	t      *testing.T
	cmd    *exec.Cmd
	addr   string
	mu     sync.Mutex
	stderr bytes.Buffer
	done   chan struct{}
	code   int
}

func (p *relayProc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// freePort returns a loopback address nothing listens on now.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// startRelayProc runs `pimmail relay` with args (and --listen addr) and
// waits until it accepts connections.
func startRelayProc(t *testing.T, addr string, args ...string) *relayProc {
	t.Helper()
	return startRelayProcEnv(t, nil, addr, args...)
}

// startRelayProcEnv is startRelayProc with extra environment variables.
func startRelayProcEnv(t *testing.T, env []string, addr string, args ...string) *relayProc {
	t.Helper()
	p := &relayProc{t: t, addr: addr, done: make(chan struct{})}
	p.cmd = exec.Command(binary, append([]string{"relay", "--listen", addr}, args...)...)
	home := t.TempDir()
	p.cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "PIMMAIL_DEBUG_LOG=")
	p.cmd.Env = append(p.cmd.Env, env...)
	errPipe, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(errPipe)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.stderr.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
		}
		err := p.cmd.Wait()
		p.code = 0
		if ee, ok := err.(*exec.ExitError); ok {
			p.code = ee.ExitCode()
		}
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-p.done:
			t.Fatalf("pimmail relay exited %d before listening:\n%s", p.code, p.log())
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pimmail relay does not listen on %s:\n%s", addr, p.log())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return p
}

// stop sends sig and waits for the exit; it returns the exit code.
func (p *relayProc) stop(sig os.Signal) int {
	p.t.Helper()
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(60 * time.Second):
		p.t.Fatalf("pimmail relay did not exit after %v:\n%s", sig, p.log())
	}
	return p.code
}

// subjectsIn counts the sandbox's stored messages by their Subject.
func subjectsIn(t *testing.T, path string) map[string]int {
	t.Helper()
	dir := filepath.Join(config.SandboxDir(path), "mail")
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^Subject: (.*)\r?$`)
	out := map[string]int{}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".eml") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if m := re.FindSubmatch(b); m != nil {
			out[strings.TrimSpace(string(m[1]))]++
		}
	}
	return out
}

// relayConfig is a sandbox configuration with the Local SMTP provider (the
// sandbox's Postfix stand-in, no per-minute limit of its own), so that the
// worker's pacing alone decides the speed.
func relayConfig(t *testing.T) string {
	t.Helper()
	return sandboxConfig(t, config.ProviderLocal, func(c *config.Config) { c.Email.DisplayName = "PIM Alerts" })
}

// fastRelayArgs: the worker at 30 messages per 100 ms instead of a minute.
var fastRelayArgs = []string{"--per-minute", "30", "--rate-window", "100ms"}

// TestRelayKill9: 200 messages through the relay; it is killed with
// SIGKILL in the middle and started again. Every acknowledged message
// reaches the sandbox's mail store; duplicates are at most the messages in
// flight at the kill (3 deliveries, and one per client whose 250 was lost).
func TestRelayKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("200 messages through the built binary")
	}
	path := relayConfig(t)
	addr := freePort(t)
	// Delivery at 50 a second, slower than the clients send: a backlog is
	// queued when the relay is killed.
	args := []string{"--config", path, "--sandbox", "--per-minute", "5", "--rate-window", "100ms"}
	p := startRelayProc(t, addr, args...)

	const total, clients = 200, 4
	var mu sync.Mutex
	acked := map[int]bool{}
	killAt := make(chan struct{})
	var killOnce sync.Once
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := c; i < total; i += clients {
				msg := fmt.Sprintf("From: app@%s\r\nTo: ops@%s\r\nSubject: relay-kill %d\r\n\r\nmessage %d\r\n",
					sandbox.RelayDomain, sandbox.RelayDomain, i, i)
				deadline := time.Now().Add(90 * time.Second)
				for {
					err := smtp.SendMail(addr, nil, "app@"+sandbox.RelayDomain, []string{"ops@" + sandbox.RelayDomain}, []byte(msg))
					if err == nil {
						break
					}
					if time.Now().After(deadline) {
						t.Errorf("message %d never acknowledged: %v", i, err)
						return
					}
					time.Sleep(100 * time.Millisecond) // the relay is down: retry, as a client does
				}
				mu.Lock()
				acked[i] = true
				if len(acked) == total/2 {
					killOnce.Do(func() { close(killAt) })
				}
				mu.Unlock()
			}
		}()
	}
	<-killAt
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done
	sp, err := queue.Open(queue.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	backlog, _ := sp.List()
	t.Logf("killed with %d messages queued", len(backlog))
	if len(backlog) == 0 {
		t.Error("nothing was queued at the kill: the test does not show that queued messages survive it")
	}
	time.Sleep(300 * time.Millisecond)
	p2 := startRelayProc(t, addr, args...)
	wg.Wait()
	if len(acked) != total {
		t.Fatalf("%d of %d messages acknowledged", len(acked), total)
	}
	// Wait for the deliveries.
	deadline := time.Now().Add(90 * time.Second)
	var got map[string]int
	for {
		got = subjectsIn(t, path)
		missing := 0
		for i := range total {
			if got[fmt.Sprintf("relay-kill %d", i)] == 0 {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d acknowledged messages never arrived in the sandbox's mail store\nfirst relay:\n%s\nsecond relay:\n%s",
				missing, tail(p.log(), 30), tail(p2.log(), 30))
		}
		time.Sleep(200 * time.Millisecond)
	}
	dups := 0
	for _, n := range got {
		dups += n - 1
	}
	t.Logf("200 messages acknowledged and delivered across a SIGKILL; %d duplicates", dups)
	if max := queue.MaxConnections + clients; dups > max {
		t.Errorf("%d duplicates, more than the %d messages that can be in flight", dups, max)
	}
	if code := p2.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("relay exit %d after SIGTERM:\n%s", code, p2.log())
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// rawClient is a line-level SMTP client for the binary tests.
type rawClient struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func rawDial(t *testing.T, addr string) *rawClient {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(time.Minute))
	t.Cleanup(func() { c.Close() })
	rc := &rawClient{t: t, c: c, r: bufio.NewReader(c)}
	rc.reply()
	return rc
}

func (rc *rawClient) reply() string {
	var all []string
	for {
		line, err := rc.r.ReadString('\n')
		if err != nil {
			return strings.Join(append(all, "ERR "+err.Error()), "\n")
		}
		all = append(all, strings.TrimRight(line, "\r\n"))
		if len(line) < 4 || line[3] != '-' {
			return strings.Join(all, "\n")
		}
	}
}

func (rc *rawClient) cmd(s string) string {
	if _, err := io.WriteString(rc.c, s+"\r\n"); err != nil {
		rc.t.Fatal(err)
	}
	return rc.reply()
}

// TestRelaySIGTERM: SIGTERM lets the session in DATA finish (its 250) and
// the relay then exits 0; the message is delivered afterwards (queued).
func TestRelaySIGTERM(t *testing.T) {
	path := relayConfig(t)
	addr := freePort(t)
	p := startRelayProc(t, addr, "--config", path)
	c := rawDial(t, addr)
	c.cmd("EHLO app.example")
	c.cmd("MAIL FROM:<app@" + sandbox.RelayDomain + ">")
	c.cmd("RCPT TO:<ops@" + sandbox.RelayDomain + ">")
	if r := c.cmd("DATA"); !strings.HasPrefix(r, "354") {
		t.Fatalf("DATA: %s", r)
	}
	io.WriteString(c.c, "Subject: relay-sigterm\r\n\r\nfirst half\r\n")
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(300 * time.Millisecond)
	select {
	case <-p.done:
		t.Fatalf("the relay exited with a message in flight:\n%s", p.log())
	default:
	}
	io.WriteString(c.c, "second half\r\n.\r\n")
	if r := c.reply(); !strings.HasPrefix(r, "250 2.0.0 OK: queued as") {
		t.Fatalf("reply after SIGTERM: %s\n%s", r, p.log())
	}
	c.cmd("QUIT")
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("no exit after SIGTERM:\n%s", p.log())
	}
	if p.code != 0 {
		t.Errorf("exit %d:\n%s", p.code, p.log())
	}
	if !strings.Contains(p.log(), "finishing the SMTP sessions in flight") {
		t.Errorf("log:\n%s", p.log())
	}
	// Acknowledged, so in the store or still queued: never lost.
	sp, err := queue.Open(queue.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	items, _ := sp.List()
	if len(items) == 0 && subjectsIn(t, path)["relay-sigterm"] == 0 {
		t.Errorf("the message acknowledged during shutdown is neither queued nor delivered")
	}
	if _, ok := sp.ReadRelayState(); ok {
		t.Errorf("relay.json left behind after a clean exit")
	}
}

// TestRelayReload: a configuration saved while the relay runs applies
// without a restart: the new default From goes into messages without one,
// and a configuration that would loop mail back is refused with 451 until
// it is fixed.
func TestRelayReload(t *testing.T) {
	path := relayConfig(t)
	addr := freePort(t)
	p := startRelayProc(t, addr, append([]string{"--config", path}, fastRelayArgs...)...)
	sp, err := queue.Open(queue.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	// The relay announces itself just after it starts listening: look
	// for a while before concluding it did not.
	st, ok := sp.ReadRelayState()
	for deadline := time.Now().Add(10 * time.Second); (!ok || st.PID == 0) && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		st, ok = sp.ReadRelayState()
	}
	if !ok || st.Listen != addr || st.PID != p.cmd.Process.Pid {
		t.Errorf("relay.json: %+v %v", st, ok)
	}
	// pimmail status says so.
	expect(t, pimmail(t, "status", "--config", path), 0, fmt.Sprintf("listening on %s (process %d", addr, p.cmd.Process.Pid))
	send := func(subject string) error {
		return smtp.SendMail(addr, nil, "app@"+sandbox.RelayDomain, []string{"ops@" + sandbox.RelayDomain},
			[]byte("Subject: "+subject+"\r\n\r\nbody\r\n"))
	}
	fromOf := func(subject string) string {
		dir := filepath.Join(config.SandboxDir(path), "mail")
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
				if bytes.Contains(b, []byte("Subject: "+subject+"\r\n")) {
					m := regexp.MustCompile(`(?m)^From: (.*)\r$`).FindSubmatch(b)
					if m != nil {
						return string(m[1])
					}
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("%q never arrived:\n%s", subject, p.log())
		return ""
	}
	if err := send("before reload"); err != nil {
		t.Fatal(err)
	}
	if f := fromOf("before reload"); !strings.Contains(f, "PIM Alerts") {
		t.Errorf("From before reload: %q", f)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Email.DisplayName = "Renamed Alerts"
	if err := config.Save(path, cfg); err != nil {
		t.Fatal(err)
	}
	waitLog(t, p, "configuration reloaded", 1)
	if err := send("after reload"); err != nil {
		t.Fatal(err)
	}
	if f := fromOf("after reload"); !strings.Contains(f, "Renamed Alerts") {
		t.Errorf("From after reload: %q", f)
	}
	// A configuration pointing the provider at the relay itself.
	host, port, _ := net.SplitHostPort(addr)
	loop := cfg
	loop.Local.Host = host
	loop.Local.Port, _ = strconv.Atoi(port)
	if err := config.Save(path, loop); err != nil {
		t.Fatal(err)
	}
	waitLog(t, p, "new messages are refused with 451", 1)
	c := rawDial(t, addr)
	c.cmd("EHLO app.example")
	if r := c.cmd("MAIL FROM:<app@" + sandbox.RelayDomain + ">"); !strings.HasPrefix(r, "451 4.3.5") || !strings.Contains(r, "mail loop") {
		t.Errorf("MAIL with a looping configuration: %s", r)
	}
	c.cmd("QUIT")
	// No provider enabled: nowhere to send.
	none := cfg
	none.Enabled = config.ProviderNone
	if err := config.Save(path, none); err != nil {
		t.Fatal(err)
	}
	waitLog(t, p, "new messages are refused with 451", 2)
	c = rawDial(t, addr)
	c.cmd("EHLO app.example")
	if r := c.cmd("MAIL FROM:<app@" + sandbox.RelayDomain + ">"); !strings.HasPrefix(r, "451 4.3.5") || !strings.Contains(r, "no provider is enabled") {
		t.Errorf("MAIL with no provider enabled: %s", r)
	}
	c.cmd("QUIT")
	if err := config.Save(path, cfg); err != nil {
		t.Fatal(err)
	}
	waitLog(t, p, "configuration reloaded", 2)
	if err := send("after the fix"); err != nil {
		t.Errorf("after the configuration was fixed: %v", err)
	}
	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("exit %d", code)
	}
}

// waitLog waits until the relay's log holds text n times.
func waitLog(t *testing.T, p *relayProc, text string, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(p.log(), text) < n {
		if time.Now().After(deadline) {
			t.Fatalf("the relay never logged %q (%d times):\n%s", text, n, p.log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestRelayRefusesToStart: a mail loop, an open listen address, a bad
// allow list; each says what to change.
func TestRelayRefusesToStart(t *testing.T) {
	addr := freePort(t)
	host, port, _ := net.SplitHostPort(addr)
	path := filepath.Join(t.TempDir(), "pimmail", "config.json")
	c := config.Default()
	c.Enabled = config.ProviderLocal
	c.Email.From = "pim@contoso.example"
	c.Local.Host = host
	c.Local.Port, _ = strconv.Atoi(port)
	if err := config.Save(path, c); err != nil {
		t.Fatal(err)
	}
	expect(t, pimmail(t, "relay", "--config", path, "--listen", addr), 2, "mail loop", "--listen 127.0.0.1:2525", "point the Local")
	// localhost is the same server.
	expect(t, pimmail(t, "relay", "--config", path, "--listen", "localhost:"+port), 2, "mail loop")
	expect(t, pimmail(t, "relay", "--config", path, "--listen", "0.0.0.0:2525"), 2, "never an open relay", "--allow")
	expect(t, pimmail(t, "relay", "--config", path, "--listen", "0.0.0.0:2525", "--allow", "0.0.0.0/0"), 2, "too wide")
	expect(t, pimmail(t, "relay", "--config", path, "--tls-cert", "x.pem"), 2, "both --tls-cert and --tls-key")
	expect(t, pimmail(t, "relay", "--config", path, "--tls-cert", "/nonexistent/x.pem", "--tls-key", "/nonexistent/x.key"), 2,
		"cannot use --tls-cert /nonexistent/x.pem", "PEM")
	expect(t, pimmail(t, "relay", "--config", path, "--sandbox"), 2, "is a real configuration", "--sandbox never uses")
	expect(t, pimmail(t, "relay", "--help"), 0, "--allow", "--listen", "passwd", "SIGTERM")
}

// TestRelayPasswd: `pimmail relay passwd USER` stores a bcrypt hash read
// from standard input, prints no password, and the relay takes the login.
func TestRelayPasswd(t *testing.T) {
	path := relayConfig(t)
	run := func(stdin string, args ...string) result {
		cmd := exec.Command(binary, append([]string{"relay", "passwd", "--config", path}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		return result{out.String(), errb.String(), code}
	}
	r := run("app password 1\n", "legacyapp")
	expect(t, r, 0, "Relay user legacyapp saved")
	if strings.Contains(r.stdout+r.stderr, "app password 1") {
		t.Errorf("the password is printed: %v", r)
	}
	b, err := os.ReadFile(filepath.Join(filepath.Dir(path), "relay-users"))
	if err != nil || !bytes.Contains(b, []byte("legacyapp:$2")) || bytes.Contains(b, []byte("app password 1")) {
		t.Fatalf("relay-users: %q %v", b, err)
	}
	expect(t, run("short\n", "legacyapp"), 2, "shorter than 8")
	expect(t, run("", "legacyapp"), 2, "no password")

	addr := freePort(t)
	p := startRelayProc(t, addr, "--config", path, "--require-auth")
	cl, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.Mail("app@" + sandbox.RelayDomain); err == nil || !strings.Contains(err.Error(), "530") {
		t.Errorf("MAIL before AUTH with --require-auth: %v", err)
	}
	// net/smtp's PlainAuth sends in clear only to localhost: the relay
	// offers AUTH on loopback, so it works here.
	if err := cl.Auth(smtp.PlainAuth("", "legacyapp", "app password 1", "127.0.0.1")); err != nil {
		t.Fatalf("AUTH: %v", err)
	}
	if err := cl.Mail("app@" + sandbox.RelayDomain); err != nil {
		t.Errorf("MAIL after AUTH: %v", err)
	}
	cl.Quit()
	expect(t, run("", "--delete", "legacyapp"), 0, "deleted")
	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("exit %d:\n%s", code, p.log())
	}
	if strings.Contains(p.log(), "app password 1") {
		t.Errorf("the password is in the log")
	}
}

// TestRelayEntra: through the Entra ID provider (XOAUTH2 against the
// sandbox's Exchange Online): a message from the mailbox without a From
// header arrives with the mailbox's From added; one whose envelope sender
// Exchange Online refuses (550 5.7.60) moves to failed/ with the diagnosis,
// and the relay says 250 for both (the refusal comes after queueing, as
// with any relay).
func TestRelayEntra(t *testing.T) {
	path := sandboxConfig(t, config.ProviderEntra, func(c *config.Config) { c.Email.DisplayName = "PIM Alerts" })
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	mbx := cfg.Entra.Mailbox
	addr := freePort(t)
	p := startRelayProc(t, addr, append([]string{"--config", path}, fastRelayArgs...)...)
	if err := smtp.SendMail(addr, nil, mbx, []string{"ops@contoso.example"}, []byte("Subject: relay-entra\r\n\r\nhello\r\n")); err != nil {
		t.Fatal(err)
	}
	if err := smtp.SendMail(addr, nil, "someone.else@contoso.example", []string{"ops@contoso.example"},
		[]byte("From: someone.else@contoso.example\r\nSubject: relay-entra-refused\r\n\r\nhello\r\n")); err != nil {
		t.Fatal(err)
	}
	// A legacy application's own sender goes out as the mailbox (Exchange
	// would refuse it with 550 5.7.60): nothing fails.
	for deadline := time.Now().Add(60 * time.Second); subjectsIn(t, path)["relay-entra-refused"] == 0; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("delivered %v\n%s", subjectsIn(t, path), tail(p.log(), 30))
		}
	}
	for _, m := range storedMail(t, path) {
		if strings.Contains(m, "Subject: relay-entra-refused\r\n") {
			for _, want := range []string{"From: \"PIM Alerts\" <" + mbx + ">\r\n", "Reply-To: someone.else@contoso.example\r\n",
				"X-Original-From: someone.else@contoso.example\r\n"} {
				if !strings.Contains(m, want) {
					t.Errorf("the application's sender was not rewritten (%q missing):\n%s", want, m)
				}
			}
		}
	}
	// The worker logs the delivery just after the server's 250 is
	// recorded, a moment after the mail lands: look for a while.
	for logDeadline := time.Now().Add(10 * time.Second); !strings.Contains(p.log(), "delivered") && time.Now().Before(logDeadline); {
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(p.log(), "delivered") {
		t.Errorf("log:\n%s", p.log())
	}
	dir := filepath.Join(config.SandboxDir(path), "mail")
	entries, _ := os.ReadDir(dir)
	found := false
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		if bytes.Contains(b, []byte("Subject: relay-entra\r\n")) {
			found = true
			if !bytes.Contains(b, []byte("From: \"PIM Alerts\" <"+mbx+">\r\n")) {
				t.Errorf("the added From is not the mailbox with its display name:\n%s", b)
			}
		}
	}
	if !found {
		t.Error("relay-entra not in the mail store")
	}
	if strings.Contains(p.log(), "eyJ") || strings.Contains(p.log(), sandbox.DefaultClientSecret) {
		t.Errorf("a token or secret is in the relay's log")
	}
	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("exit %d", code)
	}
}

// TestRelaySTARTTLS: with --tls-cert and --tls-key the relay offers
// STARTTLS (TLS 1.2 or later), and net/smtp's client verifies the
// certificate the admin gave.
func TestRelaySTARTTLS(t *testing.T) {
	path := relayConfig(t)
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "relay.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"relay.test"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	addr := freePort(t)
	// GODEBUG lowers Go's own TLS floor to 1.0: the relay's must hold.
	p := startRelayProcEnv(t, []string{"GODEBUG=tls10server=1"}, addr, "--config", path, "--tls-cert", certFile, "--tls-key", keyFile)
	cl, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if ok, _ := cl.Extension("STARTTLS"); !ok {
		t.Fatal("no STARTTLS offered")
	}
	roots := x509.NewCertPool()
	cert, _ := x509.ParseCertificate(der)
	roots.AddCert(cert)
	if err := cl.StartTLS(&tls.Config{ServerName: "relay.test", RootCAs: roots, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}); err == nil {
		t.Error("TLS 1.1 was accepted")
	}
	cl.Close()
	cl, err = smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.StartTLS(&tls.Config{ServerName: "relay.test", RootCAs: roots}); err != nil {
		t.Fatalf("STARTTLS: %v", err)
	}
	if st, ok := cl.TLSConnectionState(); !ok || st.Version < tls.VersionTLS12 {
		t.Errorf("TLS state %v %v", st.Version, ok)
	}
	if err := cl.Mail("app@" + sandbox.RelayDomain); err != nil {
		t.Fatal(err)
	}
	cl.Quit()
	sp, _ := queue.Open(queue.Dir(path))
	if st, ok := sp.ReadRelayState(); !ok || !st.TLS {
		t.Errorf("relay.json does not say STARTTLS: %+v", st)
	}
	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("exit %d:\n%s", code, p.log())
	}
}

// TestRelayManyRecipients: a message to 500 recipients (the most
// Exchange Online takes) goes through the relay and is delivered.
func TestRelayManyRecipients(t *testing.T) {
	path := relayConfig(t)
	addr := freePort(t)
	p := startRelayProc(t, addr, append([]string{"--config", path}, fastRelayArgs...)...)
	var rcpts []string
	for i := range 500 {
		rcpts = append(rcpts, fmt.Sprintf("user%03d@%s", i, sandbox.RelayDomain))
	}
	if err := smtp.SendMail(addr, nil, "app@"+sandbox.RelayDomain, rcpts, []byte("Subject: relay-many\r\n\r\nhello\r\n")); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(config.SandboxDir(path), "mail")
	deadline := time.Now().Add(30 * time.Second)
	for subjectsIn(t, path)["relay-many"] == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the 500-recipient message was not delivered:\n%s", tail(p.log(), 20))
		}
		time.Sleep(100 * time.Millisecond)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		if strings.Contains(string(b), "Subject: relay-many") && !strings.Contains(string(b), "user499@") {
			t.Errorf("the delivered message does not reach the last recipient")
		}
	}
	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("exit %d", code)
	}
}

// TestRelaySmtplib: Python's smtplib (a client nobody here wrote) sends
// through the built relay; the messages arrive in the sandbox's mail store.
func TestRelaySmtplib(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed; CI installs it")
	}
	path := relayConfig(t)
	addr := freePort(t)
	p := startRelayProc(t, addr, append([]string{"--config", path}, fastRelayArgs...)...)
	host, port, _ := net.SplitHostPort(addr)
	script := `
import smtplib, sys
from email.message import EmailMessage
with smtplib.SMTP(sys.argv[1], int(sys.argv[2]), timeout=30) as s:
    for i in range(5):
        m = EmailMessage()
        m["From"] = "app@" + sys.argv[3]
        m["To"] = "ops@" + sys.argv[3]
        m["Subject"] = "relay-smtplib %d" % i
        m.set_content("Grüße, line one\n.line with a dot\n")
        print(s.send_message(m))
`
	out, err := exec.Command("python3", "-c", script, host, port, sandbox.RelayDomain).CombinedOutput()
	if err != nil {
		t.Fatalf("smtplib: %v\n%s", err, out)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := subjectsIn(t, path)
		n := 0
		for i := range 5 {
			if got[fmt.Sprintf("relay-smtplib %d", i)] == 1 {
				n++
			}
		}
		if n == 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivered %v\n%s", got, tail(p.log(), 20))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("exit %d", code)
	}
}

// storedMail returns the messages the sandbox stored for path's configuration.
func storedMail(t *testing.T, path string) []string {
	t.Helper()
	dir := filepath.Join(config.SandboxDir(path), "mail")
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".eml") {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, string(b))
		}
	}
	return out
}
