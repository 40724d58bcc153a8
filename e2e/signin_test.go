package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/sandbox"
)

// blockedWizard starts `pimmail --sandbox --scenario device-code-blocked`
// and drives it to step 4, where the device code is refused.
func blockedWizard(t *testing.T, xdg string) *term {
	t.Helper()
	tm := startTerm(t, 80, 24, []string{"XDG_CONFIG_HOME=" + xdg}, binary, "--sandbox", "--scenario", "device-code-blocked")
	tm.entraToStep(4)
	tm.waitFor("The device code cannot work here", logonWait)
	return tm
}

// signInAddress reads the sign-in address off the screen: its lines, from
// the one starting with https:// to the paste prompt, joined.
func signInAddress(t *testing.T, screen string) string {
	t.Helper()
	var b strings.Builder
	in := false
	for _, l := range strings.Split(screen, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "https://"):
			in = true
		case strings.HasPrefix(l, "2. Paste"):
			in = false
		}
		if in {
			b.WriteString(l)
		}
	}
	if b.Len() == 0 {
		t.Fatalf("no sign-in address on screen:\n%s", screen)
	}
	return b.String()
}

// browser is an HTTP client that trusts the sandbox CA the binary keeps in
// its state directory: the admin's browser on another device.
func browser(t *testing.T, xdg string) *http.Client {
	t.Helper()
	a, ok := sandbox.Live(filepath.Join(xdg, "pimmail", "sandbox"))
	if !ok {
		t.Fatal("the wizard's sandbox does not announce itself in its state directory")
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(a.CAPEM)) {
		t.Fatal("no CA in ca.pem")
	}
	return &http.Client{Timeout: 20 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
}

// finishFromStep5 goes through the smart host, the test email and Save.
func (tm *term) finishFromStep5() {
	tm.t.Helper()
	tm.waitFor("Step 5 of 7", stepWait)
	tm.keys("Enter")
	tm.waitFor("ready for OAuth2 mail", stepWait)
	tm.keys("Enter")
	tm.waitFor("Step 6 of 7", stepWait)
	tm.keys("Enter")
	tm.waitFor("Test email sent", stepWait)
	tm.keys("Enter")
	tm.waitFor("Step 7 of 7", stepWait)
	tm.enableAndSave("Microsoft Entra ID SMTP Client")
}

func TestAuthCodePasteBackEndToEnd(t *testing.T) {
	xdg := t.TempDir()
	tm := blockedWizard(t, xdg)
	tm.keys("a")
	s := tm.waitFor("2. Paste the address", stepWait)
	addr := signInAddress(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	landed, err := sandbox.BrowserSignIn(ctx, browser(t, xdg), addr, true)
	if err != nil {
		t.Fatalf("signing in at %s: %v", addr, err)
	}
	if !strings.HasPrefix(landed, "http://localhost:") {
		t.Fatalf("the browser landed on %s", landed)
	}
	// Pasted as a terminal that wrapped it hands it over.
	tm.paste(landed[:35] + "\n" + landed[35:])
	if code := landed[strings.Index(landed, "code=")+5:][:30]; strings.Contains(tm.screen(), code) {
		t.Fatalf("the pasted code is on screen:\n%s", tm.screen())
	}
	tm.keys("Enter")
	tm.waitFor("Signed in as "+sandbox.DefaultMailbox, stepWait)
	tm.keys("Enter")
	tm.finishFromStep5()

	cfgPath := filepath.Join(xdg, "pimmail", "sandbox", "config.json")
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Entra.Method != config.MethodAuthCode || cfg.Entra.Mailbox != sandbox.DefaultMailbox {
		t.Fatalf("saved method %q mailbox %q", cfg.Entra.Method, cfg.Entra.Mailbox)
	}
	out, code := runCmd(t, []string{"XDG_CONFIG_HOME=" + xdg}, "test", "--sandbox")
	if code != 0 || strings.Contains(out, sandbox.DefaultClientSecret) {
		t.Fatalf("pimmail test exited %d:\n%s", code, out)
	}
	out, code = runCmd(t, []string{"XDG_CONFIG_HOME=" + xdg}, "status", "--sandbox")
	if code != 0 || !strings.Contains(out, "Browser elsewhere, paste back") || !strings.Contains(out, "Token now:     yes") {
		t.Fatalf("pimmail status exited %d:\n%s", code, out)
	}
}

func TestAppOnlyEndToEnd(t *testing.T) {
	xdg := t.TempDir()
	tm := blockedWizard(t, xdg)
	tm.keys("p")
	tm.waitFor("Mailbox  "+sandbox.DefaultMailbox, stepWait)
	tm.keys("Enter")
	s := tm.waitFor("accepted the app", stepWait)
	sp := sandbox.ServicePrincipalObjectID(sandbox.DefaultClientID)
	flat := strings.Join(strings.Fields(s), " ")
	for _, w := range []string{"New-ServicePrincipal -AppId '" + sandbox.DefaultClientID + "'", "-ObjectId '" + sp + "'", "-AccessRights FullAccess", "SMTP.SendAsApp"} {
		if !strings.Contains(flat, w) {
			t.Errorf("the app-only screen lacks %q:\n%s", w, s)
		}
	}
	tm.keys("Enter")
	tm.finishFromStep5()

	cfg, err := config.Load(filepath.Join(xdg, "pimmail", "sandbox", "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Entra.Method != config.MethodAppOnly || cfg.Entra.Mailbox != sandbox.DefaultMailbox {
		t.Fatalf("saved method %q mailbox %q", cfg.Entra.Method, cfg.Entra.Mailbox)
	}
	out, code := runCmd(t, []string{"XDG_CONFIG_HOME=" + xdg}, "test", "--sandbox")
	if code != 0 || strings.Contains(out, sandbox.DefaultClientSecret) {
		t.Fatalf("pimmail test exited %d:\n%s", code, out)
	}
	out, code = runCmd(t, []string{"XDG_CONFIG_HOME=" + xdg}, "status", "--sandbox")
	if code != 0 || !strings.Contains(out, "App-only") || !strings.Contains(out, "SMTP.SendAsApp") {
		t.Fatalf("pimmail status exited %d:\n%s", code, out)
	}
}
