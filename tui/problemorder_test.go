package tui

import (
	"strings"
	"testing"

	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/steps"
)

// A problem reads title, explanation, Fix, details on every screen: with
// little room the body scrolls (pgdn) rather than moving the Fix above the
// explanation.
func TestProblemOrderWhenItScrolls(t *testing.T) {
	p := diagnose.New(diagnose.SMTPAuthDisabledTenant, diagnose.Facts{Host: "smtp.office365.com", Port: 587, Mailbox: mailbox},
		"535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.", nil)
	m, _ := openModel(t, nil, nil)
	m = entraTo(t, m, steps.StepTest)
	m, _ = press(t, m, "enter")
	m, _ = send(t, m, result(m, steps.TestResult{}, p))
	// Read the whole body, screen by screen.
	var seen []string
	for i := 0; i < 12; i++ {
		v := m.View()
		checkScreen(t, v, 80, 24)
		seen = append(seen, flat(v))
		if !strings.Contains(v, "more (pgdn)") && !strings.Contains(v, "↑↓ more") {
			break
		}
		m, _ = press(t, m, "pgdown")
	}
	all := strings.Join(seen, " ")
	title := strings.Index(all, "✗ "+p.Title)
	expl := strings.Index(all, flat(p.Explanation)[:40])
	fix := strings.Index(all, "Fix: ")
	details := strings.Index(all, "Details: press")
	if title < 0 || expl < 0 || fix < 0 || details < 0 {
		t.Fatalf("title %d, explanation %d, fix %d, details %d:\n%s", title, expl, fix, details, strings.Join(seen, "\n---\n"))
	}
	if !(title < expl && expl < fix && fix < details) {
		t.Errorf("order: title %d, explanation %d, fix %d, details %d; want in that order:\n%s", title, expl, fix, details, strings.Join(seen, "\n---\n"))
	}
}
