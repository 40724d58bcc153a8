package sandbox

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wneessen/go-mail"
)

// TestExchangeConcurrentConnections opens four real connections for one
// mailbox: the fourth is refused with 432 4.3.2 when it submits, the first
// three still send, and once one of them leaves the fourth gets through.
func TestExchangeConcurrentConnections(t *testing.T) {
	s := startSMTPSandbox(t, Options{})
	ctx := smtpCtx(t)
	token := mintToken(t, s, DefaultMailbox, time.Hour)
	var holders []*mail.Client
	for range 3 {
		c := exchangeClient(t, s, DefaultMailbox, token)
		if err := c.DialWithContext(ctx); err != nil {
			t.Fatalf("connection %d: %v", len(holders)+1, err)
		}
		holders = append(holders, c)
		t.Cleanup(func() { _ = c.Close() })
	}

	se := sendErr(t, exchangeClient(t, s, DefaultMailbox, token).DialAndSendWithContext(ctx, newMsg(t, DefaultMailbox, "ops@example.com")))
	if se.ErrorCode() != 432 || se.EnhancedStatusCode() != "4.3.2" || !se.IsTemp() ||
		!surfaced(se, "432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded [Hostname="+s.smtp().exchange.mbxHost+"]") {
		t.Errorf("fourth connection: %d %s temp=%v %q", se.ErrorCode(), se.EnhancedStatusCode(), se.IsTemp(), se.Error())
	}
	for i, h := range holders {
		if err := h.Send(newMsg(t, DefaultMailbox, "ops@example.com")); err != nil {
			t.Errorf("connection %d of 3 could not send: %v", i+1, err)
		}
	}
	if err := holders[2].Close(); err != nil {
		t.Fatal(err)
	}
	if err := exchangeClient(t, s, DefaultMailbox, token).DialAndSendWithContext(ctx, newMsg(t, DefaultMailbox, "ops@example.com")); err != nil {
		t.Errorf("with a slot free again: %v", err)
	}
	if n := len(s.Messages()); n != 4 {
		t.Errorf("kept %d messages, want 4", n)
	}

	// Another mailbox has its own three slots.
	const other = "alerts@contoso-sandbox.onmicrosoft.com"
	s.UpdateDirectory(func(d *Directory) {
		d.Mailboxes = append(d.Mailboxes, Mailbox{UPN: other, ObjectID: "2b1c2d3e-4f50-4617-8293-a4b5c6d7e8f1", TenantID: DefaultTenantID})
	})
	if err := exchangeClient(t, s, other, mintToken(t, s, other, time.Hour)).DialAndSendWithContext(ctx, newMsg(t, other, "ops@example.com")); err != nil {
		t.Errorf("another mailbox: %v", err)
	}
}

// TestExchangeConcurrencyScenario: with the concurrency scenario a single
// connection already meets the limit, so the refusal can be rehearsed.
func TestExchangeConcurrencyScenario(t *testing.T) {
	s := startSMTPSandbox(t, Options{Scenario: "concurrency"})
	err := exchangeClient(t, s, DefaultMailbox, mintToken(t, s, DefaultMailbox, time.Hour)).DialAndSendWithContext(smtpCtx(t), newMsg(t, DefaultMailbox, "ops@example.com"))
	if se := sendErr(t, err); se.ErrorCode() != 432 || se.EnhancedStatusCode() != "4.3.2" {
		t.Errorf("got %d %s", se.ErrorCode(), se.EnhancedStatusCode())
	}
}

