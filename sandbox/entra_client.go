package sandbox

import (
	"crypto/tls"
	"net/http"
	"time"
)

// HTTPClient returns an HTTP client that trusts only the sandbox CA (TLS
// 1.2 or later), for MSAL's WithHTTPClient and for tests that fetch the
// device-login page. Each call returns a new client with its own
// connection pool.
func (s *Sandbox) HTTPClient() *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig:     &tls.Config{RootCAs: s.RootCAs(), MinVersion: tls.VersionTLS12},
			TLSHandshakeTimeout: 10 * time.Second,
			MaxIdleConnsPerHost: 4,
			IdleConnTimeout:     30 * time.Second,
		},
	}
}
