package sandbox

// Wire-level checks of what MSAL hides: the exact JSON shapes, slow_down
// and the polling state machine. These post forms by hand on purpose; the
// product itself only ever talks to Entra through MSAL.

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// postForm posts a form to a path under the authority and decodes the JSON.
func postForm(t *testing.T, s *Sandbox, path string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := s.HTTPClient().PostForm(s.Endpoints().Authority+path, form)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("POST %s: not JSON (%v): %s", path, err, b)
	}
	return resp.StatusCode, m
}

const tokenPath = "/" + DefaultTenantID + "/oauth2/v2.0/token"
const devicecodePath = "/" + DefaultTenantID + "/oauth2/v2.0/devicecode"

// requestCode asks for a device code as MSAL does.
func requestCode(t *testing.T, s *Sandbox) map[string]any {
	t.Helper()
	status, m := postForm(t, s, devicecodePath, url.Values{"client_id": {DefaultClientID}, "scope": {smtpScope + " openid offline_access profile"}})
	if status != 200 {
		t.Fatalf("devicecode: %d %v", status, m)
	}
	return m
}

// poll polls the token endpoint once for a device code.
func poll(t *testing.T, s *Sandbox, deviceCode string) (int, map[string]any) {
	t.Helper()
	return postForm(t, s, tokenPath, url.Values{
		"grant_type": {"device_code"}, "client_id": {DefaultClientID}, "device_code": {deviceCode},
		"client_info": {"1"}, "scope": {smtpScope + " openid offline_access profile"},
	})
}

var descRE = regexp.MustCompile(`^AADSTS(\d+): .+\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$`)

// checkErrorShape checks an error answer field by field against Entra's.
func checkErrorShape(t *testing.T, m map[string]any, errValue string, code int) {
	t.Helper()
	if m["error"] != errValue {
		t.Errorf("error = %v, want %s", m["error"], errValue)
	}
	desc, _ := m["error_description"].(string)
	sm := descRE.FindStringSubmatch(desc)
	if sm == nil || sm[1] != strconv.Itoa(code) {
		t.Errorf("error_description %q is not AADSTS%d's Entra form", desc, code)
	}
	if codes, _ := m["error_codes"].([]any); len(codes) != 1 || codes[0] != float64(code) {
		t.Errorf("error_codes = %v", m["error_codes"])
	}
	if m["error_uri"] != "https://login.microsoftonline.com/error?code="+strconv.Itoa(code) {
		t.Errorf("error_uri = %v", m["error_uri"])
	}
	for _, k := range []string{"timestamp", "trace_id", "correlation_id"} {
		if v, _ := m[k].(string); v == "" || !strings.Contains(desc, v) {
			t.Errorf("%s = %q, not repeated in the description", k, v)
		}
	}
}

func TestDeviceCodeAnswerShape(t *testing.T) {
	s := startSandbox(t, Options{})
	m := requestCode(t, s)
	want := []string{"user_code", "device_code", "verification_uri", "expires_in", "interval", "message"}
	if len(m) != len(want) {
		t.Errorf("fields %v, want exactly %v (no verification_uri_complete)", m, want)
	}
	for _, k := range want {
		if _, ok := m[k]; !ok {
			t.Errorf("no %s", k)
		}
	}
	if m["expires_in"] != float64(900) || m["interval"] != float64(5) {
		t.Errorf("expires_in %v, interval %v; want Entra's 900 and 5", m["expires_in"], m["interval"])
	}
}

func TestTokenAnswerShape(t *testing.T) {
	s := startSandbox(t, fast(Options{}))
	m := requestCode(t, s)
	status, tok := poll(t, s, m["device_code"].(string))
	if status != 200 {
		t.Fatalf("poll: %d %v", status, tok)
	}
	// Entra's lifetimes are random, 60 to 90 minutes.
	exp, _ := tok["expires_in"].(float64)
	if tok["token_type"] != "Bearer" || exp < 3600 || exp > 5400 || tok["ext_expires_in"] != tok["expires_in"] || tok["scope"] != smtpScope {
		t.Errorf("token answer: %v", tok)
	}
	for _, k := range []string{"access_token", "refresh_token", "id_token", "client_info"} {
		if v, _ := tok[k].(string); v == "" {
			t.Errorf("no %s", k)
		}
	}
	ci, err := base64.RawURLEncoding.DecodeString(tok["client_info"].(string))
	var info struct{ UID, UTID string }
	if err != nil || json.Unmarshal(ci, &info) != nil || info.UID != "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9" || info.UTID != DefaultTenantID {
		t.Errorf("client_info = %s (%v)", ci, err)
	}
	// A device code is redeemed once.
	status, again := poll(t, s, m["device_code"].(string))
	if status != 400 || again["error"] != "bad_verification_code" {
		t.Errorf("second redemption: %d %v", status, again)
	}
	// A refresh token is not an access token.
	if _, err := s.verifyAccessToken(tok["refresh_token"].(string)); err == nil {
		t.Error("the SMTP stand-in would accept a refresh token as a bearer token")
	}
	if _, err := s.verifyAccessToken(tok["id_token"].(string)); err == nil {
		t.Error("the SMTP stand-in would accept an ID token as a bearer token")
	}
}

