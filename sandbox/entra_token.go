package sandbox

import (
	"crypto/subtle"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Grant types the token endpoint serves.
const (
	grantDeviceCode = "urn:ietf:params:oauth:grant-type:device_code"
	// grantDeviceCodeShort is what MSAL sends; Entra takes both.
	grantDeviceCodeShort   = "device_code"
	grantRefreshToken      = "refresh_token"
	grantClientCredentials = "client_credentials"
)

// maxFormBytes bounds a token or devicecode request body.
const maxFormBytes = 64 << 10

// checkPost answers Entra's AADSTS900561 to anything but POST.
func checkPost(r *http.Request) *entraError {
	if r.Method != http.MethodPost {
		return errPostOnly(r.Method)
	}
	return nil
}

// parseForm reads an application/x-www-form-urlencoded body (bounded).
// Entra reads only the body: a client_id in the query string does not count.
func parseForm(w http.ResponseWriter, r *http.Request) (url.Values, *entraError) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		return nil, errMissingParam("grant_type")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return nil, &entraError{400, "invalid_request", 900144, "The request body must be application/x-www-form-urlencoded.", ""}
	}
	return r.PostForm, nil
}

// appRequest reads what the devicecode and token endpoints both start
// with, and refuses it in Entra's order: POST only, the tenant in the path,
// the form body, the parameters named in required, then client_id and its
// app in that tenant.
func (s *Sandbox) appRequest(w http.ResponseWriter, r *http.Request, required ...string) (resolvedTenant, url.Values, App, *entraError) {
	if e := checkPost(r); e != nil {
		return resolvedTenant{}, nil, App{}, e
	}
	t, e := s.resolveTenant(r.PathValue("tenant"), "invalid_request")
	if e != nil {
		return resolvedTenant{}, nil, App{}, e
	}
	form, e := parseForm(w, r)
	if e != nil {
		return resolvedTenant{}, nil, App{}, e
	}
	for _, name := range append(required, "client_id") {
		if form.Get(name) == "" {
			return resolvedTenant{}, nil, App{}, errMissingParam(name)
		}
	}
	if e := s.checkCloud(r, t, r.PathValue("tenant"), scopeResource(form.Get("scope")), "invalid_request"); e != nil {
		return resolvedTenant{}, nil, App{}, e
	}
	app, e := s.lookupApp(form.Get("client_id"), t)
	return t, form, app, e
}

// publicClientAllowed is Authentication > Allow public client flows, which
// the public-client-disabled scenario switches off.
func (s *Sandbox) publicClientAllowed(app App) bool {
	return app.PublicClient && s.opts.Scenario != "public-client-disabled"
}

// authenticateClient checks the client's credential. With a client_secret
// it must match a secret's Value (a Secret ID or anything else is
// AADSTS7000215) that has not expired (AADSTS7000222; under the
// secret-expired scenario every secret has). Without one the app must allow
// public client flows, unless needSecret, else AADSTS7000218.
func (s *Sandbox) authenticateClient(app App, form url.Values, needSecret bool) *entraError {
	given := form.Get("client_secret")
	if given == "" {
		if needSecret || !s.publicClientAllowed(app) {
			return errNeedsSecret()
		}
		return nil
	}
	now := s.now()
	for _, sec := range app.Secrets {
		if subtle.ConstantTimeCompare([]byte(sec.Value), []byte(given)) != 1 {
			continue
		}
		if s.opts.Scenario == "secret-expired" || !now.Before(sec.ExpiresOn) {
			return errSecretExpired(app.ClientID)
		}
		return nil
	}
	return errBadSecret(app.ClientID)
}

