package sandbox

import (
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
)

// wantEntraError checks that err is the Entra answer a user would meet:
// MSAL surfaces the body, so its text holds the error value, the AADSTS
// code and, for invalid_client, the 401 status.
func wantEntraError(t *testing.T, err error, errValue string, code string, status int) {
	t.Helper()
	if err == nil {
		t.Fatalf("succeeded; want %s %s", errValue, code)
	}
	msg := err.Error()
	if !strings.Contains(msg, `"error":"`+errValue+`"`) {
		t.Errorf("error value is not %q: %v", errValue, err)
	}
	if code != "" && !strings.Contains(msg, code+": ") {
		t.Errorf("no %s in: %v", code, err)
	}
	if code != "" && !strings.Contains(msg, `"error_uri":"https://login.microsoftonline.com/error?code=`+strings.TrimPrefix(code, "AADSTS")+`"`) {
		t.Errorf("no error_uri for %s in: %v", code, err)
	}
	if status != 0 && !strings.Contains(msg, "reply status code was "+strconv.Itoa(status)) {
		t.Errorf("status is not %d: %v", status, err)
	}
}

// withDir returns options with the default directory changed by f.
func withDir(o Options, f func(d *Directory)) Options {
	d := DefaultDirectory()
	f(&d)
	o.Directory = &d
	return o
}

// otherTenant adds a second tenant with its own app and mailbox.
func otherTenant(d *Directory) {
	const tid, cid = "11111111-2222-4333-8444-555555555555", "99999999-8888-4777-8666-555555555555"
	d.Tenants = append(d.Tenants, Tenant{ID: tid, Domains: []string{"fabrikam-sandbox.onmicrosoft.com"}})
	d.Apps = append(d.Apps, App{ClientID: cid, Name: "Fabrikam app", TenantID: tid, PublicClient: true,
		ConsentedScopes: []string{"SMTP.Send"}, Secrets: []Secret{{ID: newGUID(), Value: "fabrikam-secret", ExpiresOn: time.Now().AddDate(1, 0, 0)}}})
	d.Mailboxes = append(d.Mailboxes, Mailbox{UPN: "mail@fabrikam-sandbox.onmicrosoft.com", ObjectID: newGUID(), TenantID: tid})
}

// TestDeviceCodeErrors runs MSAL's device-code flow into each Entra error
// the directory or a scenario produces.
func TestDeviceCodeErrors(t *testing.T) {
	cases := []struct {
		name     string
		opts     Options
		tenant   string
		clientID string
		scope    string
		// atRequest: the error comes from the devicecode request (or the
		// discovery before it), not from polling.
		atRequest bool
		errValue  string
		code      string
		status    int
	}{
		{name: "unknown tenant GUID", tenant: "0a0a0a0a-1b1b-4c2c-8d3d-4e4e4e4e4e4e", atRequest: true, errValue: "invalid_tenant", code: "AADSTS90002", status: 400},
		{name: "unknown tenant domain", tenant: "contoso-typo.onmicrosoft.com", atRequest: true, errValue: "invalid_tenant", code: "AADSTS90002", status: 400},
		{name: "tenant neither GUID nor domain", tenant: "contoso", atRequest: true, errValue: "invalid_request", code: "AADSTS900023", status: 400},
		{name: "unknown client ID", clientID: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", atRequest: true, errValue: "unauthorized_client", code: "AADSTS700016", status: 400},
		{name: "app of another tenant", opts: withDir(Options{}, otherTenant), clientID: "99999999-8888-4777-8666-555555555555", atRequest: true, errValue: "unauthorized_client", code: "AADSTS700016", status: 400},
		{name: "organizations endpoint with a single-tenant app", tenant: "organizations", atRequest: true, errValue: "invalid_request", code: "AADSTS50194", status: 400},
		{name: "scope with a typo", scope: "https://outlook.office.com/SMTP.Sendd", atRequest: true, errValue: "invalid_scope", code: "AADSTS70011", status: 400},
		{name: "scope without resource", scope: "SMTP.Send", atRequest: true, errValue: "invalid_scope", code: "AADSTS70011", status: 400},
		{name: "unknown resource", scope: "https://outlook.offce.com/SMTP.Send", atRequest: true, errValue: "invalid_resource", code: "AADSTS500011", status: 400},
		{name: "scenario no-exchange", opts: Options{Scenario: "no-exchange"}, atRequest: true, errValue: "invalid_resource", code: "AADSTS500011", status: 400},
		{name: "public client flows off", opts: withDir(Options{}, func(d *Directory) { d.Apps[0].PublicClient = false }), errValue: "invalid_client", code: "AADSTS7000218", status: 401},
		{name: "scenario public-client-disabled", opts: Options{Scenario: "public-client-disabled"}, errValue: "invalid_client", code: "AADSTS7000218", status: 401},
		{name: "no consent for SMTP.Send", opts: withDir(Options{}, func(d *Directory) { d.Apps[0].ConsentedScopes = []string{"openid", "profile", "offline_access"} }), errValue: "invalid_grant", code: "AADSTS65001", status: 400},
		{name: "scenario consent-missing", opts: Options{Scenario: "consent-missing"}, errValue: "invalid_grant", code: "AADSTS65001", status: 400},
		{name: "scenario mfa-required", opts: Options{Scenario: "mfa-required"}, errValue: "interaction_required", code: "AADSTS50076", status: 400},
		{name: "scenario conditional-access", opts: Options{Scenario: "conditional-access"}, errValue: "interaction_required", code: "AADSTS53003", status: 400},
		{name: "scenario declined", opts: Options{Scenario: "declined"}, errValue: "authorization_declined", status: 400},
		{name: "scenario code-expired", opts: Options{Scenario: "code-expired"}, errValue: "expired_token", code: "AADSTS70020", status: 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startSandbox(t, fast(tc.opts))
			tenant, clientID, scope := tc.tenant, tc.clientID, tc.scope
			if tenant == "" {
				tenant = DefaultTenantID
			}
			if clientID == "" {
				clientID = DefaultClientID
			}
			if scope == "" {
				scope = smtpScope
			}
			pc := newPublic(t, s, tenant, clientID)
			ctx := testCtx(t)
			dc, err := pc.AcquireTokenByDeviceCode(ctx, []string{scope})
			if tc.atRequest {
				wantEntraError(t, err, tc.errValue, tc.code, tc.status)
				return
			}
			if err != nil {
				t.Fatalf("the devicecode request itself must succeed: %v", err)
			}
			_, err = dc.AuthenticationResult(ctx)
			wantEntraError(t, err, tc.errValue, tc.code, tc.status)
		})
	}
}

