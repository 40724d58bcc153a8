package sandbox

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pimmail/pimmail/secfile"
	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// The SMTP tests run against real stand-ins started with Start, talking
// over loopback with real go-mail clients or raw conversations.

// sharedKeys is one keys.json (CA and signing key) generated per test
// binary: an RSA key takes a quarter of a second to make, and every test
// starts its own sandbox. Each sandbox still gets its own StateDir.
var sharedKeys struct {
	once sync.Once
	json []byte
	err  error
}

func testKeysJSON(t testing.TB) []byte {
	t.Helper()
	sharedKeys.once.Do(func() {
		dir, err := os.MkdirTemp("", "pimmail-sandbox-keys-*")
		if err != nil {
			sharedKeys.err = err
			return
		}
		defer os.RemoveAll(dir)
		s := &Sandbox{opts: Options{StateDir: dir}, now: time.Now}
		if sharedKeys.err = s.loadOrCreateKeys(); sharedKeys.err == nil {
			sharedKeys.json, sharedKeys.err = os.ReadFile(filepath.Join(dir, "keys.json"))
		}
	})
	if sharedKeys.err != nil {
		t.Fatalf("sandbox keys: %v", sharedKeys.err)
	}
	return sharedKeys.json
}

// startSMTPSandbox starts a sandbox (with a fresh StateDir holding the
// shared keys unless o sets one) and closes it when the test ends.
func startSMTPSandbox(t testing.TB, o Options) *Sandbox {
	t.Helper()
	if o.StateDir == "" {
		o.StateDir = t.TempDir()
		if err := secfile.WriteFile(filepath.Join(o.StateDir, "keys.json"), testKeysJSON(t)); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Start(o)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// testClock is a clock a test can move forward.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock(t time.Time) *testClock { return &testClock{t: t} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// mintToken issues a delegated SMTP.Send access token for the mailbox upn
// through the sandbox's first app, as the Entra stand-in would.
func mintToken(t testing.TB, s *Sandbox, upn string, lifetime time.Duration) string {
	t.Helper()
	mbx, _, ok := s.mailboxByUPN(upn)
	if !ok {
		t.Fatalf("no mailbox %s", upn)
	}
	s.mu.Lock()
	app := s.dir.Apps[0]
	s.mu.Unlock()
	tok, _, err := s.issueAccessTokenFor(mbx, app, []string{"SMTP.Send"}, OutlookAudience, lifetime)
	if err != nil {
		t.Fatalf("issueAccessTokenFor: %v", err)
	}
	return tok
}

// clientTLS is the TLS configuration pimmail uses against the sandbox.
func clientTLS(s *Sandbox) *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: s.RootCAs(), ServerName: "127.0.0.1"}
}

// exchangeClient is a go-mail client set up as pimmail's Exchange Online
// path: STARTTLS mandatory, TLS 1.2+, SASL XOAUTH2 in RFC 4954's two-step
// form (an Entra-sized token does not fit on a 512-octet AUTH line).
func exchangeClient(t testing.TB, s *Sandbox, user, token string) *mail.Client {
	t.Helper()
	c, err := mail.NewClient(s.Endpoints().SMTPHost,
		mail.WithPort(s.Endpoints().SMTPPort),
		mail.WithTLSPolicy(mail.TLSMandatory),
		mail.WithTLSConfig(clientTLS(s)),
		mail.WithSMTPAuthCustom(&twoStepXOAUTH2{user: user, token: token}),
		mail.WithTimeout(10*time.Second))
	if err != nil {
		t.Fatalf("mail.NewClient: %v", err)
	}
	return c
}

// plainClient is a go-mail client without authentication, for the relay
// and the local sink, with the given TLS policy.
func plainClient(t testing.TB, s *Sandbox, port int, policy mail.TLSPolicy) *mail.Client {
	t.Helper()
	c, err := mail.NewClient("127.0.0.1",
		mail.WithPort(port),
		mail.WithTLSPolicy(policy),
		mail.WithTLSConfig(clientTLS(s)),
		mail.WithTimeout(10*time.Second))
	if err != nil {
		t.Fatalf("mail.NewClient: %v", err)
	}
	return c
}

// newMsg builds a short text message.
func newMsg(t testing.TB, from string, to ...string) *mail.Msg {
	t.Helper()
	m := mail.NewMsg()
	if err := m.From(from); err != nil {
		t.Fatal(err)
	}
	if err := m.To(to...); err != nil {
		t.Fatal(err)
	}
	m.Subject("pimmail test message")
	m.SetBodyString(mail.TypeTextPlain, "Hello from the PIM server.\n")
	return m
}

func smtpCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// sendErr returns the *mail.SendError inside err, failing the test if none.
func sendErr(t testing.TB, err error) *mail.SendError {
	t.Helper()
	var se *mail.SendError
	if !errors.As(err, &se) {
		t.Fatalf("want a *mail.SendError, got %v", err)
	}
	return se
}

