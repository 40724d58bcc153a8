package mailer

// SASL XOAUTH2 against a server nobody here wrote: emersion/go-smtp with a
// standards-strict command line limit. go-smtp's own MaxLineLength applies
// to every line alike, also to the SASL response lines that RFC 4954
// section 4 lets grow to 12288 octets; strictLines (below) limits command
// lines only and answers an overlong one through go-smtp's own path
// (smtp.ErrTooLongLine: "500 5.4.0 Too long line, closing connection").

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
	"github.com/wneessen/go-mail/smtp"

	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/secret"
)

// strictCommandLine is the test server's command line limit, CRLF
// included: about 1 KB, as standards-strict submission servers set it.
const strictCommandLine = 1000

// saslResponseLine is RFC 4954's limit for a SASL response line.
const saslResponseLine = 12288

// realisticToken is a JWT shaped like an Exchange Online access token from
// Entra ID: an RS256 header with x5t and kid, the delegated claim set, and
// a 2048-bit signature; about 2.5 KB.
func realisticToken(t testing.TB, upn string) string {
	t.Helper()
	rnd := func(n int) string {
		b := make([]byte, n)
		if _, err := rand.Read(b); err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	guid := func() string {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
	}
	header := map[string]string{"typ": "JWT", "nonce": rnd(32), "alg": "RS256", "x5t": rnd(20), "kid": rnd(20)}
	now := time.Now().Unix()
	claims := map[string]any{
		"aud": "https://outlook.office.com", "iss": "https://sts.windows.net/" + guid() + "/",
		"iat": now, "nbf": now, "exp": now + 4500, "acct": 0, "acr": "1", "aio": rnd(120),
		"amr": []string{"pwd", "mfa"}, "app_displayname": "PIM Mail Sender", "appid": guid(), "appidacr": "0",
		"enfpolids": []string{}, "family_name": "Notifications", "given_name": "PIM", "idtyp": "user",
		"ipaddr": "203.0.113.7", "name": "PIM Notifications", "oid": guid(), "puid": "10032003A1B2C3D4",
		"rh": "1.AXEA" + rnd(60) + ".", "scp": "SMTP.Send", "sid": guid(), "sub": rnd(32), "tid": guid(),
		"unique_name": upn, "upn": upn, "uti": rnd(16), "ver": "1.0", "wids": []string{"b79fbf4d-3ef9-4689-8143-76b194e85509"},
		"xms_ftd": rnd(48), "xms_idrel": "1 20", "xms_st": map[string]string{"sub": rnd(32)}, "xms_tcdt": now - 1e8,
	}
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c) + "." + rnd(256)
}

// xoauth2Server is the go-smtp test server's XOAUTH2: it accepts token for
// user, and refuses anything else the way the XOAUTH2 protocol says: a 334
// error challenge (base64 JSON), then, after the client's empty line, 535.
type xoauth2Server struct {
	user, token string
	// onAuthLine records whether the initial response came on the AUTH line.
	onAuthLine func(bool)
	step       int
	failed     bool
}

var errTokenRefused = &gosmtp.SMTPError{Code: 535, EnhancedCode: gosmtp.EnhancedCode{5, 7, 8}, Message: "Error: authentication failed"}

func (x *xoauth2Server) Next(resp []byte) ([]byte, bool, error) {
	x.step++
	switch {
	case x.step == 1 && len(resp) == 0:
		x.onAuthLine(false)
		return nil, false, nil // the empty challenge of the two-step form
	case x.step == 1:
		x.onAuthLine(true)
	case x.failed:
		if len(resp) != 0 {
			return nil, true, fmt.Errorf("after the error challenge the client sent %d octets, want an empty line", len(resp))
		}
		return nil, true, errTokenRefused
	}
	want := "user=" + x.user + "\x01auth=Bearer " + x.token + "\x01\x01"
	if string(resp) != want {
		x.failed = true
		return []byte(`{"status":"401","schemes":"bearer","scope":"https://outlook.office.com/SMTP.Send"}`), false, nil
	}
	return nil, true, nil
}

// strictLines limits the command lines a connection reads to limit octets
// (CRLF included) and the line after a 334 challenge to RFC 4954's 12288.
// It records the length of every line read.
type strictLines struct {
	net.Conn
	limit int

	mu    sync.Mutex
	cont  bool // the last reply was 334: the next line is a SASL response
	cur   int
	err   error
	lines []lineSeen
}

type lineSeen struct {
	n        int
	response bool // a SASL response line
}

