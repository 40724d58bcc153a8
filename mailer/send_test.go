package mailer

import (
	"bytes"
	"context"
	"net"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	gomail "github.com/wneessen/go-mail"
	gmsmtp "github.com/wneessen/go-mail/smtp"

	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/sandbox/sandboxtest"
	"github.com/pimmail/pimmail/secret"
)

// parsed reads an accepted message's headers.
func parsed(t *testing.T, data []byte) *mail.Message {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("accepted message does not parse: %v\n%s", err, data)
	}
	return m
}

func TestSendXOAUTH2ThroughExchange(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{})
	token := mintToken(t, sb)
	msg := testMessage("pimmail test 1")
	res, err := Send(testCtx(t), exchangeServer(sb), xoauth2(token), msg)
	if err != nil {
		t.Fatalf("Send: %v\ntranscript:\n%s", err, strings.Join(res.Transcript, "\n"))
	}
	if !strings.HasPrefix(res.Reply, "250 2.0.0 OK <") || !strings.Contains(res.Reply, "[Hostname=") {
		t.Errorf("reply = %q", res.Reply)
	}
	msgs := sb.Messages()
	if len(msgs) != 1 {
		t.Fatalf("sandbox holds %d messages, want 1", len(msgs))
	}
	got := msgs[0]
	if got.Server != "exchange" || got.MailFrom != sandbox.DefaultMailbox || got.AuthUser != sandbox.DefaultMailbox || !slices.Equal(got.RcptTo, msg.To) {
		t.Errorf("envelope: server %q from %q auth %q rcpt %q", got.Server, got.MailFrom, got.AuthUser, got.RcptTo)
	}
	h := parsed(t, got.Data).Header
	from, err := mail.ParseAddress(h.Get("From"))
	if err != nil || from.Name != "PIM Notifications" || from.Address != sandbox.DefaultMailbox {
		t.Errorf("From = %q (%v)", h.Get("From"), err)
	}
	if h.Get("To") != "<"+msg.To[0]+">" || h.Get("Subject") != msg.Subject {
		t.Errorf("To %q Subject %q", h.Get("To"), h.Get("Subject"))
	}
	if h.Get("Message-Id") != res.MessageID || !strings.HasSuffix(res.MessageID, "@contoso-sandbox.onmicrosoft.com>") {
		t.Errorf("Message-ID header %q, result %q", h.Get("Message-Id"), res.MessageID)
	}
	if _, err := h.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	if !strings.Contains(res.Reply, res.MessageID) {
		t.Errorf("Exchange's reply %q does not name the Message-ID %q", res.Reply, res.MessageID)
	}

	tr := res.Transcript
	wantIn := []string{
		"C: STARTTLS",
		"S: 220 2.0.0 SMTP server ready",
		// The sandbox's tokens are as long as Entra's: the two-step form.
		"C: AUTH XOAUTH2",
		"S: 334 " + Hidden,
		"C: " + Hidden,
		"S: 235 2.7.0 Authentication successful",
		"C: MAIL FROM:<" + sandbox.DefaultMailbox + "> BODY=8BITMIME SMTPUTF8",
		"C: RCPT TO:<" + msg.To[0] + ">",
		"C: DATA",
		"C: <message headers and body> .",
		"S: " + res.Reply,
		"C: QUIT",
	}
	for _, w := range wantIn {
		if !slices.Contains(tr, w) {
			t.Errorf("transcript lacks %q:\n%s", w, strings.Join(tr, "\n"))
		}
	}
	if !strings.HasPrefix(tr[0], "-- connected to "+net.JoinHostPort(exchangeServer(sb).Host, strconv.Itoa(exchangeServer(sb).Port))) {
		t.Errorf("transcript does not start with the connection: %q", tr[0])
	}
	if !strings.HasPrefix(tr[1], "S: 220 ") || !strings.Contains(tr[1], "Microsoft ESMTP MAIL Service ready") {
		t.Errorf("transcript does not go on with the greeting: %q", tr[1])
	}
	if !slices.ContainsFunc(tr, func(l string) bool { return strings.HasPrefix(l, "-- TLS established: TLS 1.") }) {
		t.Errorf("transcript does not note the TLS version")
	}
	if i, j := slices.Index(tr, "C: DATA"), slices.Index(tr, "S: "+res.Reply); j != i+3 {
		t.Errorf("final reply at %d, DATA at %d: out of order", j, i)
	}
	noSecretIn(t, sandbox.DefaultMailbox, token, tr...)
}