// TestSlowDown follows RFC 8628 3.5 on the sandbox clock: a pending code
// polled sooner than its interval answers slow_down and the interval grows
// by 5 s; polled later it answers authorization_pending; once decided, the
// decision is answered however soon the poll.
// Entra never answers slow_down: a device code polled far faster than its
// interval stays authorization_pending, and is redeemed once approved.
func TestNoSlowDown(t *testing.T) {
	s := startSandbox(t, Options{ApproveAfter: -1, PollInterval: 5 * time.Second})
	m := requestCode(t, s)
	code := m["device_code"].(string)
	for i := range 5 {
		status, ans := poll(t, s, code)
		if status != 400 || ans["error"] != "authorization_pending" {
			t.Fatalf("poll %d at once: %d %v, want authorization_pending", i+1, status, ans)
		}
		checkErrorShape(t, ans, "authorization_pending", 70016)
	}
	if err := s.Approve(m["user_code"].(string), "", true); err != nil {
		t.Fatal(err)
	}
	if status, ans := poll(t, s, code); status != 200 {
		t.Fatalf("approved code polled at once: %d %v, want the tokens", status, ans)
	}
}

// TestSlowDownDoesNotStopMSAL: MSAL Go polls after 50 ms, 200 ms, 650 ms...
// whatever interval it was given, and treats slow_down as pending; with an
// hour's interval it must still finish once the code is approved.
func TestSlowDownDoesNotStopMSAL(t *testing.T) {
	s := startSandbox(t, Options{ApproveAfter: 100 * time.Millisecond, PollInterval: time.Hour})
	if _, _, err := deviceLogon(testCtx(t), newPublic(t, s, DefaultTenantID, DefaultClientID), smtpScope); err != nil {
		t.Fatalf("device-code sign-in with slow_down answers: %v", err)
	}
}

func TestPollingStates(t *testing.T) {
	var offset atomic.Int64
	s := startSandbox(t, Options{ApproveAfter: -1, PollInterval: time.Millisecond, DeviceCodeLifetime: time.Minute,
		Now: func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }})

	// Expired: answered as expired_token, whatever the timing.
	m := requestCode(t, s)
	offset.Add(int64(2 * time.Minute))
	status, ans := poll(t, s, m["device_code"].(string))
	if status != 400 {
		t.Fatalf("expired: %d", status)
	}
	checkErrorShape(t, ans, "expired_token", 70020)

	// Unknown device code.
	status, ans = poll(t, s, "DAQABIQEAAABnot-a-code")
	if status != 400 || ans["error"] != "bad_verification_code" {
		t.Errorf("unknown code: %d %v", status, ans)
	}
}

func TestTokenEndpointRequestErrors(t *testing.T) {
	s := startSandbox(t, Options{})
	cases := []struct {
		name    string
		form    url.Values
		errCode int
		errVal  string
		status  int
	}{
		{"no grant_type", url.Values{"client_id": {DefaultClientID}}, 900144, "invalid_request", 400},
		{"no client_id", url.Values{"grant_type": {"client_credentials"}}, 900144, "invalid_request", 400},
		{"unsupported grant", url.Values{"grant_type": {"password"}, "client_id": {DefaultClientID}}, 70003, "unsupported_grant_type", 400},
		{"client credentials without secret", url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultClientID}, "scope": {appScope}}, 7000218, "invalid_client", 401},
		{"refresh without token", url.Values{"grant_type": {"refresh_token"}, "client_id": {DefaultClientID}}, 900144, "invalid_request", 400},
		{"refresh with garbage", url.Values{"grant_type": {"refresh_token"}, "client_id": {DefaultClientID}, "refresh_token": {"0.AAAA.garbage"}}, 9002313, "invalid_request", 400},
		{"refresh with a JWT", url.Values{"grant_type": {"refresh_token"}, "client_id": {DefaultClientID}, "refresh_token": {"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"}}, 9002313, "invalid_request", 400},
		{"refresh well-formed but not from here", url.Values{"grant_type": {"refresh_token"}, "client_id": {DefaultClientID}, "refresh_token": {refreshPrefix + strings.Repeat("A", 400)}}, 70008, "invalid_grant", 400},
	}
	for _, tc := range cases {
		status, m := postForm(t, s, tokenPath, tc.form)
		if status != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, status, tc.status)
		}
		checkErrorShape(t, m, tc.errVal, tc.errCode)
	}

	// Entra takes only POST.
	resp, err := s.HTTPClient().Get(s.Endpoints().Authority + tokenPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != 400 {
		t.Fatalf("GET token: %d %v", resp.StatusCode, err)
	}
	checkErrorShape(t, m, "invalid_request", 900561)
}

func TestCorrelationIDIsEchoed(t *testing.T) {
	s := startSandbox(t, Options{})
	const id = "12345678-90ab-4cde-8f01-234567890abc"
	req, _ := http.NewRequest(http.MethodPost, s.Endpoints().Authority+tokenPath, strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("client-request-id", id)
	resp, err := s.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	if m["correlation_id"] != id {
		t.Errorf("correlation_id = %v, want the client-request-id %s", m["correlation_id"], id)
	}
}
