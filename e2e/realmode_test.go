package e2e

// The real-mode path: the built binary WITHOUT --sandbox and without any
// authority override, as with a real tenant. What a real tenant's admin
// has, the test provides on loopback:
//
//   - the cloud's sign-in host (login.microsoftonline.com, .us, or
//     login.partner.microsoftonline.cn; the test runs once per cloud)
//     through an HTTPS proxy (HTTPS_PROXY): the
//     test's CONNECT proxy terminates TLS for that host with a certificate
//     from a CA made for the test, trusted through SSL_CERT_FILE (as a
//     company's TLS-inspecting proxy is; SSL_CERT_DIR points at an empty
//     directory so that file is the only trust), and forwards to the
//     sandbox's Entra stand-in. CONNECT to any other host is refused and
//     recorded, so the test fails if pimmail tries to reach anything else.
//   - the smart host: pimmail is pointed at localhost:<the sandbox's
//     submission port> on step 5, as an admin points it at an internal
//     host name; "localhost" resolves from /etc/hosts, so no DNS query
//     leaves the machine. The sandbox's certificate names localhost; its
//     CA is in the same SSL_CERT_FILE.
//
// Nothing reaches the internet: every HTTPS request goes to the proxy
// (which dials only the sandbox), plain HTTP too (HTTP_PROXY), NO_PROXY is
// empty, and SMTP goes to localhost. The sandbox issues its realistic,
// 2 KB tokens and limits command lines to 512 octets, so the two-step
// XOAUTH2 form is what makes `pimmail test` deliver here.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pimmail/pimmail/cloud"
	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/sandbox"
)

// testCA makes a CA and a leaf for hosts; it returns the leaf and the CA's PEM.
func testCA(t *testing.T, hosts ...string) (tls.Certificate, []byte) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Contoso TLS Inspection CA (test)"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(2 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: hosts[0]},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(2 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: hosts,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key},
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
}

// inspectingProxy is an HTTPS proxy that terminates TLS for the sign-in
// hosts it lets through and forwards to the sandbox; it records every
// request it was asked for.
type inspectingProxy struct {
	addr  string
	hosts []string // host:443 targets let through

	mu        sync.Mutex
	connects  []string // CONNECT targets
	refused   []string // anything not let through
	forwarded []string // method and path of each request passed to the sandbox
}

func (p *inspectingProxy) record(list *[]string, s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	*list = append(*list, s)
}

func (p *inspectingProxy) seen() (connects, refused, forwarded []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.connects...), append([]string(nil), p.refused...), append([]string(nil), p.forwarded...)
}

// chanListener hands the tunnels' TLS connections to one http.Server.
type chanListener struct {
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}
func (l *chanListener) Close() error   { l.once.Do(func() { close(l.done) }); return nil }
func (l *chanListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

func startInspectingProxy(t *testing.T, sb *sandbox.Sandbox, leaf tls.Certificate, hosts ...string) *inspectingProxy {
	t.Helper()
	p := &inspectingProxy{}
	for _, h := range hosts {
		p.hosts = append(p.hosts, h+":443")
	}
	target, err := url.Parse(sb.Endpoints().Authority)
	if err != nil {
		t.Fatal(err)
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			p.record(&p.forwarded, r.In.Method+" "+r.In.URL.Path)
			r.SetURL(target)
			r.Out.Host = r.In.Host // the sandbox answers for the host pimmail asked for
		},
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: sb.RootCAs(), MinVersion: tls.VersionTLS12}},
	}
	tunnels := &chanListener{ch: make(chan net.Conn), done: make(chan struct{})}
	inner := &http.Server{Handler: rp, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = inner.Serve(tunnels) }()
	tlsConf := &tls.Config{Certificates: []tls.Certificate{leaf}, MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}}

	outer := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			p.record(&p.refused, r.Method+" "+r.URL.String())
			http.Error(w, "this proxy only tunnels", http.StatusForbidden)
			return
		}
		p.record(&p.connects, r.Host)
		if !slices.Contains(p.hosts, r.Host) {
			p.record(&p.refused, "CONNECT "+r.Host)
			http.Error(w, "blocked by the test proxy", http.StatusForbidden)
			return
		}
		hj, ok := w.(http.Hijacker)
		if !ok {
			http.Error(w, "no hijack", http.StatusInternalServerError)
			return
		}
		conn, buf, err := hj.Hijack()
		if err != nil {
			return
		}
		if _, err := conn.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil || buf.Reader.Buffered() > 0 {
			_ = conn.Close()
			return
		}
		select {
		case tunnels.ch <- tls.Server(conn, tlsConf):
		case <-tunnels.done:
			_ = conn.Close()
		}
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	go func() {
		if err := outer.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Log("proxy:", err)
		}
	}()
	t.Cleanup(func() {
		_ = outer.Close()
		_ = tunnels.Close()
		_ = inner.Close()
	})
	return p
}