// exchangeCase is one refusal of the Exchange stand-in.
type exchangeCase struct {
	name     string
	opts     sandbox.Options
	dir      func(d *sandbox.Directory)
	auth     func(token string) Auth
	msg      func(m *Message)
	want     diagnose.Code
	wantLine string // a transcript line the refusal must show
}

func TestSendExchangeRefusals(t *testing.T) {
	const other = "ceo@contoso-sandbox.onmicrosoft.com"
	cases := []exchangeCase{
		{name: "SMTP AUTH off for the tenant", opts: sandbox.Options{Scenario: "smtp-auth-disabled-tenant"},
			want: diagnose.SMTPAuthDisabledTenant, wantLine: "S: 535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information."},
		{name: "SMTP AUTH off for the mailbox", opts: sandbox.Options{Scenario: "smtp-auth-disabled-mailbox"},
			want: diagnose.SMTPAuthDisabledMailbox, wantLine: "S: 535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information."},
		{name: "Set-CASMailbox in the directory", dir: func(d *sandbox.Directory) { d.Mailboxes[0].SMTPAuthDisabled = true },
			want: diagnose.SMTPAuthDisabledMailbox},
		{name: "Set-TransportConfig in the directory", dir: func(d *sandbox.Directory) { d.Tenants[0].SMTPAuthDisabled = true },
			want: diagnose.SMTPAuthDisabledTenant},
		{name: "security defaults", opts: sandbox.Options{Scenario: "security-defaults"},
			want: diagnose.SMTPSecurityDefaults, wantLine: "S: 535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy."},
		{name: "conditional access", opts: sandbox.Options{Scenario: "smtp-conditional-access"},
			want: diagnose.SMTPConditionalAccess},
		{name: "From another address", opts: sandbox.Options{Scenario: "send-as-denied"},
			msg:  func(m *Message) { m.From = other },
			want: diagnose.SMTPSendAsDenied, wantLine: "S: 554 5.2.252 SendAsDenied; " + sandbox.DefaultMailbox + " not allowed to send as " + other + ";"},
		{name: "envelope sender another address", msg: func(m *Message) { m.EnvelopeFrom = other },
			want: diagnose.SMTPSendAsEnvelope, wantLine: "S: 550 5.7.60 SMTP; Client does not have permissions to send as this sender"},
		{name: "sender thread limit", opts: sandbox.Options{Scenario: "concurrency"},
			want: diagnose.SMTPConcurrency, wantLine: "S: 432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded"},
		{name: "no AUTH at all", auth: func(string) Auth { return Auth{} },
			want: diagnose.SMTPNotAuthenticated, wantLine: "S: 530 5.7.57 Client not authenticated to send mail."},
		{name: "token for another user", auth: func(tok string) Auth {
			return Auth{Kind: AuthXOAUTH2, Username: other, Secret: secret.New(tok)}
		}, want: diagnose.SMTPAuthFailed},
		{name: "forged token", auth: func(tok string) Auth {
			// Same header and claims, another signature.
			i := strings.LastIndex(tok, ".")
			return xoauth2(tok[:i+1] + strings.Repeat("A", len(tok)-i-1))
		}, want: diagnose.SMTPAuthFailed},
		{name: "server speaks only TLS 1.0/1.1", opts: sandbox.Options{Scenario: "tls-old"},
			want: diagnose.TLSTooOld},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sb := sandboxtest.Start(t, tc.opts)
			token := mintToken(t, sb)
			if tc.dir != nil {
				sb.UpdateDirectory(tc.dir)
			}
			auth := xoauth2(token)
			if tc.auth != nil {
				auth = tc.auth(token)
			}
			msg := testMessage("refusal: " + tc.name)
			if tc.msg != nil {
				tc.msg(&msg)
			}
			res, err := Send(testCtx(t), exchangeServer(sb), auth, msg)
			p := wantCode(t, err, tc.want)
			if len(res.Transcript) == 0 {
				t.Fatal("no transcript on failure")
			}
			if tc.wantLine != "" && !slices.ContainsFunc(res.Transcript, func(l string) bool { return strings.HasPrefix(l, tc.wantLine) }) {
				t.Errorf("transcript lacks %q:\n%s", tc.wantLine, strings.Join(res.Transcript, "\n"))
			}
			// The details view starts with the server's reply as sent, the
			// line an admin searches for, not go-mail's quoted wording.
			if reply, ok := strings.CutPrefix(tc.wantLine, "S: "); ok && !strings.HasPrefix(p.Raw, reply) {
				t.Errorf("Raw does not start with the reply %q:\n%s", reply, p.Raw)
			}
			if n := len(sb.Messages()); n != 0 {
				t.Errorf("refused send left %d messages in the sandbox", n)
			}
			if res.Reply != "" {
				t.Errorf("Reply = %q on failure", res.Reply)
			}
			noSecretIn(t, auth.Username, token, append(res.Transcript, problemTexts(p)...)...)
		})
	}
}

