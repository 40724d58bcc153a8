package diagnose

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
)

const (
	testTenant      = "contoso.onmicrosoft.com"
	testClientID    = "3f1b8c2e-6a4d-4e59-9c1a-0d2b7e8f9a10"
	testSecret      = "Q~8Xv.secretvalue_Do-Not~Show1234"
	testTrace       = "0b7c1f3e-5a2d-4c6b-9e8f-1a2b3c4d5e00"
	testCorrelation = "6d5c4b3a-2f1e-4d0c-8b9a-7e6f5d4c3b21"
	testTimestamp   = "2024-05-01 10:00:00Z"
)

// entraAnswer is one Entra error answer, field order as Entra sends it.
type entraAnswer struct {
	Error         string `json:"error"`
	Description   string `json:"error_description"`
	Codes         []int  `json:"error_codes,omitempty"`
	Timestamp     string `json:"timestamp"`
	TraceID       string `json:"trace_id"`
	CorrelationID string `json:"correlation_id"`
	ErrorURI      string `json:"error_uri,omitempty"`
}

// entraBody renders Entra's error JSON: the description carries the
// \r\n-separated Trace ID, Correlation ID and Timestamp lines.
func entraBody(errName string, codes []int, desc string) string {
	a := entraAnswer{
		Error:         errName,
		Description:   desc + "\r\nTrace ID: " + testTrace + "\r\nCorrelation ID: " + testCorrelation + "\r\nTimestamp: " + testTimestamp,
		Codes:         codes,
		Timestamp:     testTimestamp,
		TraceID:       testTrace,
		CorrelationID: testCorrelation,
	}
	if len(codes) > 0 {
		a.ErrorURI = fmt.Sprintf("https://login.microsoftonline.com/error?code=%d", codes[0])
	}
	b, _ := json.Marshal(a)
	return string(b)
}

// entraCase is one row of the reference's Entra table.
type entraCase struct {
	name   string
	status int
	err    string
	codes  []int
	desc   string // first line of error_description
	want   Code
}

