package sandbox

import (
	"fmt"
	"testing"
)

// TestConnectionCap: a stand-in holds at most maxConns connections open
// (idle ones included); the next gets the busy server's 421 and is hung
// up on, and one more is taken as soon as one closes.
func TestConnectionCap(t *testing.T) {
	s := startSMTPSandbox(t, Options{})
	for _, srv := range s.smtp().servers {
		srv.maxConns.Store(3)
	}
	var open []*rawConn
	for range 3 {
		c := dialRaw(t, s.Endpoints().SMTPPort)
		c.reply() // greeting
		open = append(open, c)
	}
	over := dialRaw(t, s.Endpoints().SMTPPort)
	if got := over.reply(); got != "421 4.3.2 The maximum number of concurrent connections has exceeded a limit, closing transmission channel\r\n" {
		t.Errorf("over the cap: %q", got)
	}
	if !over.closed() {
		t.Error("the connection over the cap stays open")
	}
	open[0].cmd("QUIT")
	if !open[0].closed() {
		t.Fatal("QUIT did not close")
	}
	for range 50 {
		// The closed one is untracked by its goroutine: retry briefly.
		c := dialRaw(t, s.Endpoints().SMTPPort)
		if got := c.reply(); len(got) > 3 && got[:3] == "220" {
			return
		}
	}
	t.Error("no connection taken after one closed")
}

// TestMessageListIsCapped: the stand-ins keep the most recent messages in
// memory, not every one a long-running sandbox received.
func TestMessageListIsCapped(t *testing.T) {
	s := startSMTPSandbox(t, Options{})
	s.mu.Lock()
	s.keepMax = 3
	s.mu.Unlock()
	c := dialRaw(t, s.Endpoints().LocalPort)
	c.reply()
	for i := range 5 {
		c.expect("MAIL FROM:<root@localhost>", "250 2.1.0 Ok")
		c.expect(fmt.Sprintf("RCPT TO:<n%d@example.org>", i), "250 2.1.5 Ok")
		c.expect("DATA", "354 End data with <CR><LF>.<CR><LF>")
		c.write("Subject: n\r\n\r\nok\r\n.\r\n")
		c.reply()
	}
	got := s.Messages()
	if len(got) != 3 {
		t.Fatalf("%d messages kept, want 3", len(got))
	}
	if r := got[2].RcptTo; len(r) != 1 || r[0] != "n4@example.org" {
		t.Errorf("the newest message is not last: %v", r)
	}
}
