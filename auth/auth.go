// Package auth gets and keeps Entra ID tokens for the mailbox pimmail sends
// as, on MSAL Go: it checks the tenant and the app registration (client
// credentials), signs the mailbox in with the device-code flow, reads the
// access token's claims, and refreshes silently from a persisted cache.
// Every failure comes back as a *diagnose.Problem.
package auth

import (
	"context"
	"crypto/x509"
	"time"

	"github.com/pimmail/pimmail/cloud"
	"github.com/pimmail/pimmail/secret"
)

// Settings says which app, in which tenant and cloud, to talk to.
type Settings struct {
	Cloud        cloud.Cloud
	TenantID     string
	ClientID     string
	ClientSecret secret.Secret
	// Authority overrides the cloud's authority base URL (https://host[:port]),
	// e.g. the sandbox's. Instance discovery is then switched off.
	Authority string
	// RootCAs, when set, replaces the system roots (the sandbox hands its own
	// CA this way). Certificate verification is never switched off.
	RootCAs *x509.CertPool
	// Cache holds the MSAL token cache; nil means an empty in-memory cache.
	Cache *Cache
}

// TenantInfo is what CheckTenant learned.
type TenantInfo struct {
	// Issuer from the OpenID configuration; holds the tenant GUID.
	Issuer string
	// TenantID is the tenant's GUID, also when a domain was given.
	TenantID string
}

// CheckTenant confirms the tenant (GUID or verified domain) exists: its
// OpenID configuration resolves.
func CheckTenant(ctx context.Context, s Settings) (TenantInfo, error) { panic("unimplemented") }

// AppInfo is what CheckApp learned from the client-credentials token.
type AppInfo struct {
	// Roles are the application permissions in the token (e.g. SMTP.SendAsApp).
	Roles []string
	// ExpiresOn is when the app token expires.
	ExpiresOn time.Time
}

// CheckApp confirms tenant + client ID + secret: a client-credentials
// request for the cloud's AppScope succeeds. Tells a wrong secret, an
// expired secret, a Secret ID pasted for the Value, or a client ID from
// another tenant, before the mailbox logon.
func CheckApp(ctx context.Context, s Settings) (AppInfo, error) { panic("unimplemented") }

// DeviceLogon is a started device-code sign-in.
type DeviceLogon struct {
	UserCode        string
	VerificationURL string
	// Message is Entra's own instruction text.
	Message   string
	ExpiresOn time.Time
}

// StartDeviceLogon asks Entra for a device code for the cloud's SMTP.Send
// scope (plus offline_access). Show UserCode and VerificationURL, then call Wait.
func StartDeviceLogon(ctx context.Context, s Settings) (*DeviceLogon, error) {
	panic("unimplemented")
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

// Wait polls until the mailbox signs in, declines, the code expires, or ctx
// is cancelled (then it returns at once). On success the token cache in
// Settings.Cache holds the account, and the token's claims have been checked
// (scp contains SMTP.Send, aud is the Outlook resource).
func (d *DeviceLogon) Wait(ctx context.Context) (Account, error) { panic("unimplemented") }

// AccessToken is a bearer token for SMTP XOAUTH2.
type AccessToken struct {
	Username  string
	Value     secret.Secret
	ExpiresOn time.Time
}

// Token returns a fresh access token for username from the cache, refreshing
// silently when it has expired. A missing, corrupt or foreign cache gives a
// diagnose.CacheSignInAgain problem.
func Token(ctx context.Context, s Settings, username string) (AccessToken, error) {
	panic("unimplemented")
}

// Claims are the access-token claims pimmail looks at.
type Claims struct {
	Audience  string
	Scopes    []string // from scp, split on spaces
	Roles     []string
	UPN       string // upn, else unique_name, else preferred_username
	TenantID  string
	ObjectID  string
	ExpiresAt time.Time
}

// ParseClaims reads a JWT's payload without checking its signature (the
// service does that); it only tells the admin what the token allows.
func ParseClaims(token string) (Claims, error) { panic("unimplemented") }

// CheckSMTPClaims returns a diagnose problem (TokenWrongScope,
// TokenWrongAudience) when c cannot be used for SMTP in cloud cl.
func CheckSMTPClaims(c Claims, cl cloud.Cloud) error { panic("unimplemented") }