func TestSendExpiredToken(t *testing.T) {
	var clk clock
	sb := sandboxtest.Start(t, sandbox.Options{Now: clk.now})
	token := mintToken(t, sb)
	clk.advance(2 * time.Hour)
	res, err := Send(testCtx(t), exchangeServer(sb), xoauth2(token), testMessage("expired"))
	p := wantCode(t, err, diagnose.SMTPAuthFailed)
	if !slices.ContainsFunc(res.Transcript, func(l string) bool { return strings.HasPrefix(l, "S: 535 5.7.3 Authentication unsuccessful [") }) {
		t.Errorf("transcript lacks the 535 5.7.3:\n%s", strings.Join(res.Transcript, "\n"))
	}
	noSecretIn(t, sandbox.DefaultMailbox, token, append(res.Transcript, problemTexts(p)...)...)
}

func TestSendThrottled(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{Scenario: "throttled"})
	token := mintToken(t, sb)
	for i := range 2 {
		if _, err := Send(testCtx(t), exchangeServer(sb), xoauth2(token), testMessage("throttled ok")); err != nil {
			t.Fatalf("message %d within the limit: %v", i+1, err)
		}
	}
	res, err := Send(testCtx(t), exchangeServer(sb), xoauth2(token), testMessage("throttled 3"))
	wantCode(t, err, diagnose.SMTPRateLimited)
	if !slices.Contains(res.Transcript, "S: 421 4.4.2 Message submission rate for this client has exceeded the configured limit") {
		t.Errorf("transcript:\n%s", strings.Join(res.Transcript, "\n"))
	}
	if n := len(sb.Messages()); n != 2 {
		t.Errorf("sandbox holds %d messages, want 2", n)
	}
}

// TestSendFourthConnection holds three signed-in connections of the mailbox
// open (as three other senders would) and sends on a fourth.
func TestSendFourthConnection(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{})
	token := mintToken(t, sb)
	srv := exchangeServer(sb)
	for range 3 {
		c, err := gomail.NewClient(srv.Host, gomail.WithPort(srv.Port), gomail.WithTLSPolicy(gomail.TLSMandatory),
			gomail.WithTLSConfig(tlsConfig(srv, nil)), authOption(xoauth2(token), srv.Host, srv.TLS, &transcript{}))
		if err != nil {
			t.Fatal(err)
		}
		held, err := c.DialToSMTPClientWithContext(testCtx(t))
		if err != nil {
			t.Fatalf("holding a connection: %v", err)
		}
		t.Cleanup(func() { _ = c.CloseWithSMTPClient(held) })
	}
	_, err := Send(testCtx(t), srv, xoauth2(token), testMessage("fourth"))
	wantCode(t, err, diagnose.SMTPConcurrency)
}

