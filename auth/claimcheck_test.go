package auth_test

import (
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimmail/pimmail/auth"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/sandbox/sandboxtest"
	"github.com/pimmail/pimmail/secfile"
	"github.com/pimmail/pimmail/secret"
)

// The sign-in's claim check runs: when Entra hands out a token for another
// resource, or one without SMTP.Send, the sign-in fails with the matching
// problem and the account is removed from the cache, so nothing can send
// with it later.
func TestSignInClaimCheckRemovesAccount(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		want     diagnose.Code
		raw      string
	}{
		{"token-graph", diagnose.TokenWrongAudience, "https://graph.microsoft.com"},
		{"token-no-smtp-send", diagnose.TokenWrongScope, "IMAP.AccessAsUser.All"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			sb := sandboxtest.Start(t, sandbox.Options{Scenario: tc.scenario})
			c := auth.NewMemoryCache()
			s := settingsFor(sb, c)
			ctx := testCtx(t)
			d, err := auth.StartDeviceLogon(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			_, err = d.Wait(ctx)
			p := wantProblem(t, err, tc.want)
			if !strings.Contains(p.Raw, tc.raw) {
				t.Errorf("Raw %q does not name %q", p.Raw, tc.raw)
			}
			if got := c.Accounts(); len(got) != 0 {
				t.Errorf("the refused account stays in the cache: %q", got)
			}
		})
	}
}

// Every send checks the token it is given: a cached sign-in whose next
// token (refreshed silently) is for Microsoft Graph is refused by Token
// before any AUTH, explained as the wrong audience rather than left to
// Exchange's bare 535 5.7.3.
func TestTokenChecksClaimsBeforeAUTH(t *testing.T) {
	dir := t.TempDir()
	stateDir := filepath.Join(dir, "sandbox")
	cachePath := filepath.Join(dir, "pimmail", "tokens.json")
	func() {
		sb := sandboxtest.Start(t, sandbox.Options{StateDir: stateDir, AccessTokenLifetime: shortLived})
		c, err := auth.LoadCache(cachePath, true)
		if err != nil {
			t.Fatal(err)
		}
		signIn(t, settingsFor(sb, c))
		if _, err := auth.Token(testCtx(t), settingsFor(sb, c), sandbox.DefaultMailbox); err != nil {
			t.Fatalf("Token with a good sign-in: %v", err)
		}
		_ = sb.Close()
	}()
	for _, tc := range []struct {
		scenario string
		want     diagnose.Code
	}{
		{"token-graph", diagnose.TokenWrongAudience},
		{"token-no-smtp-send", diagnose.TokenWrongScope},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			sb := sandboxtest.Start(t, sandbox.Options{StateDir: stateDir, AccessTokenLifetime: shortLived, Scenario: tc.scenario})
			c, err := auth.LoadCache(cachePath, true)
			if err != nil {
				t.Fatal(err)
			}
			tok, err := auth.Token(testCtx(t), settingsFor(sb, c), sandbox.DefaultMailbox)
			p := wantProblem(t, err, tc.want)
			if !tok.Value.IsZero() {
				t.Error("Token returned the refused token")
			}
			if !strings.Contains(p.Raw, sandbox.DefaultMailbox) {
				t.Errorf("Raw %q does not name the mailbox", p.Raw)
			}
			_ = sb.Close()
		})
	}
}

// CheckToken on its own: a good token passes, a Graph one does not.
func TestCheckToken(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{AccessTokenLifetime: shortLived})
	c := auth.NewMemoryCache()
	s := settingsFor(sb, c)
	signIn(t, s)
	tok, err := auth.Token(testCtx(t), s, sandbox.DefaultMailbox)
	if err != nil {
		t.Fatal(err)
	}
	if err := auth.CheckToken(tok, s, nil); err != nil {
		t.Errorf("CheckToken on a good token: %v", err)
	}
	tok.Value = tokWithClaims(t, `{"aud":"https://graph.microsoft.com","scp":"SMTP.Send","upn":"x@contoso.com"}`)
	wantProblem(t, auth.CheckToken(tok, s, nil), diagnose.TokenWrongAudience)
}

// tokWithClaims is an unsigned JWT with the given payload.
func tokWithClaims(t *testing.T, payload string) secret.Secret {
	t.Helper()
	enc := base64.RawURLEncoding.EncodeToString
	return secret.New(enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc([]byte(payload)) + "." + enc([]byte("sig")))
}

// A saved refresh token that is no refresh token (the cache file edited
// or damaged): Entra answers AADSTS9002313 invalid_request, and pimmail
// says the mailbox must sign in again.
func TestTokenWithMalformedRefreshToken(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pimmail", "tokens.json")
	sb := sandboxtest.Start(t, sandbox.Options{AccessTokenLifetime: shortLived})
	c, err := auth.LoadCache(path, true)
	if err != nil {
		t.Fatal(err)
	}
	signIn(t, settingsFor(sb, c))
	b, err := secfile.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]map[string]map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, rt := range doc["RefreshToken"] {
		rt["secret"] = "eyJhbGciOiJub25lIn0.eyJ4IjoxfQ."
		n++
	}
	if n != 1 {
		t.Fatalf("the cache holds %d refresh tokens, want 1", n)
	}
	if b, err = json.Marshal(doc); err != nil {
		t.Fatal(err)
	}
	if err := secfile.WriteFile(path, b); err != nil {
		t.Fatal(err)
	}
	c, err = auth.LoadCache(path, true)
	if err != nil {
		t.Fatal(err)
	}
	_, err = auth.Token(testCtx(t), settingsFor(sb, c), sandbox.DefaultMailbox)
	p := wantProblem(t, err, diagnose.CacheSignInAgain)
	if !strings.Contains(p.Raw, "AADSTS9002313") {
		t.Errorf("Raw %q does not carry Entra's answer", p.Raw)
	}
}
