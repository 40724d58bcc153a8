package tui

import (
	"strings"
	"testing"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/steps"
)

// A relay test to the relay's own domain proves only inbound acceptance:
// the note steps adds to the result is shown under the success line.
func TestRelayTestNote(t *testing.T) {
	m, _ := openModel(t, nil, nil)
	m = relayTo(t, m, steps.StepTest)
	m, _ = send(t, m, k("ctrl+u"), paste("pim@contoso.com"), k("tab"), k("tab"), k("ctrl+u"), paste("ops@contoso.com"), k("enter"))
	m, _ = send(t, m, result(m, steps.TestResult{To: "ops@contoso.com", Reply: "250 2.6.0 Queued mail for delivery",
		Note: steps.RelayOwnDomainNote}, nil))
	v := m.View()
	checkScreen(t, v, 80, 24)
	for _, w := range []string{"Test email sent", "Note: This proves the relay accepts mail for your own domain; send a test to an external address to prove it relays for this server."} {
		if !strings.Contains(flat(v), w) {
			t.Errorf("the screen lacks %q:\n%s", w, v)
		}
	}
}

// Local SMTP probed in plain text: when the server offers STARTTLS, the
// result says to choose it; not when it offers none, nor once chosen.
func TestPlainProbeOfServerOfferingSTARTTLS(t *testing.T) {
	const advice = "The server offers STARTTLS: choose STARTTLS to encrypt the connection."
	for _, tc := range []struct {
		name     string
		startTLS bool
		keys     []string // on the TLS field before probing
		want     bool
	}{
		{"offered, plain chosen", true, nil, true},
		{"not offered", false, nil, false},
		{"offered, STARTTLS chosen", true, []string{"right"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := openModel(t, nil, nil)
			for m.prov().highlighted() != config.ProviderLocal {
				m, _ = press(t, m, "up")
			}
			m, _ = press(t, m, "enter", "tab", "tab")
			m, _ = press(t, m, tc.keys...)
			m, _ = press(t, m, "enter")
			if !m.localSrv().Running() {
				t.Fatalf("no probe started:\n%s", m.View())
			}
			r := steps.ProbeResult{Host: "localhost", Port: 25, StartTLS: tc.startTLS, Banner: "220 pim.contoso.com ESMTP Postfix",
				Stages: []steps.Stage{{Name: "connect", OK: true}, {Name: "greeting", OK: true}, {Name: "ehlo", OK: true}}}
			if len(tc.keys) > 0 {
				r.TLSVersion = "TLS 1.3"
				r.Stages = append(r.Stages, steps.Stage{Name: "starttls", OK: true}, steps.Stage{Name: "ehlo-tls", OK: true})
			}
			m, _ = send(t, m, result(m, r, nil))
			v := m.View()
			checkScreen(t, v, 80, 24)
			if !strings.Contains(v, "✓ localhost:25") {
				t.Fatalf("the probe did not pass:\n%s", v)
			}
			if got := strings.Contains(flat(v), advice); got != tc.want {
				t.Errorf("advice shown %v, want %v:\n%s", got, tc.want, v)
			}
		})
	}
}

// The From warning's command stands on lines of its own, as in a fix, and
// the copy key copies it whole.
func TestFromWarningCommand(t *testing.T) {
	m, out := openModel(t, nil, nil)
	m = entraTo(t, m, steps.StepTest)
	m, _ = send(t, m, k("ctrl+u"), paste("noreply@contoso.com"))
	v := m.View()
	checkScreen(t, v, 80, 24)
	if strings.Contains(v, "`") {
		t.Errorf("backticks are drawn:\n%s", v)
	}
	if !strings.Contains(v, "\n     Add-RecipientPermission -Identity noreply@contoso.com -Trustee\n") {
		t.Errorf("the command does not start a line of its own:\n%s", v)
	}
	_, cmd := press(t, m, "ctrl+y")
	if cmd == nil {
		t.Fatal("ctrl+y does not copy the warning's command")
	}
	cmd()
	if want := oscCopy("Add-RecipientPermission -Identity noreply@contoso.com -Trustee " + mailbox + " -AccessRights SendAs"); out.String() != want {
		t.Errorf("copied %q, want %q", out.String(), want)
	}
}
