package diagnose

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"testing"
	"time"

	mail "github.com/wneessen/go-mail"

	"github.com/pimmail/pimmail/sandbox/sandboxtest"
)

// replyCase is one server reply and what it must be diagnosed as.
type replyCase struct {
	name  string
	reply string // the full reply line as the server sends it
	facts Facts
	want  Code
}

// exchangeReplies are the reference's Exchange Online replies byte for
// byte, the relay refusals of issue 5, and the usual look-alikes of other
// servers.
var exchangeReplies = []replyCase{
	{"token refused", "535 5.7.3 Authentication unsuccessful [PH0PR07CA0001.namprd07.prod.outlook.com 2024-05-01T10:00:00.000Z 08DC69D1A1B2C3D4]", Facts{}, SMTPAuthFailed},
	{"smtp auth off for tenant", "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.", Facts{}, SMTPAuthDisabledTenant},
	{"smtp auth off for mailbox", "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information.", Facts{}, SMTPAuthDisabledMailbox},
	{"security defaults", "535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy.", Facts{}, SMTPSecurityDefaults},
	{"conditional access", "535 5.7.139 Authentication unsuccessful, the request did not meet the criteria to be authenticated successfully. Contact your administrator.", Facts{}, SMTPConditionalAccess},
	{"5.7.139 other text", "535 5.7.139 Authentication unsuccessful, the account is not permitted.", Facts{}, SMTPAuthFailed},
	{"basic auth disabled (password)", "535 5.7.139 Authentication unsuccessful, basic authentication is disabled. [PH0PR07CA0001.namprd07.prod.outlook.com 2026-12-05T10:00:00.000Z 08DC69D1A1B2C3D4]", Facts{Username: "pim@contoso.com"}, SMTPBasicAuthDisabled},
	{"basic auth removed", "550 5.7.30 Basic authentication is not supported for Client Submission.", Facts{Username: "pim@contoso.com"}, SMTPBasicAuthRemoved},
	{"535 5.7.8 after XOAUTH2 is the token", "535 5.7.8 Error: authentication failed", Facts{OAuth: true, Stage: "AUTH"}, SMTPAuthFailed},
	{"any 535 after XOAUTH2 is the token", "535 Authentication failed", Facts{OAuth: true}, SMTPAuthFailed},
	{"line too long at AUTH is the sign-in", "500 5.5.2 Line too long", Facts{OAuth: true, Stage: "AUTH"}, SMTPSignInRefused},
	{"line too long at MAIL is the message", "500 5.5.2 Line too long", Facts{Stage: "MAIL"}, SMTPRejected},
	{"not authenticated (short)", "530 5.7.57 Client not authenticated to send mail.", Facts{}, SMTPNotAuthenticated},
	{"not authenticated (long-standing)", "530 5.7.57 SMTP; Client was not authenticated to send anonymous mail during MAIL FROM [PH0PR07CA0001.namprd07.prod.outlook.com]", Facts{}, SMTPNotAuthenticated},
	{"envelope send-as", "550 5.7.60 SMTP; Client does not have permissions to send as this sender", Facts{}, SMTPSendAsEnvelope},
	{"send as denied", "554 5.2.252 SendAsDenied; pim@contoso.com not allowed to send as hr@contoso.com; STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied; Failed to process message due to a permanent exception with message [BeginDiagnosticData]Cannot submit message.", Facts{}, SMTPSendAsDenied},
	{"thread limit", "432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded [Hostname=PH0PR07MB0001.namprd07.prod.outlook.com]", Facts{}, SMTPConcurrency},
	{"tls 1.0/1.1", "421 4.7.66 TLS 1.0 and 1.1 are not supported. Please upgrade/update your client to support TLS 1.2. Visit https://aka.ms/smtp_auth_tls.", Facts{}, SMTPTLSVersion},
	{"submission rate", "421 4.4.2 Message submission rate for this client has exceeded the configured limit", Facts{}, SMTPRateLimited},
	{"submission quota (storedrv)", "554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Failed to process message due to a permanent exception with message [BeginDiagnosticData]Cannot submit message.", Facts{}, SMTPQuotaExceeded},
	{"submission quota (ndr text)", "550 5.2.2 The sender's submission quota was exceeded.", Facts{}, SMTPQuotaExceeded},
	{"eop tenant attribution", "550 5.7.64 TenantAttribution; Relay Access Denied [SN1NAM02FT0001.eop-nam02.prod.protection.outlook.com 2024-05-01T10:00:00.000Z 08DC69D1A1B2C3D4]", Facts{}, RelayTenantAttribution},
	{"relay access denied", "554 5.7.1 Relay access denied", Facts{}, RelayDenied},
	{"postfix relay access denied", "554 5.7.1 <someone@example.org>: Relay access denied", Facts{}, RelayDenied},
	{"unable to relay", "550 5.7.1 Unable to relay", Facts{}, RelayDenied},
	{"exchange unable to relay", "550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain", Facts{}, RelayDenied},
	{"relay password wrong (postfix)", "535 5.7.8 Error: authentication failed: authentication failure", Facts{}, RelayAuthFailed},
	{"relay password wrong, no enhanced code", "535 Authentication failed", Facts{}, RelayAuthFailed},
	{"exchange 5.7.3 with password login", "535 5.7.3 Authentication unsuccessful [PH0PR07CA0001.namprd07.prod.outlook.com]", Facts{Username: "relay@contoso.com"}, RelayAuthFailed},
	{"postfix wants auth", "530 5.7.0 Authentication required", Facts{}, SMTPNotAuthenticated},
	{"postfix wants starttls", "530 5.7.0 Must issue a STARTTLS command first", Facts{}, SMTPNotAuthenticated},
	{"xoauth2 mechanism refused", "504 5.7.4 Unrecognized authentication type", Facts{}, NoXOAUTH2},
	{"login mechanism refused", "504 5.7.4 Unrecognized authentication type", Facts{Username: "relay@contoso.com"}, NoAuth},
	{"postfix auth off", "503 5.5.1 Error: authentication not enabled", Facts{Username: "relay@contoso.com"}, NoAuth},
	{"too many recipients", "452 4.5.3 Too many recipients", Facts{}, SMTPRejected},
	{"mailbox full elsewhere", "552 5.2.2 Mailbox full", Facts{}, SMTPRejected},
	{"greylisting", "451 4.7.1 Please try again later", Facts{}, SMTPRejected},
	{"unknown recipient", "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup", Facts{}, SMTPRejected},
}

