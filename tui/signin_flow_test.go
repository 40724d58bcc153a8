package tui

import (
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/steps"
)

// toSignIn drives the Entra path to step 4 with the sandbox's values.
func (f *flow) toSignIn() Model {
	f.t.Helper()
	m := f.snap()
	for m.prov().highlighted() != config.ProviderEntra {
		f.keys("down")
		m = f.snap()
	}
	f.keys("enter")
	f.waitStep(steps.StepIDs)
	f.paste(sandbox.DefaultTenantID)
	f.keys("tab")
	f.paste(sandbox.DefaultClientID)
	f.keys("enter")
	f.waitStep(steps.StepSecret)
	f.paste(sandbox.DefaultClientSecret)
	f.keys("enter")
	return f.wait("step 4", func(m Model) bool { return m.cur == steps.StepLogon })
}

// goldenAddress is golden with the sign-in address (random state and PKCE
// challenge) replaced line by line.
func (f *flow) goldenAddress(name string, m Model) {
	f.t.Helper()
	sv := m.signIn()
	view := m.current().View()
	if u := sv.code.logon.URL; u != "" {
		for _, l := range strings.Split(urlLines(u, sv.code.width), "\n") {
			view = strings.Replace(view, l, strings.Repeat("~", len(l)), 1)
		}
		port := strings.TrimPrefix(sv.code.logon.RedirectURI, "http://localhost:")
		view = strings.ReplaceAll(view, port, "PORT")
	}
	f.goldenView(name, m, view)
}

// goldenView compares view (already normalised) with the golden file.
func (f *flow) goldenView(name string, m Model, view string) {
	f.t.Helper()
	fake := m
	fake.screens[slotLogon] = viewOnly{fake.screens[slotLogon], view}
	f.golden(name, fake)
}

// viewOnly is a screen whose View is fixed: goldenView's stand-in.
type viewOnly struct {
	step
	view string
}

func (v viewOnly) View() string { return v.view }

func TestSignInBlockedDeviceCodeToAuthCode(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	redirectPort = port
	t.Cleanup(func() { redirectPort = 0 })
	dir := t.TempDir()
	sb := startScenario(t, dir, "device-code-blocked")
	f := newFlow(t, sb, dir, 80, 24)
	f.toSignIn()
	m := f.wait("the blocked device code", func(m Model) bool { return m.logon().phase == logonFailed })
	if p := m.logon().problem.p; p == nil || p.Code != diagnose.EntraConditionalAccess {
		t.Fatalf("device code ended with %+v", m.logon().problem.p)
	}
	if v := flat(m.View()); !strings.Contains(v, "Press a to sign in with a browser elsewhere") || !strings.Contains(v, "p for app-only") {
		t.Errorf("the blocked device code does not offer the other methods:\n%s", m.View())
	}
	f.golden("4-device-blocked", m)

	f.keys("a")
	m = f.wait("the sign-in address", func(m Model) bool { return m.signIn().code.phase == authWaiting })
	if m.signIn().method != config.MethodAuthCode || m.current().Input() != inputFree {
		t.Fatalf("method %q, input %v", m.signIn().method, m.current().Input())
	}
	f.goldenAddress("4-authcode-paste", m)
	addr := m.signIn().code.logon.URL
	if got := m.current().Commands(); len(got) != 1 || got[0] != addr {
		t.Errorf("the copy key does not copy the address: %q", got)
	}
	// The address as shown joins back whole.
	if !strings.Contains(strings.ReplaceAll(m.View(), "\n ", ""), addr) {
		t.Errorf("the address is not shown whole")
	}

	// A paste from another sign-in (state differs) is refused, saying so.
	landed, err := sb.SignInBrowser(t.Context(), addr, true)
	if err != nil {
		t.Fatal(err)
	}
	st := queryValue(landed, "state")
	f.paste(strings.Replace(landed, "&state="+st, "&state=x"+st, 1))
	f.keys("enter")
	m = f.wait("the state check", func(m Model) bool {
		return m.signIn().code.phase == authWaiting && m.signIn().code.problem.p != nil
	})
	if p := m.signIn().code.problem.p; p.Code != diagnose.AuthCodeStateMismatch {
		t.Fatalf("got %s", p.Code)
	}
	if strings.Contains(m.View(), queryValue(landed, "code")) {
		t.Error("the screen shows the authorization code")
	}
	f.goldenAddress("4-authcode-state-mismatch", m)

	// The same sign-in still waits: its own address, pasted as a terminal
	// wraps it, signs in.
	if m.signIn().code.logon.URL != addr {
		t.Fatal("a refused paste started a new sign-in")
	}
	f.paste(landed[:30] + "\n" + landed[30:])
	if strings.Contains(m.View(), queryValue(landed, "code")[:20]) {
		t.Error("the paste field shows the code")
	}
	f.keys("enter")
	m = f.wait("the sign-in", func(m Model) bool { return m.signIn().code.phase == authSignedIn })
	f.golden("4-authcode-signed-in", m)
	f.keys("enter")
	f.waitStep(steps.StepSmartHost)
	f.keys("enter")
	f.waitText("is ready for OAuth2 mail")
	f.keys("enter")
	f.waitStep(steps.StepTest)
	f.keys("enter")
	f.waitText("✓ Test email sent to " + sandbox.DefaultMailbox)
	f.keys("enter")
	f.waitStep(steps.StepEnable)
	f.keys("enter") // ticked after the passing test
	f.waitText("✓ Saved.")
	f.finish()
	cfg, err := config.Load(filepath.Join(dir, "pimmail", "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Entra.Method != config.MethodAuthCode || cfg.Entra.Mailbox != sandbox.DefaultMailbox {
		t.Errorf("saved method %q mailbox %q", cfg.Entra.Method, cfg.Entra.Mailbox)
	}
}

func queryValue(addr, name string) string {
	_, q, _ := strings.Cut(addr, "?")
	for _, kv := range strings.Split(q, "&") {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v
		}
	}
	return "\x00none"
}