func (c *strictLines) Write(p []byte) (int, error) {
	c.mu.Lock()
	if bytes.HasPrefix(p, []byte("334 ")) || bytes.HasPrefix(p, []byte("334\r")) {
		c.cont = true
	}
	c.mu.Unlock()
	return c.Conn.Write(p)
}

func (c *strictLines) Read(p []byte) (int, error) {
	c.mu.Lock()
	if c.err != nil {
		defer c.mu.Unlock()
		return 0, c.err
	}
	c.mu.Unlock()
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := 0; i < n; i++ {
		c.cur++
		limit := c.limit
		if c.cont {
			limit = saslResponseLine
		}
		if c.cur > limit {
			c.lines = append(c.lines, lineSeen{n: c.cur, response: c.cont})
			c.err = gosmtp.ErrTooLongLine
			return 0, c.err
		}
		if p[i] == '\n' {
			c.lines = append(c.lines, lineSeen{n: c.cur, response: c.cont})
			c.cur, c.cont = 0, false
		}
	}
	return n, err
}

// strictServer is a go-smtp server on implicit TLS whose connections are
// strictLines; it accepts token for user with XOAUTH2 only.
type strictServer struct {
	*fixture
	mu         sync.Mutex
	conns      []*strictLines
	onAuthLine []bool
	// authErr, when set, is the server's answer to every AUTH.
	authErr error
}

func (s *strictServer) authLines() []bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.onAuthLine)
}

func (s *strictServer) lines() []lineSeen {
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []lineSeen
	for _, c := range s.conns {
		c.mu.Lock()
		all = append(all, c.lines...)
		c.mu.Unlock()
	}
	return all
}

type strictListener struct {
	net.Listener
	conf *tls.Config
	s    *strictServer
}

func (l strictListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	sc := &strictLines{Conn: tls.Server(c, l.conf), limit: strictCommandLine}
	l.s.mu.Lock()
	l.s.conns = append(l.s.conns, sc)
	l.s.mu.Unlock()
	return sc, nil
}

type strictSession struct {
	fixtureSession
	s           *strictServer
	user, token string
}

func (s *strictSession) AuthMechanisms() []string { return []string{"XOAUTH2"} }

func (s *strictSession) Auth(mech string) (sasl.Server, error) {
	if mech != "XOAUTH2" {
		return nil, fmt.Errorf("unsupported mechanism %s", mech)
	}
	s.s.mu.Lock()
	authErr := s.s.authErr
	s.s.mu.Unlock()
	if authErr != nil {
		return nil, authErr
	}
	x := &xoauth2Server{user: s.user, token: s.token, onAuthLine: func(b bool) {
		s.s.mu.Lock()
		s.s.onAuthLine = append(s.s.onAuthLine, b)
		s.s.mu.Unlock()
	}}
	return saslFunc(func(resp []byte) ([]byte, bool, error) {
		ch, done, err := x.Next(resp)
		if done && err == nil {
			s.authed = true
		}
		return ch, done, err
	}), nil
}

type saslFunc func([]byte) ([]byte, bool, error)

func (f saslFunc) Next(r []byte) ([]byte, bool, error) { return f(r) }

func startStrictServer(t testing.TB, user, token string) *strictServer {
	t.Helper()
	leaf, roots := testCertificate(t)
	s := &strictServer{fixture: &fixture{host: "127.0.0.1", roots: roots, mode: ImplicitTLS,
		options: fixtureOptions{mechs: []string{"XOAUTH2"}}}}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(*gosmtp.Conn) (gosmtp.Session, error) {
		return &strictSession{fixtureSession: fixtureSession{f: s.fixture}, s: s, user: user, token: token}, nil
	}))
	srv.Domain = "strict.test"
	srv.AllowInsecureAuth = true // the connection is TLS, below go-smtp's view
	srv.MaxLineLength = saslResponseLine
	srv.ErrorLog = discardLog{}
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.port = ln.Addr().(*net.TCPAddr).Port
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(strictListener{Listener: ln, conf: &tls.Config{Certificates: []tls.Certificate{leaf}, MinVersion: tls.VersionTLS12}, s: s})
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return s
}