func splitLine(t testing.TB, line string) (int, string) {
	t.Helper()
	code, err := strconv.Atoi(line[:3])
	if err != nil {
		t.Fatal(err)
	}
	return code, line[4:]
}

func TestReplyTable(t *testing.T) {
	for _, tt := range exchangeReplies {
		t.Run(tt.name, func(t *testing.T) {
			code, text := splitLine(t, tt.reply)
			p := Reply(code, text, tt.facts)
			if p == nil {
				t.Fatal("nil problem")
			}
			if p.Code != tt.want {
				t.Fatalf("code = %s, want %s", p.Code, tt.want)
			}
			if p.Raw != tt.reply {
				t.Errorf("raw = %q, want the reply %q", p.Raw, tt.reply)
			}
			// The text may arrive with the code still on it.
			if q := Reply(code, tt.reply, tt.facts); q.Code != tt.want || q.Raw != tt.reply {
				t.Errorf("with code in text: %s %q", q.Code, q.Raw)
			}
			// And as the *textproto.Error go-mail's smtp package returns.
			if q := SMTP(fmt.Errorf("dial failed: SMTP AUTH failed: %w", &textproto.Error{Code: code, Msg: text}), tt.facts); q.Code != tt.want {
				t.Errorf("as textproto.Error: %s", q.Code)
			}
		})
	}
}

func TestReplySuccessIsNil(t *testing.T) {
	for _, r := range []string{"235 2.7.0 Authentication successful", "250 2.0.0 OK", "220 2.0.0 SMTP server ready",
		"354 Start mail input; end with <CRLF>.<CRLF>", "334 ", "221 2.0.0 Service closing transmission channel"} {
		code, text := splitLine(t, r)
		if p := Reply(code, text, Facts{}); p != nil {
			t.Errorf("Reply(%q) = %+v, want nil", r, p)
		}
	}
}