// TestClientCredentialErrors runs MSAL's confidential client into each
// Entra error about the app and its secret.
func TestClientCredentialErrors(t *testing.T) {
	cases := []struct {
		name     string
		opts     Options
		tenant   string
		clientID string
		secret   string
		scope    string
		errValue string
		code     string
		status   int
	}{
		{name: "wrong secret", secret: "not-the-secret", errValue: "invalid_client", code: "AADSTS7000215", status: 401},
		{name: "Secret ID pasted as the secret", secret: DefaultSecretID, errValue: "invalid_client", code: "AADSTS7000215", status: 401},
		{name: "secret expired in the directory", opts: withDir(Options{}, func(d *Directory) { d.Apps[0].Secrets[0].ExpiresOn = time.Now().Add(-time.Hour) }), errValue: "invalid_client", code: "AADSTS7000222", status: 401},
		{name: "scenario secret-expired", opts: Options{Scenario: "secret-expired"}, errValue: "invalid_client", code: "AADSTS7000222", status: 401},
		{name: "unknown tenant", tenant: "0a0a0a0a-1b1b-4c2c-8d3d-4e4e4e4e4e4e", errValue: "invalid_tenant", code: "AADSTS90002", status: 400},
		{name: "unknown client ID", clientID: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", errValue: "unauthorized_client", code: "AADSTS700016", status: 400},
		{name: "delegated scope for app-only", scope: "https://outlook.office365.com/SMTP.SendAsApp", errValue: "invalid_scope", code: "AADSTS1002012", status: 400},
		{name: "SMTP.Send scope for app-only", scope: smtpScope, errValue: "invalid_scope", code: "AADSTS1002012", status: 400},
		{name: "scenario no-exchange", opts: Options{Scenario: "no-exchange"}, errValue: "invalid_resource", code: "AADSTS500011", status: 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startSandbox(t, tc.opts)
			tenant, clientID, secret, scope := tc.tenant, tc.clientID, tc.secret, tc.scope
			if tenant == "" {
				tenant = DefaultTenantID
			}
			if clientID == "" {
				clientID = DefaultClientID
			}
			if secret == "" {
				secret = DefaultClientSecret
			}
			if scope == "" {
				scope = appScope
			}
			cc := newConfidential(t, s, tenant, clientID, secret)
			_, err := cc.AcquireTokenByCredential(testCtx(t), []string{scope})
			wantEntraError(t, err, tc.errValue, tc.code, tc.status)
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Errorf("the error repeats the secret")
			}
		})
	}
}

// TestSilentRefreshErrors signs the mailbox in, then makes the refresh
// token unusable the way each case says and checks what MSAL's
// AcquireTokenSilent surfaces.
func TestSilentRefreshErrors(t *testing.T) {
	cases := []struct {
		name     string
		scenario string
		// later runs before the silent refresh, e.g. to move the clock.
		later    func(clock *atomic.Int64)
		errValue string
		code     string
	}{
		{name: "scenario refresh-revoked", scenario: "refresh-revoked", errValue: "invalid_grant", code: "AADSTS50173"},
		{name: "scenario refresh-inactive", scenario: "refresh-inactive", errValue: "invalid_grant", code: "AADSTS700082"},
		{name: "unused for 91 days", later: func(c *atomic.Int64) { c.Add(int64(91 * 24 * time.Hour)) }, errValue: "invalid_grant", code: "AADSTS700082"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var offset atomic.Int64 // the sandbox clock runs offset ahead of the real one
			s := startSandbox(t, fast(Options{
				Scenario:            tc.scenario,
				AccessTokenLifetime: time.Minute, // under MSAL's 5-minute margin: never served from cache
				Now:                 func() time.Time { return time.Now().Add(time.Duration(offset.Load())) },
			}))
			ctx := testCtx(t)
			pc := newPublic(t, s, DefaultTenantID, DefaultClientID)
			_, ar, err := deviceLogon(ctx, pc, smtpScope)
			if err != nil {
				t.Fatalf("sign-in: %v", err)
			}
			if tc.later != nil {
				tc.later(&offset)
			}
			_, err = pc.AcquireTokenSilent(ctx, []string{smtpScope}, public.WithSilentAccount(ar.Account))
			wantEntraError(t, err, tc.errValue, tc.code, 400)
		})
	}
}
