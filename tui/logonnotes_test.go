package tui

import (
	"strings"
	"testing"

	"github.com/pimmail/pimmail/steps"
)

// TestSandboxCodeScreenSaysItApprovesItself: in the sandbox the device
// login address is 127.0.0.1 of the server (on the admin's laptop it would
// mean the laptop): the screen says nothing needs a browser.
func TestSandboxCodeScreenSaysItApprovesItself(t *testing.T) {
	m, _ := openModel(t, nil, &testHints)
	m = entraTo(t, m, steps.StepLogon)
	m, _ = send(t, m, result(m, testLogon, nil))
	if v := flat(m.View()); !strings.Contains(v, "Sandbox: no browser is needed; the sandbox approves this code by itself") {
		t.Errorf("sandbox code screen:\n%s", m.View())
	}
	m, _ = openModel(t, nil, nil)
	m = entraTo(t, m, steps.StepLogon)
	m, _ = send(t, m, result(m, testLogon, nil))
	if v := flat(m.View()); strings.Contains(v, "Sandbox:") || !strings.Contains(v, "On any device with a browser") {
		t.Errorf("real code screen:\n%s", m.View())
	}
}

// TestCancelledSecondSignInSaysSo: esc during a fresh sign-in (r after a
// successful one) returns to the previous sign-in, and says so.
func TestCancelledSecondSignInSaysSo(t *testing.T) {
	m, _ := openModel(t, nil, nil)
	m = entraTo(t, m, steps.StepSmartHost)
	m, _ = press(t, m, "esc") // back to the signed-in logon step
	if m.cur != steps.StepLogon || m.logon().phase != logonSignedIn {
		t.Fatalf("at %s phase %d", m.cur, m.logon().phase)
	}
	m, _ = press(t, m, "r")
	m, _ = send(t, m, result(m, testLogon, nil))
	if m.logon().phase != logonWaiting {
		t.Fatalf("phase %d after r", m.logon().phase)
	}
	m, _ = press(t, m, "esc")
	v := flat(m.View())
	if m.logon().phase != logonSignedIn || !strings.Contains(v, "The new sign-in was cancelled; the previous sign-in as "+testSignedIn.Mailbox+" is kept.") {
		t.Errorf("esc during the second sign-in: phase %d:\n%s", m.logon().phase, m.View())
	}
	m, _ = press(t, m, "r")
	if strings.Contains(flat(m.View()), "was cancelled") {
		t.Errorf("the note outlives a new sign-in:\n%s", m.View())
	}
}

// TestShortIntros: at 80x24 a step opens with at most three lines of
// explanation; the rest is behind ?.
func TestShortIntros(t *testing.T) {
	m, _ := openModel(t, nil, nil)
	m = entraTo(t, m, steps.StepEnable)
	v := m.View()
	if strings.Contains(flat(v), "Nothing is written before this step") || !strings.Contains(flat(v), "(? for more)") {
		t.Errorf("step 7 opens with the whole explanation:\n%s", v)
	}
	m, _ = press(t, m, "?")
	if !strings.Contains(flat(m.View()), "Nothing is written before this step") {
		t.Errorf("? does not show the rest:\n%s", m.View())
	}
}