func TestReplySendAsDeniedTakesNamesFromText(t *testing.T) {
	code, text := splitLine(t, "554 5.2.252 SendAsDenied; pim@contoso.com not allowed to send as hr@contoso.com; STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied; Failed to process message due to a permanent exception with message [BeginDiagnosticData]Cannot submit message.")
	p := Reply(code, text, Facts{})
	want := "Add-RecipientPermission -Identity hr@contoso.com -Trustee pim@contoso.com -AccessRights SendAs"
	if !strings.Contains(p.Fix, want) {
		t.Fatalf("fix lacks %q:\n%s", want, p.Fix)
	}
	// The addresses the server names win over the envelope's (the caller's
	// facts): it refused the header From, which may differ from MAIL FROM.
	p = Reply(code, text, Facts{Mailbox: "pim@contoso.com", From: "pim@contoso.com"})
	if !strings.Contains(p.Fix, want) || !strings.Contains(p.Explanation, "send as hr@contoso.com") {
		t.Fatalf("the envelope's From is named instead of the refused one:\n%s\n%s", p.Explanation, p.Fix)
	}
}

func TestReplyFillsFacts(t *testing.T) {
	code, text := splitLine(t, "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information.")
	p := Reply(code, text, Facts{Mailbox: "pim@contoso.com"})
	if !strings.Contains(p.Fix, "Set-CASMailbox -Identity pim@contoso.com -SmtpClientAuthenticationDisabled $false") {
		t.Fatalf("fix: %s", p.Fix)
	}
}

