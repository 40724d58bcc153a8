package sandbox

import (
	"github.com/pimmail/pimmail/cloud"
	"net/http"
	"net/url"
	"strings"
)

// What Entra serves besides the v2.0 endpoints, so that clients that take
// the real-cloud path (instance discovery on, no authority override) find
// it here too: instance discovery (/common/discovery/instance) and the v1
// OpenID configuration with its keys. Reached through a TLS-terminating
// proxy as login.microsoftonline.com, the documents name that host, as
// Entra's do; reached directly, the sandbox's own address.

// requestAuthority is the authority as the client reached it:
// https://<Host of the request>.
func (s *Sandbox) requestAuthority(r *http.Request) string {
	if r.Host == "" {
		return s.endpoints.Authority
	}
	return "https://" + r.Host
}

// instanceMetadata is one cloud in the instance discovery answer.
type instanceMetadata struct {
	PreferredNetwork string   `json:"preferred_network"`
	PreferredCache   string   `json:"preferred_cache"`
	Aliases          []string `json:"aliases"`
}

// instanceDiscovery is the answer of /common/discovery/instance.
type instanceDiscovery struct {
	TenantDiscoveryEndpoint string             `json:"tenant_discovery_endpoint"`
	APIVersion              string             `json:"api-version"`
	Metadata                []instanceMetadata `json:"metadata"`
}

// handleInstanceDiscovery serves GET /common/discovery/instance
// ?api-version=1.1&authorization_endpoint=https://<host>/<tenant>/oauth2/v2.0/authorize:
// where the tenant's OpenID configuration is, and which hosts are one
// cloud. An authorization endpoint on a host Entra does not know is
// AADSTS50049 invalid_instance.
func (s *Sandbox) handleInstanceDiscovery(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		s.writeEntraError(w, r, errPostOnly(r.Method))
		return
	}
	q := r.URL.Query()
	ae := q.Get("authorization_endpoint")
	if q.Get("api-version") == "" || ae == "" {
		s.writeEntraError(w, r, errMissingQuery(map[bool]string{true: "api-version", false: "authorization_endpoint"}[q.Get("api-version") == ""]))
		return
	}
	u, err := url.Parse(ae)
	if err != nil || u.Scheme != "https" || !s.knownInstance(r, u.Host) {
		s.writeEntraError(w, r, errUnknownInstance())
		return
	}
	seg := strings.Split(strings.Trim(u.Path, "/"), "/")
	tenant := tenantCommon
	if len(seg) > 0 && seg[0] != "" {
		tenant = seg[0]
	}
	self := strings.ToLower(r.Host)
	var md []instanceMetadata
	if c, ok := hostCloud(r); ok {
		// Reached as a cloud's sign-in host: that cloud's hosts, as Entra
		// lists them (the global cloud caches under login.windows.net).
		cache := c.AuthorityHost
		if c.Name == cloud.Global.Name {
			cache = "login.windows.net"
		}
		md = []instanceMetadata{{PreferredNetwork: c.AuthorityHost, PreferredCache: cache, Aliases: append([]string{c.AuthorityHost}, c.AuthorityAliases...)}}
	} else {
		// Reached directly: the sandbox is its own cloud.
		md = []instanceMetadata{{PreferredNetwork: self, PreferredCache: self, Aliases: []string{self}}}
	}
	writeJSON(w, http.StatusOK, instanceDiscovery{
		TenantDiscoveryEndpoint: "https://" + u.Host + "/" + tenant + "/v2.0/.well-known/openid-configuration",
		APIVersion:              "1.1",
		Metadata:                md,
	})
}

// knownInstance reports whether host is a sign-in host of one of the
// clouds or the sandbox as the client reached it.
func (s *Sandbox) knownInstance(r *http.Request, host string) bool {
	h := strings.ToLower(host)
	return containsFold(cloudHosts(), h) || h == strings.ToLower(r.Host)
}

func containsFold(list []string, s string) bool {
	for _, l := range list {
		if strings.EqualFold(l, s) {
			return true
		}
	}
	return false
}

func errUnknownInstance() *entraError {
	return &entraError{400, "invalid_instance", 50049, "Unknown or invalid instance.", ""}
}

