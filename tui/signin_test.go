package tui

import (
	"strings"
	"testing"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/steps"
)

// blockedAt is the wizard at step 4 with the device code refused by code.
func blockedAt(t *testing.T, code diagnose.Code) Model {
	t.Helper()
	m, _ := openModel(t, nil, nil)
	m = entraTo(t, m, steps.StepLogon)
	m, _ = send(t, m, result(m, testLogon, nil))
	m, _ = send(t, m, result(m, steps.SignedIn{}, diagnose.New(code, diagnose.Facts{}, "AADSTS", nil)))
	if m.logon().phase != logonFailed {
		t.Fatalf("device code phase %d", m.logon().phase)
	}
	return m
}

func TestBlockedDeviceCodeOffersTheOtherMethods(t *testing.T) {
	for _, code := range []diagnose.Code{diagnose.EntraPublicClientDisabled, diagnose.EntraConditionalAccess, diagnose.EntraDeviceAuthRequired} {
		t.Run(string(code), func(t *testing.T) {
			m := blockedAt(t, code)
			if v := flat(m.View()); !strings.Contains(v, "Press a to sign in with a browser elsewhere") {
				t.Fatalf("not offered:\n%s", m.View())
			}
			a, cmd := press(t, m, "a")
			if a.signIn().method != config.MethodAuthCode || cmd == nil || !a.current().Running() {
				t.Fatalf("a: method %q running %v", a.signIn().method, a.current().Running())
			}
			if a.logon().check.running() {
				t.Error("the device code still polls after switching")
			}
			p, _ := press(t, m, "p")
			if p.signIn().method != config.MethodAppOnly || p.current().Input() != inputText {
				t.Fatalf("p: method %q", p.signIn().method)
			}
		})
	}
	// Another failure offers a fresh code, not the other methods.
	m := blockedAt(t, diagnose.EntraCodeExpired)
	if strings.Contains(flat(m.View()), "Press a to sign in") {
		t.Error("an expired code offers the other methods as if blocked")
	}
	if a, _ := press(t, m, "a"); a.signIn().method != config.MethodDeviceCode {
		t.Error("a switched methods although the device code is not blocked")
	}
}

func TestMethodList(t *testing.T) {
	m, _ := openModel(t, nil, nil)
	m = entraTo(t, m, steps.StepLogon)
	m, _ = send(t, m, result(m, testLogon, nil))
	m, _ = send(t, m, result(m, steps.SignedIn{Mailbox: "pim@contoso.com", Audience: "https://outlook.office.com"}, nil))
	m, _ = press(t, m, "m")
	if !m.signIn().choosing || m.signIn().cursor != 0 {
		t.Fatalf("m: choosing %v cursor %d", m.signIn().choosing, m.signIn().cursor)
	}
	for _, want := range []string{"> 1. Device code", "2. Browser elsewhere", "3. App-only", "Allow public client flows = Yes", "http://localhost", "SMTP.SendAsApp"} {
		if !strings.Contains(flat(m.View()), want) {
			t.Errorf("list lacks %q:\n%s", want, m.View())
		}
	}
	m, _ = press(t, m, "down", "down", "down")
	if m.signIn().cursor != 0 {
		t.Errorf("down wraps to %d", m.signIn().cursor)
	}
	// esc closes the list and keeps the sign-in there was.
	m, _ = press(t, m, "esc")
	if m.cur != steps.StepLogon || m.signIn().choosing || m.logon().phase != logonSignedIn {
		t.Fatalf("esc: step %s choosing %v phase %d", m.cur, m.signIn().choosing, m.logon().phase)
	}
	m, _ = press(t, m, "m", "2")
	if m.signIn().method != config.MethodAuthCode {
		t.Fatalf("2 chose %q", m.signIn().method)
	}
	m, _ = send(t, m, result(m, steps.AuthCodeLogon{URL: "https://login.example/authorize?x=1", RedirectURI: "http://localhost:8400"}, nil))
	if m.signIn().code.phase != authWaiting || m.current().Input() != inputFree {
		t.Fatalf("phase %d", m.signIn().code.phase)
	}
	// Typing in the paste field: "m" is text, ctrl+o opens the list.
	m, _ = press(t, m, "m")
	if m.signIn().choosing {
		t.Fatal("m typed in the paste field opened the list")
	}
	m, _ = press(t, m, "ctrl+o")
	if !m.signIn().choosing {
		t.Fatal("ctrl+o did not open the list")
	}
	// The choice is saved with the mailbox.
	m, _ = press(t, m, "3")
	c := m.current().Apply(config.Default())
	if c.Entra.Method != config.MethodAppOnly {
		t.Errorf("Apply wrote method %q", c.Entra.Method)
	}
}

func TestAuthCodeScreenMasksThePaste(t *testing.T) {
	m := blockedAt(t, diagnose.EntraPublicClientDisabled)
	m, _ = press(t, m, "a")
	m, _ = send(t, m, result(m, steps.AuthCodeLogon{URL: "https://login.example/authorize?x=1", RedirectURI: "http://localhost:8400"}, nil))
	const code = "1.AXEAsecretcodevalue0123456789"
	m, _ = send(t, m, paste("http://localhost:8400/?code="+code+"&state=s"))
	if strings.Contains(m.View(), code) {
		t.Fatalf("the pasted code is on screen:\n%s", m.View())
	}
	m, cmd := press(t, m, "enter")
	if cmd == nil || m.signIn().code.phase != authRedeeming {
		t.Fatalf("enter did not redeem: phase %d", m.signIn().code.phase)
	}
	m, _ = send(t, m, result(m, steps.SignedIn{}, diagnose.New(diagnose.AuthCodeStateMismatch, diagnose.Facts{}, "state", nil)))
	if !strings.Contains(flat(m.View()), "The pasted address is from another sign-in") || strings.Contains(m.View(), code) {
		t.Fatalf("after a state mismatch:\n%s", m.View())
	}
}

func TestMethodListWhileTheDeviceCodeWaits(t *testing.T) {
	m, _ := openModel(t, nil, nil)
	m = entraTo(t, m, steps.StepLogon)
	m, _ = send(t, m, result(m, testLogon, nil))
	if m.logon().phase != logonWaiting {
		t.Fatalf("phase %d", m.logon().phase)
	}
	m, _ = press(t, m, "m")
	if !m.signIn().choosing {
		t.Fatal("m while the code waits did not open the list")
	}
	// The mailbox signs in meanwhile: the result is kept.
	m, _ = send(t, m, result(m, steps.SignedIn{Mailbox: "pim@contoso.com", Audience: "https://outlook.office.com"}, nil))
	m, _ = press(t, m, "esc")
	if m.logon().phase != logonSignedIn {
		t.Fatalf("the sign-in that came while the list was open was lost: phase %d", m.logon().phase)
	}
	// Choosing another method while a code waits stops its polling.
	m2, _ := openModel(t, nil, nil)
	m2 = entraTo(t, m2, steps.StepLogon)
	m2, _ = send(t, m2, result(m2, testLogon, nil))
	m2, _ = press(t, m2, "m", "3")
	if m2.signIn().method != config.MethodAppOnly || m2.logon().check.running() {
		t.Fatalf("method %q, device still polling %v", m2.signIn().method, m2.logon().check.running())
	}
}