// sendWith sends one message with go-mail to the scripted server the way
// the mailer does (XOAUTH2 as the mailbox, or a password login) and returns
// go-mail's error.
func sendWith(t testing.TB, port int, tlsCfg *tls.Config, username string, opts ...mail.Option) error {
	t.Helper()
	base := []mail.Option{mail.WithPort(port), mail.WithTimeout(5 * time.Second), mail.WithHELO("pim.contoso.com")}
	if tlsCfg != nil {
		base = append(base, mail.WithTLSPolicy(mail.TLSMandatory), mail.WithTLSConfig(tlsCfg))
	} else {
		base = append(base, mail.WithTLSPolicy(mail.NoTLS))
	}
	if username == "" {
		base = append(base, mail.WithSMTPAuth(mail.SMTPAuthXOAUTH2), mail.WithUsername("pim@contoso.com"),
			mail.WithPassword("eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJodHRwczovL291dGxvb2sub2ZmaWNlLmNvbSJ9.c2lnbmF0dXJl"))
	} else {
		base = append(base, mail.WithSMTPAuth(mail.SMTPAuthLogin), mail.WithUsername(username), mail.WithPassword("relay-password"))
	}
	c, err := mail.NewClient("127.0.0.1", append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	m := mail.NewMsg()
	if err := m.From("pim@contoso.com"); err != nil {
		t.Fatal(err)
	}
	if err := m.To("someone@example.org"); err != nil {
		t.Fatal(err)
	}
	m.Subject("pimmail test")
	m.SetBodyString(mail.TypeTextPlain, "test")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return c.DialAndSendWithContext(ctx, m)
}

// TestSMTPThroughGoMail answers each reply at the stage Exchange or a relay
// gives it, sends with real go-mail over loopback STARTTLS, and classifies
// the error go-mail returns (a *textproto.Error at AUTH, a *mail.SendError
// at MAIL FROM, RCPT TO or end of DATA).
func TestSMTPThroughGoMail(t *testing.T) {
	cert, pool := validCert(t)
	serverTLS := &tls.Config{Certificates: []tls.Certificate{cert}}
	clientTLS := &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	stage := func(s *smtpScript, at, reply string) {
		switch at {
		case "AUTH":
			s.Auth = reply
		case "MAIL":
			s.Mail = reply
		case "RCPT":
			s.Rcpt = reply
		case "DATA":
			s.DataEnd = reply
		}
	}
	tests := []struct {
		at       string
		reply    string
		username string
		want     Code
	}{
		{"AUTH", "535 5.7.3 Authentication unsuccessful [PH0PR07CA0001.namprd07.prod.outlook.com]", "", SMTPAuthFailed},
		{"AUTH", "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.", "", SMTPAuthDisabledTenant},
		{"AUTH", "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information.", "", SMTPAuthDisabledMailbox},
		{"AUTH", "535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy.", "", SMTPSecurityDefaults},
		{"AUTH", "535 5.7.139 Authentication unsuccessful, the request did not meet the criteria to be authenticated successfully. Contact your administrator.", "", SMTPConditionalAccess},
		{"AUTH", "535 5.7.8 Error: authentication failed: authentication failure", "relay@contoso.com", RelayAuthFailed},
		{"MAIL", "530 5.7.57 Client not authenticated to send mail.", "", SMTPNotAuthenticated},
		{"MAIL", "550 5.7.60 SMTP; Client does not have permissions to send as this sender", "", SMTPSendAsEnvelope},
		{"MAIL", "432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded", "", SMTPConcurrency},
		{"RCPT", "550 5.7.64 TenantAttribution; Relay Access Denied [SN1NAM02FT0001.eop-nam02.prod.protection.outlook.com]", "", RelayTenantAttribution},
		{"RCPT", "554 5.7.1 <someone@example.org>: Relay access denied", "", RelayDenied},
		{"RCPT", "550 5.7.1 Unable to relay", "", RelayDenied},
		{"DATA", "554 5.2.252 SendAsDenied; pim@contoso.com not allowed to send as hr@contoso.com; STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied; Failed to process message due to a permanent exception with message [BeginDiagnosticData]Cannot submit message.", "", SMTPSendAsDenied},
		{"DATA", "554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Failed to process message due to a permanent exception with message [BeginDiagnosticData]Cannot submit message.", "", SMTPQuotaExceeded},
		{"DATA", "421 4.4.2 Message submission rate for this client has exceeded the configured limit", "", SMTPRateLimited},
		{"DATA", "552 5.3.4 Message size exceeds fixed maximum message size", "", SMTPRejected},
	}
	for _, tt := range tests {
		t.Run(tt.at+" "+string(tt.want), func(t *testing.T) {
			s := &smtpScript{TLS: serverTLS}
			stage(s, tt.at, tt.reply)
			port := serveSMTP(t, s)
			err := sendWith(t, port, clientTLS, tt.username)
			if err == nil {
				t.Fatal("go-mail reported no error")
			}
			f := Facts{Host: "127.0.0.1", Port: port, Username: tt.username}
			p := SMTP(err, f)
			if p.Code != tt.want {
				t.Fatalf("code = %s, want %s\nerr %T: %v", p.Code, tt.want, err, err)
			}
			if p.Raw != tt.reply {
				t.Errorf("raw = %q\nwant %q", p.Raw, tt.reply)
			}
			if !errors.Is(p, err) && p.Err != err {
				t.Errorf("problem does not keep go-mail's error")
			}
			if tt.at != "AUTH" {
				var se *mail.SendError
				if !errors.As(err, &se) {
					t.Errorf("go-mail gave %T, expected a *mail.SendError at %s", err, tt.at)
				}
			}
		})
	}
}

// TestSMTPGoMailRefusals covers go-mail's own refusals and the dial-time
// failures, as go-mail returns them.
func TestSMTPGoMailRefusals(t *testing.T) {
	cert, pool := validCert(t)
	serverTLS := &tls.Config{Certificates: []tls.Certificate{cert}}
	oldTLS := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}
	clientTLS := &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	nx := dnsServer(t, 3)

	tests := []struct {
		name     string
		script   *smtpScript
		port     int
		client   *tls.Config
		username string
		opts     []mail.Option
		want     Code
	}{
		{"no STARTTLS", &smtpScript{}, 0, clientTLS, "", nil, NoSTARTTLS},
		{"no XOAUTH2", &smtpScript{TLS: serverTLS, NoXOAUTH2: true}, 0, clientTLS, "", nil, NoXOAUTH2},
		{"no AUTH at all, XOAUTH2 wanted", &smtpScript{TLS: serverTLS, NoAuth: true}, 0, clientTLS, "", nil, NoXOAUTH2},
		{"no AUTH at all, password given", &smtpScript{TLS: serverTLS, NoAuth: true}, 0, clientTLS, "relay@contoso.com", nil, NoAuth},
		{"untrusted certificate on STARTTLS", &smtpScript{TLS: serverTLS}, 0, &tls.Config{ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}, "", nil, TLSCertificate},
		{"certificate for another name", &smtpScript{TLS: serverTLS}, 0, &tls.Config{RootCAs: pool, ServerName: "smtp.office365.com", MinVersion: tls.VersionTLS12}, "", nil, TLSCertificate},
		{"server only TLS 1.0/1.1", &smtpScript{TLS: oldTLS}, 0, clientTLS, "", nil, TLSTooOld},
		{"greeting refused", &smtpScript{Greeting: "421 4.3.2 Service not available"}, 0, clientTLS, "", nil, SMTPRejected},
		{"no answer to MAIL FROM", &smtpScript{TLS: serverTLS, SilentAt: "MAIL"}, 0, clientTLS, "", []mail.Option{mail.WithTimeout(100 * time.Millisecond)}, NetTimeout},
		{"connection dropped at RCPT TO", &smtpScript{TLS: serverTLS, DropAt: "RCPT"}, 0, clientTLS, "", nil, NetDropped},
		{"connection refused", nil, sandboxtest.ClosedPort(t), clientTLS, "", nil, NetRefused},
		{"no greeting in time", &smtpScript{Silent: true}, 0, clientTLS, "", []mail.Option{mail.WithTimeout(50 * time.Millisecond)}, NetTimeout},
		{"dns", nil, 587, clientTLS, "", []mail.Option{mail.WithDialContextFunc(func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{Resolver: nx}).DialContext(ctx, network, "smtp.pimmail-test.invalid:587")
		})}, NetDNS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port := tt.port
			if tt.script != nil {
				port = serveSMTP(t, tt.script)
			}
			err := sendWith(t, port, tt.client, tt.username, tt.opts...)
			if err == nil {
				t.Fatal("no error")
			}
			p := SMTP(err, Facts{Host: "127.0.0.1", Port: port, Username: tt.username})
			if p.Code != tt.want {
				t.Fatalf("code = %s, want %s\nerr %T: %v", p.Code, tt.want, err, err)
			}
		})
	}
}

