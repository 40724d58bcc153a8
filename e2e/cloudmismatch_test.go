package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pimmail/pimmail/cloud"
	"github.com/pimmail/pimmail/sandbox"
)

// TestRealModeTenantInAnotherCloud: a GCC High tenant, and the admin leaves
// the cloud at Global on step 2. Through the proxy (which lets both sign-in
// hosts through) Entra's global directory does not know the tenant
// (AADSTS90002), and the wizard says so on step 2 with the fix: choose the
// tenant's cloud. Choosing US Government then moves on to step 3.
func TestRealModeTenantInAnotherCloud(t *testing.T) {
	needTmux(t)
	sb, err := sandbox.Start(sandbox.Options{ApproveAfter: 500 * time.Millisecond, Cloud: cloud.USGov.Name})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	hosts := []string{cloud.Global.AuthorityHost, cloud.USGov.AuthorityHost}
	leaf, caPEM := testCA(t, hosts...)
	proxy := startInspectingProxy(t, sb, leaf, hosts...)

	dir := t.TempDir()
	roots := filepath.Join(dir, "roots.pem")
	if err := os.WriteFile(roots, append(caPEM, sb.CAPEM()...), 0o600); err != nil {
		t.Fatal(err)
	}
	emptyDir := filepath.Join(dir, "no-certs")
	if err := os.Mkdir(emptyDir, 0o700); err != nil {
		t.Fatal(err)
	}
	proxyURL := "http://" + proxy.addr
	env := []string{
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"), "PIMMAIL_DEBUG_LOG=" + filepath.Join(dir, "debug.log"),
		"HTTPS_PROXY=" + proxyURL, "https_proxy=" + proxyURL, "HTTP_PROXY=" + proxyURL, "http_proxy=" + proxyURL,
		"NO_PROXY=", "no_proxy=", "SSL_CERT_FILE=" + roots, "SSL_CERT_DIR=" + emptyDir,
	}
	tm := startTerm(t, 80, 30, env, binary)
	tm.waitFor("Step 1 of", stepWait)
	// The intro names the providers too: go by the cursor line.
	for i := 0; !strings.Contains(cursorLine(tm.screen()), "Microsoft Entra ID SMTP Client"); i++ {
		if i == 5 {
			t.Fatalf("could not move the cursor to the Entra provider:\n%s", tm.screen())
		}
		tm.keys("Down")
		time.Sleep(150 * time.Millisecond)
	}
	tm.keys("Enter")
	tm.waitFor("Step 2 of 7", stepWait)
	tm.paste(sandbox.DefaultTenantID)
	tm.keys("Tab")
	tm.paste(sandbox.DefaultClientID)
	tm.keys("Enter") // the cloud left at Global
	s := tm.waitFor("The tenant was not found", stepWait)
	for _, w := range []string{"AADSTS90002", "choose that cloud"} {
		if !strings.Contains(strings.Join(strings.Fields(s), " "), w) {
			t.Errorf("step 2's problem lacks %q:\n%s", w, s)
		}
	}
	if strings.Contains(s, "Step 3 of 7") {
		t.Fatalf("the wizard moved on with a tenant of another cloud:\n%s", s)
	}
	// Choose US Government (GCC High): the same IDs now pass.
	tm.chooseCloud(1)
	tm.keys("Enter")
	tm.waitFor("Step 3 of 7", stepWait)

	connects, refused, _ := proxy.seen()
	if len(refused) > 0 {
		t.Errorf("pimmail asked the proxy for other hosts: %q", refused)
	}
	var global, gov bool
	for _, c := range connects {
		global = global || c == cloud.Global.AuthorityHost+":443"
		gov = gov || c == cloud.USGov.AuthorityHost+":443"
	}
	if !global || !gov {
		t.Errorf("CONNECTs %q: want the global sign-in host first, then the US Government one", connects)
	}
}
