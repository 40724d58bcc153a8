package diagnose

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/pimmail/pimmail/secret"
)

const testToken = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL291dGxvb2sub2ZmaWNlLmNvbSIsInNjcCI6IlNNVFAuU2VuZCJ9.c2lnbmF0dXJlLWJ5dGVz"

func TestRedactRawTexts(t *testing.T) {
	xoauth := base64.StdEncoding.EncodeToString([]byte("user=pim@contoso.com\x01auth=Bearer " + testToken + "\x01\x01"))
	plain := base64.StdEncoding.EncodeToString([]byte("\x00relay@contoso.com\x00relay-password"))
	tests := []struct {
		name   string
		raw    string
		secret []string // must not survive
		keep   []string // must survive
	}{
		{"xoauth2 command", "C: AUTH XOAUTH2 " + xoauth + "\r\nS: 535 5.7.3 Authentication unsuccessful", []string{xoauth, testToken}, []string{"AUTH XOAUTH2 ", "535 5.7.3 Authentication unsuccessful"}},
		{"xoauth2 payload alone", "sent " + xoauth, []string{xoauth}, []string{"sent "}},
		{"decoded xoauth2", "user=pim@contoso.com\x01auth=Bearer opaque-token-value-123\x01\x01", []string{"opaque-token-value-123"}, []string{"user=pim@contoso.com"}},
		{"auth plain", "AUTH PLAIN " + plain, []string{plain}, []string{"AUTH PLAIN"}},
		{"authorization header", "Authorization: Bearer opaque-token-value-12345678", []string{"opaque-token-value-12345678"}, []string{"Authorization:"}},
		{"basic header", "Authorization: Basic dXNlcjpwYXNzd29yZA==", []string{"dXNlcjpwYXNzd29yZA=="}, nil},
		{"form body", "client_id=abc&client_secret=" + testSecret + "&grant_type=client_credentials", []string{testSecret}, []string{"client_id=abc", "grant_type=client_credentials"}},
		{"json token answer", `{"token_type":"Bearer","access_token":"` + testToken + `","refresh_token":"0.AAAA-refresh.value","id_token":"x.y.z"}`, []string{testToken, "0.AAAA-refresh.value"}, []string{`"token_type":"Bearer"`}},
		{"json secret with escapes", `{"client_secret":"a\"b` + testSecret + `"}`, []string{testSecret}, nil},
		{"bare jwt", "token was " + testToken + " (expired)", []string{testToken}, []string{"(expired)"}},
		{"password field", "password=hunter2hunter2 user=x", []string{"hunter2hunter2"}, []string{"user=x"}},
		{"plain reply untouched", "535 5.7.139 Authentication unsuccessful, basic authentication is disabled.", nil, []string{"535 5.7.139 Authentication unsuccessful, basic authentication is disabled."}},
		{"entra description untouched", "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '" + testClientID + "'.", nil, []string{"client secret value, not the client secret ID", testClientID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := New(Unexpected, Facts{}, tt.raw, nil)
			for _, s := range tt.secret {
				if strings.Contains(p.Raw, s) {
					t.Errorf("raw still shows %q:\n%s", s, p.Raw)
				}
			}
			for _, s := range tt.keep {
				if !strings.Contains(p.Raw, s) {
					t.Errorf("raw lost %q:\n%s", s, p.Raw)
				}
			}
			if len(tt.secret) > 0 && !strings.Contains(p.Raw, secret.Mask) {
				t.Errorf("no mask in %q", p.Raw)
			}
		})
	}
}

// TestRedactRealAuthLine takes the AUTH line go-mail really sent to the
// scripted server and checks neither it nor the token reach Raw.
func TestRedactRealAuthLine(t *testing.T) {
	s := &smtpScript{Auth: "535 5.7.3 Authentication unsuccessful [PH0PR07CA0001.namprd07.prod.outlook.com]"}
	port := serveSMTP(t, s)
	err := sendWith(t, port, nil, "")
	if err == nil {
		t.Fatal("no error")
	}
	s.mu.Lock()
	lines := append([]string(nil), s.authLines...)
	s.mu.Unlock()
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "AUTH XOAUTH2 ") {
		t.Fatalf("auth lines %q", lines)
	}
	payload := strings.TrimPrefix(lines[0], "AUTH XOAUTH2 ")
	transcript := "S: 220 ready\r\nC: " + lines[0] + "\r\nS: 535 5.7.3 Authentication unsuccessful"
	p := New(SMTP(err, Facts{}).Code, Facts{}, transcript, err)
	if p.Code != SMTPAuthFailed {
		t.Fatalf("code %s", p.Code)
	}
	jwt := "eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJodHRwczovL291dGxvb2sub2ZmaWNlLmNvbSJ9.c2lnbmF0dXJl"
	for _, leak := range []string{payload, jwt} {
		if strings.Contains(p.Raw, leak) || strings.Contains(p.Error(), leak) {
			t.Fatalf("leaked %q in %q", leak, p.Raw)
		}
	}
	// Nor in the error text of what SMTP built from go-mail's error.
	if q := SMTP(err, Facts{}); strings.Contains(q.Raw, jwt) || strings.Contains(q.Raw, payload) {
		t.Fatalf("SMTP raw leaked: %q", q.Raw)
	}
}

func TestNewTruncatesHugeRaw(t *testing.T) {
	raw := strings.Repeat("é", maxRaw)
	p := New(SMTPRejected, Facts{}, raw, nil)
	if len(p.Raw) > maxRaw+32 || !strings.HasSuffix(p.Raw, "(truncated)") {
		t.Fatalf("raw length %d", len(p.Raw))
	}
	if !strings.HasPrefix(p.Raw, "éé") || strings.ContainsRune(p.Raw, '\uFFFD') {
		t.Fatal("cut inside a character")
	}
}

// TestProblemErrIsRedacted: MSAL puts a reply it could not decode, tokens
// included, into its error text; the Problem's Err must not print it,
// while errors.Is still reaches the cause.
func TestProblemErrIsRedacted(t *testing.T) {
	token := "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJ1cG4iOiJhQGIuYyJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
	cause := fmt.Errorf("could not decode %q: %w", `{"access_token":"`+token+`"`, context.Canceled)
	p := New(Unexpected, Facts{}, "", cause)
	if strings.Contains(p.Err.Error(), token) || strings.Contains(fmt.Sprint(p.Err), token) {
		t.Fatalf("Problem.Err prints the token: %v", p.Err)
	}
	if !errors.Is(p, context.Canceled) {
		t.Fatal("the cause is no longer reachable through the Problem")
	}
	plain := errors.New("connection refused")
	if q := New(NetRefused, Facts{}, "", plain); q.Err != plain {
		t.Fatal("an error with nothing to redact was wrapped")
	}
}
