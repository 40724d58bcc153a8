package auth_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pimmail/pimmail/auth"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/sandbox/sandboxtest"
)

// authCodeSettings are settingsFor with the authorization-code method.
func authCodeSettings(sb *sandbox.Sandbox, c *auth.Cache) auth.Settings {
	s := settingsFor(sb, c)
	s.Method = auth.MethodAuthCode
	return s
}

// startAuthCode starts a sign-in returning to port, or a free one.
func startAuthCode(t *testing.T, s auth.Settings, port ...string) *auth.AuthCodeLogon {
	t.Helper()
	p := ""
	if len(port) > 0 {
		p = port[0]
	} else {
		p = freePort(t)
	}
	l, err := auth.StartAuthCodeLogon(testCtx(t), s, "http://localhost:"+p)
	if err != nil {
		t.Fatalf("StartAuthCodeLogon: %v", err)
	}
	t.Cleanup(l.Close)
	return l
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := netListen()
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := strings.Cut(ln.Addr().String(), "127.0.0.1:")
	ln.Close()
	return port
}

func TestAuthCodePasteBackSignsInAndTokenRenews(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{Scenario: "public-client-disabled"})
	c := auth.NewMemoryCache()
	s := authCodeSettings(sb, c)
	l := startAuthCode(t, s)
	u, _ := url.Parse(l.URL)
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("state") == "" || q.Get("redirect_uri") != l.RedirectURI {
		t.Fatalf("sign-in address lacks PKCE, state or redirect: %s", u.RawQuery)
	}
	landed, err := sb.SignInBrowser(testCtx(t), l.URL, true)
	if err != nil {
		t.Fatal(err)
	}
	// The terminal wrapped the pasted address.
	pasted := landed[:40] + "\n" + landed[40:90] + "\r\n  " + landed[90:]
	acct, err := l.Redeem(testCtx(t), pasted)
	if err != nil {
		t.Fatalf("Redeem: %v", err)
	}
	if !strings.EqualFold(acct.Username, sandbox.DefaultMailbox) {
		t.Fatalf("signed in as %q", acct.Username)
	}
	tok, err := auth.Token(testCtx(t), s, sandbox.DefaultMailbox)
	if err != nil {
		t.Fatalf("Token after the paste-back: %v", err)
	}
	if tok.Value.Reveal() == "" || tok.Username == "" {
		t.Fatalf("no token: %+v", tok)
	}
	// The same code a second time: Entra's 54005.
	_, err = l.Redeem(testCtx(t), landed)
	wantProblem(t, err, diagnose.EntraCodeRedeemed)
}

func TestAuthCodeGuards(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{})
	s := authCodeSettings(sb, auth.NewMemoryCache())

	t.Run("state from another sign-in", func(t *testing.T) {
		port := freePort(t)
		l1, l2 := startAuthCode(t, s, port), startAuthCode(t, s, port)
		landed, err := sb.SignInBrowser(testCtx(t), l1.URL, true)
		if err != nil {
			t.Fatal(err)
		}
		_, err = l2.Redeem(testCtx(t), landed)
		wantProblem(t, err, diagnose.AuthCodeStateMismatch)
	})
	t.Run("PKCE verifier of another sign-in", func(t *testing.T) {
		port := freePort(t)
		l1, l2 := startAuthCode(t, s, port), startAuthCode(t, s, port)
		landed, err := sb.SignInBrowser(testCtx(t), l1.URL, true)
		if err != nil {
			t.Fatal(err)
		}
		// l1's code and state, pasted into l2 with l2's state: state passes,
		// only the verifier differs, and Entra refuses (501481).
		u, _ := url.Parse(landed)
		q := u.Query()
		q.Set("state", stateOf(t, l2))
		u.RawQuery = q.Encode()
		_, err = l2.Redeem(testCtx(t), u.String())
		wantProblem(t, err, diagnose.EntraPKCEMismatch)
		// The code is not used up by the thief: its owner redeems it.
		if _, err := l1.Redeem(testCtx(t), landed); err != nil {
			t.Fatalf("owner's redeem after a wrong verifier: %v", err)
		}
	})
	t.Run("pasted address for another host", func(t *testing.T) {
		l := startAuthCode(t, s)
		landed, err := sb.SignInBrowser(testCtx(t), l.URL, true)
		if err != nil {
			t.Fatal(err)
		}
		evil := strings.Replace(landed, "http://localhost:", "http://attacker.example:", 1)
		_, err = l.Redeem(testCtx(t), evil)
		wantProblem(t, err, diagnose.AuthCodeBadPaste)
	})
	t.Run("redirect URI not on localhost", func(t *testing.T) {
		_, err := auth.StartAuthCodeLogon(testCtx(t), s, "https://attacker.example:8400")
		wantProblem(t, err, diagnose.AuthCodeBadPaste)
	})
	t.Run("declined: error= pasted", func(t *testing.T) {
		l := startAuthCode(t, s)
		landed, err := sb.SignInBrowser(testCtx(t), l.URL, false)
		if err != nil {
			t.Fatal(err)
		}
		_, err = l.Redeem(testCtx(t), landed)
		p := wantProblem(t, err, diagnose.EntraDeclined)
		if !strings.Contains(p.Raw, "access_denied") || !strings.Contains(p.Raw, "AADSTS65004") {
			t.Fatalf("details lack Entra's answer: %q", p.Raw)
		}
	})
}

