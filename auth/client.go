package auth

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	"github.com/pimmail/pimmail/cloud"
	"github.com/pimmail/pimmail/diagnose"
)

// requestTimeout bounds a call whose context has no deadline of its own, so
// that no network call can hang forever (MSAL adds 30 s per request too, but
// only per request: a call is several requests).
const requestTimeout = 45 * time.Second

// withTimeout gives ctx a deadline when it has none.
func withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, requestTimeout)
}

// cloudOf returns the settings' cloud; the zero Cloud means Global, as
// cloud.ByName("") does, so a config without a cloud keeps working.
func cloudOf(s Settings) cloud.Cloud {
	if s.Cloud.AuthorityHost == "" {
		return cloud.Global
	}
	return s.Cloud
}

// tenantOf and clientOf trim what an admin pasted.
func tenantOf(s Settings) string { return strings.TrimSpace(s.TenantID) }
func clientOf(s Settings) string { return strings.TrimSpace(s.ClientID) }

// facts are what every problem from these settings can name.
func facts(s Settings, mailbox string) diagnose.Facts {
	return diagnose.Facts{TenantID: tenantOf(s), ClientID: clientOf(s), Mailbox: mailbox}
}

// authorityBase is the authority without tenant: the override (sandbox) or
// the cloud's host.
func authorityBase(s Settings) string {
	if s.Authority != "" {
		return strings.TrimRight(strings.TrimSpace(s.Authority), "/")
	}
	return cloudOf(s).AuthorityURL()
}

// authorityURL is the one place the tenant authority is built.
func authorityURL(s Settings) string { return authorityBase(s) + "/" + tenantOf(s) }

// instanceDiscovery is on for the real clouds (MSAL knows their hosts) and
// off for an overridden authority, which Microsoft's discovery endpoint
// would not know (and which a test must never ask Microsoft about).
func instanceDiscovery(s Settings) bool { return s.Authority == "" }

// newHTTPClient is the only HTTP client MSAL gets: TLS 1.2 at least,
// verification always on, the sandbox CA when given (system roots
// otherwise), the environment's proxy (loopback is never proxied).
func newHTTPClient(s Settings) *http.Client {
	// A transport of our own (not a clone of http.DefaultTransport, which
	// any package may have replaced), with the standard library's defaults.
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          10,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: s.RootCAs},
	}
	return &http.Client{Transport: tr, Timeout: requestTimeout}
}

// newPublicClient builds the public client (device code, silent refresh)
// on the given cache.
func newPublicClient(s Settings, hc *http.Client, c *Cache) (public.Client, error) {
	opts := []public.Option{
		public.WithAuthority(authorityURL(s)),
		public.WithHTTPClient(hc),
		public.WithInstanceDiscovery(instanceDiscovery(s)),
	}
	if c != nil {
		opts = append(opts, public.WithCache(c))
	}
	return public.New(clientOf(s), opts...)
}

// newConfidentialClient builds the confidential client for the app check.
// It gets no cache accessor on purpose: MSAL then keeps the app token in
// the client's own memory, which is dropped with the client, so app tokens
// are never persisted.
func newConfidentialClient(s Settings, hc *http.Client, cred confidential.Credential) (confidential.Client, error) {
	return confidential.New(authorityURL(s), clientOf(s), cred,
		confidential.WithHTTPClient(hc),
		confidential.WithInstanceDiscovery(instanceDiscovery(s)),
	)
}
