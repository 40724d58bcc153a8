package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"

	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/secret"
)

// DefaultRedirectPort is the port of the redirect URI pimmail uses unless
// told otherwise: fixed, so that `ssh -L 8400:localhost:8400` can be set
// up before the sign-in starts. Entra ignores the port of a registered
// http://localhost redirect URI, so only http://localhost is registered.
const DefaultRedirectPort = 8400

// AuthCodeLogon is a started authorization-code sign-in (PKCE, on the
// confidential client with the client secret). Show URL; the person opens
// it on any device, signs in as the mailbox, and the browser lands on
// RedirectURI, which fails to load there: they paste that address, and
// Redeem takes its code. When the browser can reach this machine's
// localhost (ssh -L), the listener catches the redirect: Caught.
type AuthCodeLogon struct {
	// URL is the sign-in address to open.
	URL string
	// RedirectURI is http://localhost:PORT.
	RedirectURI string
	// Listening is false when the port was taken: then only paste works.
	Listening bool

	s        Settings
	state    string
	verifier string
	port     string
	caught   chan string
	srv      *http.Server
	once     sync.Once
}

// StartAuthCodeLogon builds the sign-in address through MSAL's AuthCodeURL
// and adds what MSAL Go v1.10.1's confidential AuthCodeURL has no option
// for: state, the PKCE challenge (S256) and response_mode=query. redirect
// "" means http://localhost:DefaultRedirectPort; any other must be an
// http address on this machine's loopback (the code must never go
// elsewhere). ctx bounds the requests. It then listens on that port of
// 127.0.0.1 and ::1 for the redirect until Close (15 minutes at most).
func StartAuthCodeLogon(ctx context.Context, s Settings, redirect string) (*AuthCodeLogon, error) {
	if err := checkTenantInput(s); err != nil {
		return nil, err
	}
	if err := checkClientInput(s); err != nil {
		return nil, err
	}
	if s.ClientSecret.IsZero() {
		return nil, inputProblem(diagnose.EntraSecretInvalid, s, "the authorization-code sign-in needs the client secret Value, and none was given")
	}
	var lns []net.Listener
	if redirect == "" {
		// The default port, or, when something else holds it, a free one:
		// Entra ignores the port of a localhost redirect URI.
		port := strconv.Itoa(DefaultRedirectPort)
		if lns = listenLoopback(port); len(lns) == 0 {
			if lns = listenLoopback("0"); len(lns) > 0 {
				port = strconv.Itoa(lns[0].Addr().(*net.TCPAddr).Port)
			}
		}
		redirect = "http://localhost:" + port
	}
	ru, err := checkRedirectURI(redirect)
	if err != nil {
		return nil, inputProblem(diagnose.AuthCodeBadPaste, s, err.Error())
	}
	if lns == nil {
		lns = listenLoopback(ru.Port())
	}
	served := false
	defer func() {
		if !served {
			for _, ln := range lns {
				ln.Close()
			}
		}
	}()
	cctx, cancel := withTimeout(ctx)
	defer cancel()
	hc := newHTTPClient(s)
	defer hc.CloseIdleConnections()
	cc, err := newAuthCodeClient(s, hc)
	if err != nil {
		return nil, entraProblem(err, s, "")
	}
	cl := cloudOf(s)
	addr, err := cc.AuthCodeURL(cctx, clientOf(s), redirect, []string{cl.SMTPScope, "offline_access", "openid", "profile"})
	if err != nil {
		return nil, entraProblem(err, s, "")
	}
	l := &AuthCodeLogon{RedirectURI: redirect, s: s, state: randomToken(32), verifier: randomToken(48),
		port: ru.Port(), caught: make(chan string, 1)}
	u, err := url.Parse(addr)
	if err != nil {
		return nil, entraProblem(err, s, "")
	}
	q := u.Query()
	q.Set("state", l.state)
	q.Set("code_challenge", PKCEChallenge(l.verifier))
	q.Set("code_challenge_method", "S256")
	q.Set("response_mode", "query")
	q.Set("prompt", "select_account")
	u.RawQuery = q.Encode()
	l.URL = u.String()
	if err := preflight(cctx, hc, l.URL, s); err != nil {
		return nil, err
	}
	l.serve(lns)
	served = true
	return l, nil
}