// TestXOAUTH2LongTokenTwoStep: a real-sized token goes in the two-step
// form, so a server that limits command lines takes it; the AUTH line
// stays within 512 octets and the transcript hides the response.
func TestXOAUTH2LongTokenTwoStep(t *testing.T) {
	const user = "pim@contoso.com"
	token := realisticToken(t, user)
	if len(token) < 1500 || len(token) > 3000 {
		t.Fatalf("test token is %d bytes, want an Entra-sized 1.5-3 KB", len(token))
	}
	s := startStrictServer(t, user, token)
	msg := Message{From: user, To: []string{"admin@contoso.com"}, Subject: "two-step", Body: "x\r\n"}
	res, err := Send(testCtx(t), s.server(), Auth{Kind: AuthXOAUTH2, Username: user, Secret: secret.New(token)}, msg)
	if err != nil {
		t.Fatalf("Send with a %d-byte token to a server with a %d-octet command line limit: %v\ntranscript:\n%s",
			len(token), strictCommandLine, err, strings.Join(res.Transcript, "\n"))
	}
	if got := s.messages(); len(got) != 1 {
		t.Fatalf("server holds %d messages, want 1", len(got))
	}
	if got := s.authLines(); !slices.Equal(got, []bool{false}) {
		t.Errorf("initial response on the AUTH line: %v, want [false] (two-step)", got)
	}
	for _, l := range s.lines() {
		if !l.response && l.n > maxCommandLine {
			t.Errorf("a command line of %d octets was sent; RFC 5321 allows %d", l.n, maxCommandLine)
		}
	}
	tr := res.Transcript
	i := slices.Index(tr, "C: AUTH XOAUTH2")
	if i < 0 || i+3 >= len(tr) || tr[i+1] != "S: 334 "+Hidden || tr[i+2] != "C: "+Hidden || !strings.HasPrefix(tr[i+3], "S: 235 ") {
		t.Errorf("transcript does not show the two-step AUTH:\n%s", strings.Join(tr, "\n"))
	}
	noSecretIn(t, user, token, tr...)
	t.Logf("token %d bytes; AUTH line with it would be %d octets", len(token),
		len("AUTH XOAUTH2 \r\n")+base64.StdEncoding.EncodedLen(len(xoauth2Payload(user, token))))
}

// TestXOAUTH2ShortTokenOneLine: a response that fits stays on the AUTH
// line (one round trip), at the 512-octet boundary exactly.
func TestXOAUTH2ShortTokenOneLine(t *testing.T) {
	const user = "pim@contoso.com"
	// base64 length 512-len("AUTH XOAUTH2 \r\n") = 497 is not a multiple
	// of 4; 496 is: 372 payload octets.
	tok := strings.Repeat("t", 372-len(xoauth2Payload(user, "")))
	if !fitsOnAuthLine("XOAUTH2", []byte(xoauth2Payload(user, tok))) {
		t.Fatalf("a %d-octet AUTH line does not fit", len("AUTH XOAUTH2 \r\n")+496)
	}
	if fitsOnAuthLine("XOAUTH2", []byte(xoauth2Payload(user, tok+"ttt"))) {
		t.Fatalf("a 516-octet AUTH line fits")
	}
	s := startStrictServer(t, user, tok)
	msg := Message{From: user, To: []string{"admin@contoso.com"}, Subject: "one line", Body: "x\r\n"}
	res, err := Send(testCtx(t), s.server(), Auth{Kind: AuthXOAUTH2, Username: user, Secret: secret.New(tok)}, msg)
	if err != nil {
		t.Fatalf("Send: %v\n%s", err, strings.Join(res.Transcript, "\n"))
	}
	if got := s.authLines(); !slices.Equal(got, []bool{true}) {
		t.Errorf("initial response on the AUTH line: %v, want [true]", got)
	}
	if !slices.Contains(res.Transcript, "C: AUTH XOAUTH2 "+Hidden) {
		t.Errorf("transcript lacks the hidden one-line AUTH:\n%s", strings.Join(res.Transcript, "\n"))
	}
	noSecretIn(t, user, tok, res.Transcript...)
}

// TestXOAUTH2ErrorChallenge: a refused token gets the 334 error challenge;
// pimmail answers with an empty line, reads the 535 and reports that the
// server refused the sign-in token, not the message and not a password.
func TestXOAUTH2ErrorChallenge(t *testing.T) {
	const user = "pim@contoso.com"
	good, bad := realisticToken(t, user), realisticToken(t, user)
	s := startStrictServer(t, user, good)
	msg := Message{From: user, To: []string{"admin@contoso.com"}, Subject: "refused", Body: "x\r\n"}
	res, err := Send(testCtx(t), s.server(), Auth{Kind: AuthXOAUTH2, Username: user, Secret: secret.New(bad)}, msg)
	p := wantCode(t, err, diagnose.SMTPAuthFailed)
	if !strings.Contains(p.Raw, "535 5.7.8") {
		t.Errorf("Raw = %q, want the server's 535 5.7.8", p.Raw)
	}
	if strings.Contains(p.Fix, "password") {
		t.Errorf("the fix for a refused token talks of a password: %q", p.Fix)
	}
	if len(s.messages()) != 0 {
		t.Errorf("a message was accepted after a refused sign-in")
	}
	tr := res.Transcript
	i := slices.IndexFunc(tr, func(l string) bool { return strings.Contains(l, "XOAUTH2 error challenge") })
	if i < 0 || !strings.Contains(tr[i], `"status":"401"`) || i+2 >= len(tr) || tr[i+1] != "C: "+Hidden || !strings.HasPrefix(tr[i+2], "S: 535 5.7.8") {
		t.Errorf("transcript does not show challenge, empty answer, 535:\n%s", strings.Join(tr, "\n"))
	}
	noSecretIn(t, user, bad, tr...)
}

