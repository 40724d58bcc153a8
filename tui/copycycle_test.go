package tui

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/steps"
)

// oscCopy is the clipboard sequence for text.
func oscCopy(text string) string {
	return "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(text)) + "\a"
}

// Repeated ctrl+y goes through the problem's commands in the order shown,
// saying which one it copied; for SMTP AUTH off in the tenant the first is
// the least change, the mailbox-only setting. Another key starts again
// from the first.
func TestCopyKeyCyclesThroughCommands(t *testing.T) {
	m, out := openModel(t, nil, nil)
	m = entraTo(t, m, steps.StepTest)
	m, _ = press(t, m, "enter")
	p := diagnose.New(diagnose.SMTPAuthDisabledTenant, diagnose.Facts{Mailbox: mailbox},
		"535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.", nil)
	m, _ = send(t, m, result(m, steps.TestResult{}, p))

	cmds := []string{
		"Set-CASMailbox -Identity " + mailbox + " -SmtpClientAuthenticationDisabled $false",
		"Set-TransportConfig -SmtpClientAuthenticationDisabled $false",
		"Get-TransportConfig | fl SmtpClientAuthenticationDisabled",
	}
	notes := []string{"Copied command 1 of 3: Set-CASMailbox …", "Copied command 2 of 3: Set-TransportConfig …",
		"Copied command 3 of 3: Get-TransportConfig …", "Copied command 1 of 3: Set-CASMailbox …"}
	for i, note := range notes {
		out.Reset()
		mm, c := press(t, m, "ctrl+y")
		if c == nil {
			t.Fatalf("press %d: ctrl+y returned no command", i+1)
		}
		m, _ = send(t, mm, c())
		if want := oscCopy(cmds[i%3]); out.String() != want {
			t.Errorf("press %d copied %q, want %q", i+1, out.String(), want)
		}
		v := m.View()
		checkScreen(t, v, 80, 24)
		if !strings.Contains(flat(v), note) {
			t.Errorf("press %d: the screen does not say %q:\n%s", i+1, note, v)
		}
	}
	// Another key in between: the next ctrl+y copies the first again.
	m, _ = press(t, m, "ctrl+y")
	m, _ = press(t, m, "end")
	out.Reset()
	_, c := press(t, m, "ctrl+y")
	c()
	if out.String() != oscCopy(cmds[0]) {
		t.Errorf("after another key ctrl+y copied %q, want the first command", out.String())
	}
}