// TestExchangeMessageRate: 30 messages a minute per mailbox (2 in the
// throttled scenario); the next MAIL FROM gets Exchange's 421 4.4.2 and
// the connection is closed; a minute later sending works again.
func TestExchangeMessageRate(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		limit    int
	}{{"", 30}, {"throttled", 2}} {
		t.Run("limit "+strconv.Itoa(tc.limit), func(t *testing.T) {
			clock := newTestClock(time.Now())
			s := startSMTPSandbox(t, Options{Scenario: tc.scenario, Now: clock.Now})
			token := mintToken(t, s, DefaultMailbox, time.Hour)
			var msgs []*mail.Msg
			for range tc.limit + 1 {
				msgs = append(msgs, newMsg(t, DefaultMailbox, "ops@example.com"))
			}
			err := exchangeClient(t, s, DefaultMailbox, token).DialAndSendWithContext(smtpCtx(t), msgs...)
			se := sendErr(t, err)
			if se.ErrorCode() != 421 || se.EnhancedStatusCode() != "4.4.2" ||
				!surfaced(se, "421 4.4.2 Message submission rate for this client has exceeded the configured limit") {
				t.Errorf("message %d: %d %s %q", tc.limit+1, se.ErrorCode(), se.EnhancedStatusCode(), se.Error())
			}
			for i, m := range msgs[:tc.limit] {
				if !m.IsDelivered() {
					t.Errorf("message %d of %d not delivered", i+1, tc.limit)
				}
			}
			if n := len(s.Messages()); n != tc.limit {
				t.Errorf("kept %d messages, want %d", n, tc.limit)
			}
			clock.Advance(61 * time.Second)
			if err := exchangeClient(t, s, DefaultMailbox, token).DialAndSendWithContext(smtpCtx(t), newMsg(t, DefaultMailbox, "ops@example.com")); err != nil {
				t.Errorf("a minute later: %v", err)
			}
		})
	}
}

// TestExchangeDailyRecipients: 10,000 recipients a day per mailbox. Twenty
// messages of 500 recipients (pipelined, as a bulk sender would) use the
// day's quota; the next message gets 554 5.2.0 SubmissionQuotaExceeded;
// a day later the mailbox sends again.
func TestExchangeDailyRecipients(t *testing.T) {
	clock := newTestClock(time.Now())
	s := startSMTPSandbox(t, Options{Now: clock.Now})
	c := exchangeSession(t, s, DefaultMailbox, mintToken(t, s, DefaultMailbox, time.Hour))
	for m := range 20 {
		var cmds strings.Builder
		cmds.WriteString("MAIL FROM:<" + DefaultMailbox + ">\r\n")
		for r := range 500 {
			cmds.WriteString("RCPT TO:<r" + strconv.Itoa(m*500+r) + "@example.com>\r\n")
		}
		cmds.WriteString("DATA\r\n")
		c.write(cmds.String())
		for range 501 {
			if got := c.reply(); got[0] != '2' {
				t.Fatalf("message %d: %q", m+1, got)
			}
		}
		if got := c.reply(); !strings.HasPrefix(got, "354 ") {
			t.Fatalf("DATA: %q", got)
		}
		c.write("From: " + DefaultMailbox + "\r\nSubject: bulk\r\n\r\nhi\r\n.\r\n")
		if got := c.reply(); !strings.HasPrefix(got, "250 2.0.0 OK ") {
			t.Fatalf("message %d: %q", m+1, got)
		}
	}
	c.expect("QUIT", "221 2.0.0 Service closing transmission channel")

	err := exchangeClient(t, s, DefaultMailbox, mintToken(t, s, DefaultMailbox, time.Hour)).DialAndSendWithContext(smtpCtx(t), newMsg(t, DefaultMailbox, "ops@example.com"))
	se := sendErr(t, err)
	want := "554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Failed to process message due to a permanent exception with message The message can't be submitted because the sender's submission quota was exceeded."
	if se.ErrorCode() != 554 || se.EnhancedStatusCode() != "5.2.0" || !surfaced(se, want) {
		t.Errorf("over the daily quota: %d %s %q", se.ErrorCode(), se.EnhancedStatusCode(), se.Error())
	}
	clock.Advance(24*time.Hour + time.Second)
	if err := exchangeClient(t, s, DefaultMailbox, mintToken(t, s, DefaultMailbox, time.Hour)).DialAndSendWithContext(smtpCtx(t), newMsg(t, DefaultMailbox, "ops@example.com")); err != nil {
		t.Errorf("a day later: %v", err)
	}
	if n := len(s.Messages()); n != 21 {
		t.Errorf("kept %d messages, want 21", n)
	}
}

// TestExchangeTooManyRecipients: Exchange Online takes 500 recipients per message.
func TestExchangeTooManyRecipients(t *testing.T) {
	s := startSMTPSandbox(t, Options{})
	c := exchangeSession(t, s, DefaultMailbox, mintToken(t, s, DefaultMailbox, time.Hour))
	c.expect("MAIL FROM:<"+DefaultMailbox+">", "250 2.1.0 Sender OK")
	var cmds strings.Builder
	for r := range 500 {
		cmds.WriteString("RCPT TO:<r" + strconv.Itoa(r) + "@example.com>\r\n")
	}
	c.write(cmds.String())
	for range 500 {
		c.reply()
	}
	c.expect("RCPT TO:<one-more@example.com>", "452 4.5.3 Too many recipients")
}

