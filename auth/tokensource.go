package auth

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	"github.com/pimmail/pimmail/secret"
)

// RefreshMargin is how long before its expiry a TokenSource replaces an
// access token, so a token handed to an SMTP session stays valid while the
// session authenticates.
const RefreshMargin = 5 * time.Minute

// TokenSource hands out access tokens for one mailbox from one long-lived
// MSAL public client (one HTTP client, one cache), for a process that sends
// mail all day: the token is kept in memory and renewed silently from the
// refresh token once it is within RefreshMargin of its expiry, rather than
// a client and a cache read per message. It is safe for concurrent use.
type TokenSource struct {
	s        Settings
	username string

	mu  sync.Mutex
	hc  *http.Client
	pc  *public.Client
	tok AccessToken
	now func() time.Time
}

// NewTokenSource returns a token source for username with settings s (whose
// Cache should be loaded with autosave, so the rotated refresh token is
// written back). Nothing is requested before the first Token call.
func NewTokenSource(s Settings, username string) *TokenSource {
	return &TokenSource{s: s, username: strings.TrimSpace(username), now: time.Now}
}

// Token returns a token valid for at least RefreshMargin, from memory when
// it has one, else silently from the cache (refreshing with the refresh
// token when needed). Failures are the *diagnose.Problem Token returns:
// a refused refresh token (revoked, expired after 90 days, consent
// withdrawn) means the mailbox must sign in again.
func (ts *TokenSource) Token(ctx context.Context) (AccessToken, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if !ts.tok.Value.IsZero() && ts.now().Add(RefreshMargin).Before(ts.tok.ExpiresOn) {
		t := ts.tok
		t.Refreshed = false
		return t, nil
	}
	if err := checkTenantInput(ts.s); err != nil {
		return AccessToken{}, err
	}
	if err := checkClientInput(ts.s); err != nil {
		return AccessToken{}, err
	}
	if ts.s.Method != MethodDeviceCode {
		// The authorization code renews through the confidential client
		// (with the secret), app-only asks for a new app token: Token
		// does both by the method; the token is kept here until it is
		// due for renewal, as the device code's is.
		tok, err := Token(ctx, ts.s, ts.username)
		if err != nil {
			return AccessToken{}, err
		}
		ts.tok = tok
		return tok, nil
	}
	if ts.s.Cache == nil || ts.username == "" {
		return Token(ctx, ts.s, ts.username) // its problem says which is missing
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	if ts.pc == nil {
		ts.hc = newHTTPClient(ts.s)
		pc, err := newPublicClient(ts.s, ts.hc, ts.s.Cache)
		if err != nil {
			return AccessToken{}, entraProblem(err, ts.s, ts.username)
		}
		ts.pc = &pc
	}
	accounts, err := ts.pc.Accounts(ctx)
	if err != nil {
		if p := tokenProblem(err, ts.s, ts.username); p != nil {
			return AccessToken{}, p
		}
		return AccessToken{}, cacheProblem(ts.s, ts.username, "the token cache cannot be read", err)
	}
	acct, ok := pickAccount(accounts, ts.username, ts.s)
	if !ok {
		return AccessToken{}, cacheProblem(ts.s, ts.username, missingAccountText(accounts, ts.username), nil)
	}
	ar, err := ts.pc.AcquireTokenSilent(ctx, []string{cloudOf(ts.s).SMTPScope}, public.WithSilentAccount(acct))
	if err != nil {
		if p := tokenProblem(err, ts.s, ts.username); p != nil {
			return AccessToken{}, p
		}
		return AccessToken{}, cacheProblem(ts.s, ts.username,
			"the token cache holds no usable token for "+ts.username+" with app "+clientOf(ts.s)+" in tenant "+tenantOf(ts.s), err)
	}
	ts.tok = AccessToken{
		Username:  acct.PreferredUsername,
		Value:     secret.New(ar.AccessToken),
		ExpiresOn: ar.ExpiresOn,
		Refreshed: ar.Metadata.TokenSource == public.TokenSourceIdentityProvider,
	}
	return ts.tok, nil
}

// Forget drops the token held in memory, e.g. after the server refused it
// (535), so the next Token asks MSAL again.
func (ts *TokenSource) Forget() {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.tok = AccessToken{}
}

// Close releases the HTTP client's idle connections.
func (ts *TokenSource) Close() {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.hc != nil {
		ts.hc.CloseIdleConnections()
	}
}