// cursorLine is the screen line with the list cursor.
func cursorLine(screen string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, "›") {
			return l
		}
	}
	return ""
}

// TestRealModeThroughInspectingProxy: for each cloud, the wizard without
// --sandbox (that cloud chosen on step 2) reaches Saved, and `pimmail test`
// delivers, with Entra reached only through the proxy as the cloud's
// sign-in host, and the sandbox playing that cloud alone.
func TestRealModeThroughInspectingProxy(t *testing.T) {
	needTmux(t)
	for i, c := range cloud.All {
		t.Run(c.Name, func(t *testing.T) { realModeRun(t, i, c) })
	}
}

// chooseCloud moves step 2's focus to the Cloud choice (after the tenant
// and client fields) and steps right to the i-th cloud of cloud.All.
func (tm *term) chooseCloud(i int) {
	tm.t.Helper()
	tm.keys("Tab")
	time.Sleep(150 * time.Millisecond)
	for range i {
		tm.keys("Right")
		time.Sleep(100 * time.Millisecond)
	}
	tm.waitFor(cloud.All[i].Label, stepWait)
}

// realModeRun is one cloud's run of TestRealModeThroughInspectingProxy:
// cloud ci of cloud.All.
func realModeRun(t *testing.T, ci int, c cloud.Cloud) {
	entraHost := c.AuthorityHost
	sb, err := sandbox.Start(sandbox.Options{ApproveAfter: 500 * time.Millisecond, Cloud: c.Name})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	leaf, caPEM := testCA(t, entraHost)
	proxy := startInspectingProxy(t, sb, leaf, entraHost)

	dir := t.TempDir()
	xdg := filepath.Join(dir, "config")
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
		"XDG_CONFIG_HOME=" + xdg, "PIMMAIL_DEBUG_LOG=" + filepath.Join(dir, "debug.log"),
		"HTTPS_PROXY=" + proxyURL, "https_proxy=" + proxyURL, "HTTP_PROXY=" + proxyURL, "http_proxy=" + proxyURL,
		"NO_PROXY=", "no_proxy=", "SSL_CERT_FILE=" + roots, "SSL_CERT_DIR=" + emptyDir,
	}

	tm := startTerm(t, 80, 24, env, binary)
	if s := tm.waitFor("Step 1 of", stepWait); strings.Contains(s, "SANDBOX") {
		t.Fatalf("the wizard without --sandbox runs in sandbox mode:\n%s", s)
	}
	// The intro names the providers too: go by the cursor line.
	for i := 0; ; i++ {
		if strings.Contains(cursorLine(tm.screen()), "Microsoft Entra ID SMTP Client") {
			break
		}
		if i == 5 {
			t.Fatalf("could not move the cursor to the Entra provider:\n%s", tm.screen())
		}
		tm.keys("Down")
		time.Sleep(150 * time.Millisecond)
	}
	tm.keys("Enter")
	tm.waitFor("Step 2 of 7", stepWait)
	// The tenant by its initial domain in that cloud.
	tm.paste(sandbox.TenantDomainIn(c))
	tm.keys("Tab")
	tm.paste(sandbox.DefaultClientID)
	tm.chooseCloud(ci)
	tm.keys("Enter")
	tm.waitFor("Step 3 of 7", stepWait)
	tm.paste(sandbox.DefaultClientSecret)
	tm.keys("Enter")
	tm.waitFor("Step 4 of 7", stepWait)
	tm.waitFor("Signed in as "+sandbox.DefaultMailbox, logonWait)
	tm.keys("Enter")
	tm.waitFor("Step 5 of 7", stepWait)
	if !strings.Contains(tm.screen(), c.SmartHost+":587") {
		t.Fatalf("real mode does not propose %s's smart host %s:\n%s", c.Label, c.SmartHost, tm.screen())
	}
	smart := "localhost:" + strconv.Itoa(sb.Endpoints().SMTPPort)
	tm.keys("C-u")
	tm.paste(smart)
	tm.keys("Enter")
	tm.waitFor("ready for OAuth2 mail", stepWait)
	tm.keys("Enter")
	tm.waitFor("Step 6 of 7", stepWait)
	tm.keys("Enter")
	tm.waitFor("Test email sent", stepWait)
	tm.keys("Enter")
	tm.waitFor("Step 7 of 7", stepWait)
	tm.enableAndSave("Microsoft Entra ID SMTP Client")

	cfg, err := config.Load(filepath.Join(xdg, "pimmail", "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Sandbox || cfg.Enabled != config.ProviderEntra || cfg.Entra.Mailbox != sandbox.DefaultMailbox || cfg.Entra.SmartHost != "localhost" || cfg.Entra.Cloud != c.Name {
		t.Fatalf("saved config: sandbox %v enabled %q mailbox %q smart host %q cloud %q", cfg.Sandbox, cfg.Enabled, cfg.Entra.Mailbox, cfg.Entra.SmartHost, cfg.Entra.Cloud)
	}
	if n := len(sb.Messages()); n != 1 {
		t.Fatalf("the sandbox received %d messages from the wizard, want 1", n)
	}

	out, code := runCmd(t, env, "test")
	if code != 0 {
		t.Fatalf("pimmail test exited %d:\n%s", code, out)
	}
	if strings.Contains(out, sandbox.DefaultClientSecret) || strings.Contains(out, "eyJ") {
		t.Fatalf("pimmail test printed the client secret or a token:\n%s", out)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "debug.log")); err != nil {
		t.Errorf("no debug log: %v", err)
	} else if strings.Contains(string(b), sandbox.DefaultClientSecret) || strings.Contains(string(b), "eyJ") {
		t.Errorf("the debug log holds the client secret or a token")
	}
	msgs := sb.Messages()
	if len(msgs) != 2 || msgs[1].AuthUser != sandbox.DefaultMailbox {
		t.Fatalf("after pimmail test the sandbox holds %d messages, want 2 sent as the mailbox", len(msgs))
	}

	connects, refused, forwarded := proxy.seen()
	if len(refused) > 0 {
		t.Errorf("pimmail asked the proxy for other hosts: %q", refused)
	}
	for _, c := range connects {
		if c != entraHost+":443" {
			t.Errorf("CONNECT %s: only %s may be reached", c, entraHost)
		}
	}
	var sawToken, sawConfig, sawDiscovery bool
	for _, f := range forwarded {
		sawToken = sawToken || strings.HasSuffix(f, "/oauth2/v2.0/token")
		sawConfig = sawConfig || strings.HasSuffix(f, "/v2.0/.well-known/openid-configuration")
		sawDiscovery = sawDiscovery || f == "GET /common/discovery/instance"
	}
	if !sawToken || !sawConfig || !sawDiscovery {
		t.Errorf("requests through the proxy %q: want instance discovery, the OpenID configuration and the token endpoint", forwarded)
	}
	t.Logf("through the proxy: %d CONNECTs, requests %q", len(connects), forwarded)
}