var entraCases = []entraCase{
	{"tenant not found", 400, "invalid_request", []int{90002}, "AADSTS90002: Tenant 'contoso-typo.onmicrosoft.com' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", EntraTenantNotFound},
	{"tenant not found (openid configuration)", 400, "invalid_tenant", []int{90002}, "AADSTS90002: Tenant 'contoso-typo.onmicrosoft.com' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", EntraTenantNotFound},
	{"app not found", 400, "unauthorized_client", []int{700016}, "AADSTS700016: Application with identifier '" + testClientID + "' was not found in the directory 'Contoso'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", EntraAppNotFound},
	{"secret invalid", 401, "invalid_client", []int{7000215}, "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '" + testClientID + "'.", EntraSecretInvalid},
	{"secret expired", 401, "invalid_client", []int{7000222}, "AADSTS7000222: The provided client secret keys for app '" + testClientID + "' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.", EntraSecretExpired},
	{"public client flows off", 401, "invalid_client", []int{7000218}, "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.", EntraPublicClientDisabled},
	{"consent missing", 400, "invalid_grant", []int{65001}, "AADSTS65001: The user or administrator has not consented to use the application with ID '" + testClientID + "' named 'PIM Mail'. Send an interactive authorization request for this user and resource.", EntraConsentMissing},
	{"mfa required", 400, "interaction_required", []int{50076}, "AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access 'https://outlook.office.com'.", EntraMFARequired},
	{"mfa registration", 400, "interaction_required", []int{50079}, "AADSTS50079: Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication to access 'https://outlook.office.com'.", EntraMFARegistration},
	{"conditional access", 400, "invalid_grant", []int{53003}, "AADSTS53003: Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.", EntraConditionalAccess},
	{"security defaults", 400, "invalid_grant", []int{530035}, "AADSTS530035: Access has been blocked by security defaults. This is due to the request using legacy auth or being deemed unsafe by security defaults policies.", EntraSecurityDefaults},
	{"no exchange", 400, "invalid_resource", []int{500011}, "AADSTS500011: The resource principal named https://outlook.office.com was not found in the tenant named Contoso. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.", EntraNoExchange},
	{"invalid scope", 400, "invalid_scope", []int{70011}, "AADSTS70011: The provided value for the input parameter 'scope' isn't valid.", EntraInvalidScope},
	{"scope needs /.default", 400, "invalid_scope", []int{1002012}, "AADSTS1002012: The provided value for scope https://outlook.office365.com/SMTP.SendAsApp is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", EntraScopeNeedsDefault},
	{"authorization pending", 400, "authorization_pending", []int{70016}, "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending. Continue polling.", EntraAuthorizationPending},
	{"slow down", 400, "slow_down", nil, "The client is polling too quickly and should back off.", EntraSlowDown},
	{"device code expired (70020)", 400, "expired_token", []int{70020}, "AADSTS70020: The provided value for the input parameter 'device_code' is not valid. This device code has expired.", EntraCodeExpired},
	{"device code expired (70019, documented)", 400, "expired_token", []int{70019}, "AADSTS70019: Verification code expired.", EntraCodeExpired},
	{"declined (no AADSTS number)", 400, "authorization_declined", nil, "The end user denied the authorization request.", EntraDeclined},
	{"refresh token expired", 400, "invalid_grant", []int{70008}, "AADSTS70008: The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.", EntraRefreshExpired},
	{"refresh token inactive 90 days", 400, "invalid_grant", []int{700082}, "AADSTS700082: The refresh token has expired due to inactivity. The token was issued on 2024-01-01T10:00:00.0000000Z and was inactive for 90.00:00:00.", EntraRefreshInactive},
	{"grant revoked", 400, "invalid_grant", []int{50173}, "AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '2024-01-01T10:00:00.0000000Z' and the TokensValidFrom date (before which tokens are not valid) for this user is '2024-04-01T10:00:00.0000000Z'.", EntraGrantRevoked},
	// Fallbacks: an unmapped number falls back to the error name, then to EntraOther.
	{"unmapped code, known error name", 400, "invalid_grant", []int{50058}, "AADSTS50058: A silent sign-in request was sent but no user is signed in.", EntraRefreshExpired},
	{"unmapped code and name", 400, "invalid_request", []int{900144}, "AADSTS900144: The request body must contain the following parameter: 'grant_type'.", EntraOther},
	{"malformed refresh token", 400, "invalid_request", []int{9002313}, "AADSTS9002313: Invalid request. Request is malformed or invalid.", CacheSignInAgain},
	// invalid_client with no AADSTS number anywhere: the name decides.
	{"invalid_client without an AADSTS number", 401, "invalid_client", nil, "Invalid client secret provided.", EntraSecretInvalid},
	{"number only in description", 400, "something_new", nil, "AADSTS7000222: The provided client secret keys for app '" + testClientID + "' are expired.", EntraSecretExpired},
}

const tokenURL = "https://login.microsoftonline.com/" + testTenant + "/oauth2/v2.0/token"

