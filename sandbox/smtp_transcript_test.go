package sandbox

import (
	"crypto/tls"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The reference's wire texts (../shared/reference/microsoft-entra-exchange.md),
// checked byte for byte on a raw conversation.

var exchangeHostRE = regexp.MustCompile(`^SN7PR[0-9]{2}CA[0-9]{4}$`)

// TestExchangeTranscript walks one whole submission by hand: greeting,
// EHLO before and after STARTTLS, the two-step XOAUTH2 form, the mail
// transaction with a dot-stuffed line, RSET, NOOP and QUIT.
func TestExchangeTranscript(t *testing.T) {
	clock := newTestClock(time.Date(2026, 3, 9, 19, 25, 28, 0, time.UTC))
	s := startSMTPSandbox(t, Options{Now: clock.Now})
	ex := s.smtp().exchange
	if !exchangeHostRE.MatchString(ex.host) {
		t.Fatalf("front-end host %q does not look like Exchange Online's", ex.host)
	}
	host := ex.host + ".outlook.office365.com"

	c := dialRaw(t, s.Endpoints().SMTPPort)
	if got, want := c.reply(), "220 "+host+" Microsoft ESMTP MAIL Service ready at Mon, 9 Mar 2026 19:25:28 +0000\r\n"; got != want {
		t.Errorf("greeting\n got: %q\nwant: %q", got, want)
	}
	ehlo := func(middle string) string {
		return "250-" + host + " Hello [127.0.0.1]\r\n" +
			"250-SIZE 157286400\r\n250-PIPELINING\r\n250-DSN\r\n250-ENHANCEDSTATUSCODES\r\n" +
			"250-" + middle + "\r\n" +
			"250-8BITMIME\r\n250-BINARYMIME\r\n250-CHUNKING\r\n250 SMTPUTF8\r\n"
	}
	if got, want := c.cmd("EHLO pim.example"), ehlo("STARTTLS"); got != want {
		t.Errorf("EHLO before TLS\n got: %q\nwant: %q", got, want)
	}
	c.expect("STARTTLS", "220 2.0.0 SMTP server ready")
	c.startTLS(clientTLS(s))
	if v := c.conn.(*tls.Conn).ConnectionState().Version; v < tls.VersionTLS12 {
		t.Errorf("negotiated TLS version %x, want 1.2 or later", v)
	}
	if got, want := c.cmd("EHLO pim.example"), ehlo("AUTH LOGIN XOAUTH2"); got != want {
		t.Errorf("EHLO after TLS\n got: %q\nwant: %q", got, want)
	}

	token := mintToken(t, s, DefaultMailbox, time.Hour)
	c.expect("AUTH XOAUTH2", "334 ")
	c.expect(xoauth2(DefaultMailbox, token), "235 2.7.0 Authentication successful")
	c.expect("MAIL FROM:<"+DefaultMailbox+"> BODY=8BITMIME SMTPUTF8", "250 2.1.0 Sender OK")
	c.expect("RCPT TO:<ops@example.com>", "250 2.1.5 Recipient OK")
	c.expect("DATA", "354 Start mail input; end with <CRLF>.<CRLF>")
	body := "From: " + DefaultMailbox + "\r\nTo: ops@example.com\r\nSubject: t\r\nMessage-ID: <abc.123@pim.example>\r\n\r\nline one\r\n..leading dot\r\n.\r\n"
	c.write(body)
	if got, want := c.reply(), "250 2.0.0 OK <abc.123@pim.example> [Hostname="+ex.mbxHost+"]\r\n"; got != want {
		t.Errorf("end of data\n got: %q\nwant: %q", got, want)
	}
	if !regexp.MustCompile(`^SN7PR[0-9]{2}MB[0-9]{4}\.namprd[0-9]{2}\.prod\.outlook\.com$`).MatchString(ex.mbxHost) {
		t.Errorf("mailbox host %q does not look like Exchange Online's", ex.mbxHost)
	}
	c.expect("RSET", "250 2.0.0 Resetting")
	c.expect("NOOP", "250 2.0.0 OK")
	c.expect("QUIT", "221 2.0.0 Service closing transmission channel")
	if !c.closed() {
		t.Error("connection still open after QUIT")
	}

	msgs := s.Messages()
	if len(msgs) != 1 {
		t.Fatalf("kept %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	wantData := "From: " + DefaultMailbox + "\r\nTo: ops@example.com\r\nSubject: t\r\nMessage-ID: <abc.123@pim.example>\r\n\r\nline one\r\n.leading dot\r\n"
	if string(m.Data) != wantData {
		t.Errorf("kept data %q, want %q (dot-unstuffed)", m.Data, wantData)
	}
	if m.Server != "exchange" || m.MailFrom != DefaultMailbox || strings.Join(m.RcptTo, ",") != "ops@example.com" ||
		m.AuthUser != DefaultMailbox || !m.Received.Equal(clock.Now()) {
		t.Errorf("kept %+v", m)
	}
}

// TestExchangeProtocolReplies checks the replies to out-of-order and
// malformed commands, before and after TLS and authentication.
func TestExchangeProtocolReplies(t *testing.T) {
	s := startSMTPSandbox(t, Options{})
	internal := s.smtp().exchange.host + "." + s.smtp().exchange.region + ".prod.outlook.com"
	token := mintToken(t, s, DefaultMailbox, time.Hour)

	t.Run("before TLS", func(t *testing.T) {
		c := dialRaw(t, s.Endpoints().SMTPPort)
		c.reply()
		c.expect("MAIL FROM:<"+DefaultMailbox+">", "503 5.5.2 Send hello first")
		c.expect("EHLO", "501 5.0.0 EHLO requires domain address")
		c.expect("HELO pim.example", "250 "+s.smtp().exchange.fqdn()+" Hello [127.0.0.1]")
		c.expect("MAIL FROM:<"+DefaultMailbox+">", "530 5.7.57 Client not authenticated to send mail.")
		c.expect("AUTH XOAUTH2", "504 5.7.4 Unrecognized authentication type")
		c.expect("STARTTLS now", "501 5.5.4 Invalid arguments")
		c.expect("FOO", "500 5.3.3 Unrecognized command")
		c.expect("VRFY someone", "252 2.1.5 Cannot VRFY user")
		if got, want := c.cmd("HELP"), "214-This server supports the following commands:\r\n214 HELO EHLO STARTTLS RCPT DATA RSET MAIL QUIT HELP AUTH BDAT\r\n"; got != want {
			t.Errorf("HELP\n got: %q\nwant: %q", got, want)
		}
	})

	t.Run("authentication", func(t *testing.T) {
		c := exchangeSession(t, s, "", "")
		c.expect("AUTH PLAIN AGZvbwBiYXI=", "504 5.7.4 Unrecognized authentication type")
		c.expect("AUTH XOAUTH2 not-base64!", "535 5.7.3 Authentication unsuccessful ["+internal+"]")
		c.expect("AUTH XOAUTH2", "334 ")
		c.expect("*", "501 5.5.4 Authentication cancelled")
		c.expect("AUTH LOGIN", "334 VXNlcm5hbWU6")
		c.expect("cGltQGV4YW1wbGUuY29t", "334 UGFzc3dvcmQ6")
		// A password: basic authentication is disabled, with Exchange's
		// [host timestamp id] suffix.
		if got := c.cmd("c2VjcmV0"); !basicAuthDisabledRe.MatchString(got) || !strings.Contains(got, "["+internal+" ") {
			t.Errorf("password AUTH: %q", got)
		}
		c.expect("MAIL FROM:<"+DefaultMailbox+">", "530 5.7.57 Client not authenticated to send mail.")
		// A command line longer than RFC 5321's 512 octets is refused: a
		// whole token on the AUTH line fails here as on strict servers.
		c.expect("AUTH XOAUTH2 "+xoauth2(DefaultMailbox, token), "500 5.5.2 Command too long")
		c.expect("AUTH XOAUTH2 "+strings.Repeat("A", 512-len("AUTH XOAUTH2 \r\n")), "535 5.7.3 Authentication unsuccessful ["+internal+"]")
		c.expect("AUTH XOAUTH2", "334 ")
		c.expect(xoauth2(DefaultMailbox, token), "235 2.7.0 Authentication successful")
		c.expect("AUTH XOAUTH2", "503 5.5.2 Auth command already specified")
		c.expect("STARTTLS", "503 5.5.2 Only one STARTTLS command can be issued per session")
	})

	t.Run("transaction", func(t *testing.T) {
		c := exchangeSession(t, s, DefaultMailbox, token)
		c.expect("RCPT TO:<ops@example.com>", "503 5.5.2 Need mail command")
		c.expect("DATA", "503 5.5.2 Need mail command")
		c.expect("MAIL FROM:<bad@@example.com>", "501 5.1.7 Invalid address")
		c.expect("MAIL FROM "+DefaultMailbox, "501 5.5.4 Invalid arguments")
		c.expect("MAIL FROM:<"+DefaultMailbox+"> SIZE=157286401", "552 5.3.4 Message size exceeds fixed maximum message size")
		c.expect("MAIL FROM:<"+DefaultMailbox+"> BODY=9BIT", "501 5.5.4 Unsupported BODY type")
		c.expect("MAIL FROM:<"+DefaultMailbox+"> FOO=BAR", "501 5.5.4 Unrecognized parameter")
		c.expect("MAIL FROM:<"+DefaultMailbox+"> SIZE=1024 RET=HDRS ENVID=pim-1", "250 2.1.0 Sender OK")
		// A new session: each refusal counts towards "too many errors".
		c = exchangeSession(t, s, DefaultMailbox, token)
		c.expect("MAIL FROM:<"+DefaultMailbox+">", "250 2.1.0 Sender OK")
		c.expect("MAIL FROM:<"+DefaultMailbox+">", "503 5.5.2 Sender already specified")
		c.expect("DATA", "503 5.5.2 Need rcpt command")
		c.expect("RCPT TO:<not-an-address>", "501 5.1.3 Invalid address")
		c.expect("RCPT TO:<ops@example.com> NOTIFY=BOGUS", "501 5.5.4 Unrecognized parameter")
		c.expect("RCPT TO:<ops@example.com> NOTIFY=FAILURE,DELAY ORCPT=rfc822;ops@example.com", "250 2.1.5 Recipient OK")
		c.expect("RSET", "250 2.0.0 Resetting")
		c.expect("RCPT TO:<ops@example.com>", "503 5.5.2 Need mail command")
	})
}

// TestExchangeBDAT sends a message in two BDAT chunks (CHUNKING is
// advertised, so it must work even though go-mail never uses it) and
// checks that DATA is refused for a BINARYMIME body.
func TestExchangeBDAT(t *testing.T) {
	s := startSMTPSandbox(t, Options{})
	token := mintToken(t, s, DefaultMailbox, time.Hour)
	c := exchangeSession(t, s, DefaultMailbox, token)

	c.expect("MAIL FROM:<"+DefaultMailbox+"> BODY=BINARYMIME", "250 2.1.0 Sender OK")
	c.expect("RCPT TO:<ops@example.com>", "250 2.1.5 Recipient OK")
	c.expect("DATA", "503 5.5.1 Bad sequence of commands")
	part1 := "From: " + DefaultMailbox + "\r\nSubject: chunks\r\n"
	part2 := "Message-ID: <bdat@pim.example>\r\n\r\n.no stuffing in BDAT\r\n"
	c.write("BDAT " + strconv.Itoa(len(part1)) + "\r\n" + part1)
	if got, want := c.reply(), "250 2.6.0 CHUNK received OK, "+strconv.Itoa(len(part1))+" octets\r\n"; got != want {
		t.Errorf("first chunk\n got: %q\nwant: %q", got, want)
	}
	c.write("BDAT " + strconv.Itoa(len(part2)) + " LAST\r\n" + part2)
	if got, want := c.reply(), "250 2.0.0 OK <bdat@pim.example> [Hostname="+s.smtp().exchange.mbxHost+"]\r\n"; got != want {
		t.Errorf("last chunk\n got: %q\nwant: %q", got, want)
	}
	// A chunk outside a transaction is read (so the session stays in step) and refused.
	c.write("BDAT 5 LAST\r\nhello")
	if got := c.reply(); got != "503 5.5.2 Need mail command\r\n" {
		t.Errorf("BDAT outside a transaction: %q", got)
	}
	c.expect("NOOP", "250 2.0.0 OK")
	msgs := s.Messages()
	if len(msgs) != 1 || string(msgs[0].Data) != part1+part2 {
		t.Fatalf("kept %q, want the two chunks joined", msgs)
	}
}

// TestSessionLimits: an over-long line is refused and the session goes
// on; ten refusals end it; a silent client is timed out; plain text
// pipelined behind STARTTLS gets the connection closed.
func TestSessionLimits(t *testing.T) {
	s := startSMTPSandbox(t, Options{})

	t.Run("line too long", func(t *testing.T) {
		c := dialRaw(t, s.Endpoints().SMTPPort)
		c.reply()
		c.expect("NOOP "+strings.Repeat("A", maxCommandLine+10), "500 5.5.2 Command too long")
		c.expect("NOOP", "250 2.0.0 OK")
	})
	t.Run("too many errors", func(t *testing.T) {
		c := dialRaw(t, s.Endpoints().SMTPPort)
		c.reply()
		for i := 1; i < exoMaxErrors; i++ {
			c.expect("BOGUS", "500 5.3.3 Unrecognized command")
		}
		c.expect("BOGUS", "500 5.3.3 Unrecognized command")
		if got := c.reply(); got != "421 4.7.0 Too many errors on this connection, closing transmission channel\r\n" {
			t.Errorf("after %d errors: %q", exoMaxErrors, got)
		}
		if !c.closed() {
			t.Error("connection still open")
		}
	})
	t.Run("STARTTLS injection", func(t *testing.T) {
		c := dialRaw(t, s.Endpoints().SMTPPort)
		c.reply()
		c.cmd("EHLO pim.example")
		c.write("STARTTLS\r\nMAIL FROM:<attacker@example.com>\r\n")
		if got := c.reply(); got != "220 2.0.0 SMTP server ready\r\n" {
			t.Errorf("STARTTLS: %q", got)
		}
		if !c.closed() {
			t.Error("server went on after plain text was pipelined behind STARTTLS")
		}
	})
	t.Run("idle timeout", func(t *testing.T) {
		s := startSMTPSandbox(t, Options{})
		for _, srv := range s.smtp().servers {
			srv.timeout.Store(int64(50 * time.Millisecond))
		}
		c := dialRaw(t, s.Endpoints().SMTPPort)
		c.reply()
		if got := c.reply(); got != "451 4.7.0 Timeout waiting for client input\r\n" {
			t.Errorf("Exchange timeout reply %q", got)
		}
		l := dialRaw(t, s.Endpoints().LocalPort)
		l.reply()
		if got, want := l.reply(), "421 4.4.2 "+s.smtp().servers[2].d.(*localDialect).hostname+" Error: timeout exceeded\r\n"; got != want {
			t.Errorf("Postfix timeout reply %q, want %q", got, want)
		}
	})
}

// basicAuthDisabledRe is Exchange's refusal of a password AUTH.
var basicAuthDisabledRe = regexp.MustCompile(`^535 5\.7\.139 Authentication unsuccessful, basic authentication is disabled\. \[\S+ \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z [0-9A-F]{16}\]\r\n$`)
