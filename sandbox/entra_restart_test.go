package sandbox

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
)

// restartClient is an MSAL HTTP client whose trusted roots can grow, so one
// MSAL client can follow a sandbox across a restart that changed its CA.
func restartClient(pool *x509.CertPool) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
	}}
}

// signInThenRestart signs the mailbox in at a sandbox on StateDir dir, closes
// it, lets between change the StateDir, starts a new sandbox on dir and
// returns MSAL's silent refresh error against it.
func signInThenRestart(t *testing.T, dir string, between func()) error {
	t.Helper()
	opts := fast(Options{StateDir: dir, AccessTokenLifetime: time.Minute})
	a, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	pool := a.RootCAs()
	hc := restartClient(pool)
	pc, err := public.New(DefaultClientID,
		public.WithAuthority(a.Endpoints().Authority+"/"+DefaultTenantID),
		public.WithInstanceDiscovery(false), public.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	_, ar, err := deviceLogon(ctx, pc, smtpScope)
	if err != nil {
		t.Fatalf("sign-in: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	hc.CloseIdleConnections()
	between()

	b := startSandbox(t, opts)
	if b.Endpoints().Authority != a.Endpoints().Authority {
		t.Fatalf("restarted on %s, not on the remembered %s: MSAL's cache is keyed by host and port", b.Endpoints().Authority, a.Endpoints().Authority)
	}
	pool.AddCert(b.caCert)
	_, err = pc.AcquireTokenSilent(ctx, []string{smtpScope}, public.WithSilentAccount(ar.Account))
	return err
}

func TestRefreshAfterRestartWithSameStateDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	if err := signInThenRestart(t, dir, func() {}); err != nil {
		t.Fatalf("silent refresh at the restarted sandbox: %v", err)
	}
}

func TestRefreshAfterRestartWithNewKeys(t *testing.T) {
	// The keys are gone (state deleted): the old refresh token is one the
	// new sandbox never issued, and Entra's answer is invalid_grant 70008.
	dir := filepath.Join(t.TempDir(), "state")
	err := signInThenRestart(t, dir, func() {
		if err := os.Remove(filepath.Join(dir, "keys.json")); err != nil {
			t.Fatal(err)
		}
	})
	wantEntraError(t, err, "invalid_grant", "AADSTS70008", 400)
}
