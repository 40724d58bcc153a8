package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/secret"
)

// Token returns a fresh access token for username, by s.Method: for the
// device code and the authorization code from the cache, refreshing
// silently when it has expired; for app-only a new client-credentials
// token (checked for aud and SMTP.SendAsApp), with username as the
// XOAUTH2 user. A missing, corrupt or foreign cache gives a
// diagnose.CacheSignInAgain problem.
//
// MSAL treats an access token that expires within 5 minutes as expired, so
// the token returned is good for at least that long. Entra's refusals of the
// refresh token (AADSTS70008, 700082, 50173, ...) come back as their own
// Entra problems; they too mean signing the mailbox in again.
func Token(ctx context.Context, s Settings, username string) (AccessToken, error) {
	username = strings.TrimSpace(username)
	if err := checkTenantInput(s); err != nil {
		return AccessToken{}, err
	}
	if err := checkClientInput(s); err != nil {
		return AccessToken{}, err
	}
	switch s.Method {
	case MethodAppOnly:
		return appOnlyToken(ctx, s, username)
	case MethodAuthCode:
		return authCodeToken(ctx, s, username)
	}
	if s.Cache == nil {
		return AccessToken{}, cacheProblem(s, username, "there is no token cache: the mailbox has not been signed in on this machine", nil)
	}
	if username == "" {
		return AccessToken{}, cacheProblem(s, username, "no mailbox was named to get a token for", nil)
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()

	hc := newHTTPClient(s)
	defer hc.CloseIdleConnections()
	pc, acct, err := cachedAccount(ctx, s, hc, username)
	if err != nil {
		return AccessToken{}, err
	}
	ar, err := pc.AcquireTokenSilent(ctx, []string{cloudOf(s).SMTPScope}, public.WithSilentAccount(acct))
	if err != nil {
		if p := tokenProblem(err, s, username); p != nil {
			return AccessToken{}, p
		}
		// MSAL found no usable token: the cache was written for another
		// app, tenant or sign-in service (e.g. another authority).
		return AccessToken{}, cacheProblem(s, username,
			fmt.Sprintf("the token cache holds no usable token for %s with app %s in tenant %s; it was signed in with another app, tenant or sign-in address",
				username, clientOf(s), tenantOf(s)), err)
	}
	tok := AccessToken{
		Username:  acct.PreferredUsername,
		Value:     secret.New(ar.AccessToken),
		ExpiresOn: ar.ExpiresOn,
		Refreshed: ar.Metadata.TokenSource == public.TokenSourceIdentityProvider,
		Claims:    tokenClaims(ar.AccessToken, ar.GrantedScopes, ""),
	}
	// Checked before any AUTH: a token that cannot send is explained as
	// such, not left to the server's bare 535.
	if err := CheckToken(tok, s, ar.GrantedScopes); err != nil {
		return AccessToken{}, err
	}
	return tok, nil
}

// pickAccount finds username's account (case-insensitive), preferring one
// signed in at this authority and tenant when the cache holds several.
func pickAccount(accounts []public.Account, username string, s Settings) (public.Account, bool) {
	host := ""
	if u, err := url.Parse(authorityBase(s)); err == nil {
		host = strings.ToLower(u.Host)
	}
	var found public.Account
	ok := false
	for _, a := range accounts {
		if !strings.EqualFold(a.PreferredUsername, username) {
			continue
		}
		if strings.EqualFold(a.Environment, host) && strings.EqualFold(a.Realm, tenantOf(s)) {
			return a, true
		}
		if !ok {
			found, ok = a, true
		}
	}
	return found, ok
}

// missingAccountText says what the cache holds instead of username.
func missingAccountText(accounts []public.Account, username string) string {
	if len(accounts) == 0 {
		return "the token cache holds no signed-in mailbox"
	}
	names := make([]string, 0, len(accounts))
	for _, a := range accounts {
		names = append(names, a.PreferredUsername)
	}
	return fmt.Sprintf("the token cache holds a sign-in for %s, not for %s", strings.Join(names, ", "), username)
}

// tokenProblem classifies the failures any token call can share: the cache
// could not be read or written, or Entra/the network answered. It returns
// nil for anything else (MSAL's own "nothing found" and similar), which the
// caller words for its situation.
func tokenProblem(err error, s Settings, mailbox string) error {
	var we *cacheWriteError
	var ce *corruptCacheError
	switch {
	case errors.As(err, &we):
		p := diagnose.New(diagnose.Unexpected, facts(s, mailbox), we.Error(), err)
		p.Title = "The token cache could not be saved"
		p.Explanation = "Entra ID issued new tokens, but pimmail could not write them to " + we.path + "."
		p.Fix = "Make sure that directory is writable by the user pimmail runs as and the disk is not full, then try again."
		return scrub(p, s)
	case errors.As(err, &ce):
		return cacheProblem(s, mailbox, "the token cache cannot be read: it is corrupt or was not written by pimmail", err)
	case fromServiceOrNetwork(err):
		return entraProblem(err, s, mailbox)
	}
	return nil
}

// cachedAccount finds username's account in s.Cache through a public
// client, which lists the cache's accounts without any request (MSAL Go
// v1.10.1's confidential client cannot list them), and returns that client
// for a silent request. Its failures are the Entra or cache problems.
func cachedAccount(ctx context.Context, s Settings, hc *http.Client, username string) (public.Client, public.Account, error) {
	pc, err := newPublicClient(s, hc, s.Cache)
	if err != nil {
		return pc, public.Account{}, entraProblem(err, s, username)
	}
	accounts, err := pc.Accounts(ctx)
	if err != nil {
		if p := tokenProblem(err, s, username); p != nil {
			return pc, public.Account{}, p
		}
		return pc, public.Account{}, cacheProblem(s, username, "the token cache cannot be read", err)
	}
	acct, ok := pickAccount(accounts, username, s)
	if !ok {
		return pc, public.Account{}, cacheProblem(s, username, missingAccountText(accounts, username), nil)
	}
	return pc, acct, nil
}
