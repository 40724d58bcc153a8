package auth_test

import (
	"testing"

	"github.com/pimmail/pimmail/auth"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/sandbox/sandboxtest"
)

// The queue worker's token source works for the authorization code (public
// client flows off: only the confidential client may renew) and for
// app-only (no cache at all), and keeps the token in memory as for the
// device code.
func TestTokenSourceOtherMethods(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{Scenario: "public-client-disabled"})

	ac := authCodeSettings(sb, auth.NewMemoryCache())
	l := startAuthCode(t, ac)
	landed, err := sb.SignInBrowser(testCtx(t), l.URL, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Redeem(testCtx(t), landed); err != nil {
		t.Fatal(err)
	}
	app := appOnlySettings(sb)
	for name, s := range map[string]auth.Settings{"auth-code": ac, "app-only": app} {
		t.Run(name, func(t *testing.T) {
			ts := auth.NewTokenSource(s, sandbox.DefaultMailbox)
			defer ts.Close()
			first, err := ts.Token(testCtx(t))
			if err != nil {
				t.Fatalf("Token: %v", err)
			}
			again, err := ts.Token(testCtx(t))
			if err != nil || again.Value.Reveal() != first.Value.Reveal() || again.Refreshed {
				t.Fatalf("the second token was not the first from memory: %v", err)
			}
			if first.Username == "" {
				t.Error("no XOAUTH2 user")
			}
		})
	}
}