// TestXOAUTH2NotOffered: the custom authenticator checks the mechanism
// itself (go-mail does not for custom ones) and sends nothing.
func TestXOAUTH2NotOffered(t *testing.T) {
	f := startFixture(t, fixtureOptions{tls: StartTLS, mechs: []string{"PLAIN"}, user: "u", pass: "p"})
	res, err := Send(testCtx(t), f.server(), xoauth2(testToken), testMessage("x"))
	wantCode(t, err, diagnose.NoXOAUTH2)
	if slices.ContainsFunc(res.Transcript, func(l string) bool { return strings.HasPrefix(l, "C: AUTH") }) {
		t.Errorf("an AUTH command went to a server without XOAUTH2:\n%s", strings.Join(res.Transcript, "\n"))
	}
}

// TestAuthFailureIsTheSignIn: a server that answers AUTH XOAUTH2 with an
// error of no known kind (here a temporary failure) refused the sign-in,
// not the message, and pimmail says so.
func TestAuthFailureIsTheSignIn(t *testing.T) {
	const user = "pim@contoso.com"
	token := realisticToken(t, user)
	s := startStrictServer(t, user, token)
	s.mu.Lock()
	s.authErr = &gosmtp.SMTPError{Code: 454, EnhancedCode: gosmtp.EnhancedCode{4, 7, 0}, Message: "Temporary authentication failure"}
	s.mu.Unlock()
	msg := Message{From: user, To: []string{"admin@contoso.com"}, Subject: "x", Body: "x\r\n"}
	_, err := Send(testCtx(t), s.server(), Auth{Kind: AuthXOAUTH2, Username: user, Secret: secret.New(token)}, msg)
	p := wantCode(t, err, diagnose.SMTPSignInRefused)
	if !strings.Contains(p.Raw, "454 4.7.0 Temporary authentication failure") || strings.Contains(p.Title, "message") {
		t.Errorf("title %q raw %q: want the sign-in named and the reply kept", p.Title, p.Raw)
	}
}

// TestXOAUTH2AuthenticatorReused: one authenticator signs in on several
// connections in turn (a sending session that reconnects); each exchange
// starts afresh, in both forms, and the error challenge is told apart
// from the two-step form's first 334.
func TestXOAUTH2AuthenticatorReused(t *testing.T) {
	const user = "pim@contoso.com"
	info := &smtp.ServerInfo{Name: "strict.test", TLS: true, Auth: []string{"LOGIN", "XOAUTH2"}}
	for _, tok := range []string{realisticToken(t, user), "short-token"} {
		a := smtpAuth(Auth{Kind: AuthXOAUTH2, Username: user, Secret: secret.New(tok)}, "strict.test", StartTLS, &transcript{})
		want := xoauth2Payload(user, tok)
		for round := range 3 {
			mech, ir, err := a.Start(info)
			if err != nil || mech != "XOAUTH2" {
				t.Fatalf("round %d: Start = %q, %v", round, mech, err)
			}
			long := len(tok) > 100
			if long != (ir == nil) || (!long && string(ir) != want) {
				t.Fatalf("round %d, token %d bytes: initial response %d bytes", round, len(tok), len(ir))
			}
			if long {
				resp, err := a.Next(nil, true) // the empty 334
				if err != nil || string(resp) != want {
					t.Fatalf("round %d: answer to the first 334: %d bytes, %v", round, len(resp), err)
				}
			}
			resp, err := a.Next([]byte(`{"status":"401"}`), true) // the error challenge
			if err != nil || resp == nil || len(resp) != 0 {
				t.Fatalf("round %d: answer to the error challenge: %q, %v; want an empty line", round, resp, err)
			}
			if resp, err := a.Next([]byte("2.7.0 Authentication successful"), false); resp != nil || err != nil {
				t.Fatalf("round %d: after the verdict: %q, %v", round, resp, err)
			}
		}
	}
}
