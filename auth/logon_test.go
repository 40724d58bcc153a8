package auth_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pimmail/pimmail/auth"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/sandbox/sandboxtest"
)

// The whole happy path as the wizard runs it: tenant, app, device logon,
// then a token for sending, all against the sandbox through MSAL.
func TestHappyPath(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{})
	path := filepath.Join(t.TempDir(), "pimmail", "tokens.json")
	c, err := auth.LoadCache(path, true)
	if err != nil {
		t.Fatal(err)
	}
	s := settingsFor(sb, c)
	ctx := testCtx(t)

	if info, err := auth.CheckTenant(ctx, s); err != nil || info.TenantID != sandbox.DefaultTenantID {
		t.Fatalf("CheckTenant = %+v, %v", info, err)
	}
	if _, err := auth.CheckApp(ctx, s); err != nil {
		t.Fatalf("CheckApp: %v", err)
	}

	d, err := auth.StartDeviceLogon(ctx, s)
	if err != nil {
		t.Fatalf("StartDeviceLogon: %v", err)
	}
	if d.UserCode == "" || !strings.Contains(d.Message, d.UserCode) {
		t.Errorf("user code %q missing or not in the message %q", d.UserCode, d.Message)
	}
	if !strings.HasPrefix(d.VerificationURL, sb.Endpoints().Authority) {
		t.Errorf("VerificationURL %q is not the sandbox's page", d.VerificationURL)
	}
	if !d.ExpiresOn.After(time.Now()) {
		t.Errorf("ExpiresOn %v is not in the future", d.ExpiresOn)
	}
	acct, err := d.Wait(ctx)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if acct.Username != sandbox.DefaultMailbox {
		t.Errorf("signed in as %q, want %q", acct.Username, sandbox.DefaultMailbox)
	}
	if acct.TenantID != sandbox.DefaultTenantID || acct.HomeAccountID == "" {
		t.Errorf("account tenant %q, home ID %q", acct.TenantID, acct.HomeAccountID)
	}
	if !slices.Contains(acct.Scopes, "SMTP.Send") || acct.Audience != sandbox.OutlookAudience {
		t.Errorf("token scopes %q audience %q, want SMTP.Send for %s", acct.Scopes, acct.Audience, sandbox.OutlookAudience)
	}
	if !acct.ExpiresOn.After(time.Now()) {
		t.Errorf("token ExpiresOn %v is not in the future", acct.ExpiresOn)
	}

	// The sign-in reached the file on its own (autosave), privately.
	if got := c.Accounts(); !slices.Equal(got, []string{sandbox.DefaultMailbox}) {
		t.Errorf("cache accounts %q", got)
	}
	assertFileMode(t, path, 0o600)
	assertFileMode(t, filepath.Dir(path), 0o700)
	if c.LastWritten().IsZero() {
		t.Error("LastWritten is zero after the sign-in was saved")
	}
	leaks.addFile(t, path)
	// Printing the objects by mistake (a debug line, a %+v in a log) shows
	// no token, secret or device code.
	printed := fmt.Sprintf("%v|%+v|%#v|%v|%+v|%#v|%+v|%#v", c, c, c, d, d, *d, s, s)
	leaks.checkText(t, printed)
	if !strings.Contains(printed, d.UserCode) || strings.Contains(printed, "DAQAB") {
		t.Errorf("printed logon shows the device code or hides the user code: %s", printed)
	}

	// Token, with the name in another case as an admin might type it.
	tok, err := auth.Token(ctx, s, strings.ToUpper(sandbox.DefaultMailbox))
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	if tok.Username != sandbox.DefaultMailbox || tok.Value.IsZero() || !tok.ExpiresOn.After(time.Now()) {
		t.Fatalf("Token = user %q, empty value %v, expires %v", tok.Username, tok.Value.IsZero(), tok.ExpiresOn)
	}
	if tok.Refreshed {
		t.Error("a fresh access token from the sign-in was fetched again instead of read from the cache")
	}
	claims, err := auth.ParseClaims(tok.Value.Reveal())
	if err != nil {
		t.Fatal(err)
	}
	if claims.UPN != sandbox.DefaultMailbox || claims.TenantID != sandbox.DefaultTenantID {
		t.Errorf("token claims: upn %q tid %q", claims.UPN, claims.TenantID)
	}
	if err := auth.CheckSMTPClaims(claims, s.Cloud); err != nil {
		t.Errorf("the token for sending fails the SMTP claims check: %v", err)
	}
}