func TestSignInAppOnly(t *testing.T) {
	dir := t.TempDir()
	sb := startSandbox(t, dir)
	f := newFlow(t, sb, dir, 80, 24)
	f.toSignIn()
	f.wait("the device sign-in", func(m Model) bool { return m.logon().phase == logonSignedIn })
	f.keys("m")
	m := f.snap()
	f.golden("4-methods", m)
	for _, w := range []string{"1. Device code", "2. Browser elsewhere, paste back", "3. App-only", "public client flows = Yes", "SMTP.SendAsApp"} {
		if !strings.Contains(flat(m.View()), w) {
			t.Errorf("the method list lacks %q", w)
		}
	}
	// Exchange Online does not know the app yet.
	saved := sandbox.DefaultDirectory().ServicePrincipals
	sb.UpdateDirectory(func(d *sandbox.Directory) { d.ServicePrincipals = nil })
	f.keys("3")
	m = f.snap()
	if m.signIn().method != config.MethodAppOnly || m.signIn().app.mailbox.Value() != sandbox.DefaultMailbox {
		t.Fatalf("method %q mailbox %q", m.signIn().method, m.signIn().app.mailbox.Value())
	}
	f.keys("enter")
	m = f.wait("the app-only check", func(m Model) bool { return !m.current().Running() && m.signIn().app.problem.p != nil })
	p := m.signIn().app.problem.p
	sp := sandbox.ServicePrincipalObjectID(sandbox.DefaultClientID)
	if p.Code != diagnose.AppExchangeSetup || len(m.current().Commands()) < 2 ||
		m.current().Commands()[0] != "New-ServicePrincipal -AppId '"+sandbox.DefaultClientID+"' -ObjectId '"+sp+"' -DisplayName 'pimmail SMTP'" {
		t.Fatalf("problem %s, commands %q", p.Code, m.current().Commands())
	}
	f.golden("4-apponly-not-registered", m)
	// The admin runs the commands; enter checks again.
	sb.UpdateDirectory(func(d *sandbox.Directory) { d.ServicePrincipals = saved })
	f.keys("enter")
	m = f.wait("the app-only check", func(m Model) bool { return !m.current().Running() && m.signIn().app.ok })
	f.golden("4-apponly-verified", m)
	f.keys("enter")
	f.waitStep(steps.StepSmartHost)
	f.keys("enter")
	f.waitText("is ready for OAuth2 mail")
	f.keys("enter")
	f.waitStep(steps.StepTest)
	f.keys("enter")
	f.waitText("✓ Test email sent to " + sandbox.DefaultMailbox)
	f.keys("enter")
	f.waitStep(steps.StepEnable)
	f.keys("enter") // ticked after the passing test
	f.waitText("✓ Saved.")
	f.finish()
	cfg, err := config.Load(filepath.Join(dir, "pimmail", "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Entra.Method != config.MethodAppOnly || cfg.Entra.Mailbox != sandbox.DefaultMailbox {
		t.Errorf("saved method %q mailbox %q", cfg.Entra.Method, cfg.Entra.Mailbox)
	}
	if got := messagesTo(sb, "exchange", sandbox.DefaultMailbox); len(got) != 1 {
		t.Errorf("%d test emails", len(got))
	}
}
