package sandbox

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// The authorization code flow: GET /{tenant}/oauth2/v2.0/authorize shows a
// sign-in page (pick the mailbox, Approve or Decline; by default it
// approves by itself after ApproveAfter, as the device flow does), then
// redirects the browser to the app's registered redirect URI with code and
// state. The token endpoint redeems the code once (grant_type
// authorization_code), checking the redirect URI and the PKCE verifier.

const (
	grantAuthCode = "authorization_code"
	// authCodeLifetime is Entra's: an authorization code lives 10 minutes.
	authCodeLifetime = 10 * time.Minute
	// authRequestLifetime bounds how long the sign-in page stays usable.
	authRequestLifetime = 15 * time.Minute
)

// authRequest is a sign-in page being shown. Guarded by Sandbox.mu.
type authRequest struct {
	id, csrf  string
	tenantID  string
	app       App
	redirect  string
	state     string
	scopes    scopeRequest
	challenge string // S256 code_challenge; "" when none was sent
	loginHint string
	issued    time.Time
}

// authCode is an issued authorization code. Guarded by Sandbox.mu.
type authCode struct {
	tenantID  string
	clientID  string
	redirect  string
	upn       string
	scopes    scopeRequest
	challenge string
	issued    time.Time
	used      bool
}

// authzState holds a running sandbox's sign-in pages and codes.
type authzState struct {
	requests map[string]*authRequest
	codes    map[string]*authCode
}

// authzStates maps *Sandbox to its *authzState (kept beside entraStates,
// so sandbox.go's struct stays as it is).
var authzStates sync.Map

// authz returns the sandbox's authorization state, creating it.
func (s *Sandbox) authzLocked() *authzState {
	v, _ := authzStates.LoadOrStore(s, &authzState{requests: map[string]*authRequest{}, codes: map[string]*authCode{}})
	return v.(*authzState)
}

// redirectRegistered reports whether redirect matches one of the app's
// Web redirect URIs, as Entra matches them: exactly, except that the port
// of an http://localhost URI is ignored. The authcode-redirect-missing
// scenario registers none.
func (s *Sandbox) redirectRegistered(app App, redirect string) bool {
	if s.opts.Scenario == "authcode-redirect-missing" {
		return false
	}
	ru, err := url.Parse(redirect)
	if err != nil || ru.RawQuery != "" || ru.Fragment != "" {
		return false
	}
	for _, reg := range app.RedirectURIs {
		if reg == redirect {
			return true
		}
		u, err := url.Parse(reg)
		if err != nil || u.Scheme != "http" || u.Hostname() != "localhost" {
			continue
		}
		if ru.Scheme == "http" && ru.Hostname() == "localhost" && strings.TrimSuffix(ru.Path, "/") == strings.TrimSuffix(u.Path, "/") {
			return true
		}
	}
	return false
}

