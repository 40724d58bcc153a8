package sandbox

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
)

// smtpScope is what pimmail asks for: the global cloud's delegated SMTP scope.
const smtpScope = "https://outlook.office.com/SMTP.Send"

// appScope is the client-credentials scope for Exchange Online.
const appScope = "https://outlook.office365.com/.default"

// fast are options that keep a device-code sign-in to a few milliseconds:
// the mailbox approves at once and polls are never "too fast".
func fast(o Options) Options {
	if o.ApproveAfter == 0 {
		o.ApproveAfter = time.Millisecond
	}
	if o.PollInterval == 0 {
		o.PollInterval = time.Millisecond
	}
	return o
}

// startSandbox starts a sandbox closed at the end of the test.
func startSandbox(t *testing.T, o Options) *Sandbox {
	t.Helper()
	s, err := Start(o)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// testCtx is a context that ends with the test, bounded in time.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// newPublic builds an MSAL public client as pimmail does against the sandbox.
func newPublic(t *testing.T, s *Sandbox, tenant, clientID string) public.Client {
	t.Helper()
	pc, err := public.New(clientID,
		public.WithAuthority(s.Endpoints().Authority+"/"+tenant),
		public.WithInstanceDiscovery(false),
		public.WithHTTPClient(s.HTTPClient()))
	if err != nil {
		t.Fatalf("public.New: %v", err)
	}
	return pc
}

// newConfidential builds an MSAL confidential client with a secret.
func newConfidential(t *testing.T, s *Sandbox, tenant, clientID, secret string) confidential.Client {
	t.Helper()
	cred, err := confidential.NewCredFromSecret(secret)
	if err != nil {
		t.Fatalf("NewCredFromSecret: %v", err)
	}
	cc, err := confidential.New(s.Endpoints().Authority+"/"+tenant, clientID, cred,
		confidential.WithInstanceDiscovery(false),
		confidential.WithHTTPClient(s.HTTPClient()))
	if err != nil {
		t.Fatalf("confidential.New: %v", err)
	}
	return cc
}

// deviceLogon runs MSAL's device-code flow to the end.
func deviceLogon(ctx context.Context, pc public.Client, scopes ...string) (public.DeviceCode, public.AuthResult, error) {
	dc, err := pc.AcquireTokenByDeviceCode(ctx, scopes)
	if err != nil {
		return dc, public.AuthResult{}, err
	}
	ar, err := dc.AuthenticationResult(ctx)
	return dc, ar, err
}

var userCodeRE = regexp.MustCompile(`^[A-Z0-9]{9}$`)

func TestDeviceCodeThenSilentRefresh(t *testing.T) {
	// A token lifetime under MSAL's 5-minute margin: MSAL does not cache the
	// access token, so AcquireTokenSilent must redeem the refresh token.
	s := startSandbox(t, fast(Options{AccessTokenLifetime: time.Minute}))
	ctx := testCtx(t)
	pc := newPublic(t, s, DefaultTenantID, DefaultClientID)

	dc, ar, err := deviceLogon(ctx, pc, smtpScope)
	if err != nil {
		t.Fatalf("device-code sign-in: %v", err)
	}
	uri := s.Endpoints().Authority + "/devicelogin"
	if dc.Result.VerificationURL != uri {
		t.Errorf("verification_uri = %q, want %q", dc.Result.VerificationURL, uri)
	}
	if !userCodeRE.MatchString(dc.Result.UserCode) {
		t.Errorf("user_code = %q, want 9 letters/digits", dc.Result.UserCode)
	}
	wantMsg := "To sign in, use a web browser to open the page " + uri + " and enter the code " + dc.Result.UserCode + " to authenticate."
	if dc.Result.Message != wantMsg {
		t.Errorf("message = %q, want %q", dc.Result.Message, wantMsg)
	}
	if ar.Account.PreferredUsername != DefaultMailbox {
		t.Errorf("account = %q, want %q", ar.Account.PreferredUsername, DefaultMailbox)
	}
	if ar.IDToken.TenantID != DefaultTenantID || ar.IDToken.Audience != DefaultClientID || ar.IDToken.Issuer != "https://login.microsoftonline.com/"+DefaultTenantID+"/v2.0" {
		t.Errorf("id_token tid/aud/iss = %q/%q/%q", ar.IDToken.TenantID, ar.IDToken.Audience, ar.IDToken.Issuer)
	}
	c, err := s.verifyAccessToken(ar.AccessToken)
	if err != nil {
		t.Fatalf("access token refused by the sandbox: %v", err)
	}
	if !slices.Equal(c.Audience, []string{OutlookAudience}) || c.Scope != "SMTP.Send" || c.UPN != DefaultMailbox || c.TenantID != DefaultTenantID || c.ObjectID == "" || c.ExpiresAt == nil {
		t.Errorf("access token claims: aud %v scp %q upn %q tid %q oid %q", c.Audience, c.Scope, c.UPN, c.TenantID, c.ObjectID)
	}

	accounts, err := pc.Accounts(ctx)
	if err != nil || len(accounts) != 1 {
		t.Fatalf("cached accounts = %v, %v; want the mailbox", accounts, err)
	}
	silent, err := pc.AcquireTokenSilent(ctx, []string{smtpScope}, public.WithSilentAccount(accounts[0]))
	if err != nil {
		t.Fatalf("silent refresh: %v", err)
	}
	if silent.Metadata.TokenSource != public.TokenSourceIdentityProvider {
		t.Errorf("silent token came from the cache; want a refresh at the sandbox")
	}
	if silent.AccessToken == ar.AccessToken {
		t.Errorf("silent refresh returned the same access token")
	}
	if c, err := s.verifyAccessToken(silent.AccessToken); err != nil || c.UPN != DefaultMailbox {
		t.Errorf("refreshed token: %v, %+v", err, c)
	}
}

func TestDeviceCodeWithVerifiedDomain(t *testing.T) {
	s := startSandbox(t, fast(Options{}))
	ctx := testCtx(t)
	// Upper case on purpose: MSAL lower-cases the authority, Entra ignores case.
	pc := newPublic(t, s, strings.ToUpper(DefaultTenantDomain), DefaultClientID)
	_, ar, err := deviceLogon(ctx, pc, smtpScope)
	if err != nil {
		t.Fatalf("device-code sign-in by domain: %v", err)
	}
	if ar.IDToken.TenantID != DefaultTenantID {
		t.Errorf("tid = %q, want the GUID %q", ar.IDToken.TenantID, DefaultTenantID)
	}
	// The long access token lifetime lets MSAL answer from its cache.
	silent, err := pc.AcquireTokenSilent(ctx, []string{smtpScope}, public.WithSilentAccount(ar.Account))
	if err != nil {
		t.Fatalf("silent: %v", err)
	}
	if silent.Metadata.TokenSource != public.TokenSourceCache || silent.AccessToken != ar.AccessToken {
		t.Errorf("silent did not come from the cache")
	}
}

func TestClientCredentials(t *testing.T) {
	s := startSandbox(t, Options{})
	ctx := testCtx(t)
	for _, tenant := range []string{DefaultTenantID, DefaultTenantDomain} {
		cc := newConfidential(t, s, tenant, DefaultClientID, DefaultClientSecret)
		ar, err := cc.AcquireTokenByCredential(ctx, []string{appScope})
		if err != nil {
			t.Fatalf("%s: AcquireTokenByCredential: %v", tenant, err)
		}
		c, err := s.verifyAccessToken(ar.AccessToken)
		if err != nil {
			t.Fatalf("%s: app token refused: %v", tenant, err)
		}
		if !slices.Equal(c.Audience, []string{OutlookAppAudience}) || c.Scope != "" || !slices.Equal(c.Roles, []string{"SMTP.SendAsApp"}) || c.TenantID != DefaultTenantID || c.AppID != DefaultClientID {
			t.Errorf("%s: app token claims: aud %v scp %q roles %v tid %q appid %q", tenant, c.Audience, c.Scope, c.Roles, c.TenantID, c.AppID)
		}
	}
}
