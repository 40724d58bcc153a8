package auth

import (
	"context"
	"errors"
	"time"

	"github.com/pimmail/pimmail/diagnose"
)

// StartDeviceLogon asks Entra for a device code for the cloud's SMTP.Send
// scope (plus offline_access). Show UserCode and VerificationURL, then call Wait.
//
// Only SMTP.Send is handed to MSAL: MSAL itself adds openid, profile and
// offline_access to every request, and a reserved scope passed in
// explicitly makes MSAL Go fail the sign-in with "declined scopes", because
// Entra never lists offline_access among the granted scopes (MSAL Go issue
// #416). The refresh token comes all the same.
//
// The tokens land in s.Cache; with a nil Cache they are kept in a cache of
// the logon's own and lost after Wait, so pass one.
func StartDeviceLogon(ctx context.Context, s Settings) (*DeviceLogon, error) {
	if err := checkTenantInput(s); err != nil {
		return nil, err
	}
	if err := checkClientInput(s); err != nil {
		return nil, err
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()

	c := s.Cache
	if c == nil {
		c = NewMemoryCache()
	}
	hc := newHTTPClient(s)
	pc, err := newPublicClient(s, hc, c)
	if err != nil {
		hc.CloseIdleConnections()
		return nil, entraProblem(err, s, "")
	}
	dc, err := pc.AcquireTokenByDeviceCode(ctx, []string{cloudOf(s).SMTPScope})
	if err != nil {
		hc.CloseIdleConnections()
		return nil, entraProblem(err, s, "")
	}
	return &DeviceLogon{
		UserCode:        dc.Result.UserCode,
		VerificationURL: dc.Result.VerificationURL,
		Message:         dc.Result.Message,
		ExpiresOn:       dc.Result.ExpiresOn,
		s:               s,
		pc:              pc,
		dc:              dc,
		hc:              hc,
	}, nil
}

// Wait polls until the mailbox signs in, declines, the code expires, or ctx
// is cancelled (then it returns at once). On success the token cache in
// Settings.Cache holds the account, and the token's claims have been checked
// (scp contains SMTP.Send, aud is the Outlook resource).
//
// Polling runs in the calling goroutine (MSAL's loop), so once Wait has
// returned nothing polls any more. MSAL paces the polls itself (50 ms,
// tripling, at most 5 s apart) and ignores Entra's interval; it treats
// slow_down like authorization_pending. A token that fails the claims
// check is removed from the cache again, so it cannot be used for sending.
func (d *DeviceLogon) Wait(ctx context.Context) (Account, error) {
	if d == nil || d.hc == nil {
		return Account{}, diagnose.New(diagnose.Unexpected, diagnose.Facts{},
			"Wait was called on a device logon that StartDeviceLogon did not return", nil)
	}
	defer d.hc.CloseIdleConnections()

	ar, err := d.dc.AuthenticationResult(ctx)
	if err != nil {
		return Account{}, d.waitProblem(ctx, err)
	}

	cl := cloudOf(d.s)
	claims := tokenClaims(ar.AccessToken, ar.GrantedScopes, ar.IDToken.TenantID)
	username := ar.Account.PreferredUsername
	if username == "" {
		username = claims.UPN
	}
	if claims.UPN == "" {
		claims.UPN = username
	}
	if err := CheckSMTPClaims(claims, cl); err != nil {
		// Best effort: the problem is reported whether or not this works.
		_ = d.pc.RemoveAccount(context.WithoutCancel(ctx), ar.Account)
		if p, ok := diagnose.As(err); ok {
			if p.Raw != "" && username != "" {
				p.Raw = "signed in as " + username + ": " + p.Raw
			}
			return Account{}, scrub(p, d.s)
		}
		return Account{}, err
	}
	tenant := claims.TenantID
	if tenant == "" {
		tenant = ar.IDToken.TenantID
	}
	if tenant == "" {
		tenant = ar.Account.Realm
	}
	return Account{
		Username:      username,
		HomeAccountID: ar.Account.HomeAccountID,
		TenantID:      tenant,
		Scopes:        claims.Scopes,
		Audience:      claims.Audience,
		ExpiresOn:     ar.ExpiresOn,
	}, nil
}

// waitProblem words a failed wait. MSAL stops polling with its own
// deadline when the code's lifetime is over, before Entra can answer
// expired_token; that is the code expiring, not a network timeout.
func (d *DeviceLogon) waitProblem(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return entraProblem(cerr, d.s, "")
	}
	if errors.Is(err, context.DeadlineExceeded) && !time.Now().Before(d.ExpiresOn) {
		return scrub(diagnose.New(diagnose.EntraCodeExpired, facts(d.s, ""),
			"the device code expired at "+d.ExpiresOn.Local().Format(time.RFC1123)+" before anyone signed in with it", err), d.s)
	}
	if p := tokenProblem(err, d.s, ""); p != nil {
		return p
	}
	return entraProblem(err, d.s, "")
}

// String shows what a person may see of a logon; the device code itself
// (a bearer credential until redeemed) and the settings stay out of logs.
func (d DeviceLogon) String() string {
	return "device logon: open " + d.VerificationURL + " and enter " + d.UserCode +
		" before " + d.ExpiresOn.Format(time.RFC3339)
}

// GoString keeps %#v as discreet as %v.
func (d DeviceLogon) GoString() string { return d.String() }