func TestSendRelayAndLocalSink(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{})
	tests := []struct {
		name      string
		srv       Server
		server    string
		to        string
		wantReply string
	}{
		{"relay, plain, accepted domain", relayServer(sb, NoTLS), "relay", "it@" + sandbox.RelayDomain, "250 2.6.0 <"},
		{"relay, STARTTLS, outside domain from a trusted IP", relayServer(sb, StartTLS), "relay", "someone@example.org", "250 2.6.0 <"},
		{"local sink, plain", localServer(sb, NoTLS), "local", "root@localhost", "250 2.0.0 Ok: queued as "},
		{"local sink, STARTTLS", localServer(sb, StartTLS), "local", "root@localhost", "250 2.0.0 Ok: queued as "},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := Message{From: "pim@" + sandbox.RelayDomain, FromName: "PIM", To: []string{tt.to}, Subject: tt.name, Body: "hello"}
			res, err := Send(testCtx(t), tt.srv, Auth{}, msg)
			if err != nil {
				t.Fatalf("Send: %v\n%s", err, strings.Join(res.Transcript, "\n"))
			}
			if !strings.HasPrefix(res.Reply, tt.wantReply) {
				t.Errorf("reply = %q", res.Reply)
			}
			msgs := sb.Messages()
			if len(msgs) != i+1 {
				t.Fatalf("sandbox holds %d messages, want %d", len(msgs), i+1)
			}
			got := msgs[i]
			h := parsed(t, got.Data).Header
			if got.Server != tt.server || got.MailFrom != msg.From || !slices.Equal(got.RcptTo, msg.To) || h.Get("Subject") != tt.name {
				t.Errorf("accepted: %s from %q to %q subject %q", got.Server, got.MailFrom, got.RcptTo, h.Get("Subject"))
			}
			tlsNoted := slices.ContainsFunc(res.Transcript, func(l string) bool { return strings.HasPrefix(l, "-- TLS established") })
			if tlsNoted != (tt.srv.TLS == StartTLS) {
				t.Errorf("TLS noted %v for mode %s", tlsNoted, tt.srv.TLS)
			}
		})
	}
}

func TestSendRelayRefusals(t *testing.T) {
	t.Run("IP not trusted by a connector", func(t *testing.T) {
		sb := sandboxtest.Start(t, sandbox.Options{Scenario: "relay-not-trusted"})
		msg := Message{From: "pim@" + sandbox.RelayDomain, To: []string{"someone@example.org"}, Subject: "x", Body: "x"}
		res, err := Send(testCtx(t), relayServer(sb, StartTLS), Auth{}, msg)
		wantCode(t, err, diagnose.RelayTenantAttribution)
		if !slices.ContainsFunc(res.Transcript, func(l string) bool {
			return strings.HasPrefix(l, "S: 550 5.7.64 TenantAttribution; Relay Access Denied [")
		}) {
			t.Errorf("transcript:\n%s", strings.Join(res.Transcript, "\n"))
		}
	})
	t.Run("username for a relay without AUTH", func(t *testing.T) {
		sb := sandboxtest.Start(t, sandbox.Options{})
		auth := Auth{Kind: AuthPassword, Username: "relay-user", Secret: secret.New(testPass)}
		res, err := Send(testCtx(t), relayServer(sb, StartTLS), auth, testMessage("x"))
		p := wantCode(t, err, diagnose.NoAuth)
		noSecretIn(t, "relay-user", testPass, append(res.Transcript, problemTexts(p)...)...)
	})
	t.Run("XOAUTH2 against the relay", func(t *testing.T) {
		sb := sandboxtest.Start(t, sandbox.Options{})
		_, err := Send(testCtx(t), relayServer(sb, StartTLS), xoauth2(testToken), testMessage("x"))
		wantCode(t, err, diagnose.NoXOAUTH2)
	})
}

