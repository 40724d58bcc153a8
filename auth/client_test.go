package auth

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"testing"

	"github.com/pimmail/pimmail/cloud"
)

// The one HTTP client MSAL gets: TLS 1.2 at least, verification on, the
// given roots (nil = system roots).
func TestHTTPClientTLS(t *testing.T) {
	pool := x509.NewCertPool()
	for _, roots := range []*x509.CertPool{nil, pool} {
		hc := newHTTPClient(Settings{RootCAs: roots})
		tr, ok := hc.Transport.(*http.Transport)
		if !ok {
			t.Fatalf("transport is %T", hc.Transport)
		}
		c := tr.TLSClientConfig
		if c == nil || c.MinVersion != tls.VersionTLS12 || c.InsecureSkipVerify || c.RootCAs != roots {
			t.Fatalf("TLS config %+v, want TLS 1.2 minimum, verification on, roots %p", c, roots)
		}
		if hc.Timeout == 0 {
			t.Error("HTTP client without a timeout")
		}
	}
}

func TestAuthority(t *testing.T) {
	tests := []struct {
		s         Settings
		want      string
		discovery bool
	}{
		{Settings{Cloud: cloud.Global, TenantID: "t"}, "https://login.microsoftonline.com/t", true},
		{Settings{TenantID: "t"}, "https://login.microsoftonline.com/t", true}, // zero cloud = Global
		{Settings{Cloud: cloud.USGov, TenantID: " t "}, "https://login.microsoftonline.us/t", true},
		{Settings{Cloud: cloud.China, TenantID: "t"}, "https://login.partner.microsoftonline.cn/t", true},
		{Settings{Cloud: cloud.Global, TenantID: "t", Authority: "https://127.0.0.1:8443/"}, "https://127.0.0.1:8443/t", false},
	}
	for _, tt := range tests {
		if got := authorityURL(tt.s); got != tt.want {
			t.Errorf("authorityURL(%+v) = %q, want %q", tt.s, got, tt.want)
		}
		if got := instanceDiscovery(tt.s); got != tt.discovery {
			t.Errorf("instanceDiscovery(%+v) = %v, want %v", tt.s, got, tt.discovery)
		}
	}
}
