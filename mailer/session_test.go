package mailer

import (
	"bytes"
	"strings"
	"testing"

	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/sandbox/sandboxtest"
)

// verbs are the client commands of a transcript, e.g. "EHLO STARTTLS ...".
func verbs(tr []string) string {
	var v []string
	for _, l := range tr {
		c, ok := strings.CutPrefix(l, "C: ")
		// The message body and, in RFC 4954's two-step form, the SASL
		// response after 334 continue a command; they are not commands.
		if !ok || strings.HasPrefix(c, "<message") || strings.HasPrefix(c, "<credentials") {
			continue
		}
		verb, _, _ := strings.Cut(c, " ")
		v = append(v, verb)
	}
	return strings.Join(v, " ")
}

// One session carries several messages: EHLO, STARTTLS, EHLO and AUTH
// once, then MAIL, RCPT, DATA per message, QUIT at the end; no NOOP, no
// RSET (each costs a round trip over the internet). The bytes arrive as
// they were handed in.
func TestSessionSendsSeveralMessagesWithoutChatter(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{})
	tok := mintToken(t, sb)
	ss, err := OpenSession(testCtx(t), exchangeServer(sb), xoauth2(tok))
	if err != nil {
		t.Fatal(err)
	}
	msgs := []string{
		"From: " + sandbox.DefaultMailbox + "\r\nSubject: one\r\n\r\nbody one\r\n",
		"From: " + sandbox.DefaultMailbox + "\r\nSubject: two\r\n\r\n.a line that starts with a dot\r\n",
		"From: " + sandbox.DefaultMailbox + "\r\nSubject: three\r\n\r\nbody three\r\n",
	}
	for _, m := range msgs {
		reply, err := ss.Send(testCtx(t), sandbox.DefaultMailbox, []string{"a@example.com", "b@example.com"}, strings.NewReader(m))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(reply, "250 ") {
			t.Errorf("reply %q", reply)
		}
	}
	ss.Close()
	want := "EHLO STARTTLS EHLO AUTH MAIL RCPT RCPT DATA MAIL RCPT RCPT DATA MAIL RCPT RCPT DATA QUIT"
	if got := verbs(ss.Transcript()); got != want {
		t.Errorf("commands:\n got %s\nwant %s\n%s", got, want, strings.Join(ss.Transcript(), "\n"))
	}
	got := sb.Messages()
	if len(got) != 3 {
		t.Fatalf("the sandbox got %d messages, want 3", len(got))
	}
	for i, m := range got {
		if !bytes.Equal(m.Data, []byte(msgs[i])) {
			t.Errorf("message %d changed on the way:\n got %q\nwant %q", i, m.Data, msgs[i])
		}
	}
	noSecretIn(t, sandbox.DefaultMailbox, tok, ss.Transcript()...)
}

// Against go-smtp's server (a peer nobody here wrote): two messages on one
// session, bytes unchanged.
func TestSessionAgainstGoSMTP(t *testing.T) {
	f := startFixture(t, fixtureOptions{tls: StartTLS})
	ss, err := OpenSession(testCtx(t), f.server(), Auth{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"Subject: a\r\n\r\nx\r\n", "Subject: b\r\n\r\n..two dots\r\n"} {
		if _, err := ss.Send(testCtx(t), "pim@example.com", []string{"r@example.com"}, strings.NewReader(m)); err != nil {
			t.Fatal(err)
		}
	}
	ss.Close()
	got := f.messages()
	if len(got) != 2 || string(got[1].data) != "Subject: b\r\n\r\n..two dots\r\n" {
		t.Errorf("go-smtp received %+v", got)
	}
	if v := verbs(ss.Transcript()); strings.Contains(v, "NOOP") || strings.Contains(v, "RSET") {
		t.Errorf("chatter on the wire: %s", v)
	}
}

// A refusal of one message is reported with its code and diagnosis.
func TestSessionRefusalHasCode(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{Scenario: "send-as-denied"})
	tok := mintToken(t, sb)
	ss, err := OpenSession(testCtx(t), exchangeServer(sb), xoauth2(tok))
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	_, err = ss.Send(testCtx(t), sandbox.DefaultMailbox, []string{"a@example.com"},
		strings.NewReader("From: ceo@contoso-sandbox.onmicrosoft.com\r\nSubject: x\r\n\r\nx\r\n"))
	if code := ReplyCode(err); code != 554 {
		t.Fatalf("ReplyCode = %d (%v), want 554", code, err)
	}
}