// tokenAnswer is the token endpoint's JSON on success, Entra's fields in
// Entra's order. Client-credentials answers carry no scope, refresh token,
// ID token or client_info.
type tokenAnswer struct {
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope,omitempty"`
	ExpiresIn    int    `json:"expires_in"`
	ExtExpiresIn int    `json:"ext_expires_in"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
	ClientInfo   string `json:"client_info,omitempty"`
}

// handleToken serves POST /{tenant}/oauth2/v2.0/token for the device_code,
// refresh_token and client_credentials grants.
func (s *Sandbox) handleToken(w http.ResponseWriter, r *http.Request) {
	t, form, app, e := s.appRequest(w, r, "grant_type")
	if e != nil {
		s.writeEntraError(w, r, e)
		return
	}
	var ans tokenAnswer
	switch grant := form.Get("grant_type"); grant {
	case grantDeviceCode, grantDeviceCodeShort:
		ans, e = s.grantDeviceCode(app, t.ID, form)
	case grantRefreshToken:
		ans, e = s.grantRefreshToken(app, t.ID, form)
	case grantClientCredentials:
		ans, e = s.grantClientCredentials(app, t.ID, form)
	case grantAuthCode:
		ans, e = s.grantAuthCode(app, t.ID, form)
	default:
		e = errUnsupportedGrant(grant)
	}
	if e != nil {
		s.writeEntraError(w, r, e)
		return
	}
	writeJSON(w, http.StatusOK, ans)
}

// grantDeviceCode redeems a device code. Pending codes answer
// authorization_pending however fast they are polled: Entra never answers
// slow_down (RFC 8628 3.5 allows it; Entra does not send it). Approved,
// declined and expired codes answer that.
func (s *Sandbox) grantDeviceCode(app App, tenantID string, form url.Values) (tokenAnswer, *entraError) {
	if e := s.authenticateClient(app, form, false); e != nil {
		return tokenAnswer{}, e
	}
	code := form.Get("device_code")
	if code == "" {
		return tokenAnswer{}, errMissingParam("device_code")
	}
	s.mu.Lock()
	st := s.entra()
	var dc *deviceCode
	if st != nil {
		dc = st.byDevice[code]
	}
	if dc == nil || !strings.EqualFold(dc.app.ClientID, app.ClientID) || !strings.EqualFold(dc.tenantID, tenantID) {
		s.mu.Unlock()
		return tokenAnswer{}, errBadDeviceCode()
	}
	now := s.now()
	s.autoDecideLocked(dc, now)
	switch {
	case !now.Before(dc.expires) && dc.state != codeApproved:
		st.forgetLocked(dc)
		s.mu.Unlock()
		return tokenAnswer{}, errCodeExpired()
	case dc.state == codeDeclined:
		st.forgetLocked(dc)
		s.mu.Unlock()
		return tokenAnswer{}, errDeclined()
	case dc.state == codePending:
		dc.lastPoll = now
		s.mu.Unlock()
		return tokenAnswer{}, errPending()
	}
	// Approved: the code is answered for good, tokens or not.
	st.forgetLocked(dc)
	upn, scopes, authTime := dc.upn, dc.scopes, dc.authTime
	s.mu.Unlock()
	if e := s.deviceFlowPolicy(); e != nil {
		return tokenAnswer{}, e
	}

	mbx, ok := s.lookupMailbox(tenantID, upn)
	if !ok {
		return tokenAnswer{}, errBadDeviceCode()
	}
	return s.issueDelegated(app, mbx, scopes, authTime)
}

// grantRefreshToken redeems a refresh token: Entra's invalid_grant answers
// for one that is revoked (AADSTS50173), unused for 90 days (AADSTS700082)
// or not redeemable here at all (AADSTS70008, e.g. signed by another
// sandbox's key or for another app or tenant).
func (s *Sandbox) grantRefreshToken(app App, tenantID string, form url.Values) (tokenAnswer, *entraError) {
	if e := s.authenticateClient(app, form, false); e != nil {
		return tokenAnswer{}, e
	}
	raw := form.Get("refresh_token")
	if raw == "" {
		return tokenAnswer{}, errMissingParam("refresh_token")
	}
	rt, err := s.parseRefreshToken(raw)
	if errors.Is(err, errRefreshMalformed) {
		return tokenAnswer{}, errRefreshMalformedAnswer()
	}
	if err != nil || !strings.EqualFold(rt.AppID, app.ClientID) || !strings.EqualFold(rt.TenantID, tenantID) {
		return tokenAnswer{}, errRefreshExpired()
	}
	now := s.now()
	issued := rt.IssuedAt.Time
	switch {
	case s.opts.Scenario == "refresh-revoked":
		return tokenAnswer{}, errRefreshRevoked(issued, now)
	case s.opts.Scenario == "refresh-inactive", !now.Before(rt.ExpiresAt.Time):
		return tokenAnswer{}, errRefreshInactive(issued)
	}
	mbx, ok := s.lookupMailbox(tenantID, rt.UPN)
	if !ok {
		return tokenAnswer{}, errRefreshRevoked(issued, now)
	}
	raw = form.Get("scope")
	if raw == "" {
		raw = rt.Scope
	}
	scopes, e := s.parseScopes(raw, tenantID)
	if e != nil {
		return tokenAnswer{}, e
	}
	authTime := issued
	if rt.AuthTime != nil {
		authTime = rt.AuthTime.Time
	}
	return s.issueDelegated(app, mbx, scopes, authTime)
}

// issueDelegated answers a delegated grant for mbx: the sign-in policies
// (Conditional Access, MFA), consent, then the tokens.
func (s *Sandbox) issueDelegated(app App, mbx Mailbox, scopes scopeRequest, authTime time.Time) (tokenAnswer, *entraError) {
	switch s.opts.Scenario {
	case "conditional-access":
		return tokenAnswer{}, errConditionalAccess()
	case "mfa-required":
		return tokenAnswer{}, errMFA(scopes.resource)
	}
	perms, e := scopes.delegatedPerms(app)
	if e != nil {
		return tokenAnswer{}, e
	}
	if e := s.checkConsent(app, perms); e != nil {
		return tokenAnswer{}, e
	}
	aud := s.exchangeAudience(scopes.resource)
	switch s.opts.Scenario {
	case "token-graph":
		// A token for Microsoft Graph where Exchange's was asked for.
		aud, perms = GraphAudience, []string{"Mail.Send", "User.Read"}
	case "token-no-smtp-send":
		// A token for Exchange Online without SMTP.Send.
		perms = []string{"IMAP.AccessAsUser.All"}
	}
	lifetime := s.accessLifetime()
	at, _, err := s.issueAccessTokenFor(mbx, app, perms, aud, lifetime)
	if err != nil {
		return tokenAnswer{}, errServer()
	}
	ans := tokenAnswer{
		TokenType:    "Bearer",
		Scope:        strings.Join(scopes.resourceScopes, " "),
		ExpiresIn:    int(lifetime.Seconds()),
		ExtExpiresIn: int(lifetime.Seconds()),
		AccessToken:  at,
		ClientInfo:   clientInfo(mbx),
	}
	if scopes.has("offline_access") {
		if ans.RefreshToken, err = s.issueRefreshToken(mbx, app, scopes.raw, authTime); err != nil {
			return tokenAnswer{}, errServer()
		}
	}
	if scopes.has("openid") {
		if ans.IDToken, err = s.issueIDToken(mbx, app); err != nil {
			return tokenAnswer{}, errServer()
		}
	}
	return ans, nil
}

// grantClientCredentials issues an app-only token: a secret is required,
// the scope must be resource/.default (AADSTS1002012), and the token's
// roles are the app's consented application permissions.
func (s *Sandbox) grantClientCredentials(app App, tenantID string, form url.Values) (tokenAnswer, *entraError) {
	if e := s.authenticateClient(app, form, true); e != nil {
		return tokenAnswer{}, e
	}
	if form.Get("scope") == "" {
		return tokenAnswer{}, errMissingParam("scope")
	}
	resource, e := s.appScopeResource(form.Get("scope"), tenantID)
	if e != nil {
		return tokenAnswer{}, e
	}
	lifetime := s.accessLifetime()
	at, _, err := s.issueAppToken(app, resource, lifetime)
	if err != nil {
		return tokenAnswer{}, errServer()
	}
	return tokenAnswer{
		TokenType:    "Bearer",
		ExpiresIn:    int(lifetime.Seconds()),
		ExtExpiresIn: int(lifetime.Seconds()),
		AccessToken:  at,
	}, nil
}

// errServer is the answer when signing fails, which should never happen.
func errServer() *entraError {
	return &entraError{500, "server_error", 0, "The sandbox could not sign the token.", ""}
}
