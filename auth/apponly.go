package auth

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"

	"github.com/pimmail/pimmail/cloud"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/secret"
)

// smtpSendAsApp is the application permission Exchange Online wants in roles.
const smtpSendAsApp = "SMTP.SendAsApp"

// AppSignIn is what an app-only (client credentials) token showed.
type AppSignIn struct {
	// ServicePrincipalID is the oid claim: the object ID of the app's
	// service principal (Enterprise application) in the tenant, the one
	// New-ServicePrincipal needs. The object ID on the App registrations
	// blade is another object's and fails.
	ServicePrincipalID string
	AppID              string
	Roles              []string
	Audience           string
	ExpiresOn          time.Time
}

// AppOnlySignIn gets an app-only token for the cloud's Exchange Online
// /.default scope and checks it can sign in to SMTP: aud is Exchange
// Online, roles holds SMTP.SendAsApp. It returns what the Exchange setup
// needs (the service principal's object ID) and the token.
func AppOnlySignIn(ctx context.Context, s Settings) (AppSignIn, AccessToken, error) {
	if err := checkTenantInput(s); err != nil {
		return AppSignIn{}, AccessToken{}, err
	}
	if err := checkClientInput(s); err != nil {
		return AppSignIn{}, AccessToken{}, err
	}
	value := s.ClientSecret.Reveal()
	if value == "" {
		return AppSignIn{}, AccessToken{}, inputProblem(diagnose.EntraSecretInvalid, s, "the app-only sign-in needs the client secret Value, and none was given")
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	cred, err := confidential.NewCredFromSecret(value)
	if err != nil {
		return AppSignIn{}, AccessToken{}, inputProblem(diagnose.EntraSecretInvalid, s, "no client secret Value was given")
	}
	hc := newHTTPClient(s)
	defer hc.CloseIdleConnections()
	// No cache accessor: app tokens are never persisted (see newConfidentialClient).
	cc, err := newConfidentialClient(s, hc, cred)
	if err != nil {
		return AppSignIn{}, AccessToken{}, entraProblem(err, s, "")
	}
	cl := cloudOf(s)
	ar, err := cc.AcquireTokenByCredential(ctx, []string{cl.AppScope})
	if err != nil {
		return AppSignIn{}, AccessToken{}, secretIDHint(entraProblem(err, s, ""), value)
	}
	c, err := ParseClaims(ar.AccessToken)
	if err != nil {
		return AppSignIn{}, AccessToken{}, scrub(diagnose.New(diagnose.TokenWrongAudience, facts(s, ""),
			"the app-only token cannot be read: "+err.Error(), nil), s)
	}
	if err := CheckAppClaims(c, cl); err != nil {
		if p, ok := diagnose.As(err); ok {
			diagnose.Fill(p, facts(s, ""))
			return AppSignIn{}, AccessToken{}, scrub(p, s)
		}
		return AppSignIn{}, AccessToken{}, err
	}
	info := AppSignIn{ServicePrincipalID: c.ObjectID, AppID: clientOf(s), Roles: c.Roles, Audience: c.Audience, ExpiresOn: ar.ExpiresOn}
	return info, AccessToken{Value: secret.New(ar.AccessToken), ExpiresOn: ar.ExpiresOn, Refreshed: true}, nil
}

// CheckAppClaims returns a problem when an app-only token cannot sign in
// to Exchange Online's SMTP in cloud cl: TokenWrongAudience when aud is
// not Exchange Online, AppRoleMissing when roles lacks SMTP.SendAsApp.
func CheckAppClaims(c Claims, cl cloud.Cloud) error {
	if cl.AuthorityHost == "" {
		cl = cloud.Global
	}
	f := diagnose.Facts{TenantID: c.TenantID}
	auds := c.Audiences
	if len(auds) == 0 && c.Audience != "" {
		auds = []string{c.Audience}
	}
	if !anyAudience(auds, cl.Audiences) {
		return diagnose.New(diagnose.TokenWrongAudience, f,
			fmt.Sprintf("app-only token audience %q; Exchange Online in %s accepts %s",
				strings.Join(auds, ", "), cl.Label, strings.Join(cl.Audiences, ", ")), nil)
	}
	for _, r := range c.Roles {
		if strings.EqualFold(r, smtpSendAsApp) {
			return nil
		}
	}
	got := "none"
	if len(c.Roles) > 0 {
		got = strings.Join(c.Roles, " ")
	}
	return diagnose.New(diagnose.AppRoleMissing, f,
		fmt.Sprintf("app-only token roles: %s; SMTP needs the application permission %s", got, smtpSendAsApp), nil)
}

// appOnlyToken is Token for the app-only method: a fresh client-credentials
// token (nothing is cached on disk; the secret is the only credential),
// for XOAUTH2 with user= the mailbox.
func appOnlyToken(ctx context.Context, s Settings, mailbox string) (AccessToken, error) {
	if mailbox == "" {
		return AccessToken{}, inputProblem(diagnose.CacheSignInAgain, s, "no mailbox was named to send as")
	}
	_, tok, err := AppOnlySignIn(ctx, s)
	if err != nil {
		return AccessToken{}, err
	}
	tok.Username = mailbox
	return tok, nil
}
