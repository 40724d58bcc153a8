package mailer

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/pimmail/pimmail/secret"
)

const (
	testUser  = "pim-notifications@contoso.example"
	testToken = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJzY3AiOiJTTVRQLlNlbmQifQ.c2lnbmF0dXJl"
	testPass  = "Relay-Pa55word!"
)

func TestRedactLine(t *testing.T) {
	xo := base64.StdEncoding.EncodeToString([]byte(xoauth2Payload(testUser, testToken)))
	plain := base64.StdEncoding.EncodeToString([]byte("\x00relay-user\x00" + testPass))
	otherXO := base64.StdEncoding.EncodeToString([]byte(xoauth2Payload("someone@else.example", "another-token-value")))
	tokenCreds := newCredentials(Auth{Kind: AuthXOAUTH2, Username: testUser, Secret: secret.New(testToken)})
	passCreds := newCredentials(Auth{Kind: AuthPassword, Username: "relay-user", Secret: secret.New(testPass)})

	tests := []struct {
		name  string
		line  string
		creds credentials
		want  string
	}{
		{"ordinary command stays", "C: MAIL FROM:<" + testUser + "> BODY=8BITMIME", tokenCreds, "C: MAIL FROM:<" + testUser + "> BODY=8BITMIME"},
		{"ordinary reply stays", "S: 250 2.1.0 Sender OK", tokenCreds, "S: 250 2.1.0 Sender OK"},
		{"XOAUTH2 AUTH line", "C: AUTH XOAUTH2 " + xo, tokenCreds, "C: " + Hidden},
		{"XOAUTH2 payload alone", "C: " + xo, tokenCreds, "C: " + Hidden},
		{"raw token", "S: 535 5.7.3 token " + testToken + " refused", tokenCreds, "S: " + Hidden},
		{"token in base64", "C: " + base64.StdEncoding.EncodeToString([]byte(testToken)), tokenCreds, "C: " + Hidden},
		{"token base64 inside a larger blob", "C: " + base64.StdEncoding.EncodeToString([]byte("xx"+testToken+"yy")), tokenCreds, "C: " + Hidden},
		{"someone else's XOAUTH2 payload", "C: AUTH XOAUTH2 " + otherXO, credentials{}, "C: " + Hidden},
		{"decoded XOAUTH2 in clear", "C: user=x\x01auth=Bearer abc\x01\x01", credentials{}, "C: " + Hidden},
		{"PLAIN AUTH line", "C: AUTH PLAIN " + plain, passCreds, "C: " + Hidden},
		{"PLAIN line, unknown password", "C: AUTH PLAIN AGZvbwBiYXI=", credentials{}, "C: AUTH PLAIN " + Hidden},
		{"LOGIN password in base64", "C: " + base64.StdEncoding.EncodeToString([]byte(testPass)), passCreds, "C: " + Hidden},
		{"password in clear", "-- error: bad password " + testPass, passCreds, Hidden},
		{"AUTH LOGIN without response stays", "C: AUTH LOGIN", passCreds, "C: AUTH LOGIN"},
		{"EHLO with AUTH capability stays", "S: 250-AUTH LOGIN XOAUTH2", tokenCreds, "S: 250-AUTH LOGIN XOAUTH2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := redactLine(tt.line, tt.creds); got != tt.want {
				t.Errorf("redactLine(%q) = %q, want %q", tt.line, got, tt.want)
			}
		})
	}
}

func TestRedactTextKeepsOtherLines(t *testing.T) {
	c := newCredentials(Auth{Kind: AuthPassword, Username: "u", Secret: secret.New(testPass)})
	in := "dial failed: SMTP AUTH failed\npassword was " + testPass + "\n535 5.7.8 bad"
	got := redactText(in, c)
	if strings.Contains(got, testPass) {
		t.Fatalf("password survived: %q", got)
	}
	if !strings.Contains(got, "535 5.7.8 bad") || !strings.Contains(got, "dial failed") {
		t.Errorf("innocent lines lost: %q", got)
	}
}

// FuzzRedactLine: whatever the line, no credential survives redaction, in
// clear or in any base64 spelling of its SASL payload.
func FuzzRedactLine(f *testing.F) {
	f.Add("C: AUTH XOAUTH2 ", "", testUser, testToken, true)
	f.Add("S: 535 5.7.3 ", " refused", testUser, testToken, true)
	f.Add("C: AUTH PLAIN ", "", "relay-user", testPass, false)
	f.Add("", "", "", "abc", false)
	f.Add("C: ", "==", "a@b", "tok+/-_en", true)
	f.Fuzz(func(t *testing.T, prefix, suffix, user, tok string, xoauth bool) {
		if len(tok) < minSecretLen || strings.Contains("C: S: "+Hidden+" AUTH ", tok) {
			t.Skip()
		}
		kind := AuthPassword
		if xoauth {
			kind = AuthXOAUTH2
		}
		c := newCredentials(Auth{Kind: kind, Username: user, Secret: secret.New(tok)})
		payload := "\x00" + user + "\x00" + tok
		if xoauth {
			payload = xoauth2Payload(user, tok)
		}
		forms := []string{
			tok,
			base64.StdEncoding.EncodeToString([]byte(tok)),
			base64.StdEncoding.EncodeToString([]byte(payload)),
			base64.RawURLEncoding.EncodeToString([]byte(payload)),
		}
		for _, form := range forms {
			got := redactLine(prefix+form+suffix, c)
			for _, leak := range forms {
				if len(leak) >= minSecretLen && strings.Contains(got, leak) && !strings.Contains(prefix+suffix+Hidden, leak) {
					t.Fatalf("redactLine(%q) = %q still holds %q", prefix+form+suffix, got, leak)
				}
			}
		}
	})
}

// TestCloseNoiseIsDropped: go-mail joins "failed to close connection: ...
// broken pipe" to a send that failed because the server hung up; the
// details keep the failure and drop the noise.
func TestCloseNoiseIsDropped(t *testing.T) {
	cause := errors.New("554 5.7.1 relay access denied")
	err := withoutCloseNoise(errors.Join(cause, fmt.Errorf("failed to close connection: %w", io.ErrClosedPipe)))
	if err != cause {
		t.Errorf("got %v, want the send's own error alone", err)
	}
	if err := withoutCloseNoise(cause); err != cause {
		t.Errorf("a plain error changed: %v", err)
	}
}
