package tui

import (
	"strings"
	"testing"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/steps"
)

// A relay test that went only to the relay's own domain unlocks Enabled
// (PIM mail often goes to internal users), but the Enable step warns that
// relaying to external recipients is not proven; a test to an external
// address shows no warning.
func TestEnableWarnsOfOwnDomainTest(t *testing.T) {
	const caution = "⚠ The test went to your own domain only: mail to external recipients is not proven. " +
		"Send a test to an external address (esc) before relying on it."
	for _, tc := range []struct {
		name, to string
		own      bool
	}{
		{"own domain", "ops@contoso.com", true},
		{"external", "someone@example.net", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := openModel(t, nil, nil)
			m = relayTo(t, m, steps.StepTest)
			m, _ = send(t, m, k("ctrl+u"), paste("pim@contoso.com"), k("tab"), k("tab"), k("ctrl+u"), paste(tc.to), k("enter"))
			r := steps.TestResult{To: tc.to, Reply: "250 2.6.0 Queued mail for delivery"}
			if tc.own {
				r.Note, r.OwnDomainOnly = steps.RelayOwnDomainNote, true
			}
			m, _ = send(t, m, result(m, r, nil))
			m, _ = press(t, m, "enter")
			if m.cur != steps.StepEnable {
				t.Fatalf("at %s:\n%s", m.cur, m.View())
			}
			// After a test that went through, Enabled starts ticked.
			v := m.View()
			checkScreen(t, v, 80, 24)
			if !strings.Contains(v, "[x] Enabled") {
				t.Errorf("Enabled is not ticked after a passing test:\n%s", v)
			}
			if got := strings.Contains(flat(v), caution); got != tc.own {
				t.Errorf("caution shown %v, want %v:\n%s", got, tc.own, v)
			}
		})
	}
}

// The provider enabled now, tested in this run: the box starts ticked (it
// is enabled), enter saves at once, and the summary says the settings were
// updated rather than asking to tell the organisation about a change that
// did not happen. Enabling another provider still says what to tell.
func TestResaveOfEnabledProvider(t *testing.T) {
	relayOn := config.Default()
	relayOn.Enabled = config.ProviderRelay
	relayOn.Relay.Host = "relay.contoso.com"
	relayOn.Email.From = "pim@contoso.com"
	m, _ := openModel(t, &relayOn, nil)
	m = relayTo(t, m, steps.StepEnable)
	v := m.View()
	checkScreen(t, v, 80, 24)
	if !strings.Contains(v, "[x] Enabled") {
		t.Errorf("the enabled provider's box starts unticked:\n%s", v)
	}
	m, cmd := press(t, m, "enter")
	if cmd == nil || m.enable().check.label != "Saving…" {
		t.Fatalf("enter did not save and enable: %q, note %q:\n%s", m.enable().check.label, m.enable().note, m.View())
	}
	sum := steps.SaveSummary{ConfigPath: "/home/pim/.config/pimmail/config.json", Provider: config.ProviderRelay}
	m, _ = send(t, m, result(m, sum, nil))
	v = flat(m.View())
	if !strings.Contains(v, "Saved. SMTP Relay is enabled.") || !strings.Contains(v, "Settings updated; SMTP Relay stays enabled.") {
		t.Errorf("summary:\n%s", m.View())
	}
	if strings.Contains(v, "Tell your organisation") {
		t.Errorf("a re-save asks to tell the organisation:\n%s", m.View())
	}

	// Another provider enabled before: this save switches, so tell. A
	// test went through in this run, so the box starts ticked too.
	m, _ = openModel(t, nil, nil)
	m = relayTo(t, m, steps.StepEnable)
	if !strings.Contains(m.View(), "[x] Enabled") {
		t.Errorf("after a passing test the box starts unticked:\n%s", m.View())
	}
	m, _ = press(t, m, "enter")
	m, _ = send(t, m, result(m, sum, nil))
	if v := flat(m.View()); !strings.Contains(v, "Tell your organisation: PIM email now goes out through the relay") {
		t.Errorf("enabling does not say what to tell:\n%s", m.View())
	}
}
