package auth_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pimmail/pimmail/auth"
	"github.com/pimmail/pimmail/cloud"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/sandbox/sandboxtest"
)

// proxyChildEnv marks the child process of TestEntraRequestsUseHTTPSProxy.
const proxyChildEnv = "PIMMAIL_TEST_PROXY_CHILD"

// TestEntraRequestsUseHTTPSProxy: on a network that reaches the internet
// only through a proxy, the admin sets HTTPS_PROXY (the diagnosis of an
// unreachable sign-in service says so), and every Entra ID request goes
// through it. A loopback "proxy" records the CONNECT and refuses it, so
// nothing reaches Microsoft. Go reads HTTPS_PROXY once per process, hence
// the child process.
func TestEntraRequestsUseHTTPSProxy(t *testing.T) {
	if os.Getenv(proxyChildEnv) == "1" {
		proxyChild()
		return
	}
	proxy := sandboxtest.StartProxy(t)

	child := func(proxy string) string {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestEntraRequestsUseHTTPSProxy$")
		cmd.Env = append(os.Environ(), proxyChildEnv+"=1",
			"HTTPS_PROXY="+proxy, "https_proxy=", "NO_PROXY=", "no_proxy=")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		return string(out)
	}
	out := child("http://" + proxy.Addr)
	if seen := proxy.Seen(); len(seen) == 0 || seen[0] != "CONNECT "+cloud.Global.AuthorityHost+":443 HTTP/1.1" {
		t.Fatalf("the proxy saw %q; want a CONNECT to %s:443\nchild output:\n%s", seen, cloud.Global.AuthorityHost, out)
	}
	// The proxy's refusal is diagnosed as such, naming the proxy and host.
	for _, w := range []string{string(diagnose.NetProxy) + ":", proxy.Addr, "\"Forbidden\"", cloud.Global.AuthorityHost, "HTTPS_PROXY"} {
		if !strings.Contains(out, w) {
			t.Errorf("the proxy's refusal: diagnosis lacks %q:\n%s", w, out)
		}
	}

	// A proxy that is not there: its own problem, not Microsoft's.
	addr := "127.0.0.1:" + strconv.Itoa(sandboxtest.ClosedPort(t))
	out = child("http://" + addr)
	for _, w := range []string{string(diagnose.NetProxy) + ":", addr, "cannot be reached"} {
		if !strings.Contains(out, w) {
			t.Errorf("an unreachable proxy: diagnosis lacks %q:\n%s", w, out)
		}
	}
}

// proxyChild checks a tenant in the Global cloud, which goes through the
// proxy the parent runs, and prints the diagnosis.
func proxyChild() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := auth.CheckTenant(ctx, auth.Settings{Cloud: cloud.Global, TenantID: "contoso.onmicrosoft.com"})
	if p, ok := diagnose.As(err); ok {
		fmt.Printf("%s: %s\n%s\n%s\n", p.Code, p.Title, p.Explanation, p.Fix)
	} else {
		fmt.Println("error:", err)
	}
}

// sslChildEnv marks the child process of TestEntraHonoursSSLCertFile and
// carries the sandbox's authority.
const sslChildEnv = "PIMMAIL_TEST_SSL_CHILD_AUTHORITY"

// TestEntraHonoursSSLCertFile: without an explicit CA (Settings.RootCAs
// nil, as for every real tenant) the Entra client trusts the system's
// roots, so SSL_CERT_FILE (the fix for a TLS-inspecting proxy or a private
// CA) works. The sandbox's CA stands in for such a CA. Go reads
// SSL_CERT_FILE once per process, hence the child processes.
func TestEntraHonoursSSLCertFile(t *testing.T) {
	if authority := os.Getenv(sslChildEnv); authority != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		info, err := auth.CheckTenant(ctx, auth.Settings{Cloud: cloud.Global, TenantID: sandbox.DefaultTenantID, Authority: authority})
		if p, ok := diagnose.As(err); ok {
			fmt.Printf("problem %s\n", p.Code)
		} else if err != nil {
			fmt.Println("error:", err)
		} else {
			fmt.Println("tenant", info.TenantID)
		}
		return
	}
	sb := sandboxtest.Start(t, sandbox.Options{})
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, sb.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	child := func(certFile string) string {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestEntraHonoursSSLCertFile$")
		cmd.Env = append(os.Environ(), sslChildEnv+"="+sb.Endpoints().Authority,
			"SSL_CERT_FILE="+certFile, "SSL_CERT_DIR="+t.TempDir())
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		return string(out)
	}
	if out := child(ca); !strings.Contains(out, "tenant "+sandbox.DefaultTenantID) {
		t.Errorf("with SSL_CERT_FILE naming the CA: %s", out)
	}
	if out := child(""); !strings.Contains(out, "problem "+string(diagnose.TLSCertificate)) {
		t.Errorf("without it: %s", out)
	}
}
