package mailer

import (
	"context"
	"encoding/base64"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	"github.com/pimmail/pimmail/cloud"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/secret"
)

// testCtx ends with the test, and after 30 s at the latest.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// mintToken signs the default mailbox in through the sandbox's Entra
// stand-in with MSAL's device-code flow, as pimmail's auth package does,
// and returns its SMTP access token.
func mintToken(t testing.TB, sb *sandbox.Sandbox) string {
	t.Helper()
	ctx := testCtx(t)
	pc, err := public.New(sandbox.DefaultClientID,
		public.WithAuthority(sb.Endpoints().Authority+"/"+sandbox.DefaultTenantID),
		public.WithInstanceDiscovery(false),
		public.WithHTTPClient(sb.HTTPClient()))
	if err != nil {
		t.Fatalf("public.New: %v", err)
	}
	dc, err := pc.AcquireTokenByDeviceCode(ctx, []string{cloud.Global.SMTPScope})
	if err != nil {
		t.Fatalf("device code: %v", err)
	}
	ar, err := dc.AuthenticationResult(ctx)
	if err != nil {
		t.Fatalf("device-code sign-in: %v", err)
	}
	if ar.AccessToken == "" {
		t.Fatal("no access token")
	}
	return ar.AccessToken
}

// exchangeServer is the sandbox's Exchange Online submission stand-in.
func exchangeServer(sb *sandbox.Sandbox) Server {
	ep := sb.Endpoints()
	return Server{Host: ep.SMTPHost, Port: ep.SMTPPort, TLS: StartTLS, RootCAs: sb.RootCAs(), Timeout: 10 * time.Second}
}

// relayServer is the sandbox's Exchange Online Protection relay stand-in.
func relayServer(sb *sandbox.Sandbox, mode TLSMode) Server {
	ep := sb.Endpoints()
	return Server{Host: ep.RelayHost, Port: ep.RelayPort, TLS: mode, RootCAs: sb.RootCAs(), Timeout: 10 * time.Second}
}

// localServer is the sandbox's local Postfix-like sink.
func localServer(sb *sandbox.Sandbox, mode TLSMode) Server {
	ep := sb.Endpoints()
	return Server{Host: ep.LocalHost, Port: ep.LocalPort, TLS: mode, RootCAs: sb.RootCAs(), Timeout: 10 * time.Second}
}

// xoauth2 is the credential for the default mailbox with token.
func xoauth2(token string) Auth {
	return Auth{Kind: AuthXOAUTH2, Username: sandbox.DefaultMailbox, Secret: secret.New(token)}
}

// testMessage is a message from the default mailbox to one recipient.
func testMessage(subject string) Message {
	return Message{
		From:     sandbox.DefaultMailbox,
		FromName: "PIM Notifications",
		To:       []string{"admin@" + sandbox.RelayDomain},
		Subject:  subject,
		Body:     "pimmail test message\r\nsecond line\r\n",
	}
}

// wantCode fails the test unless err is a *diagnose.Problem with code.
func wantCode(t testing.TB, err error, code diagnose.Code) *diagnose.Problem {
	t.Helper()
	p, ok := diagnose.As(err)
	if !ok {
		t.Fatalf("error %v (%T) is not a *diagnose.Problem; want %s", err, err, code)
	}
	if p.Code != code {
		t.Fatalf("problem code = %s, want %s\n  title: %s\n  raw: %s", p.Code, code, p.Title, p.Raw)
	}
	if p.Title == "" || p.Fix == "" {
		t.Errorf("problem %s has no title or fix: %+v", code, p)
	}
	return p
}

// noSecretIn fails the test if any of the texts holds the secret, in
// clear, in base64, or inside the XOAUTH2 or PLAIN payload.
func noSecretIn(t testing.TB, user, sec string, texts ...string) {
	t.Helper()
	forms := []string{
		sec,
		base64.StdEncoding.EncodeToString([]byte(sec)),
		base64.StdEncoding.EncodeToString([]byte(xoauth2Payload(user, sec))),
		base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + sec)),
	}
	for _, text := range texts {
		for _, f := range forms {
			if strings.Contains(text, f) {
				t.Fatalf("a secret (%d chars) leaked into: %q", len(sec), text)
			}
		}
	}
}

// problemTexts are all the texts of a problem a user or log may see.
func problemTexts(err error) []string {
	if err == nil {
		return nil
	}
	p, ok := diagnose.As(err)
	if !ok {
		return []string{err.Error()}
	}
	return []string{p.Error(), p.Title, p.Explanation, p.Fix, p.Raw}
}

// clock is a sandbox clock a test can move forward.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}