// listenLoopback listens on port of 127.0.0.1 and, on the same port, ::1
// ("0": a free port of 127.0.0.1's). None when the port is taken.
func listenLoopback(port string) []net.Listener {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		return nil
	}
	lns := []net.Listener{ln}
	p := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	if ln6, err := net.Listen("tcp", net.JoinHostPort("::1", p)); err == nil {
		lns = append(lns, ln6)
	}
	return lns
}

// preflightCodes are the answers Entra gives on its own page, before any
// sign-in, to a request it will not serve: they are found by opening the
// address once (no cookies, no sign-in), so the admin hears of a missing
// redirect URI now instead of from a browser on another device.
var preflightCodes = map[string]bool{"50011": true, "700016": true, "90002": true, "900023": true, "50194": true}

var preflightRE = regexp.MustCompile(`AADSTS(\d{4,9}):[^<"]*`)

// preflight opens the sign-in address without following redirects and
// reports Entra's error page for the request, if it shows one.
func preflight(ctx context.Context, hc *http.Client, addr string, s Settings) error {
	c := *hc
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, addr, nil)
	if err != nil {
		return entraProblem(err, s, "")
	}
	resp, err := c.Do(req)
	if err != nil {
		return entraProblem(err, s, "")
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512<<10))
	m := preflightRE.FindStringSubmatch(string(body))
	if m == nil || !preflightCodes[m[1]] {
		return nil
	}
	text := html.UnescapeString(m[0])
	if e, ok := diagnose.ParseEntraError("invalid_request: " + text); ok {
		p := diagnose.New(e.Classify(), facts(s, ""), text, nil)
		return scrub(p, s)
	}
	return nil
}

// checkRedirectURI accepts only http://localhost (or a loopback address)
// with a port.
func checkRedirectURI(redirect string) (*url.URL, error) {
	u, err := url.Parse(redirect)
	if err != nil || u.Scheme != "http" || !isLoopbackName(u.Hostname()) || u.Port() == "" {
		return nil, fmt.Errorf("the redirect address %q is not http://localhost:PORT; the sign-in's code may only come back to this machine", redirect)
	}
	return u, nil
}

// PKCEChallenge is RFC 7636's S256 code challenge of verifier:
// base64url(SHA-256(verifier)) without padding.
func PKCEChallenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// randomToken returns n random bytes, base64url: the state and the PKCE
// verifier (48 bytes give 64 characters, inside RFC 7636's 43 to 128).
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// newAuthCodeClient is the confidential client of the authorization-code
// method: the client secret, and the token cache (it keeps the refresh
// token, as the public client does for the device code).
func newAuthCodeClient(s Settings, hc *http.Client) (confidential.Client, error) {
	cred, err := confidential.NewCredFromSecret(s.ClientSecret.Reveal())
	if err != nil {
		return confidential.Client{}, err
	}
	opts := []confidential.Option{
		confidential.WithHTTPClient(hc),
		confidential.WithInstanceDiscovery(instanceDiscovery(s)),
	}
	if s.Cache != nil {
		opts = append(opts, confidential.WithCache(s.Cache))
	}
	return confidential.New(authorityURL(s), clientOf(s), cred, opts...)
}

// listenLifetime bounds the listener when Close is never called: no
// sign-in page lives longer.
const listenLifetime = 15 * time.Minute

// serve serves the redirect on lns until Close (or listenLifetime). No
// listener (the port was taken) leaves Listening false: pasting still works.
func (l *AuthCodeLogon) serve(lns []net.Listener) {
	mux := http.NewServeMux()
	mux.HandleFunc("/", l.handleRedirect)
	l.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	for _, ln := range lns {
		l.Listening = true
		go func() { _ = l.srv.Serve(ln) }()
	}
	if l.Listening {
		time.AfterFunc(listenLifetime, l.Close)
	}
}

