package sandbox

import (
	"crypto/rand"
	"crypto/rsa"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
	"github.com/golang-jwt/jwt/v5"
	"github.com/wneessen/go-mail"
)

// TestExchangeSendHappyPath sends through the Exchange stand-in exactly as
// pimmail does (go-mail, STARTTLS, TLS 1.2+, XOAUTH2) and checks what a
// user would: the reply, the kept message and its .eml file.
func TestExchangeSendHappyPath(t *testing.T) {
	s := startSMTPSandbox(t, Options{})
	token := mintToken(t, s, DefaultMailbox, time.Hour)
	m := newMsg(t, DefaultMailbox, "ops@example.com")
	if err := exchangeClient(t, s, DefaultMailbox, token).DialAndSendWithContext(smtpCtx(t), m); err != nil {
		t.Fatalf("send: %v", err)
	}
	// go-mail hands back the reply's text without its code.
	wantReply := regexp.MustCompile(`^2\.0\.0 OK ` + regexp.QuoteMeta(m.GetMessageID()) + ` \[Hostname=` + regexp.QuoteMeta(s.smtp().exchange.mbxHost) + `\]$`)
	if !wantReply.MatchString(m.ServerResponse()) {
		t.Errorf("server response %q", m.ServerResponse())
	}
	msgs := s.Messages()
	if len(msgs) != 1 {
		t.Fatalf("kept %d messages, want 1", len(msgs))
	}
	got := msgs[0]
	if got.Server != "exchange" || got.AuthUser != DefaultMailbox || got.MailFrom != DefaultMailbox ||
		len(got.RcptTo) != 1 || got.RcptTo[0] != "ops@example.com" || !strings.Contains(string(got.Data), "Subject: pimmail test message") {
		t.Errorf("kept %+v", got)
	}

	// The .eml file: in StateDir/mail, private, same bytes.
	files, err := filepath.Glob(filepath.Join(s.opts.StateDir, "mail", "*-exchange.eml"))
	if err != nil || len(files) != 1 {
		t.Fatalf("eml files %v (%v), want one", files, err)
	}
	st, err := os.Stat(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf(".eml mode %o, want 600", st.Mode().Perm())
	}
	if dst, _ := os.Stat(filepath.Dir(files[0])); dst.Mode().Perm() != 0o700 {
		t.Errorf("mail folder mode %o, want 700", dst.Mode().Perm())
	}
	// The message as received, below the trace fields a receiving server adds.
	b, _ := os.ReadFile(files[0])
	trace, body, _ := strings.Cut(string(b), "Subject: ")
	if !strings.HasSuffix(string(b), string(got.Data)) {
		t.Error(".eml does not end with the kept message")
	}
	for _, w := range []string{"Return-Path: <" + DefaultMailbox + ">\r\n", "Envelope-To: ops@example.com\r\n",
		"(Authenticated sender: " + DefaultMailbox + ")"} {
		if !strings.Contains(trace, w) {
			t.Errorf(".eml trace fields lack %q:\n%s", w, trace)
		}
	}
	if body == "" {
		t.Errorf(".eml has no Subject:\n%s", b)
	}
}

// TestExchangeEMLNamesSort sends three messages and checks that the .eml
// names sort in arrival order, and that without a StateDir nothing is
// written while the messages are still kept.
func TestExchangeEMLNamesSort(t *testing.T) {
	clock := newTestClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	s := startSMTPSandbox(t, Options{Now: clock.Now})
	token := mintToken(t, s, DefaultMailbox, time.Hour)
	var subjects []string
	for i := range 3 {
		m := newMsg(t, DefaultMailbox, "ops@example.com")
		subj := "message " + string(rune('A'+i))
		m.Subject(subj)
		subjects = append(subjects, subj)
		if err := exchangeClient(t, s, DefaultMailbox, token).DialAndSendWithContext(smtpCtx(t), m); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second)
	}
	files, _ := filepath.Glob(filepath.Join(s.opts.StateDir, "mail", "*.eml"))
	if len(files) != 3 {
		t.Fatalf("%d .eml files, want 3", len(files))
	}
	for i, f := range files { // Glob returns sorted names
		b, _ := os.ReadFile(f)
		if !strings.Contains(string(b), "Subject: "+subjects[i]) {
			t.Errorf("%s is not %q", filepath.Base(f), subjects[i])
		}
	}
}

// signWith signs claims with key (another key than the sandbox's, or none).
func signWith(t *testing.T, c TokenClaims, method jwt.SigningMethod, key any) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(method, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// validClaims are the claims of a good delegated token for the default mailbox.
func validClaims(s *Sandbox) TokenClaims {
	now := s.now()
	return TokenClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Audience:  jwt.ClaimStrings{OutlookAudience},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)),
		},
		Use: "access", Scope: "SMTP.Send", UPN: DefaultMailbox, TenantID: DefaultTenantID,
		AppID: DefaultClientID, Version: "1.0",
	}
}