// The person on the other device types the code on the sandbox's page
// (Approve) and may choose which mailbox signs in.
func TestDeviceLogonApprovedByHand(t *testing.T) {
	dir := sandbox.DefaultDirectory()
	second := "second-box@" + sandbox.DefaultTenantDomain
	dir.Mailboxes = append(dir.Mailboxes, sandbox.Mailbox{UPN: second, ObjectID: "1b1c2d3e-4f50-4617-8293-a4b5c6d7e8f0", TenantID: sandbox.DefaultTenantID})
	sb := sandboxtest.Start(t, sandbox.Options{Directory: &dir, ApproveAfter: -1})
	c := auth.NewMemoryCache()
	s := settingsFor(sb, c)
	ctx := testCtx(t)
	d, err := auth.StartDeviceLogon(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.Approve(strings.ToLower(d.UserCode), second, true); err != nil {
		t.Fatalf("Approve: %v", err)
	}
	acct, err := d.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if acct.Username != second {
		t.Fatalf("signed in as %q, want %q", acct.Username, second)
	}
	if _, err := auth.Token(ctx, s, sandbox.DefaultMailbox); err == nil {
		t.Fatal("Token for a mailbox that never signed in succeeded")
	} else {
		p := wantProblem(t, err, diagnose.CacheSignInAgain)
		if !strings.Contains(p.Raw, second) {
			t.Errorf("raw %q does not say which mailbox the cache holds", p.Raw)
		}
	}
}

// Each Entra failure of the logon, as the sandbox's scenarios produce it,
// becomes its catalogue problem; start says whether StartDeviceLogon
// already fails (else Wait does).
func TestDeviceLogonScenarios(t *testing.T) {
	tests := []struct {
		scenario string
		start    bool
		want     diagnose.Code
	}{
		{"public-client-disabled", false, diagnose.EntraPublicClientDisabled},
		{"consent-missing", false, diagnose.EntraConsentMissing},
		{"mfa-required", false, diagnose.EntraMFARequired},
		{"conditional-access", false, diagnose.EntraConditionalAccess},
		{"no-exchange", true, diagnose.EntraNoExchange},
		{"declined", false, diagnose.EntraDeclined},
		{"code-expired", false, diagnose.EntraCodeExpired},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			sb := sandboxtest.Start(t, sandbox.Options{Scenario: tt.scenario})
			c := auth.NewMemoryCache()
			s := settingsFor(sb, c)
			ctx := testCtx(t)
			d, err := auth.StartDeviceLogon(ctx, s)
			if tt.start {
				wantProblem(t, err, tt.want)
				return
			}
			if err != nil {
				t.Fatalf("StartDeviceLogon: %v", err)
			}
			_, err = d.Wait(ctx)
			wantProblem(t, err, tt.want)
			if got := c.Accounts(); got != nil {
				t.Errorf("a failed logon left accounts %q in the cache", got)
			}
		})
	}
}

func TestDeviceLogonWrongSettings(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{})
	tests := []struct {
		name string
		edit func(*auth.Settings)
		want diagnose.Code
	}{
		{"wrong tenant", func(s *auth.Settings) { s.TenantID = "fabrikam.onmicrosoft.com" }, diagnose.EntraTenantNotFound},
		{"wrong client ID", func(s *auth.Settings) { s.ClientID = "99999999-8888-4777-8666-555555555555" }, diagnose.EntraAppNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := settingsFor(sb, auth.NewMemoryCache())
			tt.edit(&s)
			_, err := auth.StartDeviceLogon(testCtx(t), s)
			wantProblem(t, err, tt.want)
		})
	}
}

// Cancelling while MSAL polls (nobody approves) returns at once with
// NetCancelled; polling runs in Wait's goroutine, so it has stopped too.
func TestWaitCancelled(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{ApproveAfter: -1})
	c := auth.NewMemoryCache()
	s := settingsFor(sb, c)
	d, err := auth.StartDeviceLogon(testCtx(t), s)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := d.Wait(ctx)
		done <- err
	}()
	// Let MSAL poll a few times (50 ms, then 150 ms later, ...) first.
	time.Sleep(300 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("Wait returned before anyone approved or cancelled: %v", err)
	default:
	}
	cancel()
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Wait did not return after its context was cancelled")
	}
	wantProblem(t, err, diagnose.NetCancelled)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("the problem does not wrap context.Canceled: %v", err)
	}
	// The code is still pending at Entra: nobody redeemed it.
	if err := sb.Approve(d.UserCode, "", true); err != nil {
		t.Errorf("the code was consumed after cancelling: %v", err)
	}
	if got := c.Accounts(); got != nil {
		t.Errorf("cancelled logon left accounts %q", got)
	}
}

// A context deadline earlier than the code's expiry is the caller's
// timeout, not an expired code.
func TestWaitDeadline(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{ApproveAfter: -1})
	s := settingsFor(sb, auth.NewMemoryCache())
	d, err := auth.StartDeviceLogon(testCtx(t), s)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = d.Wait(ctx)
	wantProblem(t, err, diagnose.NetTimeout)
}

// The code runs out on the client's side (MSAL stops at the announced
// expiry) before Entra says expired_token: still "the code expired".
func TestWaitCodeLifetimeOver(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{ApproveAfter: -1, DeviceCodeLifetime: time.Second})
	s := settingsFor(sb, auth.NewMemoryCache())
	d, err := auth.StartDeviceLogon(testCtx(t), s)
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.Wait(testCtx(t))
	wantProblem(t, err, diagnose.EntraCodeExpired)
}

func assertFileMode(t *testing.T, path string, want uint32) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if uint32(st.Mode().Perm()) != want {
		t.Errorf("%s has mode %04o, want %04o", path, st.Mode().Perm(), want)
	}
}

// With Entra's real interval (5 s) MSAL still polls after 50 ms, 200 ms,
// 650 ms, ...: Entra answers slow_down to the early polls, which MSAL
// treats like authorization_pending, and the logon completes once the
// mailbox approves.
func TestDeviceLogonEntraInterval(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{PollInterval: 5 * time.Second, ApproveAfter: 300 * time.Millisecond})
	acct := signIn(t, settingsFor(sb, auth.NewMemoryCache()))
	if acct.Username != sandbox.DefaultMailbox {
		t.Fatalf("signed in as %q", acct.Username)
	}
}
