package sandbox

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wneessen/go-mail"
)

// TestRelayTranscript checks the relay stand-in's greeting and EHLO
// answers byte for byte, and that it offers no AUTH.
func TestRelayTranscript(t *testing.T) {
	clock := newTestClock(time.Date(2026, 11, 2, 8, 5, 9, 0, time.UTC))
	s := startSMTPSandbox(t, Options{Now: clock.Now})
	d := s.smtp().servers[1].d.(*relayDialect)
	if !regexp.MustCompile(`^CH[1-9]PEPF0000[0-9A-F]{4}$`).MatchString(d.host) {
		t.Errorf("EOP host %q", d.host)
	}
	host := d.host + ".mail.protection.outlook.com"
	c := dialRaw(t, s.Endpoints().RelayPort)
	if got, want := c.reply(), "220 "+host+" Microsoft ESMTP MAIL Service ready at Mon, 2 Nov 2026 08:05:09 +0000\r\n"; got != want {
		t.Errorf("greeting\n got: %q\nwant: %q", got, want)
	}
	ehlo := func(tls bool) string {
		s := "250-" + host + " Hello [127.0.0.1]\r\n250-SIZE 49283072\r\n250-PIPELINING\r\n250-DSN\r\n250-ENHANCEDSTATUSCODES\r\n"
		if !tls {
			s += "250-STARTTLS\r\n"
		}
		return s + "250-8BITMIME\r\n250-BINARYMIME\r\n250-CHUNKING\r\n250 SMTPUTF8\r\n"
	}
	if got := c.cmd("EHLO pim.example"); got != ehlo(false) {
		t.Errorf("EHLO before TLS\n got: %q\nwant: %q", got, ehlo(false))
	}
	c.expect("AUTH LOGIN", "504 5.7.4 Unrecognized authentication type")
	c.expect("STARTTLS", "220 2.0.0 SMTP server ready")
	c.startTLS(clientTLS(s))
	if got := c.cmd("EHLO pim.example"); got != ehlo(true) {
		t.Errorf("EHLO after TLS\n got: %q\nwant: %q", got, ehlo(true))
	}
	c.expect("AUTH XOAUTH2 "+xoauth2(DefaultMailbox, "x"), "504 5.7.4 Unrecognized authentication type")
	c.expect("MAIL FROM:<scanner@printer.example>", "250 2.1.0 Sender OK")
	c.expect("RCPT TO:<staff@"+RelayDomain+">", "250 2.1.5 Recipient OK")
	c.expect("DATA", "354 Start mail input; end with <CRLF>.<CRLF>")
	c.write("Subject: scan\r\nMessage-ID: <scan-1@printer.example>\r\n\r\nscan\r\n.\r\n")
	want := regexp.MustCompile(`^250 2\.6\.0 <scan-1@printer\.example> \[InternalId=[0-9]{14}, Hostname=` + regexp.QuoteMeta(d.host) + `\.namprd[0-9]{2}\.prod\.outlook\.com\] Queued mail for delivery\r\n$`)
	if got := c.reply(); !want.MatchString(got) {
		t.Errorf("acceptance %q", got)
	}
	c.expect("QUIT", "221 2.0.0 Service closing transmission channel")
}

// TestRelayAcceptsAndRefuses sends through the relay with go-mail as the
// SMTP Relay provider does (no AUTH): mail for accepted domains always
// goes; mail for other domains goes from the trusted IP and is refused
// with 550 5.7.64 TenantAttribution when the connector does not trust it.
func TestRelayAcceptsAndRefuses(t *testing.T) {
	cases := []struct {
		name     string
		scenario string
		to       string
		refused  bool
	}{
		{"relay domain", "", "staff@" + RelayDomain, false},
		{"tenant domain", "", "staff@" + DefaultTenantDomain, false},
		{"external from trusted IP", "", "partner@example.com", false},
		{"relay domain, IP not trusted", "relay-not-trusted", "staff@" + strings.ToUpper(RelayDomain), false},
		{"tenant domain, IP not trusted", "relay-not-trusted", "staff@" + DefaultTenantDomain, false},
		{"external, IP not trusted", "relay-not-trusted", "partner@example.com", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := startSMTPSandbox(t, Options{Scenario: tc.scenario})
			m := newMsg(t, "pim@"+RelayDomain, tc.to)
			err := plainClient(t, s, s.Endpoints().RelayPort, mail.TLSMandatory).DialAndSendWithContext(smtpCtx(t), m)
			if !tc.refused {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				msgs := s.Messages()
				if len(msgs) != 1 || msgs[0].Server != "relay" || msgs[0].AuthUser != "" || msgs[0].RcptTo[0] != tc.to {
					t.Errorf("kept %+v", msgs)
				}
				if !strings.HasSuffix(m.ServerResponse(), "] Queued mail for delivery") {
					t.Errorf("server response %q", m.ServerResponse())
				}
				return
			}
			d := s.smtp().servers[1].d.(*relayDialect)
			want := "550 5.7.64 TenantAttribution; Relay Access Denied [" + d.host + "." + d.region + ".prod.outlook.com]"
			se := sendErr(t, err)
			if se.ErrorCode() != 550 || se.EnhancedStatusCode() != "5.7.64" || !surfaced(se, want) {
				t.Errorf("got %d %s %q, want %q", se.ErrorCode(), se.EnhancedStatusCode(), se.Error(), want)
			}
			if len(s.Messages()) != 0 {
				t.Error("refused message kept")
			}
		})
	}
}

// TestRelayWithoutTLS: the relay also takes mail in the clear (TLS mode
// "none" of the SMTP Relay provider), as EOP does on port 25.
func TestRelayWithoutTLS(t *testing.T) {
	s := startSMTPSandbox(t, Options{})
	if err := plainClient(t, s, s.Endpoints().RelayPort, mail.NoTLS).DialAndSendWithContext(smtpCtx(t), newMsg(t, "pim@"+RelayDomain, "staff@"+RelayDomain)); err != nil {
		t.Fatal(err)
	}
	if len(s.Messages()) != 1 {
		t.Fatal("message not kept")
	}
}
