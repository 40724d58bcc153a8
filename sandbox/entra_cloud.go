package sandbox

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/pimmail/pimmail/cloud"
)

// The sandbox plays every Microsoft cloud pimmail offers (package cloud
// holds their facts). A request is answered as the cloud it addresses:
//
//   - reached through a TLS-terminating proxy under a cloud's sign-in host
//     (login.microsoftonline.us, say), that cloud: its documents name that
//     host, and only its Exchange Online resource exists;
//   - reached directly (https://127.0.0.1:PORT), the cloud whose Exchange
//     Online resource the scope names, else the cloud the sandbox was
//     started for (Options.Cloud), else any.
//
// A tenant lives in one cloud (Tenant.Cloud; "" is the sandbox's "every
// cloud"). Asked for in another cloud's directory it is not found, as
// Entra answers: AADSTS90002. GCC High and DoD share one directory.

// playedCloud is the cloud the sandbox was started for. A sandbox playing
// every cloud plays the one it last issued an Exchange Online token for
// (the cloud the wizard chose on step 2, once the mailbox signed in), and
// Global before that.
func (s *Sandbox) playedCloud() cloud.Cloud {
	if s.opts.Cloud == "" {
		if v, ok := tokenClouds.Load(s); ok {
			return v.(cloud.Cloud)
		}
		return cloud.Global
	}
	c, ok := cloud.ByName(s.opts.Cloud)
	if !ok {
		return cloud.Global
	}
	return c
}

// tokenClouds maps a *Sandbox playing every cloud to the cloud.Cloud of the
// last Exchange Online token it issued. A registry beside the struct, like
// entraStates; Close removes the entry.
var tokenClouds sync.Map

// noteTokenCloud remembers the cloud of an Exchange Online token issued
// for aud (nothing for another resource or the application ID).
func (s *Sandbox) noteTokenCloud(aud string) {
	if c, ok := cloud.ByResource(aud); ok && s.opts.Cloud == "" {
		tokenClouds.Store(s, c)
	}
}

// hostCloud is the cloud whose sign-in host the request was sent to, when
// it was (through a proxy); false for the sandbox's own address.
func hostCloud(r *http.Request) (cloud.Cloud, bool) {
	h := r.Host
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	return cloud.ByAuthorityHost(h)
}

// askedCloud is the cloud a request addresses (see above); false when it
// names none and the sandbox plays every cloud.
func (s *Sandbox) askedCloud(r *http.Request, resource string) (cloud.Cloud, bool) {
	if c, ok := hostCloud(r); ok {
		return s.preferPlayed(c), true
	}
	if c, ok := cloud.ByResource(resource); ok {
		return c, true
	}
	if s.opts.Cloud != "" {
		return s.playedCloud(), true
	}
	return cloud.Cloud{}, false
}

// tenantCloud is the cloud tenant id lives in; false for "every cloud".
func (s *Sandbox) tenantCloud(id string) (cloud.Cloud, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.dir.Tenants {
		if strings.EqualFold(t.ID, id) && t.Cloud != "" {
			c, ok := cloud.ByName(t.Cloud)
			return c, ok
		}
	}
	return cloud.Cloud{}, false
}

// checkCloud answers for a request to tenant t (as the path named it:
// seg) with resource (the Exchange resource its scope names, "" for none):
// a resource of another cloud than the sign-in host's does not exist there
// (AADSTS500011), and a tenant of another cloud is not found (AADSTS90002,
// errValue as for an unknown tenant).
func (s *Sandbox) checkCloud(r *http.Request, t resolvedTenant, seg, resource, errValue string) *entraError {
	if t.ID == "" {
		return nil // /common, /organizations: no one tenant
	}
	if hc, ok := hostCloud(r); ok {
		if rc, ok := cloud.ByResource(resource); ok && !cloud.SameDirectory(hc, rc) {
			return errNoResource(resource, t.ID)
		}
	}
	asked, ok := s.askedCloud(r, resource)
	if !ok {
		return nil
	}
	if tc, ok := s.tenantCloud(t.ID); ok && !cloud.SameDirectory(tc, asked) {
		return errTenantNotFound(seg, errValue)
	}
	return nil
}

