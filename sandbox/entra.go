package sandbox

import (
	"net/http"
	"slices"
	"strings"
	"sync"
)

// entraState is the Entra stand-in's mutable state: the device codes it
// handed out. Guarded by Sandbox.mu, like the directory it refers to.
//
// It lives in a registry keyed by the Sandbox rather than in a Sandbox
// field because sandbox.go (the shared struct) is not this stand-in's file;
// Close removes the entry.
type entraState struct {
	byDevice map[string]*deviceCode // by device_code
	byUser   map[string]*deviceCode // by normalised user code

	closeOnce sync.Once
	closeErr  error
}

// entraStates maps *Sandbox to its *entraState while it runs.
var entraStates sync.Map

// entra returns the running stand-in's state, nil once closed.
func (s *Sandbox) entra() *entraState {
	v, ok := entraStates.Load(s)
	if !ok {
		return nil
	}
	return v.(*entraState)
}

// entraHandler routes the paths Entra serves, under /{tenant}/ as the real
// service does, plus the device-login page.
func (s *Sandbox) entraHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/{tenant}/v2.0/.well-known/openid-configuration", s.handleOpenIDConfiguration)
	mux.HandleFunc("/{tenant}/discovery/v2.0/keys", s.handleKeys)
	mux.HandleFunc("/{tenant}/.well-known/openid-configuration", s.handleOpenIDConfigurationV1)
	mux.HandleFunc("/{tenant}/discovery/keys", s.handleKeys)
	mux.HandleFunc("/common/discovery/instance", s.handleInstanceDiscovery)
	mux.HandleFunc("/{tenant}/oauth2/v2.0/devicecode", s.handleDeviceCode)
	mux.HandleFunc("/{tenant}/oauth2/v2.0/token", s.handleToken)
	mux.HandleFunc("/devicelogin", s.handleDeviceLogin)
	mux.HandleFunc("/{tenant}/oauth2/v2.0/authorize", s.handleAuthorize)
	return mux
}

// Tenant path segments that name no single tenant.
const (
	tenantCommon        = "common"
	tenantOrganizations = "organizations"
)

// resolvedTenant is the tenant a request's path names.
type resolvedTenant struct {
	// ID is the tenant GUID; empty for /common and /organizations.
	ID string
	// Multi is "common" or "organizations" when the path said so.
	Multi string
}

// resolveTenant resolves the {tenant} path segment (GUID or verified
// domain, any case) against the directory. errValue is the OAuth error
// value for an unknown tenant: the OpenID configuration answers
// invalid_tenant, the OAuth endpoints invalid_request, as Entra does.
func (s *Sandbox) resolveTenant(seg, errValue string) (resolvedTenant, *entraError) {
	lower := strings.ToLower(seg)
	if lower == tenantCommon || lower == tenantOrganizations {
		return resolvedTenant{Multi: lower}, nil
	}
	if !isGUID(seg) && !looksLikeDomain(lower) {
		return resolvedTenant{}, errTenantMalformed(seg)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.dir.Tenants {
		if strings.EqualFold(t.ID, seg) || slices.ContainsFunc(t.Domains, func(d string) bool { return strings.EqualFold(d, seg) }) {
			return resolvedTenant{ID: t.ID}, nil
		}
	}
	return resolvedTenant{}, errTenantNotFound(seg, errValue)
}

// looksLikeDomain reports whether s could be a DNS name: labels of letters,
// digits and hyphens, at least two of them.
func looksLikeDomain(s string) bool {
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// lookupApp finds the app registration and checks it belongs to the tenant
// the request names, as Entra does: an app of another tenant is "not found
// in the directory". For /common and /organizations a single-tenant app is
// refused with AADSTS50194.
func (s *Sandbox) lookupApp(clientID string, t resolvedTenant) (App, *entraError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.dir.Apps {
		if !strings.EqualFold(a.ClientID, clientID) {
			continue
		}
		if t.Multi != "" {
			return App{}, errNotMultiTenant(a)
		}
		if !strings.EqualFold(a.TenantID, t.ID) {
			break
		}
		return cloneApp(a), nil
	}
	name := t.ID
	if t.Multi != "" {
		name = t.Multi
	}
	return App{}, errAppNotFound(clientID, name)
}

// lookupMailbox finds a mailbox of the tenant by UPN (any case); "" means
// the tenant's first mailbox, the one that signs in automatically.
func (s *Sandbox) lookupMailbox(tenantID, upn string) (Mailbox, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lookupMailboxLocked(tenantID, upn)
}

func (s *Sandbox) lookupMailboxLocked(tenantID, upn string) (Mailbox, bool) {
	for _, m := range s.dir.Mailboxes {
		if !strings.EqualFold(m.TenantID, tenantID) {
			continue
		}
		if upn == "" || strings.EqualFold(m.UPN, upn) {
			m.SendAs = slices.Clone(m.SendAs)
			return m, true
		}
	}
	return Mailbox{}, false
}

// cloneApp copies an app so it can be used outside Sandbox.mu.
func cloneApp(a App) App {
	a.Secrets = slices.Clone(a.Secrets)
	a.ConsentedScopes = slices.Clone(a.ConsentedScopes)
	a.AppRoles = slices.Clone(a.AppRoles)
	a.RedirectURIs = slices.Clone(a.RedirectURIs)
	return a
}

// cloneDirectory deep-copies a directory so the caller's copy and the
// running sandbox's never share slices.
func cloneDirectory(d Directory) Directory {
	out := Directory{
		Tenants:   slices.Clone(d.Tenants),
		Apps:      slices.Clone(d.Apps),
		Mailboxes: slices.Clone(d.Mailboxes),
	}
	for i := range out.Tenants {
		out.Tenants[i].Domains = slices.Clone(out.Tenants[i].Domains)
	}
	for i := range out.Apps {
		out.Apps[i] = cloneApp(out.Apps[i])
	}
	for i := range out.Mailboxes {
		out.Mailboxes[i].SendAs = slices.Clone(out.Mailboxes[i].SendAs)
	}
	out.ServicePrincipals = slices.Clone(d.ServicePrincipals)
	for i := range out.ServicePrincipals {
		out.ServicePrincipals[i].FullAccess = slices.Clone(out.ServicePrincipals[i].FullAccess)
	}
	return out
}