// TestLimitsCountAcrossRestarts: Exchange Online counts a mailbox's limits
// across connections and sessions, and a sandbox with a StateDir is started
// anew by every `pimmail test`. A new sandbox on the same StateDir counts
// the messages the last one stored: their times and envelope recipients
// (Bcc too), per mailbox.
func TestLimitsCountAcrossRestarts(t *testing.T) {
	const other = "alerts@contoso-sandbox.onmicrosoft.com"
	withOther := func() *Directory {
		d := DefaultDirectory()
		d.Mailboxes = append(d.Mailboxes, Mailbox{UPN: other, ObjectID: "2b1c2d3e-4f50-4617-8293-a4b5c6d7e8f1", TenantID: DefaultTenantID})
		return &d
	}
	tests := []struct {
		name     string
		scenario string
		// before sends in the first run; later is how long after it the
		// second run starts.
		before func(t *testing.T, s *Sandbox)
		later  time.Duration
		// then sends as mbx in the second run.
		mbx      string
		rcpts    int
		wantCode int // 0: accepted
	}{
		{"throttled: two a minute, the third refused", "throttled", sendN(DefaultMailbox, 2, 1), 10 * time.Second, DefaultMailbox, 1, 421},
		{"throttled: a minute later it sends again", "throttled", sendN(DefaultMailbox, 2, 1), 61 * time.Second, DefaultMailbox, 1, 0},
		{"throttled: another mailbox has its own count", "throttled", sendN(DefaultMailbox, 2, 1), 10 * time.Second, other, 1, 0},
		{"30 a minute", "", sendN(DefaultMailbox, 30, 1), 10 * time.Second, DefaultMailbox, 1, 421},
		{"10,000 recipients a day, Bcc counted", "", sendN(DefaultMailbox, 20, 500), 2 * time.Hour, DefaultMailbox, 1, 554},
		{"a day later the quota is back", "", sendN(DefaultMailbox, 20, 500), 25 * time.Hour, DefaultMailbox, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newTestClock(time.Now())
			first := startSMTPSandbox(t, Options{Scenario: tt.scenario, Now: clock.Now, Directory: withOther()})
			tt.before(t, first)
			if err := first.Close(); err != nil {
				t.Fatal(err)
			}
			clock.Advance(tt.later)
			s := startSMTPSandbox(t, Options{Scenario: tt.scenario, Now: clock.Now, Directory: withOther(), StateDir: first.opts.StateDir})
			c := exchangeSession(t, s, tt.mbx, mintToken(t, s, tt.mbx, time.Hour))
			got := c.cmd("MAIL FROM:<" + tt.mbx + ">")
			if strings.HasPrefix(got, "250") {
				c.cmd("RCPT TO:<ops@example.com>")
				c.cmd("DATA")
				got = c.cmd("From: <" + tt.mbx + ">\r\nSubject: again\r\n\r\nhi\r\n.")
			}
			code := 0
			if len(got) >= 3 {
				code, _ = strconv.Atoi(got[:3])
			}
			if tt.wantCode == 0 && code != 250 || tt.wantCode != 0 && code != tt.wantCode {
				t.Errorf("second run: %q, want %d", got, tt.wantCode)
			}
		})
	}
}

// sendN sends n messages as mbx, each to rcpts envelope recipients of
// which only the first is in the header (the rest are Bcc).
func sendN(mbx string, n, rcpts int) func(t *testing.T, s *Sandbox) {
	return func(t *testing.T, s *Sandbox) {
		t.Helper()
		c := exchangeSession(t, s, mbx, mintToken(t, s, mbx, time.Hour))
		for m := range n {
			var cmds strings.Builder
			cmds.WriteString("MAIL FROM:<" + mbx + ">\r\n")
			for r := range rcpts {
				cmds.WriteString("RCPT TO:<r" + strconv.Itoa(m*rcpts+r) + "@example.com>\r\n")
			}
			cmds.WriteString("DATA\r\n")
			c.write(cmds.String())
			for range rcpts + 2 {
				c.reply()
			}
			if got := c.cmd("From: <" + mbx + ">\r\nTo: <r" + strconv.Itoa(m*rcpts) + "@example.com>\r\nSubject: m\r\n\r\nhi\r\n."); !strings.HasPrefix(got, "250") {
				t.Fatalf("message %d: %q", m+1, got)
			}
		}
	}
}
