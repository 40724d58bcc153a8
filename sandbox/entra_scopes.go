package sandbox

import (
	"slices"
	"strings"
)

// exchangeDelegated are the delegated permissions the Exchange Online
// resource publishes that a mail client may ask for.
var exchangeDelegated = []string{
	"SMTP.Send", "IMAP.AccessAsUser.All", "POP.AccessAsUser.All", "EWS.AccessAsUser.All",
	"Mail.Send", "Mail.Read", "Mail.ReadWrite", "User.Read",
}

// oidcScopes are the OpenID Connect scopes MSAL adds to every request; they
// name no resource and need no consent.
var oidcScopes = []string{"openid", "profile", "offline_access", "email"}

// scopeRequest is a parsed scope parameter.
type scopeRequest struct {
	raw string
	// oidc holds the OpenID Connect scopes asked for, lower case.
	oidc []string
	// resource is the Exchange resource as the client named it
	// (e.g. https://outlook.office.com); "" when none was asked for.
	resource string
	// perms are the resource's permissions asked for, e.g. SMTP.Send or .default.
	perms []string
	// resourceScopes are the resource scopes exactly as asked for: what the
	// token answer's "scope" field repeats.
	resourceScopes []string
}

// has reports whether the OIDC scope was asked for.
func (q scopeRequest) has(oidc string) bool { return slices.Contains(q.oidc, oidc) }

// parseScopes splits a scope parameter into OIDC scopes and Exchange
// resource scopes. A resource Entra does not know in the tenant is
// AADSTS500011 (also Exchange itself when the tenant has none), a scope that
// is not "resource/permission" or names a permission the resource lacks is
// AADSTS70011, and so is asking for two resources at once.
func (s *Sandbox) parseScopes(raw, tenantID string) (scopeRequest, *entraError) {
	q := scopeRequest{raw: raw}
	fields := strings.Fields(raw)
	if len(fields) == 0 {
		return q, errMissingParam("scope")
	}
	for _, f := range fields {
		if slices.Contains(oidcScopes, strings.ToLower(f)) {
			q.oidc = append(q.oidc, strings.ToLower(f))
			continue
		}
		i := strings.LastIndex(f, "/")
		if i <= 0 || i == len(f)-1 {
			return q, errBadScope(raw)
		}
		res, perm := f[:i], f[i+1:]
		if !isExchangeResource(res) {
			return q, errNoResource(res, tenantID)
		}
		if s.opts.Scenario == "no-exchange" {
			return q, errNoResource(res, tenantID)
		}
		if q.resource != "" && !strings.EqualFold(q.resource, res) {
			return q, errBadScope(raw)
		}
		q.resource = res
		q.perms = append(q.perms, perm)
		q.resourceScopes = append(q.resourceScopes, f)
	}
	if q.resource == "" {
		return q, errBadScope(raw)
	}
	return q, nil
}

// delegatedPerms checks the permissions are ones Exchange publishes for
// delegated use (70011 otherwise) and resolves .default to what the app has
// consent for.
func (q scopeRequest) delegatedPerms(app App) ([]string, *entraError) {
	var out []string
	for _, p := range q.perms {
		if p == ".default" {
			for _, c := range app.ConsentedScopes {
				if slices.ContainsFunc(exchangeDelegated, func(e string) bool { return strings.EqualFold(e, c) }) {
					out = append(out, c)
				}
			}
			continue
		}
		i := slices.IndexFunc(exchangeDelegated, func(e string) bool { return strings.EqualFold(e, p) })
		if i < 0 {
			return nil, errBadScope(q.raw)
		}
		out = append(out, exchangeDelegated[i])
	}
	return out, nil
}

// checkConsent answers AADSTS65001 when a permission has no consent: in the
// directory, or, under the consent-missing scenario, SMTP.Send never has.
func (s *Sandbox) checkConsent(app App, perms []string) *entraError {
	if len(perms) == 0 {
		return errConsent(app)
	}
	for _, p := range perms {
		ok := slices.ContainsFunc(app.ConsentedScopes, func(c string) bool { return strings.EqualFold(c, p) })
		if s.opts.Scenario == "consent-missing" && strings.EqualFold(p, "SMTP.Send") {
			ok = false
		}
		if !ok {
			return errConsent(app)
		}
	}
	return nil
}

// appScopeResource checks a client-credentials scope: every resource scope
// must be "resource/.default" (AADSTS1002012 otherwise) for one known
// resource. It returns the resource.
func (s *Sandbox) appScopeResource(raw, tenantID string) (string, *entraError) {
	resource := ""
	for _, f := range strings.Fields(raw) {
		if slices.Contains(oidcScopes, strings.ToLower(f)) {
			continue // MSAL adds these to every request; Entra ignores them here
		}
		res, ok := strings.CutSuffix(f, "/.default")
		if !ok || res == "" {
			return "", errNeedsDefaultScope(raw)
		}
		known := isExchangeResource(res) && s.opts.Scenario != "no-exchange"
		if !known && !slices.Contains(graphResources, strings.ToLower(res)) {
			return "", errNoResource(res, tenantID)
		}
		if resource != "" && !strings.EqualFold(resource, res) {
			return "", errBadScope(raw)
		}
		resource = res
	}
	if resource == "" {
		return "", errNeedsDefaultScope(raw)
	}
	return resource, nil
}

// GraphAudience is the aud of Microsoft Graph tokens.
const GraphAudience = "https://graph.microsoft.com"

// graphResources are the identifiers Microsoft Graph answers to, lower
// case. Client-credentials tokens for Graph are issued as Entra issues them
// (pimmail never asks for one; a wrong-audience token is what it must catch).
var graphResources = []string{GraphAudience, "https://graph.microsoft.com/", "00000003-0000-0000-c000-000000000000"}

// exchangeAppPerms and graphAppPerms are the application permissions each
// resource publishes that an app registration here may hold in AppRoles.
var (
	exchangeAppPerms = []string{"SMTP.SendAsApp", "IMAP.AccessAsApp", "POP.AccessAsApp", "full_access_as_app", "Exchange.ManageAsApp"}
	graphAppPerms    = []string{"Mail.Send", "Mail.ReadWrite", "User.Read.All", "Directory.Read.All"}
)

// grantedAppRoles are the app's consented application permissions that
// belong to resource: a token's roles claim never lists another
// resource's permissions.
func grantedAppRoles(app App, resource string) []string {
	perms := exchangeAppPerms
	if slices.Contains(graphResources, strings.ToLower(resource)) {
		perms = graphAppPerms
	}
	var out []string
	for _, r := range app.AppRoles {
		if slices.ContainsFunc(perms, func(p string) bool { return strings.EqualFold(p, r) }) {
			out = append(out, r)
		}
	}
	return out
}
