package diagnose

import (
	"errors"
	"net"
	"net/http"
	"net/url"
)

// HTTPS proxies. pimmail's Entra ID requests go through the proxy named in
// HTTPS_PROXY (Go's http.ProxyFromEnvironment), which the fixes for an
// unreachable sign-in service tell the admin to set. When that proxy
// cannot be reached, or refuses the CONNECT, blaming Microsoft's host (or
// "something unexpected") would send the admin the wrong way.

// proxyProblem recognises a failure of the HTTPS proxy: the connection to
// the proxy itself failed (Go marks it with Op "proxyconnect"), or, with
// final set (nothing else explained err), a request that went through a
// proxy failed with the proxy's own answer to CONNECT ("Forbidden",
// "Proxy Authentication Required").
func proxyProblem(err error, f Facts, raw string, final bool) (*Problem, bool) {
	proxy := proxyFor(err)
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "proxyconnect" {
		p := New(NetProxy, f, raw, err)
		cause := "it failed"
		if op.Err != nil {
			cause = op.Err.Error()
		}
		p.setExplanation("The HTTPS proxy " + proxy + " (from HTTPS_PROXY) cannot be reached (" + cause +
			"), so nothing reached {<host>|the server}.")
		return p, true
	}
	var ue *url.Error
	if final && proxy != "" && errors.As(err, &ue) && ue.Err != nil {
		p := New(NetProxy, f, raw, err)
		p.setExplanation("The HTTPS proxy " + proxy + " (from HTTPS_PROXY) did not connect pimmail to {<host>|the server}; " +
			"it answered \"" + ue.Err.Error() + "\".")
		return p, true
	}
	return nil, false
}

// proxyFor names the proxy the request behind err went through (its
// address, credentials masked), or "" when there was none.
func proxyFor(err error) string {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return ""
	}
	u, perr := url.Parse(ue.URL)
	if perr != nil {
		return ""
	}
	pu, perr := http.ProxyFromEnvironment(&http.Request{URL: u})
	if perr != nil || pu == nil {
		return ""
	}
	return pu.Redacted()
}