// msalCallErr builds the error exactly as MSAL's comm.go does for a non-2xx
// reply: the request (whose form carries the client secret), the response
// with the body put back, and the error text with the trimmed body.
func msalCallErr(t testing.TB, status int, body string) msalerrors.CallErr {
	t.Helper()
	form := "client_id=" + testClientID + "&client_secret=" + testSecret + "&grant_type=client_credentials&scope=https%3A%2F%2Foutlook.office365.com%2F.default"
	req, err := http.NewRequest(http.MethodPost, tokenURL, strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	reply := &http.Response{StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Header: http.Header{"Content-Type": {"application/json; charset=utf-8"}}, Request: req,
		Body: io.NopCloser(bytes.NewBufferString(body))}
	return msalerrors.CallErr{Req: req, Resp: reply,
		Err: fmt.Errorf("http call(%s)(%s) error: reply status code was %d:\n%s", req.URL.String(), req.Method, reply.StatusCode, strings.TrimSpace(body))}
}

func TestEntraReferenceTable(t *testing.T) {
	for _, tt := range entraCases {
		t.Run(tt.name, func(t *testing.T) {
			body := entraBody(tt.err, tt.codes, tt.desc)
			for _, shape := range []string{"as returned", "wrapped", "body consumed"} {
				ce := msalCallErr(t, tt.status, body)
				var err error = ce
				switch shape {
				case "wrapped":
					err = fmt.Errorf("ResolveEndpoints(): %w", ce)
				case "body consumed":
					_, _ = io.ReadAll(ce.Resp.Body) // as MSAL's device-code poller does
				}
				p := Entra(err, Facts{})
				if p.Code != tt.want {
					t.Fatalf("%s: code = %s, want %s", shape, p.Code, tt.want)
				}
				for _, want := range []string{tt.desc, "Trace ID: " + testTrace, "Correlation ID: " + testCorrelation, "error: " + tt.err} {
					if !strings.Contains(p.Raw, want) {
						t.Errorf("%s: raw lacks %q:\n%s", shape, want, p.Raw)
					}
				}
				if strings.Contains(p.Raw, testSecret) || strings.Contains(p.Explanation+p.Fix+p.Title, testSecret) {
					t.Errorf("%s: the client secret leaked", shape)
				}
				// The IDs support quotes to Microsoft, typed for the log.
				if p.TraceID != testTrace || p.CorrelationID != testCorrelation {
					t.Errorf("%s: trace %q, correlation %q; want %q, %q", shape, p.TraceID, p.CorrelationID, testTrace, testCorrelation)
				}
				var back msalerrors.CallErr
				if !errors.As(p, &back) {
					t.Errorf("%s: the problem does not keep MSAL's error", shape)
				}
			}
		})
	}
}

// The IDs are found in the description's lines when the JSON fields are
// not there (MSAL's "<error>: <description>" text).
func TestEntraIDsFromDescription(t *testing.T) {
	e := EntraError{Description: "AADSTS50173: revoked.\r\nTrace ID: t-1\r\nCorrelation ID: c-2\r\nTimestamp: x"}
	if tr, co := e.ids(); tr != "t-1" || co != "c-2" {
		t.Errorf("ids() = %q, %q", tr, co)
	}
	if p, _ := Net(context.Canceled, Facts{}); p != nil && p.TraceID != "" {
		t.Errorf("a network problem carries a trace ID")
	}
}

func TestEntraFillsFactsFromDescription(t *testing.T) {
	ce := msalCallErr(t, 401, entraBody("invalid_client", []int{7000215}, entraCases[3].desc))
	p := Entra(ce, Facts{})
	if !strings.Contains(p.Explanation, testClientID) {
		t.Errorf("explanation does not name the app from the description: %s", p.Explanation)
	}
	ce = msalCallErr(t, 400, entraBody("invalid_request", []int{90002}, entraCases[0].desc))
	if p := Entra(ce, Facts{}); !strings.Contains(p.Explanation, "'contoso-typo.onmicrosoft.com'") {
		t.Errorf("explanation does not name the tenant: %s", p.Explanation)
	}
	// The caller's facts win.
	if p := Entra(ce, Facts{TenantID: "fabrikam.com"}); !strings.Contains(p.Explanation, "fabrikam.com") {
		t.Errorf("facts not used: %s", p.Explanation)
	}
}

// TestEntraBodyFallback: an error text without JSON (a status-only error)
// whose body is still readable.
func TestEntraBodyFallback(t *testing.T) {
	body := entraBody("invalid_client", []int{7000222}, entraCases[4].desc)
	ce := msalCallErr(t, 401, body)
	ce.Err = fmt.Errorf("http call(%s)(POST) error: reply status code was 401", tokenURL)
	p := Entra(ce, Facts{})
	if p.Code != EntraSecretExpired {
		t.Fatalf("code = %s", p.Code)
	}
	// The body is still there for the next reader.
	b, _ := io.ReadAll(ce.Resp.Body)
	if string(b) != body {
		t.Errorf("body not restored")
	}
	// No JSON anywhere: a service error of unknown kind.
	ce = msalCallErr(t, 503, "")
	ce.Err = fmt.Errorf("http call(%s)(POST) error: reply status code was 503", tokenURL)
	if p := Entra(ce, Facts{}); p.Code != EntraOther || !strings.Contains(p.Raw, "503") {
		t.Fatalf("got %s %q", p.Code, p.Raw)
	}
}

// TestEntraValidateText: MSAL's TokenResponse.Validate turns a 200 answer
// carrying an error into "<error>: <error_description>".
func TestEntraValidateText(t *testing.T) {
	err := fmt.Errorf("%s: %s", "invalid_grant", "AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed.\r\nTrace ID: x")
	if p := Entra(err, Facts{}); p.Code != EntraGrantRevoked {
		t.Fatalf("code = %s", p.Code)
	}
	if p := Entra(errors.New("DeviceCode was either created outside its package or the creating method had an error. DeviceCode is not valid"), Facts{}); p.Code != Unexpected {
		t.Fatalf("a local MSAL error: code = %s", p.Code)
	}
}

func TestEntraContext(t *testing.T) {
	if p := Entra(context.Canceled, Facts{}); p.Code != NetCancelled {
		t.Errorf("canceled: %s", p.Code)
	}
	if p := Entra(fmt.Errorf("server response error:\n %w", context.DeadlineExceeded), Facts{}); p.Code != NetTimeout {
		t.Errorf("deadline: %s", p.Code)
	}
}

// fakeEntra is a scripted Entra ID over loopback HTTPS, enough for real
// MSAL to resolve the tenant and call the token and device-code endpoints.
// Token answers are served in order; the last one repeats.
type fakeEntra struct {
	srv        *httptest.Server
	mu         sync.Mutex
	discovery  *answer
	deviceCode *answer
	tokens     []answer
	hang       bool
}

type answer struct {
	status int
	body   string
}

func newFakeEntra(t testing.TB) *fakeEntra {
	f := &fakeEntra{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		d := f.discovery
		f.mu.Unlock()
		if d != nil {
			writeJSON(w, d.status, d.body)
			return
		}
		base := f.srv.URL + "/" + r.PathValue("tenant")
		writeJSON(w, 200, fmt.Sprintf(`{"token_endpoint":%q,"authorization_endpoint":%q,"issuer":%q}`,
			base+"/oauth2/v2.0/token", base+"/oauth2/v2.0/authorize", base+"/v2.0"))
	})
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/devicecode", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		d := f.deviceCode
		f.mu.Unlock()
		if d != nil {
			writeJSON(w, d.status, d.body)
			return
		}
		writeJSON(w, 200, `{"user_code":"ABCD1234","device_code":"DAQABAAEAAAD","verification_uri":"https://microsoft.com/devicelogin","expires_in":900,"interval":5,"message":"To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ABCD1234 to authenticate."}`)
	})
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		hang := f.hang
		var a answer
		if len(f.tokens) > 0 {
			a = f.tokens[0]
			if len(f.tokens) > 1 {
				f.tokens = f.tokens[1:]
			}
		}
		f.mu.Unlock()
		if hang {
			// The request context only ends on client disconnect once
			// the body has been read; the timer bounds a broken client.
			_, _ = io.Copy(io.Discard, r.Body)
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
			return
		}
		writeJSON(w, a.status, a.body)
	})
	f.srv = httptest.NewUnstartedServer(mux)
	// The untrusted-certificate case makes the server log a handshake
	// error; keep test output clean.
	f.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	f.srv.StartTLS()
	t.Cleanup(f.srv.Close)
	return f
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func (f *fakeEntra) authority() string { return f.srv.URL + "/" + testTenant }

