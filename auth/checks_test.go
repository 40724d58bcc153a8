package auth_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pimmail/pimmail/auth"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/sandbox/sandboxtest"
	"github.com/pimmail/pimmail/secret"
)

func TestCheckTenant(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{})
	for _, tenant := range []string{
		sandbox.DefaultTenantID,
		strings.ToUpper(sandbox.DefaultTenantID),
		sandbox.DefaultTenantDomain,
		" " + sandbox.DefaultTenantDomain + " ", // pasted with spaces
	} {
		t.Run(tenant, func(t *testing.T) {
			s := settingsFor(sb, nil)
			s.TenantID = tenant
			info, err := auth.CheckTenant(testCtx(t), s)
			if err != nil {
				t.Fatalf("CheckTenant(%q): %v", tenant, err)
			}
			if info.TenantID != sandbox.DefaultTenantID {
				t.Errorf("TenantID = %q, want the GUID %q", info.TenantID, sandbox.DefaultTenantID)
			}
			if !strings.Contains(info.Issuer, sandbox.DefaultTenantID) {
				t.Errorf("Issuer %q does not hold the tenant GUID", info.Issuer)
			}
		})
	}
}

func TestCheckTenantFailures(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{})
	tests := []struct {
		name   string
		tenant string
		want   diagnose.Code
	}{
		{"unknown GUID", "11111111-2222-4333-8444-555555555555", diagnose.EntraTenantNotFound},
		{"unknown domain", "fabrikam.onmicrosoft.com", diagnose.EntraTenantNotFound},
		{"empty", "  ", diagnose.EntraTenantNotFound},
		{"multi-tenant alias", "common", diagnose.EntraTenantNotFound},
		{"not a tenant at all", "contoso/../x", diagnose.EntraTenantNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := settingsFor(sb, nil)
			s.TenantID = tt.tenant
			_, err := auth.CheckTenant(testCtx(t), s)
			p := wantProblem(t, err, tt.want)
			if p.Raw == "" {
				t.Error("no raw text for the details view")
			}
		})
	}
}

// TLS verification stays on: without the sandbox CA the system roots do
// not trust it, and the check says it is a certificate problem.
func TestCheckTenantUntrustedCertificate(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{})
	s := settingsFor(sb, nil)
	s.RootCAs = nil
	_, err := auth.CheckTenant(testCtx(t), s)
	wantProblem(t, err, diagnose.TLSCertificate)
}

// Nothing listening: the failure is the network's, not Entra's.
func TestCheckTenantRefused(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{})
	s := settingsFor(sb, nil)
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := auth.CheckTenant(testCtx(t), s)
	wantProblem(t, err, diagnose.NetRefused)
}

func TestCheckApp(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{})
	info, err := auth.CheckApp(testCtx(t), settingsFor(sb, nil))
	if err != nil {
		t.Fatalf("CheckApp: %v", err)
	}
	if !slices.Contains(info.Roles, "SMTP.SendAsApp") {
		t.Errorf("Roles = %q, want SMTP.SendAsApp (the sandbox app's application permission)", info.Roles)
	}
	if !info.ExpiresOn.After(time.Now()) {
		t.Errorf("ExpiresOn %v is not in the future", info.ExpiresOn)
	}
}

// CheckApp never persists the app token: the settings' cache stays empty.
func TestCheckAppLeavesCacheAlone(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{})
	c := auth.NewMemoryCache()
	if _, err := auth.CheckApp(testCtx(t), settingsFor(sb, c)); err != nil {
		t.Fatal(err)
	}
	if got := c.Accounts(); got != nil {
		t.Fatalf("cache holds %q after CheckApp", got)
	}
}

func TestCheckAppFailures(t *testing.T) {
	tests := []struct {
		name     string
		scenario string
		edit     func(*auth.Settings)
		want     diagnose.Code
		explains string // the problem's explanation must hold this
	}{
		{name: "wrong tenant", edit: func(s *auth.Settings) { s.TenantID = "11111111-2222-4333-8444-555555555555" },
			want: diagnose.EntraTenantNotFound},
		{name: "wrong client ID", edit: func(s *auth.Settings) { s.ClientID = "99999999-8888-4777-8666-555555555555" },
			want: diagnose.EntraAppNotFound},
		{name: "empty client ID", edit: func(s *auth.Settings) { s.ClientID = "" }, want: diagnose.EntraAppNotFound},
		{name: "wrong secret", edit: func(s *auth.Settings) { s.ClientSecret = secret.New("Xyz8Q~not.the.right-value_0000000000abcd") },
			want: diagnose.EntraSecretInvalid},
		{name: "Secret ID pasted as the secret", edit: func(s *auth.Settings) { s.ClientSecret = secret.New(sandbox.DefaultSecretID) },
			want: diagnose.EntraSecretInvalid, explains: "Secret ID"},
		{name: "empty secret", edit: func(s *auth.Settings) { s.ClientSecret = "" }, want: diagnose.EntraSecretInvalid},
		{name: "secret expired", scenario: "secret-expired", want: diagnose.EntraSecretExpired},
		{name: "tenant without Exchange Online", scenario: "no-exchange", want: diagnose.EntraNoExchange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb := sandboxtest.Start(t, sandbox.Options{Scenario: tt.scenario})
			s := settingsFor(sb, nil)
			if tt.edit != nil {
				tt.edit(&s)
				leaks.add(s.ClientSecret.Reveal())
			}
			_, err := auth.CheckApp(testCtx(t), s)
			p := wantProblem(t, err, tt.want)
			if tt.explains != "" && !strings.Contains(p.Explanation, tt.explains) {
				t.Errorf("explanation %q does not mention %q", p.Explanation, tt.explains)
			}
		})
	}
}

// A wrong secret must not help the next check pass: each CheckApp asks
// Entra afresh (no app token is kept between calls).
func TestCheckAppAsksEveryTime(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{})
	s := settingsFor(sb, nil)
	if _, err := auth.CheckApp(testCtx(t), s); err != nil {
		t.Fatal(err)
	}
	s.ClientSecret = secret.New("Wrong8Q~secret.value_after-a-good-one0000")
	leaks.add(s.ClientSecret.Reveal())
	_, err := auth.CheckApp(testCtx(t), s)
	wantProblem(t, err, diagnose.EntraSecretInvalid)
}