// TestExchangeTokensRefused: every bad bearer token is refused with
// 535 5.7.3 at AUTH, as go-mail surfaces it.
func TestExchangeTokensRefused(t *testing.T) {
	s := startSMTPSandbox(t, Options{})
	d := s.smtp().exchange
	want := "535 5.7.3 Authentication unsuccessful [" + d.host + "." + d.region + ".prod.outlook.com]"
	otherKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	const other = "someone-else@contoso-sandbox.onmicrosoft.com"
	s.UpdateDirectory(func(dir *Directory) {
		dir.Mailboxes = append(dir.Mailboxes, Mailbox{UPN: other, ObjectID: "1b1c2d3e-4f50-4617-8293-a4b5c6d7e8f0", TenantID: DefaultTenantID})
	})

	graph := validClaims(s)
	graph.Audience = jwt.ClaimStrings{"https://graph.microsoft.com"}
	noScope := validClaims(s)
	noScope.Scope = "Mail.Read"
	otherTenant := validClaims(s)
	otherTenant.TenantID = "00000000-1111-2222-3333-444444444444"
	unsigned, err := jwt.NewWithClaims(jwt.SigningMethodNone, validClaims(s)).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	sign := func(c TokenClaims) string { tok, _ := s.signToken(c); return tok }

	cases := []struct {
		name, user, token string
	}{
		{"not a JWT", DefaultMailbox, "not-a-token"},
		{"unsigned (alg none)", DefaultMailbox, unsigned},
		{"signed by another key", DefaultMailbox, signWith(t, validClaims(s), jwt.SigningMethodRS256, otherKey)},
		{"expired", DefaultMailbox, mintToken(t, s, DefaultMailbox, -time.Minute)},
		{"for another user", DefaultMailbox, mintToken(t, s, other, time.Hour)},
		{"user= not the token's account", other, mintToken(t, s, DefaultMailbox, time.Hour)},
		{"Graph audience", DefaultMailbox, sign(graph)},
		{"no SMTP.Send scope", DefaultMailbox, sign(noScope)},
		{"token of another tenant", DefaultMailbox, sign(otherTenant)},
		{"mailbox not in the directory", "ghost@contoso-sandbox.onmicrosoft.com", func() string {
			c := validClaims(s)
			c.UPN = "ghost@contoso-sandbox.onmicrosoft.com"
			return sign(c)
		}()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := exchangeClient(t, s, tc.user, tc.token).DialAndSendWithContext(smtpCtx(t), newMsg(t, DefaultMailbox, "ops@example.com"))
			if got := serverReply(err); got != want {
				t.Errorf("got %q (%v), want %q", got, err, want)
			}
		})
	}
	if n := len(s.Messages()); n != 0 {
		t.Errorf("%d messages kept from refused sessions", n)
	}
}

// TestExchangeAuthDisabled: SMTP AUTH switched off (per scenario or per
// directory setting) and the Entra policies answer 5.7.139 with the
// reference's texts, to a token that is otherwise good.
func TestExchangeAuthDisabled(t *testing.T) {
	tenantOff := DefaultDirectory()
	tenantOff.Tenants[0].SMTPAuthDisabled = true
	mailboxOff := DefaultDirectory()
	mailboxOff.Mailboxes[0].SMTPAuthDisabled = true
	cases := []struct {
		name string
		opts Options
		want string
	}{
		{"scenario tenant", Options{Scenario: "smtp-auth-disabled-tenant"}, exoAuthDisabledTenant},
		{"directory tenant", Options{Directory: &tenantOff}, exoAuthDisabledTenant},
		{"scenario mailbox", Options{Scenario: "smtp-auth-disabled-mailbox"}, exoAuthDisabledMailbox},
		{"directory mailbox", Options{Directory: &mailboxOff}, exoAuthDisabledMailbox},
		{"security defaults", Options{Scenario: "security-defaults"}, exoSecurityDefaults},
		{"conditional access", Options{Scenario: "smtp-conditional-access"}, exoConditionalAccess},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := startSMTPSandbox(t, tc.opts)
			token := mintToken(t, s, DefaultMailbox, time.Hour)
			err := exchangeClient(t, s, DefaultMailbox, token).DialAndSendWithContext(smtpCtx(t), newMsg(t, DefaultMailbox, "ops@example.com"))
			if got := serverReply(err); got != tc.want {
				t.Errorf("got %q (%v), want %q", got, err, tc.want)
			}
		})
	}
	// The texts themselves, against the reference.
	for got, want := range map[string]string{
		exoAuthDisabledTenant:  "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.",
		exoAuthDisabledMailbox: "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information.",
		exoSecurityDefaults:    "535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy.",
		exoConditionalAccess:   "535 5.7.139 Authentication unsuccessful, the request did not meet the criteria to be authenticated successfully. Contact your administrator.",
	} {
		if got != want {
			t.Errorf("text %q differs from the reference %q", got, want)
		}
	}
}