// surfaced reports whether the error text err shows the server's reply
// line reply. Since Go 1.26 net/textproto quotes the text after the code
// (535 "5.7.3 ..."); older versions did not. Both forms are accepted.
func surfaced(err error, reply string) bool {
	if err == nil {
		return false
	}
	code, text, _ := strings.Cut(reply, " ")
	return strings.Contains(err.Error(), code+" "+strconv.Quote(text)) || strings.Contains(err.Error(), reply)
}

// serverReply returns the server's reply line carried by a *textproto.Error
// inside err, or "".
func serverReply(err error) string {
	var tpErr *textproto.Error
	if !errors.As(err, &tpErr) {
		return ""
	}
	return strconv.Itoa(tpErr.Code) + " " + tpErr.Msg
}

// rawConn is a hand-driven SMTP conversation that sees the server's bytes
// exactly as sent.
type rawConn struct {
	t    testing.TB
	conn net.Conn
	r    *bufio.Reader
}

func dialRaw(t testing.TB, port int) *rawConn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { conn.Close() })
	return &rawConn{t: t, conn: conn, r: bufio.NewReader(conn)}
}

// write sends bytes as they are.
func (c *rawConn) write(s string) {
	c.t.Helper()
	// A big message (the 35 MB limit tests) gets time in proportion to
	// its size: the race detector on a busy machine moves a few MB/s.
	_ = c.conn.SetDeadline(time.Now().Add(20*time.Second + time.Duration(len(s)>>20)*2*time.Second))
	if _, err := c.conn.Write([]byte(s)); err != nil {
		shown := s
		if len(shown) > 200 {
			shown = shown[:200] + fmt.Sprintf("... (%d octets)", len(s))
		}
		c.t.Fatalf("write %q: %v", shown, err)
	}
}

// reply reads one whole reply (all its lines) with CRLFs, byte for byte.
func (c *rawConn) reply() string {
	c.t.Helper()
	var sb strings.Builder
	for {
		line, err := c.r.ReadString('\n')
		sb.WriteString(line)
		if err != nil {
			c.t.Fatalf("read reply: %v (so far %q)", err, sb.String())
		}
		if len(line) < 4 || line[3] != '-' {
			return sb.String()
		}
	}
}

// cmd sends a command line and returns the reply.
func (c *rawConn) cmd(line string) string {
	c.t.Helper()
	c.write(line + "\r\n")
	return c.reply()
}

// expect sends a command and fails unless the reply is exactly want
// (without the final CRLF).
func (c *rawConn) expect(line, want string) {
	c.t.Helper()
	if got := c.cmd(line); got != want+"\r\n" {
		c.t.Errorf("%s\n got: %q\nwant: %q", line, got, want+"\r\n")
	}
}

// startTLS upgrades the conversation after a 220 to STARTTLS.
func (c *rawConn) startTLS(cfg *tls.Config) {
	c.t.Helper()
	tc := tls.Client(c.conn, cfg)
	if err := tc.Handshake(); err != nil {
		c.t.Fatalf("TLS handshake: %v", err)
	}
	c.conn, c.r = tc, bufio.NewReader(tc)
}

// closed reports whether the server has hung up (EOF or reset).
func (c *rawConn) closed() bool {
	_ = c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := c.r.ReadByte()
	return err != nil
}

// xoauth2 returns the base64 XOAUTH2 initial response for user and token.
func xoauth2(user, token string) string {
	return base64.StdEncoding.EncodeToString([]byte("user=" + user + "\x01auth=Bearer " + token + "\x01\x01"))
}

// exchangeSession opens a raw session to the Exchange stand-in, greeted,
// upgraded to TLS, EHLO'd and (when token is set) authenticated.
func exchangeSession(t testing.TB, s *Sandbox, user, token string) *rawConn {
	t.Helper()
	c := dialRaw(t, s.Endpoints().SMTPPort)
	c.reply() // greeting
	c.cmd("EHLO pim.example")
	if got := c.cmd("STARTTLS"); got != "220 2.0.0 SMTP server ready\r\n" {
		t.Fatalf("STARTTLS: %q", got)
	}
	c.startTLS(clientTLS(s))
	c.cmd("EHLO pim.example")
	if token != "" {
		// RFC 4954's two-step form: the token does not fit on the AUTH line.
		if got := c.cmd("AUTH XOAUTH2"); got != "334 \r\n" {
			t.Fatalf("AUTH: %q", got)
		}
		if got := c.cmd(xoauth2(user, token)); got != "235 2.7.0 Authentication successful\r\n" {
			t.Fatalf("AUTH response: %q", got)
		}
	}
	return c
}

// twoStepXOAUTH2 is SASL XOAUTH2 as RFC 4954 4 has a client send a long
// initial response: "AUTH XOAUTH2", then the response after the 334. On
// an error challenge it answers with an empty line.
type twoStepXOAUTH2 struct {
	user, token string
	sent        bool
}

func (a *twoStepXOAUTH2) Start(*smtp.ServerInfo) (string, []byte, error) { return "XOAUTH2", nil, nil }

func (a *twoStepXOAUTH2) Next(_ []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	if a.sent {
		return []byte{}, nil
	}
	a.sent = true
	return []byte("user=" + a.user + "\x01auth=Bearer " + a.token + "\x01\x01"), nil
}
