package sandbox

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
)

// postPage submits the device-login form as a browser on the page would.
func postPage(t *testing.T, s *Sandbox, origin string, form url.Values) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.Endpoints().Authority+"/devicelogin", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := s.HTTPClient().Do(req)
	if err != nil {
		t.Fatalf("POST devicelogin: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// twoMailboxes adds a second mailbox to the default tenant.
func twoMailboxes(d *Directory) {
	d.Mailboxes = append(d.Mailboxes, Mailbox{UPN: "reports@contoso-sandbox.onmicrosoft.com", ObjectID: "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b", TenantID: DefaultTenantID})
}

// startManualLogon starts MSAL's device-code flow against a sandbox that
// never approves on its own, and waits for the result in the background.
func startManualLogon(t *testing.T, s *Sandbox) (public.DeviceCode, <-chan error, *public.AuthResult) {
	t.Helper()
	pc := newPublic(t, s, DefaultTenantID, DefaultClientID)
	ctx := testCtx(t)
	dc, err := pc.AcquireTokenByDeviceCode(ctx, []string{smtpScope})
	if err != nil {
		t.Fatalf("devicecode: %v", err)
	}
	done := make(chan error, 1)
	var ar public.AuthResult
	go func() {
		var err error
		ar, err = dc.AuthenticationResult(ctx)
		done <- err
	}()
	return dc, done, &ar
}

func TestDevicePageShowsTheForm(t *testing.T) {
	s := startSandbox(t, withDir(Options{}, twoMailboxes))
	status, body := get(t, s, s.Endpoints().Authority+"/devicelogin?otc=%3Cscript%3E")
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	for _, want := range []string{"Enter code", `name="otc"`, `value="approve"`, `value="decline"`, DefaultMailbox, "reports@contoso-sandbox.onmicrosoft.com"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Index(body, `value="approve"`) > strings.Index(body, `value="decline"`) {
		t.Error("Decline comes first: pressing Enter in the code field would decline")
	}
	if strings.Contains(body, "<script>") {
		t.Error("the prefilled code is not escaped")
	}
}

func TestDevicePageApprove(t *testing.T) {
	s := startSandbox(t, withDir(Options{ApproveAfter: -1, PollInterval: time.Millisecond}, twoMailboxes))
	dc, done, ar := startManualLogon(t, s)
	// Typed the way people type it: lower case, with a space and a hyphen.
	code := dc.Result.UserCode
	typed := strings.ToLower(code[:4]) + " -" + code[4:]
	status, body := postPage(t, s, s.Endpoints().Authority, url.Values{"otc": {typed}, "upn": {"reports@contoso-sandbox.onmicrosoft.com"}, "action": {"approve"}})
	if status != http.StatusOK || !strings.Contains(body, "You have signed in to the "+DefaultAppName+" application on your device.") {
		t.Fatalf("approve: status %d, body:\n%s", status, body)
	}
	if err := <-done; err != nil {
		t.Fatalf("MSAL after approval: %v", err)
	}
	if ar.Account.PreferredUsername != "reports@contoso-sandbox.onmicrosoft.com" {
		t.Errorf("signed in as %q, want the mailbox picked on the page", ar.Account.PreferredUsername)
	}
	// The code is spent.
	status, body = postPage(t, s, "", url.Values{"otc": {code}, "action": {"approve"}})
	if status != http.StatusBadRequest || !strings.Contains(body, "wasn&#39;t recognised") {
		t.Errorf("reused code: status %d, body:\n%s", status, body)
	}
}

func TestDevicePageDecline(t *testing.T) {
	s := startSandbox(t, Options{ApproveAfter: -1, PollInterval: time.Millisecond})
	dc, done, _ := startManualLogon(t, s)
	status, body := postPage(t, s, "", url.Values{"otc": {dc.Result.UserCode}, "upn": {DefaultMailbox}, "action": {"decline"}})
	if status != http.StatusOK || !strings.Contains(body, "You declined to sign in to "+DefaultAppName) {
		t.Fatalf("decline: status %d, body:\n%s", status, body)
	}
	wantEntraError(t, <-done, "authorization_declined", "", 400)
}

func TestDevicePageRefusals(t *testing.T) {
	s := startSandbox(t, Options{ApproveAfter: -1, PollInterval: time.Millisecond})
	dc, done, _ := startManualLogon(t, s)
	code := dc.Result.UserCode
	cases := []struct {
		name   string
		origin string
		form   url.Values
		status int
		want   string
	}{
		{"code of the wrong length", "", url.Values{"otc": {"ABC"}, "action": {"approve"}}, 400, "it has 9 letters and digits"},
		{"code nobody issued", "", url.Values{"otc": {"ZZZZZZZZZ"}, "action": {"approve"}}, 400, "wasn&#39;t recognised"},
		{"mailbox of no tenant of the code", "", url.Values{"otc": {code}, "upn": {"someone@else.example"}, "action": {"approve"}}, 400, "not in the tenant"},
		{"neither approve nor decline", "", url.Values{"otc": {code}, "action": {"maybe"}}, 400, "Choose Approve or Decline"},
		{"post from another site", "https://evil.example", url.Values{"otc": {code}, "action": {"approve"}}, 403, "cross-origin"},
	}
	for _, tc := range cases {
		status, body := postPage(t, s, tc.origin, tc.form)
		if status != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s: status %d, want %d with %q; body:\n%s", tc.name, status, tc.status, tc.want, body)
		}
	}
	// None of that touched the code: it can still be approved.
	if err := s.Approve(code, "", true); err != nil {
		t.Fatalf("Approve after refusals: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("MSAL: %v", err)
	}
}

func TestApproveErrors(t *testing.T) {
	var offset atomic.Int64
	s := startSandbox(t, Options{ApproveAfter: -1, PollInterval: time.Millisecond, DeviceCodeLifetime: time.Hour,
		Now: func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }})
	pc := newPublic(t, s, DefaultTenantID, DefaultClientID)
	ctx := testCtx(t)
	first, err := pc.AcquireTokenByDeviceCode(ctx, []string{smtpScope})
	if err != nil {
		t.Fatal(err)
	}
	second, err := pc.AcquireTokenByDeviceCode(ctx, []string{smtpScope})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Approve("ZZZZZZZZZ", "", true); !errors.Is(err, ErrUnknownUserCode) {
		t.Errorf("unknown code: %v", err)
	}
	if err := s.Approve(first.Result.UserCode, "nobody@contoso-sandbox.onmicrosoft.com", true); !errors.Is(err, ErrUnknownMailbox) {
		t.Errorf("unknown mailbox: %v", err)
	}
	if err := s.Approve(first.Result.UserCode, "", false); err != nil {
		t.Errorf("decline: %v", err)
	}
	if err := s.Approve(first.Result.UserCode, "", true); !errors.Is(err, ErrUserCodeUsed) {
		t.Errorf("approve after decline: %v", err)
	}
	offset.Store(int64(2 * time.Hour))
	if err := s.Approve(second.Result.UserCode, "", true); !errors.Is(err, ErrUserCodeExpired) {
		t.Errorf("expired code: %v", err)
	}
}
