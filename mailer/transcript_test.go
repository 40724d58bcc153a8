package mailer

import (
	"encoding/base64"
	"net/textproto"
	"slices"
	"strings"
	"testing"

	"github.com/wneessen/go-mail/log"

	"github.com/pimmail/pimmail/secret"
)

// goMail feeds tr what go-mail's smtp client logs for a command and its reply.
func goMail(tr *transcript, format string, args []any, code int, msg string) {
	tr.Debugf(log.Log{Direction: log.DirClientToServer, Format: format, Messages: args})
	if code != 0 {
		tr.Debugf(log.Log{Direction: log.DirServerToClient, Format: "%d %s", Messages: []any{code, msg}})
	}
}

func TestTranscriptRendersGoMailConversation(t *testing.T) {
	tr := &transcript{
		creds:    newCredentials(Auth{Kind: AuthXOAUTH2, Username: testUser, Secret: secret.New(testToken)}),
		authMech: "XOAUTH2",
	}
	tr.finalReply = func() string { return "250 2.0.0 OK <id@host> [Hostname=X]" }
	goMail(tr, "EHLO %s", []any{"pim01"}, 250, "host Hello [127.0.0.1]\nSIZE 157286400\nSTARTTLS")
	goMail(tr, "STARTTLS", nil, 220, "2.0.0 SMTP server ready")
	goMail(tr, "EHLO %s", []any{"pim01"}, 250, "host Hello [127.0.0.1]\nAUTH LOGIN XOAUTH2")
	goMail(tr, "%s", []any{goMailRedacted}, 235, "2.7.0 Authentication successful")
	goMail(tr, "NOOP", nil, 250, "2.0.0 OK")
	goMail(tr, "MAIL FROM:<%s> BODY=8BITMIME", []any{testUser}, 250, "2.1.0 Sender OK")
	goMail(tr, "RCPT TO:<%s>", []any{"a@b.example"}, 250, "2.1.5 Recipient OK")
	goMail(tr, "DATA", nil, 354, "Start mail input; end with <CRLF>.<CRLF>")
	goMail(tr, "RSET", nil, 250, "2.0.0 Resetting")
	goMail(tr, "QUIT", nil, 221, "2.0.0 Service closing transmission channel")

	want := []string{
		"C: EHLO pim01",
		"S: 250-host Hello [127.0.0.1]",
		"S: 250-SIZE 157286400",
		"S: 250 STARTTLS",
		"C: STARTTLS",
		"S: 220 2.0.0 SMTP server ready",
		"C: EHLO pim01",
		"S: 250-host Hello [127.0.0.1]",
		"S: 250 AUTH LOGIN XOAUTH2",
		"C: AUTH XOAUTH2 " + Hidden,
		"S: 235 2.7.0 Authentication successful",
		"C: NOOP",
		"S: 250 2.0.0 OK",
		"C: MAIL FROM:<" + testUser + "> BODY=8BITMIME",
		"S: 250 2.1.0 Sender OK",
		"C: RCPT TO:<a@b.example>",
		"S: 250 2.1.5 Recipient OK",
		"C: DATA",
		"S: 354 Start mail input; end with <CRLF>.<CRLF>",
		"C: <message headers and body> .",
		"S: 250 2.0.0 OK <id@host> [Hostname=X]",
		"C: RSET",
		"S: 250 2.0.0 Resetting",
		"C: QUIT",
		"S: 221 2.0.0 Service closing transmission channel",
	}
	if got := tr.snapshot(); !slices.Equal(got, want) {
		t.Errorf("transcript:\n%q\nwant:\n%q", got, want)
	}
	caps, _, authSeen, _ := tr.state()
	if !slices.Equal(caps, []string{"AUTH LOGIN XOAUTH2"}) || !authSeen {
		t.Errorf("state: caps %q authSeen %v", caps, authSeen)
	}
}

func TestTranscriptRecordsRefusalsAndQuitDuringAuth(t *testing.T) {
	tr := &transcript{creds: newCredentials(Auth{Kind: AuthPassword, Username: "u", Secret: secret.New(testPass)})}
	tr.setAuthMech("LOGIN")
	goMail(tr, "%s", []any{goMailRedacted}, 334, goMailRedacted)
	goMail(tr, "%s", []any{goMailRedacted}, 334, goMailRedacted)
	goMail(tr, "%s", []any{goMailRedacted}, 0, "")
	refusal := &textproto.Error{Code: 535, Msg: "5.7.8 Error: authentication failed"}
	if err := tr.HandleError("h", "auth", nil, refusal); err != refusal {
		t.Fatalf("HandleError changed the error: %v", err)
	}
	goMail(tr, "%s", []any{goMailRedacted}, 221, "2.0.0 Bye")
	want := []string{
		"C: AUTH LOGIN",
		"S: 334 " + Hidden,
		"C: " + Hidden,
		"S: 334 " + Hidden,
		"C: " + Hidden,
		"S: 535 5.7.8 Error: authentication failed",
		"C: QUIT",
		"S: 221 2.0.0 Bye",
	}
	if got := tr.snapshot(); !slices.Equal(got, want) {
		t.Errorf("transcript:\n%q\nwant:\n%q", got, want)
	}
	if _, _, _, last := tr.state(); last != refusal {
		t.Errorf("last refusal = %v", last)
	}
}

func TestReplyComplete(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"220 ready\r\n", true},
		{"220-first\r\n", false},
		{"220-first\r\n220 second\r\n", true},
		{"220 rea", false},
		{"220\r\n", true},
	}
	for _, tt := range tests {
		if got := replyComplete([]byte(tt.in)); got != tt.want {
			t.Errorf("replyComplete(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// FuzzTranscriptHidesCredentials: whatever go-mail logs or a server
// answers, with the token or its XOAUTH2 payload anywhere inside, the
// transcript never shows them.
func FuzzTranscriptHidesCredentials(f *testing.F) {
	f.Add("pim01", "2.1.0 Sender OK", 250, testToken, 0)
	f.Add("", "5.7.3 Authentication unsuccessful", 535, "tok.en-value_1", 5)
	f.Add("x", "2.0.0 OK\nsecond", 250, "abcd", 10)
	f.Fuzz(func(t *testing.T, cmd, reply string, code int, tok string, where int) {
		if len(tok) < minSecretLen || strings.Contains("C: S: -- *QUIT AUTH XOAUTH2 "+Hidden, tok) {
			t.Skip()
		}
		tr := &transcript{
			creds:    newCredentials(Auth{Kind: AuthXOAUTH2, Username: testUser, Secret: secret.New(tok)}),
			authMech: "XOAUTH2",
		}
		b64 := base64.StdEncoding.EncodeToString([]byte(xoauth2Payload(testUser, tok)))
		arg := []string{tok, b64, "x" + tok + "y", goMailRedacted}[abs(where)%4]
		// The formats go-mail's smtp client logs commands with.
		format := []string{"EHLO %s", "MAIL FROM:<%s>", "RCPT TO:<%s>", "%s"}[abs(where/4)%4]
		tr.Debugf(log.Log{Direction: log.DirClientToServer, Format: format, Messages: []any{cmd + arg}})
		tr.Debugf(log.Log{Direction: log.DirServerToClient, Format: "%d %s", Messages: []any{code, reply + arg}})
		_ = tr.HandleError("", "", nil, &textproto.Error{Code: code, Msg: arg + reply})
		tr.finalReply = func() string { return "250 " + b64 }
		tr.closeData("")
		for _, l := range tr.snapshot() {
			if strings.Contains(l, tok) || strings.Contains(l, b64) {
				t.Fatalf("credential in transcript line %q", l)
			}
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
