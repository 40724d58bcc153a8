package sandbox

import (
	"encoding/json"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestStartUnknownScenario(t *testing.T) {
	s, err := Start(Options{Scenario: "no-such-failure"})
	if err == nil {
		s.Close()
		t.Fatal("Start accepted an unknown scenario")
	}
	msg := err.Error()
	if !strings.Contains(msg, `"no-such-failure"`) {
		t.Errorf("error does not name the scenario: %v", err)
	}
	for _, sc := range Scenarios {
		if !strings.Contains(msg, sc.Name) {
			t.Errorf("error does not list valid scenario %q: %v", sc.Name, err)
		}
	}
}

func TestStartEveryScenario(t *testing.T) {
	for _, sc := range Scenarios {
		s, err := Start(Options{Scenario: sc.Name})
		if err != nil {
			t.Errorf("Start(%q): %v", sc.Name, err)
			continue
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close(%q): %v", sc.Name, err)
		}
	}
}

func TestStartServesOpenIDConfiguration(t *testing.T) {
	s := startSandbox(t, Options{})
	a := s.Endpoints().Authority
	if !strings.HasPrefix(a, "https://127.0.0.1:") || strings.HasSuffix(a, ":0") {
		t.Fatalf("Authority = %q, want https://127.0.0.1:PORT", a)
	}
	resp, err := s.HTTPClient().Get(a + "/" + DefaultTenantDomain + "/v2.0/.well-known/openid-configuration")
	if err != nil {
		t.Fatalf("GET openid-configuration: %v", err)
	}
	defer resp.Body.Close()
	var doc struct {
		Issuer        string `json:"issuer"`
		TokenEndpoint string `json:"token_endpoint"`
		JWKSURI       string `json:"jwks_uri"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || resp.StatusCode != 200 {
		t.Fatalf("status %d, decode: %v", resp.StatusCode, err)
	}
	if doc.Issuer != "https://login.microsoftonline.com/"+DefaultTenantID+"/v2.0" {
		t.Errorf("issuer = %q: a tenant given by domain must come back as its GUID", doc.Issuer)
	}
	if doc.TokenEndpoint != a+"/"+DefaultTenantID+"/oauth2/v2.0/token" {
		t.Errorf("token_endpoint = %q", doc.TokenEndpoint)
	}
	// The JWKS holds the key access tokens are signed with.
	kr, err := s.HTTPClient().Get(doc.JWKSURI)
	if err != nil {
		t.Fatalf("GET jwks: %v", err)
	}
	defer kr.Body.Close()
	var keys struct {
		Keys []struct{ Kid, Kty, N, E string } `json:"keys"`
	}
	if err := json.NewDecoder(kr.Body).Decode(&keys); err != nil || len(keys.Keys) != 1 {
		t.Fatalf("jwks: %v, %+v", err, keys)
	}
	if k := keys.Keys[0]; k.Kid != s.keyID || k.Kty != "RSA" || k.E != "AQAB" || k.N == "" {
		t.Errorf("jwk = %+v, want kid %q", k, s.keyID)
	}
}

func TestHTTPClientTrustsOnlyTheSandboxCA(t *testing.T) {
	a := startSandbox(t, Options{})
	b := startSandbox(t, Options{})
	// b's client must refuse a's certificate: each run has its own CA.
	_, err := b.HTTPClient().Get(a.Endpoints().Authority + "/devicelogin")
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("a client of another sandbox connected: %v", err)
	}
	resp, err := a.HTTPClient().Get(a.Endpoints().Authority + "/devicelogin")
	if err != nil {
		t.Fatalf("own client: %v", err)
	}
	resp.Body.Close()
}

func TestCloseIsIdempotentAndStopsServing(t *testing.T) {
	s, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	hc := s.HTTPClient()
	url := s.Endpoints().Authority + "/devicelogin"
	resp, err := hc.Get(url)
	if err != nil {
		t.Fatalf("before Close: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	hc.CloseIdleConnections()
	if _, err := hc.Get(url); err == nil {
		t.Fatal("still serving after Close")
	}
	if err := s.Approve("ABCDEFGHJ", "", true); err == nil {
		t.Error("Approve after Close succeeded")
	}
}

// TestCloseLeavesNoGoroutines starts and closes sandboxes that served a
// request each, then waits for the goroutine count to come back.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 3 {
		s, err := Start(Options{})
		if err != nil {
			t.Fatal(err)
		}
		hc := s.HTTPClient()
		resp, err := hc.Get(s.Endpoints().Authority + "/" + DefaultTenantID + "/discovery/v2.0/keys")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		hc.CloseIdleConnections()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines before, %d after Close:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

func TestStartDefaults(t *testing.T) {
	s := startSandbox(t, Options{})
	o := s.opts
	if o.ApproveAfter != 1800*time.Millisecond || o.PollInterval != 5*time.Second || o.DeviceCodeLifetime != 900*time.Second || o.AccessTokenLifetime != 0 || o.Now == nil {
		t.Errorf("defaults not applied: %+v", o)
	}
	if len(s.dir.Tenants) != 1 || s.dir.Tenants[0].ID != DefaultTenantID || len(s.dir.Apps) != 1 || len(s.dir.Mailboxes) != 1 {
		t.Errorf("directory is not the default one: %+v", s.dir)
	}
}

func TestStartCopiesTheDirectory(t *testing.T) {
	d := DefaultDirectory()
	s := startSandbox(t, Options{Directory: &d})
	d.Apps[0].ConsentedScopes[0] = "changed-after-start"
	s.mu.Lock()
	got := s.dir.Apps[0].ConsentedScopes[0]
	s.mu.Unlock()
	if got != "SMTP.Send" {
		t.Errorf("the caller's later change reached the running sandbox: %q", got)
	}
}

func BenchmarkStartClose(b *testing.B) {
	for b.Loop() {
		s, err := Start(Options{})
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}

// get fetches a URL with the sandbox's client and returns status and body.
func get(t *testing.T, s *Sandbox, url string) (int, string) {
	t.Helper()
	resp, err := s.HTTPClient().Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
