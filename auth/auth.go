// Package auth gets and keeps Entra ID tokens for the mailbox pimmail sends
// as, on MSAL Go: it checks the tenant and the app registration (client
// credentials), signs the mailbox in with the device-code flow, reads the
// access token's claims, and refreshes silently from a persisted cache.
// Every failure comes back as a *diagnose.Problem.
//
// Files: client.go builds the one HTTP client and the MSAL clients;
// tenant.go (CheckTenant), app.go (CheckApp), device.go (StartDeviceLogon,
// Wait), token.go (Token), claims.go (ParseClaims, CheckSMTPClaims),
// cache.go (the token cache), problems.go (errors to diagnose.Problem).
package auth

import (
	"crypto/x509"
	"net/http"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	"github.com/pimmail/pimmail/cloud"
	"github.com/pimmail/pimmail/secret"
)

// Settings says which app, in which tenant and cloud, to talk to.
type Settings struct {
	Cloud    cloud.Cloud
	TenantID string
	ClientID string
	// ClientSecret is the client secret Value as steps cleaned it from
	// the paste (steps.ValidateSecret); auth uses it as it is.
	ClientSecret secret.Secret
	// Authority overrides the cloud's authority base URL (https://host[:port]),
	// e.g. the sandbox's. Instance discovery is then switched off.
	Authority string
	// RootCAs, when set, replaces the system roots (the sandbox hands its own
	// CA this way). Certificate verification is never switched off.
	RootCAs *x509.CertPool
	// Method is how the mailbox gets its token: the device code (the
	// zero value), the authorization code, or app-only. Token chooses by it.
	Method Method
	// Cache holds the MSAL token cache; nil means an empty in-memory cache
	// that is not kept: a device logon's tokens are then lost after Wait, and
	// Token answers diagnose.CacheSignInAgain.
	Cache *Cache
}

// TenantInfo is what CheckTenant learned.
type TenantInfo struct {
	// Issuer from the OpenID configuration; holds the tenant GUID.
	Issuer string
	// TenantID is the tenant's GUID, also when a domain was given.
	TenantID string
}

// AppInfo is what CheckApp learned from the client-credentials token.
type AppInfo struct {
	// Roles are the application permissions in the token (e.g. SMTP.SendAsApp).
	Roles []string
	// ExpiresOn is when the app token expires.
	ExpiresOn time.Time
}

// DeviceLogon is a started device-code sign-in.
type DeviceLogon struct {
	UserCode        string
	VerificationURL string
	// Message is Entra's own instruction text.
	Message   string
	ExpiresOn time.Time

	s  Settings          // what it was started with, for Wait's problems
	pc public.Client     // the client holding the cache, to drop a bad account
	dc public.DeviceCode // MSAL's poller
	hc *http.Client      // closed when Wait returns
}

// Account is the signed-in mailbox and what its access token allows.
type Account struct {
	// Username is the UPN, e.g. alerts@contoso.com.
	Username string
	// HomeAccountID is MSAL's key for the account in the cache.
	HomeAccountID string
	TenantID      string
	Scopes        []string
	Audience      string
	ExpiresOn     time.Time
}

// AccessToken is a bearer token for SMTP XOAUTH2.
type AccessToken struct {
	Username  string
	Value     secret.Secret
	ExpiresOn time.Time
	// Refreshed is true when Entra ID issued the token just now from the
	// refresh token (silent refresh), false when it came from the cache.
	Refreshed bool
	// Claims are the token's claims as read for the check before it is
	// sent (aud, scp, upn, tid, exp): not secret, shown by pimmail report.
	Claims Claims
}

// Claims are the access-token claims pimmail looks at.
type Claims struct {
	// Audience is the token's audience; the first one when aud is an array.
	Audience string
	// Audiences are all values of aud (added: aud may be an array).
	Audiences []string
	Scopes    []string // from scp, split on spaces
	Roles     []string
	UPN       string // upn, else unique_name, else preferred_username
	TenantID  string
	ObjectID  string
	ExpiresAt time.Time
}
