package sandbox

import (
	"testing"
	"time"
)

// BenchmarkExchangeSubmission measures one message (MAIL, RCPT, DATA and
// the stand-in's checks) through an open, authenticated TLS session, kept
// in memory only and also written as an .eml file (fsync included).
func BenchmarkExchangeSubmission(b *testing.B) {
	for _, eml := range []bool{false, true} {
		name := "memory"
		if eml {
			name = "eml"
		}
		b.Run(name, func(b *testing.B) {
			clock := newTestClock(time.Now())
			var s *Sandbox
			if eml {
				s = startSMTPSandbox(b, Options{Now: clock.Now})
			} else {
				var err error
				if s, err = Start(Options{Now: clock.Now}); err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { _ = s.Close() })
			}
			c := exchangeSession(b, s, DefaultMailbox, mintToken(b, s, DefaultMailbox, time.Hour))
			body := "From: " + DefaultMailbox + "\r\nTo: ops@example.com\r\nSubject: bench\r\n\r\nhello\r\n.\r\n"
			b.ResetTimer()
			for range b.N {
				// Keep under 30 messages a minute and 10,000 recipients a day.
				clock.Advance(10 * time.Second)
				_ = c.conn.SetDeadline(time.Now().Add(10 * time.Second))
				c.write("MAIL FROM:<" + DefaultMailbox + ">\r\nRCPT TO:<ops@example.com>\r\nDATA\r\n")
				c.reply()
				c.reply()
				c.reply()
				c.write(body)
				if got := c.reply(); got[:3] != "250" {
					b.Fatalf("refused: %q", got)
				}
			}
		})
	}
}

// BenchmarkExchangeDialAndSend measures what pimmail does per test
// message: connect, STARTTLS, XOAUTH2 (token signature checked), send, QUIT.
func BenchmarkExchangeDialAndSend(b *testing.B) {
	clock := newTestClock(time.Now())
	s := startSMTPSandbox(b, Options{Now: clock.Now})
	token := mintToken(b, s, DefaultMailbox, 10000*time.Hour)
	ctx := smtpCtx(b)
	b.ResetTimer()
	for range b.N {
		clock.Advance(10 * time.Second)
		if err := exchangeClient(b, s, DefaultMailbox, token).DialAndSendWithContext(ctx, newMsg(b, DefaultMailbox, "ops@example.com")); err != nil {
			b.Fatal(err)
		}
	}
}