// handleAuthorize serves the authorize endpoint: GET the sign-in page,
// POST the person's decision, GET ?pimmail_auto= the page's own
// auto-approval.
func (s *Sandbox) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodPost:
		s.postAuthorize(w, r)
	case r.Method == http.MethodGet && r.URL.Query().Get("pimmail_auto") != "":
		q := r.URL.Query()
		s.decideAuthorize(w, r, q.Get("pimmail_auto"), q.Get("csrf"), "", true)
	case r.Method == http.MethodGet:
		s.getAuthorize(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// getAuthorize checks the request as Entra does: errors about the tenant,
// the app or the redirect URI are shown on Entra's own page (the browser is
// never sent to an unverified address); later ones go back to the
// redirect URI as error= and error_description=.
func (s *Sandbox) getAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	t, e := s.resolveTenant(r.PathValue("tenant"), "invalid_request")
	if e != nil {
		s.renderAuthError(w, e)
		return
	}
	if q.Get("client_id") == "" {
		s.renderAuthError(w, &entraError{400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.", ""})
		return
	}
	app, e := s.lookupApp(q.Get("client_id"), t)
	if e != nil {
		s.renderAuthError(w, e)
		return
	}
	redirect := q.Get("redirect_uri")
	if !s.redirectRegistered(app, redirect) {
		s.renderAuthError(w, errRedirectMismatch(redirect, app.ClientID))
		return
	}
	back := func(e *entraError) { s.redirectError(w, r, redirect, q.Get("state"), e) }
	if q.Get("response_type") != "code" {
		back(&entraError{400, "unsupported_response_type", 700054, "response_type 'id_token' is not enabled for the application.", ""})
		return
	}
	if rm := q.Get("response_mode"); rm != "" && rm != "query" {
		back(&entraError{400, "invalid_request", 900144, "The sandbox answers with response_mode=query only.", ""})
		return
	}
	scopes, e := s.parseScopes(q.Get("scope"), t.ID)
	if e == nil {
		_, e = scopes.delegatedPerms(app)
	}
	if e != nil {
		back(e)
		return
	}
	ch, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	if ch != "" && method != "S256" {
		// pimmail always sends S256; plain would let an intercepted code be redeemed.
		back(&entraError{400, "invalid_request", 50000, "The sandbox accepts code_challenge_method S256 only.", ""})
		return
	}
	req := &authRequest{id: opaque(24), csrf: opaque(24), tenantID: t.ID, app: app, redirect: redirect,
		state: q.Get("state"), scopes: scopes, challenge: ch, loginHint: q.Get("login_hint"), issued: s.now()}
	s.mu.Lock()
	st := s.authzLocked()
	st.requests[req.id] = req
	var mailboxes []string
	for _, m := range s.dir.Mailboxes {
		if strings.EqualFold(m.TenantID, t.ID) {
			mailboxes = append(mailboxes, m.UPN)
		}
	}
	s.mu.Unlock()
	p := authPage{ID: req.id, CSRF: req.csrf, App: app.Name, Mailboxes: mailboxes, Action: r.URL.Path}
	if s.opts.ApproveAfter >= 0 {
		p.Refresh = fmt.Sprintf("%d;url=%s?pimmail_auto=%s&csrf=%s", int(math.Ceil(s.opts.ApproveAfter.Seconds())),
			r.URL.Path, url.QueryEscape(req.id), url.QueryEscape(req.csrf))
	}
	s.renderAuthPage(w, http.StatusOK, p)
}

// postAuthorize applies the person's decision from the page.
func (s *Sandbox) postAuthorize(w http.ResponseWriter, r *http.Request) {
	if o := r.Header.Get("Origin"); o != "" && !s.sameOrigin(o) {
		http.Error(w, "cross-origin request refused", http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	f := r.PostForm
	s.decideAuthorize(w, r, f.Get("req"), f.Get("csrf"), f.Get("upn"), f.Get("action") == "approve")
}

// decideAuthorize approves or declines the sign-in request id, if csrf is
// its token: a page of another site cannot approve a sign-in through the
// person's browser, because it cannot read the token.
func (s *Sandbox) decideAuthorize(w http.ResponseWriter, r *http.Request, id, csrf, upn string, approve bool) {
	s.mu.Lock()
	st := s.authzLocked()
	req := st.requests[id]
	if req == nil || subtle.ConstantTimeCompare([]byte(req.csrf), []byte(csrf)) != 1 {
		s.mu.Unlock()
		http.Error(w, "This sign-in page is no longer valid (or the request was not made from it). Start the sign-in again.", http.StatusForbidden)
		return
	}
	delete(st.requests, id)
	now := s.now()
	if !now.Before(req.issued.Add(authRequestLifetime)) {
		s.mu.Unlock()
		http.Error(w, "This sign-in page has expired. Start the sign-in again.", http.StatusForbidden)
		return
	}
	if upn == "" {
		upn = req.loginHint
	}
	mbx, ok := s.lookupMailboxLocked(req.tenantID, upn)
	if !ok {
		mbx, ok = s.lookupMailboxLocked(req.tenantID, "")
	}
	if s.opts.Scenario == "declined" {
		approve = false
	}
	if !approve || !ok {
		s.mu.Unlock()
		s.redirectError(w, r, req.redirect, req.state, &entraError{400, "access_denied", 65004, "User declined to consent to access the app.", ""})
		return
	}
	code := "1.AXEA" + opaque(120)
	st.codes[code] = &authCode{tenantID: req.tenantID, clientID: req.app.ClientID, redirect: req.redirect, upn: mbx.UPN,
		scopes: req.scopes, challenge: req.challenge, issued: now}
	s.mu.Unlock()
	v := url.Values{}
	v.Set("code", code)
	if req.state != "" {
		v.Set("state", req.state)
	}
	v.Set("session_state", newGUID())
	http.Redirect(w, r, req.redirect+"?"+v.Encode(), http.StatusFound)
}

// redirectError sends the browser back to the redirect URI with Entra's
// error and error_description (AADSTS text with trace and correlation IDs).
func (s *Sandbox) redirectError(w http.ResponseWriter, r *http.Request, redirect, state string, e *entraError) {
	b := e.body(s.now(), newGUID())
	v := url.Values{}
	v.Set("error", b.Error)
	v.Set("error_description", b.ErrorDescription)
	if state != "" {
		v.Set("state", state)
	}
	http.Redirect(w, r, redirect+"?"+v.Encode(), http.StatusFound)
}

// grantAuthCode redeems an authorization code: once, within 10 minutes,
// for the app and tenant it was issued to, with the same redirect URI, and
// with the PKCE verifier whose S256 hash is the challenge.
func (s *Sandbox) grantAuthCode(app App, tenantID string, form url.Values) (tokenAnswer, *entraError) {
	if e := s.authenticateClient(app, form, false); e != nil {
		return tokenAnswer{}, e
	}
	raw := form.Get("code")
	if raw == "" {
		return tokenAnswer{}, errMissingParam("code")
	}
	now := s.now()
	s.mu.Lock()
	c := s.authzLocked().codes[raw]
	switch {
	case c == nil || !strings.EqualFold(c.clientID, app.ClientID) || !strings.EqualFold(c.tenantID, tenantID):
		s.mu.Unlock()
		return tokenAnswer{}, &entraError{400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.", ""}
	case c.used:
		s.mu.Unlock()
		return tokenAnswer{}, &entraError{400, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.", ""}
	case !now.Before(c.issued.Add(authCodeLifetime)):
		s.mu.Unlock()
		return tokenAnswer{}, errRefreshExpired()
	case form.Get("redirect_uri") != c.redirect:
		s.mu.Unlock()
		return tokenAnswer{}, errRedirectMismatch(form.Get("redirect_uri"), app.ClientID)
	case c.challenge != "" && !pkceMatches(c.challenge, form.Get("code_verifier")):
		// A wrong verifier does not use the code up: the thief fails, the owner still can redeem it.
		s.mu.Unlock()
		return tokenAnswer{}, &entraError{400, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.", ""}
	}
	c.used = true
	upn, scopes, issued := c.upn, c.scopes, c.issued
	s.mu.Unlock()
	if rawScope := form.Get("scope"); rawScope != "" {
		q, e := s.parseScopes(rawScope, tenantID)
		if e != nil {
			return tokenAnswer{}, e
		}
		scopes = q
	}
	mbx, ok := s.lookupMailbox(tenantID, upn)
	if !ok {
		return tokenAnswer{}, errRefreshExpired()
	}
	return s.issueDelegated(app, mbx, scopes, issued)
}

// pkceMatches reports whether verifier's S256 hash is challenge (RFC 7636).
func pkceMatches(challenge, verifier string) bool {
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	return subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) == 1
}

func errRedirectMismatch(redirect, clientID string) *entraError {
	return &entraError{400, "invalid_request", 50011, fmt.Sprintf("The redirect URI '%s' specified in the request does not match the redirect URIs configured for the application '%s'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.", redirect, clientID), ""}
}

// authPage is what the sign-in page shows.
type authPage struct {
	ID, CSRF, App, Action string
	Mailboxes             []string
	Refresh               string // meta refresh for the auto-approval; "" for none
	Error                 string // Entra's error text, on the error page
}

var authPageTmpl = template.Must(template.New("authorize").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{{if .Refresh}}<meta http-equiv="refresh" content="{{.Refresh}}">{{end}}
<title>Sign in to your account - pimmail sandbox</title>
<style>
body{font-family:"Segoe UI",system-ui,sans-serif;background:#f2f2f2;margin:0}
main{background:#fff;max-width:440px;margin:8vh auto;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:24px;font-weight:600;margin:0 0 12px}
select{width:100%;font-size:16px;padding:6px 0}
button{font-size:15px;padding:6px 20px;margin:28px 8px 0 0;border:1px solid #0067b8;cursor:pointer}
.approve{background:#0067b8;color:#fff}.decline{background:#fff;color:#0067b8}
.error{color:#e81123}.note{color:#666;font-size:13px;margin-top:24px}
</style>
</head>
<body>
<main>
<p class="note">Microsoft Entra ID (pimmail sandbox)</p>
{{if .Error}}
<h1>Sign in</h1>
<p>Sorry, but we're having trouble signing you in.</p>
<p class="error" role="alert">{{.Error}}</p>
{{else}}
<h1>Sign in to {{.App}}</h1>
<form method="post" action="{{.Action}}">
<input type="hidden" name="req" value="{{.ID}}">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<label for="upn">Sign in as</label>
<select id="upn" name="upn">{{range .Mailboxes}}<option>{{.}}</option>{{end}}</select>
<button class="approve" type="submit" name="action" value="approve">Accept</button>
<button class="decline" type="submit" name="action" value="decline">Cancel</button>
</form>
{{if .Refresh}}<p class="note">The sandbox signs the first mailbox in by itself in a moment.</p>{{end}}
<p class="note">This is the sandbox: no password is asked for, and nothing here reaches Microsoft.</p>
{{end}}
</main>
</body>
</html>
`))

// renderAuthError shows Entra's error page: the browser is not redirected.
func (s *Sandbox) renderAuthError(w http.ResponseWriter, e *entraError) {
	text := e.text
	if e.code != 0 {
		text = fmt.Sprintf("AADSTS%d: %s", e.code, e.text)
	}
	s.renderAuthPage(w, e.status, authPage{Error: text})
}

func (s *Sandbox) renderAuthPage(w http.ResponseWriter, status int, p authPage) {
	var sb strings.Builder
	if err := authPageTmpl.Execute(&sb, p); err != nil {
		http.Error(w, "page error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http://localhost:*; frame-ancestors 'none'")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(sb.String()))
}