// TestExchangeSenderChecks covers the envelope sender (550 5.7.60 at MAIL
// FROM), the From header (554 5.2.252 after DATA), Send As grants and the
// send-as-denied scenario, and MAIL before AUTH (530 5.7.57).
func TestExchangeSenderChecks(t *testing.T) {
	const alias = "pim@contoso-sandbox.com"
	granted := DefaultDirectory()
	granted.Mailboxes[0].SendAs = []string{alias}

	type result struct {
		code     int
		enhanced string
		reply    string // the server's line as go-mail reports it; "" = accepted
	}
	sendAsDenied := func(s *Sandbox, from string) string {
		return s.smtp().exchange.sendAsDenied(DefaultMailbox, from)
	}
	cases := []struct {
		name     string
		opts     Options
		envelope string // "" = the From address
		from     string
		want     func(s *Sandbox) result
	}{
		{"envelope of another address", Options{}, "boss@contoso-sandbox.com", DefaultMailbox, func(*Sandbox) result {
			return result{550, "5.7.60", "550 5.7.60 SMTP; Client does not have permissions to send as this sender"}
		}},
		{"From header of another address", Options{}, DefaultMailbox, "boss@contoso-sandbox.com", func(s *Sandbox) result {
			return result{554, "5.2.252", sendAsDenied(s, "boss@contoso-sandbox.com")}
		}},
		{"envelope granted Send As", Options{Directory: &granted}, alias, DefaultMailbox, func(*Sandbox) result { return result{} }},
		{"From granted Send As", Options{Directory: &granted}, DefaultMailbox, alias, func(*Sandbox) result { return result{} }},
		{"From with send-as-denied", Options{Directory: &granted, Scenario: "send-as-denied"}, DefaultMailbox, alias, func(s *Sandbox) result {
			return result{554, "5.2.252", sendAsDenied(s, alias)}
		}},
		{"From in other case", Options{}, DefaultMailbox, strings.ToUpper(DefaultMailbox), func(*Sandbox) result { return result{} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := startSMTPSandbox(t, tc.opts)
			m := newMsg(t, tc.from, "ops@example.com")
			if tc.envelope != "" {
				if err := m.EnvelopeFrom(tc.envelope); err != nil {
					t.Fatal(err)
				}
			}
			err := exchangeClient(t, s, DefaultMailbox, mintToken(t, s, DefaultMailbox, time.Hour)).DialAndSendWithContext(smtpCtx(t), m)
			want := tc.want(s)
			if want.reply == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if len(s.Messages()) != 1 {
					t.Fatal("accepted but not kept")
				}
				return
			}
			se := sendErr(t, err)
			if se.ErrorCode() != want.code || se.EnhancedStatusCode() != want.enhanced || !surfaced(se, want.reply) {
				t.Errorf("got %d %s %q\nwant %d %s %q", se.ErrorCode(), se.EnhancedStatusCode(), se.Error(), want.code, want.enhanced, want.reply)
			}
			if len(s.Messages()) != 0 {
				t.Error("refused message was kept")
			}
		})
	}

	t.Run("MAIL before AUTH", func(t *testing.T) {
		s := startSMTPSandbox(t, Options{})
		c := plainClient(t, s, s.Endpoints().SMTPPort, mail.TLSMandatory)
		se := sendErr(t, c.DialAndSendWithContext(smtpCtx(t), newMsg(t, DefaultMailbox, "ops@example.com")))
		if se.ErrorCode() != 530 || se.EnhancedStatusCode() != "5.7.57" || !surfaced(se, "530 5.7.57 Client not authenticated to send mail.") {
			t.Errorf("got %d %s %q", se.ErrorCode(), se.EnhancedStatusCode(), se.Error())
		}
	})

	t.Run("SendAsDenied text", func(t *testing.T) {
		s := startSMTPSandbox(t, Options{})
		got := sendAsDenied(s, "boss@contoso-sandbox.com")
		prefix := "554 5.2.252 SendAsDenied; " + DefaultMailbox + " not allowed to send as boss@contoso-sandbox.com; STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied; "
		if !strings.HasPrefix(got, prefix) || !strings.HasSuffix(got, "[EndDiagnosticData] [Hostname="+s.smtp().exchange.mbxHost+"]") {
			t.Errorf("SendAsDenied reply %q", got)
		}
	})
}