// scopeResource is the resource of the first resource scope in a scope
// parameter ("https://outlook.office365.us/SMTP.Send" names
// https://outlook.office365.us); "" when there is none.
func scopeResource(raw string) string {
	for _, f := range strings.Fields(raw) {
		if i := strings.LastIndex(f, "/"); i > 0 && strings.Contains(f[:i], "://") {
			return f[:i]
		}
	}
	return ""
}

// isExchangeResource reports whether res names Exchange Online in one of
// the clouds (its URLs or its application ID).
func isExchangeResource(res string) bool {
	for _, c := range cloud.All {
		if containsFold(c.Audiences, res) {
			return true
		}
	}
	return false
}

// exchangeAudience is the aud Entra puts in a token for the Exchange
// resource the client named: the URL as the cloud spells it, or, for the
// application ID or a resource of no cloud, the played cloud's first.
func (s *Sandbox) exchangeAudience(resource string) string {
	c, ok := cloud.ByResource(resource)
	if !ok {
		return s.playedCloud().Audiences[0]
	}
	for _, a := range c.Audiences {
		if strings.EqualFold(a, strings.TrimSuffix(resource, "/")) {
			return a
		}
	}
	return c.Audiences[0]
}

// audienceCloud is the cloud a token's audience belongs to; the played
// cloud for Exchange's application ID.
func (s *Sandbox) audienceCloud(aud string) cloud.Cloud {
	if c, ok := cloud.ByResource(aud); ok {
		return c
	}
	return s.playedCloud()
}

// exchangeAccepts reports whether the Exchange stand-in takes a token for
// aud: any cloud's Exchange when the sandbox plays every cloud, else only
// the played cloud's.
func (s *Sandbox) exchangeAccepts(aud string) bool {
	if s.opts.Cloud == "" {
		return isExchangeResource(aud)
	}
	return containsFold(s.playedCloud().Audiences, aud)
}

// cloudHosts are the sign-in hosts of every cloud, with their aliases.
func cloudHosts() []string {
	var out []string
	for _, c := range cloud.All {
		if !containsFold(out, c.AuthorityHost) {
			out = append(out, c.AuthorityHost)
			out = append(out, c.AuthorityAliases...)
		}
	}
	return out
}

// documentCloud is the cloud whose names the discovery documents carry:
// the sign-in host's, else the played cloud's.
func (s *Sandbox) documentCloud(r *http.Request) cloud.Cloud {
	if c, ok := hostCloud(r); ok {
		return s.preferPlayed(c)
	}
	return s.playedCloud()
}

// preferPlayed is c, or the played cloud when that shares c's directory:
// login.microsoftonline.us is DoD's sign-in host too.
func (s *Sandbox) preferPlayed(c cloud.Cloud) cloud.Cloud {
	if p := s.playedCloud(); s.opts.Cloud != "" && cloud.SameDirectory(p, c) {
		return p
	}
	return c
}

// validCloud accepts "" and the names of package cloud.
func validCloud(name string) error {
	if name == "" {
		return nil
	}
	if _, ok := cloud.ByName(name); ok {
		return nil
	}
	names := make([]string, len(cloud.All))
	for i, c := range cloud.All {
		names[i] = c.Name
	}
	return fmt.Errorf("sandbox: unknown cloud %q; valid clouds: %s", name, strings.Join(names, ", "))
}

// DirectoryFor is the default directory for a sandbox playing the named
// cloud: for a cloud other than Global its tenant lives there alone and has
// that cloud's initial domain (contoso-sandbox.onmicrosoft.us, say) besides
// DefaultTenantDomain; "" or an unknown name is DefaultDirectory().
func DirectoryFor(name string) Directory {
	d := DefaultDirectory()
	c, ok := cloud.ByName(name)
	if name == "" || !ok {
		return d
	}
	d.Tenants[0].Cloud = c.Name
	if c.TenantDomainSuffix != cloud.Global.TenantDomainSuffix {
		d.Tenants[0].Domains = append(d.Tenants[0].Domains, TenantDomainIn(c))
	}
	return d
}

// TenantDomainIn is the sandbox tenant's initial domain in cloud c.
func TenantDomainIn(c cloud.Cloud) string {
	return strings.SplitN(DefaultTenantDomain, ".", 2)[0] + "." + c.TenantDomainSuffix
}
