package auth_test

import (
	"strings"
	"testing"

	"github.com/pimmail/pimmail/auth"
	"github.com/pimmail/pimmail/cloud"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/sandbox/sandboxtest"
)

func appOnlySettings(sb *sandbox.Sandbox) auth.Settings {
	s := settingsFor(sb, nil)
	s.Method = auth.MethodAppOnly
	return s
}

func TestAppOnlySignInReadsTheServicePrincipal(t *testing.T) {
	// Public client flows off and device code blocked: app-only does not care.
	sb := sandboxtest.Start(t, sandbox.Options{Scenario: "device-code-blocked"})
	s := appOnlySettings(sb)
	info, tok, err := auth.AppOnlySignIn(testCtx(t), s)
	if err != nil {
		t.Fatalf("AppOnlySignIn: %v", err)
	}
	if info.ServicePrincipalID != sandbox.ServicePrincipalObjectID(sandbox.DefaultClientID) {
		t.Fatalf("service principal %q, want the oid of the app-only token %q", info.ServicePrincipalID, sandbox.ServicePrincipalObjectID(sandbox.DefaultClientID))
	}
	if !strings.Contains(strings.Join(info.Roles, " "), "SMTP.SendAsApp") || tok.Value.Reveal() == "" {
		t.Fatalf("roles %v, token %v", info.Roles, tok.Value)
	}
	// Token, by the saved method, needs no cache and names the mailbox.
	got, err := auth.Token(testCtx(t), s, sandbox.DefaultMailbox)
	if err != nil {
		t.Fatalf("Token (app-only): %v", err)
	}
	if got.Username != sandbox.DefaultMailbox || got.Value.Reveal() == "" {
		t.Fatalf("Token: %q %v", got.Username, got.Value)
	}
}

func TestAppOnlyWithoutSendAsAppRole(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{Scenario: "app-permission-missing"})
	_, _, err := auth.AppOnlySignIn(testCtx(t), appOnlySettings(sb))
	p := wantProblem(t, err, diagnose.AppRoleMissing)
	if !strings.Contains(p.Fix, "SMTP.SendAsApp") || !strings.Contains(p.Fix, sandbox.DefaultClientID) {
		t.Fatalf("fix: %s", p.Fix)
	}
	_, err = auth.Token(testCtx(t), appOnlySettings(sb), sandbox.DefaultMailbox)
	wantProblem(t, err, diagnose.AppRoleMissing)
}

// The claim check of app-only tokens: each rule refuses on its own.
func TestCheckAppClaims(t *testing.T) {
	good := auth.Claims{Audiences: []string{"https://outlook.office365.com"}, Roles: []string{"SMTP.SendAsApp"}}
	if err := auth.CheckAppClaims(good, cloud.Global); err != nil {
		t.Fatalf("good app token refused: %v", err)
	}
	cases := []struct {
		name string
		c    auth.Claims
		want diagnose.Code
	}{
		{"Graph audience", auth.Claims{Audiences: []string{"https://graph.microsoft.com"}, Roles: []string{"SMTP.SendAsApp"}}, diagnose.TokenWrongAudience},
		{"no roles", auth.Claims{Audiences: []string{"https://outlook.office365.com"}}, diagnose.AppRoleMissing},
		{"other Exchange role", auth.Claims{Audiences: []string{"https://outlook.office365.com"}, Roles: []string{"IMAP.AccessAsApp"}}, diagnose.AppRoleMissing},
		{"delegated scope is not a role", auth.Claims{Audiences: []string{"https://outlook.office365.com"}, Scopes: []string{"SMTP.Send"}}, diagnose.AppRoleMissing},
		{"US Government audience in Global", auth.Claims{Audiences: []string{"https://outlook.office365.us"}, Roles: []string{"SMTP.SendAsApp"}}, diagnose.TokenWrongAudience},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := auth.CheckAppClaims(tc.c, cloud.Global)
			p, ok := diagnose.As(err)
			if !ok || p.Code != tc.want {
				t.Fatalf("got %v, want %s", err, tc.want)
			}
		})
	}
}

func TestAppOnlyBadSecret(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{})
	s := appOnlySettings(sb)
	s.ClientSecret = secretOf("wrong" + sandbox.DefaultClientSecret)
	_, _, err := auth.AppOnlySignIn(testCtx(t), s)
	wantProblem(t, err, diagnose.EntraSecretInvalid)
}

func TestDeviceCodeBlockedLeavesTheOtherMethods(t *testing.T) {
	for scenario, want := range map[string]diagnose.Code{
		"device-code-blocked":  diagnose.EntraConditionalAccess,
		"device-auth-required": diagnose.EntraDeviceAuthRequired,
	} {
		t.Run(scenario, func(t *testing.T) {
			sb := sandboxtest.Start(t, sandbox.Options{Scenario: scenario})
			s := settingsFor(sb, auth.NewMemoryCache())
			d, err := auth.StartDeviceLogon(testCtx(t), s)
			if err != nil {
				t.Fatal(err)
			}
			_, err = d.Wait(testCtx(t))
			p := wantProblem(t, err, want)
			if !diagnose.DeviceCodeBlocked(p.Code) {
				t.Fatalf("%s is not offered the other methods", p.Code)
			}
			// The authorization code signs the mailbox in all the same.
			ac := authCodeSettings(sb, auth.NewMemoryCache())
			l := startAuthCode(t, ac)
			landed, err := sb.SignInBrowser(testCtx(t), l.URL, true)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := l.Redeem(testCtx(t), landed); err != nil {
				t.Fatalf("auth code under %s: %v", scenario, err)
			}
		})
	}
}