func errMissingQuery(name string) *entraError {
	return &entraError{400, "invalid_request", 900144, "The request body must contain the following parameter: '" + name + "'.", ""}
}

// openIDConfigurationV1 is the v1.0 discovery document
// (/{tenant}/.well-known/openid-configuration): sts.windows.net issuer,
// endpoints without v2.0.
type openIDConfigurationV1 struct {
	TokenEndpoint                     string   `json:"token_endpoint"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	JWKSURI                           string   `json:"jwks_uri"`
	ResponseModesSupported            []string `json:"response_modes_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ScopesSupported                   []string `json:"scopes_supported"`
	Issuer                            string   `json:"issuer"`
	MicrosoftMultiRefreshToken        bool     `json:"microsoft_multi_refresh_token"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	DeviceAuthorizationEndpoint       string   `json:"device_authorization_endpoint"`
	HTTPLogoutSupported               bool     `json:"http_logout_supported"`
	FrontchannelLogoutSupported       bool     `json:"frontchannel_logout_supported"`
	EndSessionEndpoint                string   `json:"end_session_endpoint"`
	ClaimsSupported                   []string `json:"claims_supported"`
	CheckSessionIframe                string   `json:"check_session_iframe"`
	UserinfoEndpoint                  string   `json:"userinfo_endpoint"`
	KerberosEndpoint                  string   `json:"kerberos_endpoint"`
	TenantRegionScope                 string   `json:"tenant_region_scope"`
	CloudInstanceName                 string   `json:"cloud_instance_name"`
	CloudGraphHostName                string   `json:"cloud_graph_host_name"`
	MSGraphHost                       string   `json:"msgraph_host"`
	RbacURL                           string   `json:"rbac_url"`
}

// handleOpenIDConfigurationV1 serves /{tenant}/.well-known/openid-configuration.
func (s *Sandbox) handleOpenIDConfigurationV1(w http.ResponseWriter, r *http.Request) {
	t, e := s.resolveTenant(r.PathValue("tenant"), "invalid_tenant")
	if e == nil {
		e = s.checkCloud(r, t, r.PathValue("tenant"), "", "invalid_tenant")
	}
	if e != nil {
		s.writeEntraError(w, r, e)
		return
	}
	seg, issuerTenant := t.ID, t.ID
	if t.Multi != "" {
		seg, issuerTenant = t.Multi, "{tenantid}"
	}
	base := s.requestAuthority(r) + "/" + seg
	dc := s.documentCloud(r)
	writeJSON(w, http.StatusOK, openIDConfigurationV1{
		TokenEndpoint:                     base + "/oauth2/token",
		TokenEndpointAuthMethodsSupported: []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		JWKSURI:                           base + "/discovery/keys",
		ResponseModesSupported:            []string{"query", "fragment", "form_post"},
		SubjectTypesSupported:             []string{"pairwise"},
		IDTokenSigningAlgValuesSupported:  []string{"RS256"},
		ResponseTypesSupported:            []string{"code", "id_token", "code id_token", "token id_token", "token"},
		ScopesSupported:                   []string{"openid"},
		Issuer:                            "https://" + dc.TokenIssuerHost + "/" + issuerTenant + "/",
		MicrosoftMultiRefreshToken:        true,
		AuthorizationEndpoint:             base + "/oauth2/authorize",
		DeviceAuthorizationEndpoint:       base + "/oauth2/devicecode",
		HTTPLogoutSupported:               true,
		FrontchannelLogoutSupported:       true,
		EndSessionEndpoint:                base + "/oauth2/logout",
		ClaimsSupported:                   []string{"sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "amr", "nonce", "email", "given_name", "family_name", "nickname"},
		CheckSessionIframe:                base + "/oauth2/checksession",
		UserinfoEndpoint:                  base + "/openid/userinfo",
		KerberosEndpoint:                  base + "/kerberos",
		TenantRegionScope:                 "EU",
		CloudInstanceName:                 dc.InstanceName,
		CloudGraphHostName:                "graph.windows.net",
		MSGraphHost:                       dc.GraphHost,
		RbacURL:                           "https://pas.windows.net",
	})
}