// handleRedirect takes a redirect whose state is this sign-in's; anything
// else is answered and ignored.
func (l *AuthCodeLogon) handleRedirect(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if subtle.ConstantTimeCompare([]byte(r.URL.Query().Get("state")), []byte(l.state)) != 1 {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte("<!DOCTYPE html><title>pimmail</title><p>This is not the sign-in pimmail is waiting for."))
		return
	}
	select {
	case l.caught <- "http://localhost:" + l.port + r.URL.RequestURI():
	default:
	}
	_, _ = w.Write([]byte("<!DOCTYPE html><title>pimmail</title><p>" +
		html.EscapeString("pimmail received the sign-in. You may close this window and return to pimmail.")))
}

// Caught returns the redirect address once the listener caught it (the
// browser could reach this machine's localhost), or ctx's error.
func (l *AuthCodeLogon) Caught(ctx context.Context) (string, error) {
	select {
	case addr := <-l.caught:
		return addr, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// Close stops the listener.
func (l *AuthCodeLogon) Close() {
	l.once.Do(func() {
		if l.srv != nil {
			_ = l.srv.Close()
		}
	})
}

// Redeem checks the pasted (or caught) address and redeems its code
// through MSAL's AcquireTokenByAuthCode with the PKCE verifier: the address
// must be this sign-in's redirect (localhost, its port), carry a code
// rather than error=, and its state must be this sign-in's. The token's
// claims are checked as for the device code; the tokens land in the cache.
func (l *AuthCodeLogon) Redeem(ctx context.Context, pasted string) (Account, error) {
	if l == nil || l.state == "" {
		return Account{}, diagnose.New(diagnose.Unexpected, diagnose.Facts{}, "Redeem on a sign-in StartAuthCodeLogon did not return", nil)
	}
	r, err := ParseRedirect(pasted)
	if err != nil {
		return Account{}, err
	}
	if r.Host != "" && (!isLoopbackName(r.Host) || r.Port != l.port) {
		return Account{}, badPaste(fmt.Sprintf("the pasted address is for %s:%s; the sign-in came back to localhost:%s", r.Host, r.Port, l.port))
	}
	if r.State != "" || r.Code != "" {
		if subtle.ConstantTimeCompare([]byte(r.State), []byte(l.state)) != 1 {
			return Account{}, scrub(diagnose.New(diagnose.AuthCodeStateMismatch, facts(l.s, ""),
				"the state in the pasted address is not the one this sign-in sent", nil), l.s)
		}
	}
	if r.Error != "" {
		return Account{}, l.refused(r)
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	hc := newHTTPClient(l.s)
	defer hc.CloseIdleConnections()
	cc, err := newAuthCodeClient(l.s, hc)
	if err != nil {
		return Account{}, entraProblem(err, l.s, "")
	}
	cl := cloudOf(l.s)
	ar, err := cc.AcquireTokenByAuthCode(ctx, r.Code, l.RedirectURI, []string{cl.SMTPScope},
		// MSAL Go names the verifier "challenge" here and sends it as
		// code_verifier.
		confidential.WithChallenge(l.verifier))
	if err != nil {
		if p := tokenProblem(err, l.s, ""); p != nil {
			if dp, ok := diagnose.As(p); ok && dp.Code == diagnose.EntraRefreshExpired {
				return Account{}, l.recode(dp, diagnose.EntraAuthCodeExpired)
			}
			return Account{}, p
		}
		return Account{}, entraProblem(err, l.s, "")
	}
	claims := tokenClaims(ar.AccessToken, ar.GrantedScopes, ar.IDToken.TenantID)
	username := ar.Account.PreferredUsername
	if username == "" {
		username = claims.UPN
	}
	if claims.UPN == "" {
		claims.UPN = username
	}
	if err := CheckSMTPClaims(claims, cl); err != nil {
		_ = cc.RemoveAccount(context.WithoutCancel(ctx), ar.Account)
		if p, ok := diagnose.As(err); ok {
			return Account{}, scrub(p, l.s)
		}
		return Account{}, err
	}
	tenant := claims.TenantID
	if tenant == "" {
		tenant = ar.Account.Realm
	}
	return Account{Username: username, HomeAccountID: ar.Account.HomeAccountID, TenantID: tenant,
		Scopes: claims.Scopes, Audience: claims.Audience, ExpiresOn: ar.ExpiresOn}, nil
}

// refused words a redirect that carries error= : Entra's own AADSTS number,
// when the description has a known one, else AuthCodeRefused.
func (l *AuthCodeLogon) refused(r Redirect) error {
	raw := r.Error
	if r.ErrorDescription != "" {
		raw += ": " + r.ErrorDescription
	}
	if e, ok := diagnose.ParseEntraError(raw); ok {
		if c := e.Classify(); c != diagnose.EntraOther && e.AADSTS() != 0 {
			return scrub(diagnose.New(c, facts(l.s, ""), raw, nil), l.s)
		}
	}
	return scrub(diagnose.New(diagnose.AuthCodeRefused, facts(l.s, ""), raw, nil), l.s)
}

// recode gives p another catalogue entry, keeping its details.
func (l *AuthCodeLogon) recode(p *diagnose.Problem, code diagnose.Code) error {
	q := diagnose.New(code, facts(l.s, ""), p.Raw, p.Err)
	q.TraceID, q.CorrelationID = p.TraceID, p.CorrelationID
	return scrub(q, l.s)
}

// String keeps the state and verifier out of logs.
func (l *AuthCodeLogon) String() string {
	return "authorization-code sign-in returning to " + l.RedirectURI
}

// GoString keeps %#v as discreet as %v.
func (l *AuthCodeLogon) GoString() string { return l.String() }

// authCodeToken is Token for the authorization-code method: the refresh
// token in the cache, redeemed through the confidential client (with the
// secret, as Entra requires for a token issued to a confidential client).
func authCodeToken(ctx context.Context, s Settings, username string) (AccessToken, error) {
	if s.Cache == nil {
		return AccessToken{}, cacheProblem(s, username, "there is no token cache: the mailbox has not been signed in on this machine", nil)
	}
	if username == "" {
		return AccessToken{}, cacheProblem(s, username, "no mailbox was named to get a token for", nil)
	}
	if s.ClientSecret.IsZero() {
		return AccessToken{}, inputProblem(diagnose.EntraSecretInvalid, s, "the authorization-code sign-in renews its token with the client secret Value, and none is saved")
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	hc := newHTTPClient(s)
	defer hc.CloseIdleConnections()
	cc, err := newAuthCodeClient(s, hc)
	if err != nil {
		return AccessToken{}, entraProblem(err, s, username)
	}
	_, acct, err := cachedAccount(ctx, s, hc, username)
	if err != nil {
		return AccessToken{}, err
	}
	ar, err := cc.AcquireTokenSilent(ctx, []string{cloudOf(s).SMTPScope}, confidential.WithSilentAccount(acct))
	if err != nil {
		if p := tokenProblem(err, s, username); p != nil {
			return AccessToken{}, p
		}
		return AccessToken{}, cacheProblem(s, username,
			fmt.Sprintf("the token cache holds no usable token for %s with app %s in tenant %s", username, clientOf(s), tenantOf(s)), err)
	}
	tok := AccessToken{Username: acct.PreferredUsername, Value: secret.New(ar.AccessToken), ExpiresOn: ar.ExpiresOn,
		Refreshed: ar.Metadata.TokenSource == confidential.TokenSourceIdentityProvider}
	if err := CheckToken(tok, s, ar.GrantedScopes); err != nil {
		return AccessToken{}, err
	}
	return tok, nil
}