// TestExchangeAppOnlyAndMSAL signs in with real MSAL (device code for the
// mailbox, client credentials for the app) against the Entra stand-in and
// sends with each token through go-mail.
func TestExchangeAppOnlyAndMSAL(t *testing.T) {
	s := startSMTPSandbox(t, Options{ApproveAfter: time.Millisecond, PollInterval: time.Millisecond})
	ctx := smtpCtx(t)

	t.Run("device code", func(t *testing.T) {
		pc, err := public.New(DefaultClientID,
			public.WithAuthority(s.Endpoints().Authority+"/"+DefaultTenantID),
			public.WithInstanceDiscovery(false),
			public.WithHTTPClient(s.HTTPClient()))
		if err != nil {
			t.Fatal(err)
		}
		dc, err := pc.AcquireTokenByDeviceCode(ctx, []string{"https://outlook.office.com/SMTP.Send"})
		if err != nil {
			t.Fatalf("device code: %v", err)
		}
		ar, err := dc.AuthenticationResult(ctx)
		if err != nil {
			t.Fatalf("device code sign-in: %v", err)
		}
		err = exchangeClient(t, s, DefaultMailbox, ar.AccessToken).DialAndSendWithContext(ctx, newMsg(t, DefaultMailbox, "ops@example.com"))
		if err != nil {
			t.Fatalf("send with the MSAL token: %v", err)
		}
	})
	t.Run("client credentials", func(t *testing.T) {
		cred, err := confidential.NewCredFromSecret(DefaultClientSecret)
		if err != nil {
			t.Fatal(err)
		}
		cc, err := confidential.New(s.Endpoints().Authority+"/"+DefaultTenantID, DefaultClientID, cred,
			confidential.WithInstanceDiscovery(false),
			confidential.WithHTTPClient(s.HTTPClient()))
		if err != nil {
			t.Fatal(err)
		}
		ar, err := cc.AcquireTokenByCredential(ctx, []string{"https://outlook.office365.com/.default"})
		if err != nil {
			t.Fatalf("client credentials: %v", err)
		}
		err = exchangeClient(t, s, DefaultMailbox, ar.AccessToken).DialAndSendWithContext(ctx, newMsg(t, DefaultMailbox, "ops@example.com"))
		if err != nil {
			t.Fatalf("send with the app token: %v", err)
		}
		// The app token names no user: user= must still be a mailbox of its tenant.
		err = exchangeClient(t, s, "ghost@contoso-sandbox.onmicrosoft.com", ar.AccessToken).DialAndSendWithContext(ctx, newMsg(t, DefaultMailbox, "ops@example.com"))
		if got := serverReply(err); !strings.HasPrefix(got, "535 5.7.3 ") {
			t.Errorf("app token for an unknown mailbox: %v", err)
		}
	})
	if n := len(s.Messages()); n != 2 {
		t.Errorf("kept %d messages, want 2", n)
	}
}

// TestExchangeTLSOld: in the tls-old scenario the stand-in speaks only
// TLS 1.0/1.1, so pimmail's TLS 1.2 floor refuses it; a client that still
// does TLS 1.1 gets Exchange's 421 4.7.66 at AUTH.
func TestExchangeTLSOld(t *testing.T) {
	s := startSMTPSandbox(t, Options{Scenario: "tls-old"})
	token := mintToken(t, s, DefaultMailbox, time.Hour)
	err := exchangeClient(t, s, DefaultMailbox, token).DialAndSendWithContext(smtpCtx(t), newMsg(t, DefaultMailbox, "ops@example.com"))
	if err == nil || !strings.Contains(err.Error(), "protocol version") {
		t.Fatalf("want a TLS protocol-version failure, got %v", err)
	}

	c := dialRaw(t, s.Endpoints().SMTPPort)
	c.reply()
	c.cmd("EHLO pim.example")
	c.expect("STARTTLS", "220 2.0.0 SMTP server ready")
	old := clientTLS(s)
	old.MinVersion, old.MaxVersion = 0x0301, 0x0302 // TLS 1.0-1.1
	c.startTLS(old)
	c.cmd("EHLO pim.example")
	c.expect("AUTH XOAUTH2", "421 4.7.66 TLS 1.0 and 1.1 are not supported. Please upgrade/update your client to support TLS 1.2. Visit https://aka.ms/smtp_auth_tls.")
	if !c.closed() {
		t.Error("connection still open after 421")
	}
}
