package sandbox

import (
	"os"
	"regexp"
	"testing"

	"github.com/wneessen/go-mail"
)

// TestLocalTranscript checks the local sink speaks as a default Postfix:
// greeting, EHLO keywords in Postfix's order, STARTTLS with the sandbox
// certificate, no AUTH, MAIL without HELO, Postfix's wording.
func TestLocalTranscript(t *testing.T) {
	s := startSMTPSandbox(t, Options{})
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	c := dialRaw(t, s.Endpoints().LocalPort)
	if got, want := c.reply(), "220 "+host+" ESMTP Postfix\r\n"; got != want {
		t.Errorf("greeting %q, want %q", got, want)
	}
	c.expect("MAIL FROM:<root@"+host+">", "250 2.1.0 Ok") // smtpd_helo_required=no
	c.expect("MAIL FROM:<root@"+host+">", "503 5.5.1 Error: nested MAIL command")
	c.expect("RSET", "250 2.0.0 Ok")
	ehlo := func(tls bool) string {
		s := "250-" + host + "\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n"
		if !tls {
			s += "250-STARTTLS\r\n"
		}
		return s + "250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n"
	}
	if got := c.cmd("EHLO pim.example"); got != ehlo(false) {
		t.Errorf("EHLO\n got: %q\nwant: %q", got, ehlo(false))
	}
	c.expect("AUTH PLAIN AGEAYg==", "503 5.5.1 Error: authentication not enabled")
	c.expect("STARTTLS", "220 2.0.0 Ready to start TLS")
	c.startTLS(clientTLS(s))
	if got := c.cmd("EHLO pim.example"); got != ehlo(true) {
		t.Errorf("EHLO after TLS\n got: %q\nwant: %q", got, ehlo(true))
	}
	c.expect("STARTTLS", "554 5.5.1 Error: TLS already active")
	c.expect("RCPT TO:<a@b.example>", "503 5.5.1 Error: need MAIL command")
	c.expect("MAIL FROM:<root@"+host+"> FOO=1", "555 5.5.4 Unsupported option: FOO=1")
	c.expect("MAIL FROM:<root@"+host+">", "250 2.1.0 Ok")
	c.expect("DATA", "554 5.5.1 Error: no valid recipients")
	c.expect("RCPT TO:<anyone@anywhere.example>", "250 2.1.5 Ok")
	c.expect("DATA", "354 End data with <CR><LF>.<CR><LF>")
	c.write("Subject: cron\r\n\r\nok\r\n.\r\n")
	if got := c.reply(); !regexp.MustCompile(`^250 2\.0\.0 Ok: queued as [0-9A-F]{11}\r\n$`).MatchString(got) {
		t.Errorf("acceptance %q", got)
	}
	c.expect("HELP", "214 2.0.0 Commands: AUTH BDAT DATA EHLO ETRN HELO MAIL NOOP QUIT RCPT RSET STARTTLS VRFY XCLIENT XFORWARD")
	c.expect("ETRN", "500 Syntax: ETRN domain")
	c.expect("ETRN example.org", "459 <example.org>: service unavailable")
	c.expect("BOGUS", "500 5.5.2 Error: command not recognized")
	c.expect("DATA", "503 5.5.1 Error: need RCPT command")
	c.expect("MAIL FROM:<root@"+host+"> SIZE=x", "501 5.5.4 Bad message size syntax")
	c.expect("MAIL FROM:<root@"+host+"> BODY=BINARYMIME", "555 5.5.4 Unsupported option: BODY=BINARYMIME")
	c.expect("MAIL FROM:<root@"+host+"> SIZE=10240001", "552 5.3.4 Message size exceeds fixed limit")
	c.expect("MAIL FROM:<root@"+host+">", "250 2.1.0 Ok")
	c.expect("RCPT TO:<a@b.example>", "250 2.1.5 Ok")
	c.write("BDAT 4 LAST\r\nhi\r\n")
	if got := c.reply(); !regexp.MustCompile(`^250 2\.0\.0 Ok: 4 bytes queued as [0-9A-F]{11}\r\n$`).MatchString(got) {
		t.Errorf("BDAT LAST: %q", got)
	}
	c.expect("BDAT four", "521 5.5.4 Syntax: BDAT count [LAST]")
	if !c.closed() {
		t.Error("connection open after 521")
	}
	msgs := s.Messages()
	if len(msgs) != 2 || msgs[0].Server != "local" || string(msgs[0].Data) != "Subject: cron\r\n\r\nok\r\n" || string(msgs[1].Data) != "hi\r\n" {
		t.Errorf("kept %q", msgs)
	}
}

// TestLocalSinkWithGoMail sends through the sink as the Local SMTP
// provider does, in the clear and with STARTTLS.
func TestLocalSinkWithGoMail(t *testing.T) {
	s := startSMTPSandbox(t, Options{})
	for _, policy := range []mail.TLSPolicy{mail.NoTLS, mail.TLSMandatory} {
		m := newMsg(t, "pim@"+RelayDomain, "someone@example.org")
		if err := plainClient(t, s, s.Endpoints().LocalPort, policy).DialAndSendWithContext(smtpCtx(t), m); err != nil {
			t.Fatalf("policy %v: %v", policy, err)
		}
		if !regexp.MustCompile(`^2\.0\.0 Ok: queued as [0-9A-F]{11}$`).MatchString(m.ServerResponse()) {
			t.Errorf("server response %q", m.ServerResponse())
		}
	}
	if n := len(s.Messages()); n != 2 {
		t.Errorf("kept %d messages, want 2", n)
	}
}
