package auth

import (
	"context"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"

	"github.com/pimmail/pimmail/diagnose"
)

// CheckApp confirms tenant + client ID + secret: a client-credentials
// request for the cloud's AppScope succeeds. Tells a wrong secret, an
// expired secret, a Secret ID pasted for the Value, or a client ID from
// another tenant, before the mailbox logon.
//
// The app token is only looked at (its roles), never stored: the
// confidential client keeps it in its own memory and is dropped on return.
func CheckApp(ctx context.Context, s Settings) (AppInfo, error) {
	if err := checkTenantInput(s); err != nil {
		return AppInfo{}, err
	}
	if err := checkClientInput(s); err != nil {
		return AppInfo{}, err
	}
	value := s.ClientSecret.Reveal()
	if value == "" {
		return AppInfo{}, inputProblem(diagnose.EntraSecretInvalid, s, "no client secret Value was given")
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()

	cred, err := confidential.NewCredFromSecret(value)
	if err != nil {
		return AppInfo{}, inputProblem(diagnose.EntraSecretInvalid, s, "no client secret Value was given")
	}
	hc := newHTTPClient(s)
	defer hc.CloseIdleConnections()
	cc, err := newConfidentialClient(s, hc, cred)
	if err != nil {
		return AppInfo{}, entraProblem(err, s, "")
	}
	ar, err := cc.AcquireTokenByCredential(ctx, []string{cloudOf(s).AppScope})
	if err != nil {
		return AppInfo{}, secretIDHint(entraProblem(err, s, ""), value)
	}
	info := AppInfo{ExpiresOn: ar.ExpiresOn}
	// Roles are informational (SMTP.SendAsApp is not needed for delegated
	// sending), so a token we cannot read does not fail the check.
	if c, err := ParseClaims(ar.AccessToken); err == nil {
		info.Roles = c.Roles
	}
	return info, nil
}

// secretIDHint sharpens "invalid client secret" when what was entered is a
// GUID: that is the Secret ID column, the most common paste mistake, and
// Entra's own text cannot know which of the two it got.
func secretIDHint(err error, value string) error {
	p, ok := diagnose.As(err)
	if !ok || p.Code != diagnose.EntraSecretInvalid || !guidRE.MatchString(value) {
		return err
	}
	p.Explanation = "The value entered is a GUID: that is the shape of a Secret ID, not of a secret's Value. " +
		p.Explanation
	return p
}