func TestSMTPCancelledBeatsEverything(t *testing.T) {
	port := serveSMTP(t, &smtpScript{Silent: true})
	c, err := mail.NewClient("127.0.0.1", mail.WithPort(port), mail.WithTLSPolicy(mail.NoTLS), mail.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = c.DialAndSendWithContext(ctx, mail.NewMsg())
	if p := SMTP(err, Facts{}); p.Code != NetCancelled || p.Title != "Cancelled" {
		t.Fatalf("got %s %q from %v", p.Code, p.Title, err)
	}
}

// TestSMTPSendErrorTextParsing feeds SendErrors whose reply go-mail could
// not extract as a code (no ENHANCEDSTATUSCODES) and checks the text rule.
func TestSMTPNilAndProblems(t *testing.T) {
	if SMTP(nil, Facts{}) != nil || Entra(nil, Facts{}) != nil {
		t.Fatal("nil error must give nil")
	}
	p := New(SMTPConcurrency, Facts{}, "x", nil)
	if SMTP(fmt.Errorf("wrapped: %w", p), Facts{}) != p {
		t.Fatal("an existing Problem must pass through")
	}
	if q := SMTP(errors.New("something odd"), Facts{}); q.Code != Unexpected || q.Raw != "something odd" {
		t.Fatalf("got %+v", q)
	}
}

func FuzzReply(f *testing.F) {
	for _, r := range exchangeReplies {
		code, _ := strconv.Atoi(r.reply[:3])
		f.Add(code, r.reply[4:])
	}
	f.Add(250, "2.0.0 OK")
	f.Add(0, "")
	f.Add(999, "5.7.139 SendAsDenied; x not allowed to send as")
	f.Add(554, "SendAsDenied; not allowed to send as ;")
	f.Fuzz(func(t *testing.T, code int, text string) {
		p := Reply(code, text, Facts{})
		if code < 400 {
			if p != nil {
				t.Fatalf("Reply(%d) = %+v, want nil", code, p)
			}
			return
		}
		if p == nil {
			t.Fatalf("Reply(%d, %q) = nil", code, text)
		}
		if p.Title == "" || p.Fix == "" {
			t.Fatalf("incomplete problem %+v", p)
		}
		// Raw holds the reply text (redaction may only mask credentials).
		if len(text) < maxRaw-8 && Redact(text) == text && !strings.Contains(p.Raw, strings.TrimSpace(text)) {
			t.Fatalf("raw %q lacks text %q", p.Raw, text)
		}
	})
}
