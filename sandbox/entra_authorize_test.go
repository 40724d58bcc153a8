package sandbox

import (
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
)

const testVerifier = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ-._~"

// authorizeURL is the address pimmail builds: PKCE S256, state, query.
func authorizeURL(s *Sandbox, redirect string) string {
	sum := sha256.Sum256([]byte(testVerifier))
	v := url.Values{
		"client_id": {DefaultClientID}, "response_type": {"code"}, "redirect_uri": {redirect},
		"scope":          {"https://outlook.office.com/SMTP.Send offline_access openid profile"},
		"state":          {"st4te"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
		"response_mode": {"query"},
	}
	return s.Endpoints().Authority + "/" + DefaultTenantID + "/oauth2/v2.0/authorize?" + v.Encode()
}

func codeOf(t *testing.T, landed string) string {
	t.Helper()
	u, err := url.Parse(landed)
	if err != nil {
		t.Fatal(err)
	}
	if u.Query().Get("state") != "st4te" {
		t.Fatalf("state not returned: %s", landed)
	}
	return u.Query().Get("code")
}

func redeem(t *testing.T, s *Sandbox, code, redirect, verifier string) error {
	cc := newConfidential(t, s, DefaultTenantID, DefaultClientID, DefaultClientSecret)
	_, err := cc.AcquireTokenByAuthCode(testCtx(t), code, redirect, []string{"https://outlook.office.com/SMTP.Send"},
		confidential.WithChallenge(verifier))
	return err
}

func TestAuthorizeCodeIsSingleUseAndPKCEChecked(t *testing.T) {
	s := startSandbox(t, fast(Options{}))
	redirect := "http://localhost:8401"
	landed, err := s.SignInBrowser(testCtx(t), authorizeURL(s, redirect), true)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(landed, redirect+"?") {
		t.Fatalf("browser sent to %s", landed)
	}
	code := codeOf(t, landed)
	if err := redeem(t, s, code, redirect, strings.Repeat("x", 50)); err == nil || !strings.Contains(err.Error(), "AADSTS501481") {
		t.Fatalf("wrong verifier: %v", err)
	}
	if err := redeem(t, s, code, "http://localhost:9999/other", testVerifier); err == nil || !strings.Contains(err.Error(), "AADSTS50011") {
		t.Fatalf("other redirect at the token endpoint: %v", err)
	}
	if err := redeem(t, s, code, redirect, testVerifier); err != nil {
		t.Fatalf("redeem: %v", err)
	}
	if err := redeem(t, s, code, redirect, testVerifier); err == nil || !strings.Contains(err.Error(), "AADSTS54005") {
		t.Fatalf("second redeem: %v", err)
	}
}

func TestAuthorizeRedirectURIMustBeRegistered(t *testing.T) {
	s := startSandbox(t, fast(Options{}))
	for _, bad := range []string{"https://attacker.example/cb", "http://127.0.0.1:8400", "http://localhost:8400/other"} {
		_, err := s.SignInBrowser(testCtx(t), authorizeURL(s, bad), true)
		if err == nil || !strings.Contains(err.Error(), "AADSTS50011") {
			t.Errorf("%s: %v, want AADSTS50011 on Entra's page", bad, err)
		}
	}
	// Any port of http://localhost matches the registered http://localhost.
	for _, ok := range []string{"http://localhost:8400", "http://localhost:51234/"} {
		if _, err := s.SignInBrowser(testCtx(t), authorizeURL(s, ok), true); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	m := startSandbox(t, fast(Options{Scenario: "authcode-redirect-missing"}))
	if _, err := m.SignInBrowser(testCtx(t), authorizeURL(m, "http://localhost:8400"), true); err == nil || !strings.Contains(err.Error(), "AADSTS50011") {
		t.Fatalf("authcode-redirect-missing: %v", err)
	}
}

// The page's decision needs its CSRF token: a forged post (another site's
// form, which cannot read the page) approves nothing.
func TestAuthorizePageCSRF(t *testing.T) {
	s := startSandbox(t, Options{ApproveAfter: -1})
	hc := s.HTTPClient()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Get(authorizeURL(s, "http://localhost:8400"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(body)
	if strings.Contains(page, `http-equiv="refresh"`) {
		t.Fatal("ApproveAfter < 0 must not auto-approve")
	}
	id := hiddenField(page, "req")
	post := func(csrf, origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, s.Endpoints().Authority+"/"+DefaultTenantID+"/oauth2/v2.0/authorize",
			strings.NewReader(url.Values{"req": {id}, "csrf": {csrf}, "action": {"approve"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		r, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r
	}
	if r := post("guessed", ""); r.StatusCode != http.StatusForbidden || r.Header.Get("Location") != "" {
		t.Fatalf("forged csrf: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	if r := post(hiddenField(page, "csrf"), "https://attacker.example"); r.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin post: %d", r.StatusCode)
	}
	// The forged attempts did not spend the person's page: their own post works.
	if r := post(hiddenField(page, "csrf"), s.Endpoints().Authority); !strings.Contains(r.Header.Get("Location"), "code=") {
		t.Fatalf("the genuine post: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
}

func TestAuthorizeAutoApprovesByDefault(t *testing.T) {
	s := startSandbox(t, fast(Options{}))
	hc := s.HTTPClient()
	resp, err := hc.Get(authorizeURL(s, "http://localhost:8400"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`content="\d+;url=([^"]+)"`).FindStringSubmatch(string(body))
	if m == nil {
		t.Fatalf("no auto-approval refresh in the page")
	}
	target := m[1]
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	r2, err := hc.Get(s.Endpoints().Authority + strings.ReplaceAll(target, "&amp;", "&"))
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if loc := r2.Header.Get("Location"); !strings.Contains(loc, "code=") {
		t.Fatalf("auto-approval went to %q (%d)", loc, r2.StatusCode)
	}
}

// The sandbox's PKCE check agrees with pimmail's challenge (and so, by
// auth's test against Python, with RFC 7636), and refuses verifiers
// outside RFC 7636's 43 to 128 characters.
func TestPKCEMatchesBounds(t *testing.T) {
	for _, v := range []string{strings.Repeat("a", 43), strings.Repeat("b", 128)} {
		sum := sha256.Sum256([]byte(v))
		if !pkceMatches(base64.RawURLEncoding.EncodeToString(sum[:]), v) {
			t.Errorf("verifier of %d characters refused", len(v))
		}
	}
	for _, v := range []string{strings.Repeat("a", 42), strings.Repeat("b", 129)} {
		sum := sha256.Sum256([]byte(v))
		if pkceMatches(base64.RawURLEncoding.EncodeToString(sum[:]), v) {
			t.Errorf("verifier of %d characters accepted", len(v))
		}
	}
}
