package tui

import (
	"strings"
	"testing"

	"github.com/pimmail/pimmail/steps"
)

// TestOverlongPasteIsRefusedAndSaid: a paste longer than the field takes is
// not cut silently (a 10 kB address used to end up "has no @"): nothing is
// added and the field says it is too long.
func TestOverlongPasteIsRefusedAndSaid(t *testing.T) {
	m, _ := openModel(t, nil, nil)
	m = relayTo(t, m, steps.StepServer)
	m, _ = press(t, m, "ctrl+u")
	m, _ = send(t, m, paste(strings.Repeat("a", 10000)+"@contoso.com"))
	if v := m.relaySrv().form.value(srvHost); v != "" {
		t.Errorf("the field took %d characters of the paste", len(v))
	}
	if v := flat(m.View()); !strings.Contains(v, "too long: it would have 10012 characters, and this field takes at most 320") {
		t.Errorf("the field does not say the paste is too long:\n%s", m.View())
	}
	checkScreen(t, m.View(), 80, 24)
}

// TestControlLeftoversAreStrippedOrRefused: direction controls and escape
// sequences are removed as they arrive (and the field says so); what is
// left of a colour code without its ESC, and a line break in the relay
// username, are refused with the one message.
func TestControlLeftoversAreStrippedOrRefused(t *testing.T) {
	m, _ := openModel(t, nil, nil)
	m = relayTo(t, m, steps.StepServer)
	m, _ = press(t, m, "ctrl+u")
	m, _ = send(t, m, paste("relay.\u202Econtoso.com\x1b[31m"))
	if v := m.relaySrv().form.value(srvHost); v != "relay.contoso.com" {
		t.Errorf("host field holds %q", v)
	}
	if v := flat(m.View()); !strings.Contains(v, "removed 6 control or invisible character(s)") || strings.Contains(m.View(), "\u202E") {
		t.Errorf("the strip is not said, or the control is on screen:\n%s", m.View())
	}

	m, _ = openModel(t, nil, nil)
	m = relayTo(t, m, steps.StepCredentials)
	m, _ = send(t, m, paste("[31mpim@contoso.com[0m"), k("enter"))
	if v := flat(m.View()); !strings.Contains(v, `Username contains the remains of a terminal control code ("[31m")`) || m.creds().Running() {
		t.Errorf("a colour-code leftover in the username was not refused:\n%s", m.View())
	}
}