// stateOf reads the state a sign-in sent.
func stateOf(t *testing.T, l *auth.AuthCodeLogon) string {
	u, err := url.Parse(l.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("state")
}

func TestAuthCodeRedirectMissingIsFoundBeforeTheBrowser(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{Scenario: "authcode-redirect-missing"})
	_, err := auth.StartAuthCodeLogon(testCtx(t), authCodeSettings(sb, auth.NewMemoryCache()), "http://localhost:"+freePort(t))
	p := wantProblem(t, err, diagnose.EntraRedirectMismatch)
	if !strings.Contains(p.Fix, "`http://localhost`") || !strings.Contains(p.Fix, "Authentication") {
		t.Fatalf("fix does not say which URI to add where: %s", p.Fix)
	}
}

func TestAuthCodeListenerCatchesTheRedirect(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{})
	s := authCodeSettings(sb, auth.NewMemoryCache())
	l := startAuthCode(t, s)
	if !l.Listening {
		t.Fatal("not listening on the redirect port")
	}
	landed, err := sb.SignInBrowser(testCtx(t), l.URL, true)
	if err != nil {
		t.Fatal(err)
	}
	// The browser, through ssh -L, reaches pimmail's listener.
	resp, err := http.Get(strings.Replace(landed, "localhost", "127.0.0.1", 1))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ctx, cancel := context.WithTimeout(testCtx(t), 5e9)
	defer cancel()
	caught, err := l.Caught(ctx)
	if err != nil {
		t.Fatalf("Caught: %v", err)
	}
	if _, err := l.Redeem(testCtx(t), caught); err != nil {
		t.Fatalf("Redeem of the caught address: %v", err)
	}
}

func TestAuthCodeListenerIgnoresAForeignState(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{})
	l := startAuthCode(t, authCodeSettings(sb, auth.NewMemoryCache()))
	resp, err := http.Get(strings.Replace(l.RedirectURI, "localhost", "127.0.0.1", 1) + "/?code=x&state=forged")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("forged state answered %d", resp.StatusCode)
	}
	ctx, cancel := context.WithTimeout(testCtx(t), 2e8)
	defer cancel()
	if got, err := l.Caught(ctx); err == nil {
		t.Fatalf("a forged redirect was caught: %q", got)
	}
}

// Something else holds the default port: the sign-in comes back to a free
// one, and pimmail listens there.
func TestAuthCodeDefaultPortTaken(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:8400")
	if err != nil {
		t.Skipf("port 8400 is busy already: %v", err)
	}
	defer ln.Close()
	l, err := auth.StartAuthCodeLogon(testCtx(t), authCodeSettings(sb, auth.NewMemoryCache()), "")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.RedirectURI == "http://localhost:8400" || !l.Listening || !strings.HasPrefix(l.RedirectURI, "http://localhost:") {
		t.Fatalf("redirect %s listening %v", l.RedirectURI, l.Listening)
	}
	landed, err := sb.SignInBrowser(testCtx(t), l.URL, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Redeem(testCtx(t), landed); err != nil {
		t.Fatal(err)
	}
}
