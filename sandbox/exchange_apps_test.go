package sandbox

import (
	"strings"
	"testing"
)

// appToken is a client-credentials token for Exchange Online, through MSAL.
func appToken(t *testing.T, s *Sandbox) string {
	t.Helper()
	cc := newConfidential(t, s, DefaultTenantID, DefaultClientID, DefaultClientSecret)
	ar, err := cc.AcquireTokenByCredential(testCtx(t), []string{"https://outlook.office365.com/.default"})
	if err != nil {
		t.Fatalf("AcquireTokenByCredential: %v", err)
	}
	return ar.AccessToken
}

// appAuth runs AUTH XOAUTH2 as user with token and returns the reply.
func appAuth(t *testing.T, s *Sandbox, user, token string) string {
	t.Helper()
	c := exchangeSession(t, s, "", "")
	if got := c.cmd("AUTH XOAUTH2"); got != "334 \r\n" {
		t.Fatalf("AUTH: %q", got)
	}
	return c.cmd(xoauth2(user, token))
}

func TestExchangeAppOnlyNeedsRegistrationAndFullAccess(t *testing.T) {
	ok := startSMTPSandbox(t, Options{})
	if got := appAuth(t, ok, DefaultMailbox, appToken(t, ok)); got != "235 2.7.0 Authentication successful\r\n" {
		t.Fatalf("registered service principal with FullAccess: %q", got)
	}
	cases := []struct {
		name string
		opts Options
		edit func(d *Directory)
	}{
		{"scenario app-not-registered-in-exchange", Options{Scenario: "app-not-registered-in-exchange"}, nil},
		{"scenario app-no-mailbox-permission", Options{Scenario: "app-no-mailbox-permission"}, nil},
		{"no New-ServicePrincipal", Options{}, func(d *Directory) { d.ServicePrincipals = nil }},
		{"registered with the App registrations object ID", Options{}, func(d *Directory) {
			d.ServicePrincipals[0].ObjectID = "11111111-2222-4333-8444-555555555555"
		}},
		{"no Add-MailboxPermission", Options{}, func(d *Directory) { d.ServicePrincipals[0].FullAccess = nil }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := startSMTPSandbox(t, tc.opts)
			if tc.edit != nil {
				s.UpdateDirectory(tc.edit)
			}
			got := appAuth(t, s, DefaultMailbox, appToken(t, s))
			if !strings.HasPrefix(got, "535 5.7.3 Authentication unsuccessful [") {
				t.Fatalf("got %q, want Exchange's 535 5.7.3", got)
			}
		})
	}
}

func TestAppTokenRolesFollowConsent(t *testing.T) {
	s := startSandbox(t, fast(Options{Scenario: "app-permission-missing"}))
	c, err := s.verifyAccessToken(appToken(t, s))
	if err == nil {
		t.Fatalf("a token without SMTP.SendAsApp verified for Exchange: roles %v", c.Roles)
	}
}
