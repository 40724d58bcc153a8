package tui

import (
	"strings"
	"testing"

	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/steps"
)

// A typed secret or password inside an error (a producer that forgot to
// redact, a server that echoes what it got) is masked in the problem box:
// in the title, explanation and fix, and in the details behind ctrl+d.
func TestProblemBoxMasksTypedSecrets(t *testing.T) {
	t.Run("client secret", func(t *testing.T) {
		m, _ := openModel(t, nil, nil)
		m = entraTo(t, m, steps.StepSecret)
		m, _ = send(t, m, paste(secretVal), k("enter"))
		p := &diagnose.Problem{Code: diagnose.EntraSecretInvalid, Title: "Refused " + secretVal,
			Explanation: "the secret " + secretVal + " was refused", Fix: "Do not paste " + secretVal,
			Raw: "client_secret=" + secretVal + "&grant_type=client_credentials"}
		m, _ = send(t, m, result(m, appAccepted{}, p))
		v := m.View()
		if !strings.Contains(v, "Refused") {
			t.Fatalf("the problem is not shown:\n%s", v)
		}
		m, _ = press(t, m, "ctrl+d")
		details := m.View()
		if !strings.Contains(details, "grant_type=client_credentials") {
			t.Fatalf("ctrl+d did not show the details:\n%s", details)
		}
		for _, s := range []string{v, details} {
			if strings.Contains(s, secretVal) {
				t.Errorf("the typed secret is shown:\n%s", s)
			}
		}
	})
	t.Run("relay password", func(t *testing.T) {
		const pass = "Relay-Passw0rd-typed"
		m, _ := openModel(t, nil, nil)
		m = relayTo(t, m, steps.StepCredentials)
		m, _ = send(t, m, paste("svc-pim"), k("tab"), paste(pass), k("enter"))
		p := &diagnose.Problem{Code: diagnose.RelayAuthFailed, Title: "The server refused the username or password",
			Explanation: "it answered 535 for " + pass, Fix: "Check it",
			Raw: "535 5.7.8 Error: authentication failed: " + pass}
		m, _ = send(t, m, result(m, steps.ProbeResult{}, p))
		v := m.View()
		m, _ = press(t, m, "ctrl+d")
		details := m.View()
		if !strings.Contains(details, "535 5.7.8") {
			t.Fatalf("ctrl+d did not show the details:\n%s", details)
		}
		for _, s := range []string{v, details} {
			if strings.Contains(s, pass) {
				t.Errorf("the typed password is shown:\n%s", s)
			}
		}
	})
}