func TestSendWithPassword(t *testing.T) {
	const user, pass = "relay-user@contoso.example", "S3cret-relay-pass"
	tests := []struct {
		name     string
		fixture  fixtureOptions
		password string
		want     diagnose.Code // "" for success
		wantMech string
	}{
		{"PLAIN over STARTTLS", fixtureOptions{tls: StartTLS, mechs: []string{"PLAIN", "LOGIN"}}, pass, "", "PLAIN"},
		{"LOGIN over implicit TLS", fixtureOptions{tls: ImplicitTLS, mechs: []string{"LOGIN"}}, pass, "", "LOGIN"},
		{"PLAIN in clear to this machine", fixtureOptions{tls: NoTLS, mechs: []string{"PLAIN"}}, pass, "", "PLAIN"},
		{"wrong password", fixtureOptions{tls: StartTLS, mechs: []string{"PLAIN"}}, "not-" + pass, diagnose.RelayAuthFailed, "PLAIN"},
		{"wrong password, LOGIN", fixtureOptions{tls: ImplicitTLS, mechs: []string{"LOGIN"}}, "not-" + pass, diagnose.RelayAuthFailed, "LOGIN"},
		{"no PLAIN or LOGIN offered", fixtureOptions{tls: StartTLS}, pass, diagnose.NoAuth, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fixture.user, tt.fixture.pass = user, pass
			f := startFixture(t, tt.fixture)
			auth := Auth{Kind: AuthPassword, Username: user, Secret: secret.New(tt.password)}
			msg := Message{From: user, To: []string{"ops@contoso.example"}, Subject: tt.name, Body: "hello"}
			res, err := Send(testCtx(t), f.server(), auth, msg)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Send: %v\n%s", err, strings.Join(res.Transcript, "\n"))
				}
				if len(f.messages()) != 1 || !strings.HasPrefix(res.Reply, "250 ") {
					t.Errorf("messages %d, reply %q", len(f.messages()), res.Reply)
				}
			} else {
				p := wantCode(t, err, tt.want)
				res.Transcript = append(res.Transcript, problemTexts(p)...)
				if len(f.messages()) != 0 {
					t.Errorf("a refused send delivered")
				}
			}
			if tt.wantMech != "" && !slices.ContainsFunc(res.Transcript, func(l string) bool { return strings.HasPrefix(l, "C: AUTH "+tt.wantMech) }) {
				t.Errorf("no AUTH %s in:\n%s", tt.wantMech, strings.Join(res.Transcript, "\n"))
			}
			noSecretIn(t, user, tt.password, res.Transcript...)
		})
	}
}

// TestPasswordNeverInClearToAnotherMachine checks the decision before any
// byte leaves: a remote server without TLS gets no password at all.
func TestPasswordNeverInClearToAnotherMachine(t *testing.T) {
	var chosen []string
	a := &passwordAuth{username: "u", password: "p", host: "relay.contoso.example", chosen: func(m string) { chosen = append(chosen, m) }}
	_, resp, err := a.Start(&gmsmtp.ServerInfo{Name: "relay.contoso.example", TLS: false, Auth: []string{"PLAIN", "LOGIN"}})
	if err != errPasswordInClear || resp != nil || chosen != nil {
		t.Fatalf("Start over clear text to a remote host: resp %q err %v chosen %v", resp, err, chosen)
	}
	p := passwordInClear(diagnose.Facts{Host: "relay.contoso.example", Port: 25, Username: "u"}, err)
	if p.Code != diagnose.PasswordInClear || !strings.Contains(p.Explanation, "relay.contoso.example:25") || !strings.Contains(p.Fix, "STARTTLS") {
		t.Errorf("problem: %+v", p)
	}
	for _, tls := range []bool{true} {
		_, resp, err = a.Start(&gmsmtp.ServerInfo{Name: "relay.contoso.example", TLS: tls, Auth: []string{"LOGIN"}})
		if err != nil || resp != nil || !slices.Equal(chosen, []string{"LOGIN"}) {
			t.Errorf("Start over TLS: resp %q err %v chosen %v", resp, err, chosen)
		}
	}
}

