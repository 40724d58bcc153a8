package sandbox

import (
	"encoding/base64"
	"math/big"
	"net/http"
)

// EntraIssuerHost is the host in the issuer of ID tokens and, for the
// global cloud, of the OpenID configuration. MSAL accepts it because it is
// a host Microsoft trusts; the endpoints themselves point at the stand-in.
const EntraIssuerHost = "login.microsoftonline.com"

// issuerFor is the v2.0 issuer of tenant tid.
func issuerFor(tid string) string { return issuerAt(EntraIssuerHost, tid) }

// issuerAt is the v2.0 issuer of tenant tid at a cloud's sign-in host.
func issuerAt(host, tid string) string { return "https://" + host + "/" + tid + "/v2.0" }

// openIDConfiguration is the tenant's discovery document, the fields Entra
// serves (MSAL reads authorization_endpoint, token_endpoint and issuer).
type openIDConfiguration struct {
	TokenEndpoint                     string   `json:"token_endpoint"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	JWKSURI                           string   `json:"jwks_uri"`
	ResponseModesSupported            []string `json:"response_modes_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ScopesSupported                   []string `json:"scopes_supported"`
	Issuer                            string   `json:"issuer"`
	RequestURIParameterSupported      bool     `json:"request_uri_parameter_supported"`
	UserinfoEndpoint                  string   `json:"userinfo_endpoint"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	DeviceAuthorizationEndpoint       string   `json:"device_authorization_endpoint"`
	HTTPLogoutSupported               bool     `json:"http_logout_supported"`
	FrontchannelLogoutSupported       bool     `json:"frontchannel_logout_supported"`
	EndSessionEndpoint                string   `json:"end_session_endpoint"`
	ClaimsSupported                   []string `json:"claims_supported"`
	TenantRegionScope                 string   `json:"tenant_region_scope"`
	CloudInstanceName                 string   `json:"cloud_instance_name"`
	CloudGraphHostName                string   `json:"cloud_graph_host_name"`
	MSGraphHost                       string   `json:"msgraph_host"`
}

// handleOpenIDConfiguration serves /{tenant}/v2.0/.well-known/openid-configuration.
// A tenant given by domain gets endpoints under its GUID, as from Entra.
func (s *Sandbox) handleOpenIDConfiguration(w http.ResponseWriter, r *http.Request) {
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
	writeJSON(w, http.StatusOK, openIDConfiguration{
		TokenEndpoint:                     base + "/oauth2/v2.0/token",
		TokenEndpointAuthMethodsSupported: []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		JWKSURI:                           base + "/discovery/v2.0/keys",
		ResponseModesSupported:            []string{"query", "fragment", "form_post"},
		SubjectTypesSupported:             []string{"pairwise"},
		IDTokenSigningAlgValuesSupported:  []string{"RS256"},
		ResponseTypesSupported:            []string{"code", "id_token", "code id_token", "id_token token"},
		ScopesSupported:                   []string{"openid", "profile", "email", "offline_access"},
		Issuer:                            issuerAt(dc.AuthorityHost, issuerTenant),
		UserinfoEndpoint:                  "https://" + dc.GraphHost + "/oidc/userinfo",
		AuthorizationEndpoint:             base + "/oauth2/v2.0/authorize",
		DeviceAuthorizationEndpoint:       base + "/oauth2/v2.0/devicecode",
		HTTPLogoutSupported:               true,
		FrontchannelLogoutSupported:       true,
		EndSessionEndpoint:                base + "/oauth2/v2.0/logout",
		ClaimsSupported:                   []string{"sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"},
		TenantRegionScope:                 "EU",
		CloudInstanceName:                 dc.InstanceName,
		CloudGraphHostName:                "graph.windows.net",
		MSGraphHost:                       dc.GraphHost,
	})
}

// jwk is one RSA signing key in the JWKS.
type jwk struct {
	Kty    string `json:"kty"`
	Use    string `json:"use"`
	Kid    string `json:"kid"`
	X5t    string `json:"x5t"`
	N      string `json:"n"`
	E      string `json:"e"`
	Issuer string `json:"issuer"`
}

// handleKeys serves /{tenant}/discovery/v2.0/keys: the key tokens are signed with.
func (s *Sandbox) handleKeys(w http.ResponseWriter, r *http.Request) {
	t, e := s.resolveTenant(r.PathValue("tenant"), "invalid_tenant")
	if e == nil {
		e = s.checkCloud(r, t, r.PathValue("tenant"), "", "invalid_tenant")
	}
	if e != nil {
		s.writeEntraError(w, r, e)
		return
	}
	iss := "{tenantid}"
	if t.Multi == "" {
		iss = t.ID
	}
	pub := s.signingKey.PublicKey
	writeJSON(w, http.StatusOK, map[string][]jwk{"keys": {{
		Kty:    "RSA",
		Use:    "sig",
		Kid:    s.keyID,
		X5t:    s.keyID,
		N:      base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		E:      base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		Issuer: issuerAt(s.documentCloud(r).AuthorityHost, iss),
	}}})
}