func (f *fakeEntra) confidential(t testing.TB) confidential.Client {
	t.Helper()
	cred, err := confidential.NewCredFromSecret(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	c, err := confidential.New(f.authority(), testClientID, cred,
		confidential.WithHTTPClient(f.srv.Client()), confidential.WithInstanceDiscovery(false))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fakeEntra) public(t testing.TB) public.Client {
	t.Helper()
	c, err := public.New(testClientID, public.WithAuthority(f.authority()),
		public.WithHTTPClient(f.srv.Client()), public.WithInstanceDiscovery(false))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var smtpScopes = []string{"https://outlook.office.com/SMTP.Send", "offline_access"}

// TestEntraThroughMSAL drives real MSAL against the scripted Entra and
// classifies what MSAL returns: client credentials (CheckApp), the OpenID
// configuration (CheckTenant), and device-code polling, where MSAL's poller
// has consumed the response body before handing the error back.
func TestEntraThroughMSAL(t *testing.T) {
	body := func(name string) string {
		for _, c := range entraCases {
			if c.name == name {
				return entraBody(c.err, c.codes, c.desc)
			}
		}
		t.Fatalf("no case %q", name)
		return ""
	}
	pending := answer{400, body("authorization pending")}
	tests := []struct {
		name  string
		setup func(*fakeEntra)
		run   func(context.Context, *fakeEntra) error
		want  Code
	}{
		{"credentials: secret invalid", func(f *fakeEntra) { f.tokens = []answer{{401, body("secret invalid")}} },
			func(ctx context.Context, f *fakeEntra) error {
				_, err := f.confidential(t).AcquireTokenByCredential(ctx, []string{"https://outlook.office365.com/.default"})
				return err
			}, EntraSecretInvalid},
		{"credentials: secret expired", func(f *fakeEntra) { f.tokens = []answer{{401, body("secret expired")}} },
			func(ctx context.Context, f *fakeEntra) error {
				_, err := f.confidential(t).AcquireTokenByCredential(ctx, []string{"https://outlook.office365.com/.default"})
				return err
			}, EntraSecretExpired},
		{"credentials: app not found", func(f *fakeEntra) { f.tokens = []answer{{400, body("app not found")}} },
			func(ctx context.Context, f *fakeEntra) error {
				_, err := f.confidential(t).AcquireTokenByCredential(ctx, []string{"https://outlook.office365.com/.default"})
				return err
			}, EntraAppNotFound},
		{"openid configuration: tenant not found", func(f *fakeEntra) {
			f.discovery = &answer{400, body("tenant not found (openid configuration)")}
		}, func(ctx context.Context, f *fakeEntra) error {
			_, err := f.confidential(t).AcquireTokenByCredential(ctx, []string{"https://outlook.office365.com/.default"})
			return err
		}, EntraTenantNotFound},
		{"device code: public client flows off", func(f *fakeEntra) { f.tokens = []answer{pending, {401, body("public client flows off")}} },
			deviceLogon, EntraPublicClientDisabled},
		{"device code: expired", func(f *fakeEntra) { f.tokens = []answer{pending, {400, body("device code expired (70020)")}} },
			deviceLogon, EntraCodeExpired},
		{"device code: declined", func(f *fakeEntra) { f.tokens = []answer{pending, {400, body("declined (no AADSTS number)")}} },
			deviceLogon, EntraDeclined},
		{"device code: consent missing", func(f *fakeEntra) { f.tokens = []answer{{400, body("consent missing")}} },
			deviceLogon, EntraConsentMissing},
		{"device code: mfa required", func(f *fakeEntra) { f.tokens = []answer{pending, {400, body("mfa required")}} },
			deviceLogon, EntraMFARequired},
		{"device code: cancelled mid-poll", func(f *fakeEntra) { f.tokens = []answer{pending} },
			func(ctx context.Context, f *fakeEntra) error {
				ctx, cancel := context.WithCancel(ctx)
				defer cancel()
				dc, err := f.public(t).AcquireTokenByDeviceCode(ctx, smtpScopes)
				if err != nil {
					return err
				}
				go func() { time.Sleep(100 * time.Millisecond); cancel() }()
				_, err = dc.AuthenticationResult(ctx)
				return err
			}, NetCancelled},
		{"token endpoint never answers", func(f *fakeEntra) { f.hang = true },
			func(ctx context.Context, f *fakeEntra) error {
				ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
				defer cancel()
				_, err := f.confidential(t).AcquireTokenByCredential(ctx, []string{"https://outlook.office365.com/.default"})
				return err
			}, NetTimeout},
		{"untrusted certificate", func(f *fakeEntra) {},
			func(ctx context.Context, f *fakeEntra) error {
				c, err := public.New(testClientID, public.WithAuthority(f.authority()), public.WithInstanceDiscovery(false),
					public.WithHTTPClient(&http.Client{Timeout: 5 * time.Second}))
				if err != nil {
					return err
				}
				_, err = c.AcquireTokenByDeviceCode(ctx, smtpScopes)
				return err
			}, TLSCertificate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeEntra(t)
			tt.setup(f)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err := tt.run(ctx, f)
			if err == nil {
				t.Fatal("MSAL reported no error")
			}
			p := Entra(err, Facts{TenantID: testTenant, ClientID: testClientID})
			if p.Code != tt.want {
				t.Fatalf("code = %s, want %s\nerr %T: %v", p.Code, tt.want, err, err)
			}
			if strings.Contains(p.Raw, testSecret) {
				t.Fatal("the client secret leaked into Raw")
			}
		})
	}
}

// deviceLogon starts a device-code logon and waits for its result.
func deviceLogon(ctx context.Context, f *fakeEntra) error {
	c, err := public.New(testClientID, public.WithAuthority(f.authority()),
		public.WithHTTPClient(f.srv.Client()), public.WithInstanceDiscovery(false))
	if err != nil {
		return err
	}
	dc, err := c.AcquireTokenByDeviceCode(ctx, smtpScopes)
	if err != nil {
		return err
	}
	_, err = dc.AuthenticationResult(ctx)
	return err
}

func FuzzParseEntraError(f *testing.F) {
	for _, c := range entraCases {
		f.Add(msalCallErr(f, c.status, entraBody(c.err, c.codes, c.desc)).Error())
	}
	f.Add("http call(https://x/token)(POST) error: reply status code was 400:\n{")
	f.Add(`{"error_codes":[-1]} {"error":"slow_down"}`)
	f.Add("invalid_grant: AADSTS50173: revoked")
	f.Add("AADSTS99999999999999999999")
	f.Add("")
	f.Fuzz(func(t *testing.T, text string) {
		e, ok := ParseEntraError(text)
		if ok && e.empty() {
			t.Fatalf("ok with nothing found in %q", text)
		}
		if !ok && !e.empty() {
			t.Fatalf("not ok but found %+v", e)
		}
		code := e.Classify()
		if ok && code == "" {
			t.Fatal("empty code")
		}
		p := Entra(errors.New(text), Facts{})
		if p == nil || p.Title == "" || p.Fix == "" {
			t.Fatalf("incomplete problem for %q: %+v", text, p)
		}
		if ok && p.Code != code {
			t.Fatalf("Entra gave %s, Classify %s", p.Code, code)
		}
	})
}

// The portal paths of the Entra fixes name the app by its Application
// (client) ID when it is known (from the caller or from Entra's own
// description), and say "<your app>" only when it is not.
func TestEntraFixNamesTheApp(t *testing.T) {
	const named = "App registrations > the app with Application (client) ID " + testClientID + " > "
	for _, tt := range []struct {
		code Code
		f    Facts
		want string
	}{
		{EntraSecretInvalid, Facts{ClientID: testClientID}, named + "Certificates & secrets"},
		{EntraSecretInvalid, Facts{}, "App registrations > <your app> > Certificates & secrets"},
		{EntraSecretExpired, Facts{ClientID: testClientID}, named + "Certificates & secrets > New client secret"},
		{EntraPublicClientDisabled, Facts{ClientID: testClientID}, named + "Authentication"},
		{EntraConsentMissing, Facts{ClientID: testClientID}, named + "API permissions"},
	} {
		t.Run(string(tt.code), func(t *testing.T) {
			if fix := New(tt.code, tt.f, "", nil).Fix; !strings.Contains(fix, tt.want) {
				t.Errorf("fix lacks %q:\n%s", tt.want, fix)
			}
		})
	}
	// From the description alone (AADSTS7000215 names the app).
	p := Entra(msalCallErr(t, 401, entraBody("invalid_client", []int{7000215}, entraCases[3].desc)), Facts{})
	if !strings.Contains(p.Fix, named+"Certificates & secrets") {
		t.Errorf("fix does not name the app from the description:\n%s", p.Fix)
	}
}