func TestSendNetworkFailures(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		res, err := Send(testCtx(t), Server{Host: "127.0.0.1", Port: sandboxtest.ClosedPort(t), Timeout: 5 * time.Second}, xoauth2(testToken), testMessage("x"))
		wantCode(t, err, diagnose.NetRefused)
		if len(res.Transcript) != 1 || !strings.HasPrefix(res.Transcript[0], "-- connecting to 127.0.0.1:") {
			t.Errorf("transcript = %q", res.Transcript)
		}
	})
	t.Run("silent server: accepted, never greeted", func(t *testing.T) {
		port, _ := sandboxtest.Silent(t)
		res, err := Send(testCtx(t), Server{Host: "127.0.0.1", Port: port, Timeout: 200 * time.Millisecond}, xoauth2(testToken), testMessage("x"))
		wantCode(t, err, diagnose.SMTPNoGreeting)
		if len(res.Transcript) != 1 || !strings.HasPrefix(res.Transcript[0], "-- connected to 127.0.0.1:") {
			t.Errorf("transcript = %q", res.Transcript)
		}
	})
	t.Run("cancel closes the connection", func(t *testing.T) {
		port, accepted := sandboxtest.Silent(t)
		ctx, cancel := context.WithCancel(testCtx(t))
		go func() {
			<-accepted
			cancel()
		}()
		_, err := Send(ctx, Server{Host: "127.0.0.1", Port: port, Timeout: 30 * time.Second}, xoauth2(testToken), testMessage("x"))
		wantCode(t, err, diagnose.NetCancelled)
	})
	t.Run("STARTTLS required but not offered", func(t *testing.T) {
		f := startFixture(t, fixtureOptions{tls: NoTLS})
		srv := f.server()
		srv.TLS = NoTLS // XOAUTH2 forces STARTTLS regardless
		res, err := Send(testCtx(t), srv, xoauth2(testToken), testMessage("x"))
		wantCode(t, err, diagnose.NoSTARTTLS)
		noSecretIn(t, sandbox.DefaultMailbox, testToken, res.Transcript...)
		if slices.ContainsFunc(res.Transcript, func(l string) bool { return strings.HasPrefix(l, "C: AUTH") }) {
			t.Errorf("AUTH sent without TLS:\n%s", strings.Join(res.Transcript, "\n"))
		}
	})
	t.Run("invalid From", func(t *testing.T) {
		msg := testMessage("x")
		msg.From = "not an address"
		_, err := Send(testCtx(t), Server{Host: "127.0.0.1", Port: sandboxtest.ClosedPort(t)}, Auth{}, msg)
		p := wantCode(t, err, diagnose.Unexpected)
		if !strings.Contains(p.Raw, "not an address") {
			t.Errorf("raw = %q", p.Raw)
		}
	})
}

// TestSendAsGrantedAddress: a From the mailbox was granted Send As on goes
// out; the envelope sender stays the mailbox.
func TestSendAsGrantedAddress(t *testing.T) {
	const shared = "hr@contoso-sandbox.onmicrosoft.com"
	sb := sandboxtest.Start(t, sandbox.Options{})
	sb.UpdateDirectory(func(d *sandbox.Directory) { d.Mailboxes[0].SendAs = []string{shared} })
	token := mintToken(t, sb)
	msg := testMessage("send as")
	msg.From, msg.FromName = shared, "HR"
	if _, err := Send(testCtx(t), exchangeServer(sb), xoauth2(token), msg); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := sb.Messages()[0]
	from, _ := mail.ParseAddress(parsed(t, got.Data).Header.Get("From"))
	if got.MailFrom != sandbox.DefaultMailbox || from == nil || from.Address != shared {
		t.Errorf("envelope %q, From header %v", got.MailFrom, from)
	}
}

// A server that offers no AUTH to a username: the fix suggests STARTTLS
// only when the TLS mode in use is none; over STARTTLS or implicit TLS it
// would be advice already followed.
func TestNoAuthAdviceFollowsTLSMode(t *testing.T) {
	const user, pass = "relay-user@contoso.example", "S3cret-relay-pass"
	for _, tt := range []struct {
		tls         TLSMode
		suggestsTLS bool
	}{
		{NoTLS, true},
		{StartTLS, false},
		{ImplicitTLS, false},
	} {
		t.Run(string(tt.tls), func(t *testing.T) {
			f := startFixture(t, fixtureOptions{tls: tt.tls, user: user, pass: pass})
			auth := Auth{Kind: AuthPassword, Username: user, Secret: secret.New(pass)}
			msg := Message{From: user, To: []string{"ops@contoso.example"}, Subject: "x", Body: "hello"}
			_, err := Send(testCtx(t), f.server(), auth, msg)
			p := wantCode(t, err, diagnose.NoAuth)
			if got := strings.Contains(p.Fix, "STARTTLS"); got != tt.suggestsTLS {
				t.Errorf("fix mentions STARTTLS %v, want %v: %s", got, tt.suggestsTLS, p.Fix)
			}
			if !strings.Contains(p.Fix, "Clear the username and password") && !strings.Contains(p.Fix, "clear the username and password") {
				t.Errorf("fix lacks the no-login way: %s", p.Fix)
			}
		})
	}
}
