package tui

import (
	"strings"
	"testing"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/steps"
)

// The Local SMTP success note names `journalctl -u postfix` on a line of
// its own: ctrl+y copies it, as it copies a problem's commands, and the
// note about the copy stands above the footer, whose keys stay.
func TestCopyNoteCommand(t *testing.T) {
	m, out := openModel(t, nil, nil)
	for m.prov().highlighted() != config.ProviderLocal {
		m, _ = press(t, m, "up")
	}
	m, _ = press(t, m, "enter", "enter")
	m, _ = send(t, m, result(m, steps.ProbeResult{Host: "localhost", Port: 25, Banner: "220 pim ESMTP Postfix",
		Stages: []steps.Stage{{Name: "connect", OK: true}, {Name: "greeting", OK: true}, {Name: "ehlo", OK: true}}}, nil))
	m, _ = press(t, m, "enter")
	if m.cur != steps.StepTest {
		t.Fatalf("at %s:\n%s", m.cur, m.View())
	}
	m, _ = send(t, m, k("ctrl+u"), paste("pim@contoso.com"), k("tab"), k("tab"), k("ctrl+u"), paste("ops@contoso.com"), k("enter"))
	m, _ = send(t, m, result(m, steps.TestResult{To: "ops@contoso.com", Reply: "250 2.0.0 Ok: queued as 4F2A1",
		Note: steps.LocalQueuedNote}, nil))
	if !strings.Contains(m.View(), "\n     journalctl -u postfix\n") {
		t.Fatalf("the command does not stand on its own line:\n%s", m.View())
	}
	keysBefore := lastLine(m.View())
	mm, c := press(t, m, "ctrl+y")
	if c == nil {
		t.Fatalf("ctrl+y copies nothing:\n%s", m.View())
	}
	m, _ = send(t, mm, c())
	if want := oscCopy("journalctl -u postfix"); out.String() != want {
		t.Errorf("copied %q, want %q", out.String(), want)
	}
	v := m.View()
	checkScreen(t, v, 80, 24)
	if !strings.Contains(flat(v), "✓ Command copied to your clipboard") {
		t.Errorf("no copy note:\n%s", v)
	}
	if got := lastLine(v); got != keysBefore || !strings.Contains(got, "esc back") {
		t.Errorf("the footer keys are gone after the copy: %q, was %q:\n%s", got, keysBefore, v)
	}
}

// lastLine is a view's last line, its footer keys.
func lastLine(v string) string {
	lines := strings.Split(strings.TrimRight(v, "\n"), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// At the last command the note says the copy key starts over, not that it
// copies "the next"; before it, that it copies the next.
func TestCopyNoteAtLastCommand(t *testing.T) {
	for _, tc := range []struct {
		n, of      int
		want, lack string
	}{
		{1, 3, "ctrl+y again copies the next.", "starts over"},
		{2, 3, "ctrl+y again copies the next.", "starts over"},
		{3, 3, "ctrl+y again starts over with the first.", "copies the next"},
	} {
		note := copiedNote(copiedMsg{what: copiedCommand, text: "Get-TransportConfig | fl", n: tc.n, of: tc.of})
		if !strings.Contains(note, tc.want) || strings.Contains(note, tc.lack) {
			t.Errorf("%d of %d: %q", tc.n, tc.of, note)
		}
	}
	// And on screen, with a problem of three commands.
	m, _ := openModel(t, nil, nil)
	m = entraTo(t, m, steps.StepTest)
	m, _ = press(t, m, "enter")
	p := diagnose.New(diagnose.SMTPAuthDisabledTenant, diagnose.Facts{Mailbox: mailbox},
		"535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.", nil)
	m, _ = send(t, m, result(m, steps.TestResult{}, p))
	for range 3 {
		mm, c := press(t, m, "ctrl+y")
		m, _ = send(t, mm, c())
	}
	v := flat(m.View())
	if !strings.Contains(v, "Copied command 3 of 3") || !strings.Contains(v, "ctrl+y again starts over with the first.") {
		t.Errorf("third copy:\n%s", m.View())
	}
}

// With a choice field focused, the footer names what ←/→ change.
func TestFooterNamesTheChoice(t *testing.T) {
	m, _ := openModel(t, nil, nil)
	m = entraTo(t, m, steps.StepIDs)
	m, _ = press(t, m, "tab", "tab")
	if m.ids().form.focus != idsCloud {
		t.Fatalf("focus on field %d, not the cloud", m.ids().form.focus)
	}
	v := m.View()
	checkScreen(t, v, 80, 24)
	if got := lastLine(v); !strings.Contains(got, "←/→ change cloud") {
		t.Errorf("footer %q lacks \"←/→ change cloud\":\n%s", got, v)
	}
}
