package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/pimmail/pimmail/diagnose"
)

// CheckTenant confirms the tenant (GUID or verified domain) exists: its
// OpenID configuration resolves.
//
// The configuration is fetched by MSAL itself, as it resolves the authority
// before any token request: public.Client.AuthCodeURL does exactly that
// resolution (plus building a URL, no further request), so the check sees
// the same request, validation (endpoints present, issuer matching the
// authority) and errors as every later call. MSAL does not hand out the
// issuer, so a tap on our own HTTP client keeps a copy of that one response
// body; nothing else is read from the wire.
func CheckTenant(ctx context.Context, s Settings) (TenantInfo, error) {
	if err := checkTenantInput(s); err != nil {
		return TenantInfo{}, err
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()

	hc := newHTTPClient(s)
	defer hc.CloseIdleConnections()
	tap := &discoveryTap{next: hc.Transport}
	hc.Transport = tap

	pc, err := newPublicClient(s, hc, nil)
	if err != nil {
		return TenantInfo{}, entraProblem(err, s, "")
	}
	if _, err := pc.AuthCodeURL(ctx, clientOf(s), "http://localhost", []string{cloudOf(s).SMTPScope}); err != nil {
		return TenantInfo{}, entraProblem(err, s, "")
	}

	var doc struct {
		Issuer string `json:"issuer"`
	}
	body := tap.seen()
	if err := json.Unmarshal(body, &doc); err != nil || doc.Issuer == "" {
		return TenantInfo{}, scrub(diagnose.New(diagnose.Unexpected, facts(s, ""),
			"the OpenID configuration of "+authorityURL(s)+" has no issuer", err), s)
	}
	id := tenantFromIssuer(doc.Issuer)
	if id == "" {
		return TenantInfo{}, scrub(diagnose.New(diagnose.Unexpected, facts(s, ""),
			"the issuer "+doc.Issuer+" names no tenant ID", nil), s)
	}
	return TenantInfo{Issuer: doc.Issuer, TenantID: id}, nil
}

// guidRE matches a tenant GUID.
var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// tenantFromIssuer returns the tenant GUID in an issuer such as
// https://login.microsoftonline.com/{guid}/v2.0 or https://sts.windows.net/{guid}/.
func tenantFromIssuer(iss string) string {
	u, err := url.Parse(iss)
	if err != nil {
		return ""
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if guidRE.MatchString(seg) {
			return strings.ToLower(seg)
		}
	}
	return ""
}

// tenantRE is what a tenant GUID or verified domain can look like; the
// value goes into the authority URL's path, so nothing else may pass.
var tenantRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$`)

// checkTenantInput refuses what cannot be a single tenant before anything
// is sent: empty, not a GUID or domain, or one of the multi-tenant aliases
// (pimmail signs one mailbox of one organisation in).
func checkTenantInput(s Settings) error {
	t := tenantOf(s)
	switch {
	case t == "":
		return inputProblem(diagnose.EntraTenantNotFound, s, "no Directory (tenant) ID was given")
	case strings.EqualFold(t, "common"), strings.EqualFold(t, "organizations"), strings.EqualFold(t, "consumers"):
		return inputProblem(diagnose.EntraTenantNotFound, s,
			fmt.Sprintf("%q names no single tenant; use the Directory (tenant) ID of the mailbox's organisation", t))
	case len(t) > 253 || !tenantRE.MatchString(t):
		return inputProblem(diagnose.EntraTenantNotFound, s,
			fmt.Sprintf("%q is neither a tenant ID (GUID) nor a domain name", t))
	}
	return nil
}

// checkClientInput refuses an empty client ID before anything is sent.
func checkClientInput(s Settings) error {
	if clientOf(s) == "" {
		return inputProblem(diagnose.EntraAppNotFound, s, "no Application (client) ID was given")
	}
	return nil
}

// discoveryTap keeps a copy of the OpenID configuration MSAL fetches.
type discoveryTap struct {
	next http.RoundTripper
	mu   sync.Mutex
	body []byte
}

// maxDiscovery bounds the copy; real documents are a few kilobytes.
const maxDiscovery = 1 << 20

// RoundTrip passes the request on and copies a successful OpenID
// configuration answer, handing MSAL an identical body.
func (t *discoveryTap) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusOK ||
		!strings.HasSuffix(req.URL.Path, "/.well-known/openid-configuration") {
		return resp, err
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxDiscovery))
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	t.body = b
	t.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

// seen returns the copied body, if any.
func (t *discoveryTap) seen() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.body
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the
// transport under the tap.
func (t *discoveryTap) CloseIdleConnections() {
	if ci, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}
