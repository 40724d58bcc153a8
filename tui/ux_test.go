package tui

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/secret"
	"github.com/pimmail/pimmail/steps"
)

// pages presses pgdown until the screen stops changing and returns every
// screen seen, joined, and the model at the end.
func pages(t *testing.T, m Model) (string, Model) {
	t.Helper()
	seen := []string{m.View()}
	for i := 0; i < 30; i++ {
		m, _ = press(t, m, "pgdown")
		v := m.View()
		checkScreen(t, v, m.width, m.height)
		if v == seen[len(seen)-1] {
			break
		}
		seen = append(seen, v)
	}
	return strings.Join(seen, "\n"), m
}

// squash drops all white space, so that text compares across line breaks
// inside words (a long URL is broken to fit).
func squash(s string) string { return strings.Join(strings.Fields(s), "") }

// sendAsDenied is Exchange Online's refusal of a From the mailbox may not use.
func sendAsDenied(from string) *diagnose.Problem {
	return diagnose.New(diagnose.SMTPSendAsDenied, diagnose.Facts{Mailbox: mailbox, From: from},
		"554 5.2.252 SendAsDenied; "+mailbox+" not allowed to send as "+from+"; STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied; "+
			"Failed to process message due to a permanent exception with message [BeginDiagnosticData]Cannot submit message. 0.35250:0A00C384, 1.36674:0A000000, 1.61250:00000000[EndDiagnosticData]", nil)
}

// entraRaw is an Entra answer as the details show it: what support asks for.
var entraRaw = strings.Join([]string{
	"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '" + clientGUID + "'.",
	"Trace ID: 0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9",
	"Correlation ID: 9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d",
	"Timestamp: 2025-03-14 09:26:53Z",
	"HTTP 401 Unauthorized: POST https://login.microsoftonline.com/" + tenantGUID + "/oauth2/v2.0/token",
	"error_uri: https://login.microsoftonline.com/error?code=7000215",
}, "\n")

// Item 1: nothing is cut off unseen at 80x24.
func TestLongContentScrolls(t *testing.T) {
	t.Run("test step: Send As warning and the problem", func(t *testing.T) {
		m, _ := openModel(t, nil, nil)
		m = entraTo(t, m, steps.StepTest)
		m, _ = send(t, m, k("ctrl+u"), paste("noreply@contoso.com"), k("enter"))
		p := sendAsDenied("noreply@contoso.com")
		m, _ = send(t, m, result(m, steps.TestResult{Transcript: []string{"S: 554 5.2.252 SendAsDenied"}}, p))
		v := m.View()
		checkScreen(t, v, 80, 24)
		// Without the From warning (the problem gives its advice) it all
		// fits at 80x24; on a shorter terminal it scrolls.
		for _, w := range []string{"✗ " + p.Title, "Fix: Use " + mailbox + " as the From address", "Add-RecipientPermission"} {
			if !strings.Contains(flat(v), w) {
				t.Errorf("the screen lacks %q:\n%s", w, v)
			}
		}
		// The rest (how to keep the work, the transcript key) is one page down.
		if m2, _ := press(t, m, "pgdown"); !strings.Contains(flat(m2.View()), "Press ctrl+t") {
			t.Errorf("the transcript key is not reachable:\n%s", m2.View())
		}
		m, _ = send(t, m, tea.WindowSizeMsg{Width: 80, Height: 18})
		v = m.View()
		checkScreen(t, v, 80, 18)
		for _, w := range []string{"✗ " + p.Title, "Fix: Use " + mailbox + " as the From address", "Add-RecipientPermission", "↓ more (pgdn)"} {
			if !strings.Contains(flat(v), w) {
				t.Errorf("first screen lacks %q:\n%s", w, v)
			}
		}
		if !strings.Contains(v, "› From") || !strings.Contains(v, "Send test to") {
			t.Errorf("the fields scrolled away:\n%s", v)
		}
		all, end := pages(t, m)
		for _, w := range []string{"Exchange Online answered 554 5.2.252 SendAsDenied", "Details: press ctrl+d", "Press ctrl+t for the SMTP transcript", "↑ more above (pgup)"} {
			if !strings.Contains(flat(all), w) {
				t.Errorf("paging down never showed %q:\n%s", w, all)
			}
		}
		// The problem gives the Send As advice: the ⚠ warning, which would
		// repeat it, waits until the problem goes.
		if strings.Contains(all, "⚠ The From address") {
			t.Errorf("the From warning repeats the problem's advice:\n%s", all)
		}
		// ↓ and pgup scroll too.
		back, _ := press(t, end, "pgup", "pgup", "pgup", "pgup")
		if !strings.Contains(back.View(), "↓ more (pgdn)") {
			t.Errorf("pgup did not go back to the top:\n%s", back.View())
		}
		down, _ := press(t, back, "down")
		if down.View() == back.View() {
			t.Error("↓ did not scroll")
		}
		// The raw details: ctrl+d shows them, scrolled into view.
		m, _ = press(t, m, "ctrl+d")
		v = m.View()
		if !strings.Contains(flat(v), "Details (ctrl+d hides):") || !strings.Contains(flat(v), "STOREDRV.Submission.Exception") {
			t.Errorf("ctrl+d does not bring the details into view:\n%s", v)
		}
		checkScreen(t, v, 80, 18)
	})
	t.Run("secret step: every line of Entra's answer can be read", func(t *testing.T) {
		m, _ := openModel(t, nil, &testHints)
		m = entraTo(t, m, steps.StepSecret)
		m, _ = send(t, m, paste(secretVal), k("enter"))
		m, _ = send(t, m, result(m, appAccepted{}, diagnose.New(diagnose.EntraSecretInvalid, diagnose.Facts{ClientID: clientGUID}, entraRaw, nil)))
		m, _ = press(t, m, "ctrl+d")
		all, _ := pages(t, m)
		for _, line := range strings.Split(entraRaw, "\n") {
			// A URL longer than a line breaks; its characters all show.
			if !strings.Contains(squash(all), squash(line)) {
				t.Errorf("the details never show %q:\n%s", line, all)
			}
		}
		if got := m.sec().form.value(0); got != secretVal {
			t.Errorf("scrolling changed the field: %q", got)
		}
	})
	t.Run("short of room, the intro and field help go first", func(t *testing.T) {
		m, _ := openModel(t, nil, &testHints)
		m = entraTo(t, m, steps.StepIDs)
		full := m.View()
		if !strings.Contains(full, "Copy both IDs") || !strings.Contains(full, "Overview > Application (client) ID.") {
			t.Fatalf("at 80x24 the intro and field help should show:\n%s", full)
		}
		m, _ = send(t, m, tea.WindowSizeMsg{Width: 80, Height: 16})
		v := m.View()
		checkScreen(t, v, 80, 16)
		if strings.Contains(v, "Copy both IDs from the Microsoft Entra admin center: App registrations > your app > Overview. Choose") {
			t.Errorf("the whole intro still shows at 16 lines:\n%s", v)
		}
		for _, w := range []string{"› Directory (tenant) ID", "Application (client) ID", "Cloud"} {
			if !strings.Contains(v, w) {
				t.Errorf("a field is missing at 16 lines (%q):\n%s", w, v)
			}
		}
	})
}

// Item 2: commands on lines of their own, without backticks, and copyable.
func TestCommandsStandAlone(t *testing.T) {
	fix := "Fix: In Exchange Online PowerShell: `Set-CASMailbox -Identity " + mailbox + " -SmtpClientAuthenticationDisabled $false` " +
		"(`$null` instead makes it follow the organisation setting), or Microsoft 365 admin center > Users."
	got := richText(fix, 78)
	want := "Fix: In Exchange Online PowerShell:\n" +
		"    Set-CASMailbox -Identity " + mailbox + "\n" +
		"      -SmtpClientAuthenticationDisabled $false\n" +
		"($null instead makes it follow the organisation setting), or Microsoft 365\n" +
		"admin center > Users."
	if got != want {
		t.Errorf("richText =\n%s\nwant\n%s", got, want)
	}
	if strings.Contains(got, "`") {
		t.Error("backticks are drawn")
	}
	if c := commandsIn(fix); len(c) != 1 || c[0] != "Set-CASMailbox -Identity "+mailbox+" -SmtpClientAuthenticationDisabled $false" {
		t.Errorf("commandsIn = %q", c)
	}
	for _, tc := range []struct{ text, want string }{
		{"run `pimmail setup`.", "run\n    pimmail setup"},
		{"`a b` and `c d`, then go", "    a b\nand\n    c d\nthen go"},
		{"an odd ` backtick", "an odd ` backtick"},
		{"`$null` only", "$null only"},
	} {
		if got := richText(tc.text, 40); got != tc.want {
			t.Errorf("richText(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestCopyCommand(t *testing.T) {
	m, out := openModel(t, nil, nil)
	m = entraTo(t, m, steps.StepTest)
	if strings.Contains(m.View(), "copy command") {
		t.Errorf("the copy key is offered with no command on screen:\n%s", m.View())
	}
	m, _ = press(t, m, "enter")
	p := diagnose.New(diagnose.SMTPAuthDisabledMailbox, diagnose.Facts{Mailbox: mailbox},
		"535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox.", nil)
	m, _ = send(t, m, result(m, steps.TestResult{}, p))
	if v := m.View(); !strings.Contains(v, "ctrl+y copy command") {
		t.Errorf("footer lacks the copy key:\n%s", v)
	}
	// A text field has the focus: y is typed, ctrl+y copies.
	m, _ = press(t, m, "end")
	before := m.test().form.value(testFrom)
	m, cmd := press(t, m, "ctrl+y")
	if cmd == nil {
		t.Fatal("ctrl+y returned no command")
	}
	if out.Len() != 0 {
		t.Fatal("Update wrote to the terminal itself")
	}
	msg := cmd()
	want := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte("Set-CASMailbox -Identity "+mailbox+" -SmtpClientAuthenticationDisabled $false")) + "\a"
	if out.String() != want {
		t.Errorf("wrote %q, want %q", out.String(), want)
	}
	m, _ = send(t, m, msg)
	if v := m.View(); !strings.Contains(flat(v), "Command copied") {
		t.Errorf("no confirmation:\n%s", v)
	}
	checkScreen(t, m.View(), 80, 24)
	if m.test().form.value(testFrom) != before {
		t.Error("ctrl+y changed the field")
	}
	m, _ = press(t, m, "y")
	if got := m.test().form.value(testFrom); got != "" && !strings.HasSuffix(got, "y") {
		t.Errorf("y in a text field is not typed: %q", got)
	}
	if strings.Contains(m.View(), "Command copied") {
		t.Error("the confirmation stays after the next key")
	}

	t.Run("y copies where no field has the focus", func(t *testing.T) {
		m, out := openModel(t, nil, nil)
		m = entraTo(t, m, steps.StepLogon)
		m, _ = send(t, m, result(m, steps.Logon{}, diagnose.New(diagnose.EntraPublicClientDisabled, diagnose.Facts{ClientID: clientGUID}, "AADSTS7000218", nil)))
		if strings.Contains(m.View(), "copy command") {
			t.Errorf("copy offered for a fix without a command:\n%s", m.View())
		}
		_, cmd := press(t, m, "y")
		if cmd != nil {
			cmd()
		}
		if out.Len() != 0 {
			t.Error("y copied a command that is not there")
		}
		m, _ = press(t, m, "enter")
		m, _ = send(t, m, result(m, steps.Logon{}, diagnose.New(diagnose.EntraRefreshExpired, diagnose.Facts{Mailbox: mailbox}, "AADSTS70008", nil)))
		_, cmd = press(t, m, "y")
		if cmd == nil {
			t.Fatalf("y did not copy:\n%s", m.View())
		}
		cmd()
		if want := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte("pimmail setup")) + "\a"; out.String() != want {
			t.Errorf("wrote %q, want %q", out.String(), want)
		}
	})
}

// Item 3: a problem computed from earlier steps' values goes when they change.
func TestStaleProblemIsCleared(t *testing.T) {
	m, _ := openModel(t, nil, nil)
	m = entraTo(t, m, steps.StepSecret)
	m, _ = send(t, m, paste(secretVal), k("enter"))
	p := diagnose.New(diagnose.EntraAppNotFound, diagnose.Facts{ClientID: clientGUID, TenantID: tenantGUID},
		"AADSTS700016: Application with identifier '"+clientGUID+"' was not found in the directory.", nil)
	m, _ = send(t, m, result(m, appAccepted{}, p))
	if !strings.Contains(flat(m.View()), p.Title) {
		t.Fatalf("no problem shown:\n%s", m.View())
	}
	// Back to the IDs, unchanged, and on again: the problem still holds.
	m, _ = press(t, m, "esc", "enter")
	m, _ = send(t, m, result(m, tenantGUID, nil))
	if m.cur != steps.StepSecret || !strings.Contains(flat(m.View()), p.Title) {
		t.Fatalf("with the same IDs the problem should stay (at %s):\n%s", m.cur, m.View())
	}
	// Now fix the client ID: the old answer no longer holds.
	m, _ = press(t, m, "esc")
	if m.ids().form.focus != idsClient {
		t.Fatalf("focus on field %d", m.ids().form.focus)
	}
	m, _ = press(t, m, "ctrl+u")
	m, _ = send(t, m, paste("0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d6e"), k("enter"))
	m, _ = send(t, m, result(m, tenantGUID, nil))
	if m.cur != steps.StepSecret {
		t.Fatalf("at %s", m.cur)
	}
	if v := m.View(); strings.Contains(flat(v), p.Title) || strings.Contains(v, "✗") {
		t.Errorf("the old problem is still shown after the client ID changed:\n%s", v)
	}
	if got := m.sec().form.value(0); got != secretVal {
		t.Errorf("the typed secret was lost: %q", got)
	}

	t.Run("the test step forgets a failure for other settings", func(t *testing.T) {
		m, _ := openModel(t, nil, nil)
		m = entraTo(t, m, steps.StepTest)
		m, _ = press(t, m, "enter")
		p := diagnose.New(diagnose.SMTPAuthDisabledMailbox, diagnose.Facts{Mailbox: mailbox}, "535 5.7.139", nil)
		m, _ = send(t, m, result(m, steps.TestResult{Transcript: []string{"S: 535 5.7.139"}}, p))
		m, _ = press(t, m, "esc", "ctrl+u")
		m, _ = send(t, m, paste("smtp.office365.com:25"), k("enter"))
		m, _ = send(t, m, result(m, testProbe, nil))
		m, _ = press(t, m, "enter")
		if v := m.View(); m.cur != steps.StepTest || strings.Contains(flat(v), p.Title) || strings.Contains(v, "ctrl+t") {
			t.Errorf("at %s; the failure for the old smart host is still shown:\n%s", m.cur, v)
		}
	})
}

// Item 4: esc from step 1 asks when work would be lost; ctrl+c never asks.
func TestEscOnFirstStepAsksWhenWorkWouldBeLost(t *testing.T) {
	m, _ := openModel(t, nil, nil)
	m = entraTo(t, m, steps.StepIDs)
	m, _ = send(t, m, paste(tenantGUID))
	m, cmd := press(t, m, "esc", "esc")
	if cmd != nil {
		if msg := cmd(); msg == tea.Quit() {
			t.Fatal("esc on step 1 quit although a tenant was typed")
		}
	}
	v := m.View()
	if !strings.Contains(v, "Quit without saving? (y/n)") || !strings.Contains(v, "y quit without saving") {
		t.Fatalf("no question:\n%s", v)
	}
	checkScreen(t, v, 80, 24)
	m, _ = press(t, m, "n")
	if m.confirmQuit || strings.Contains(m.View(), "Quit without saving?") || m.cur != steps.StepProvider {
		t.Fatalf("n did not cancel:\n%s", m.View())
	}
	m, _ = press(t, m, "enter")
	if got := m.ids().form.value(idsTenant); got != tenantGUID {
		t.Errorf("the typed tenant is gone: %q", got)
	}
	m, _ = press(t, m, "esc", "esc")
	_, cmd = press(t, m, "y")
	if cmd == nil || cmd() != tea.Quit() {
		t.Fatal("y did not quit")
	}

	t.Run("nothing typed: esc quits at once", func(t *testing.T) {
		m, _ := openModel(t, nil, nil)
		m, _ = press(t, m, "enter", "esc")
		_, cmd := press(t, m, "esc")
		if cmd == nil || cmd() != tea.Quit() {
			t.Fatal("esc did not quit")
		}
	})
	t.Run("ctrl+c quits at once while asking", func(t *testing.T) {
		m, _ := openModel(t, nil, nil)
		m = entraTo(t, m, steps.StepSecret)
		m, _ = press(t, m, "esc", "esc", "esc")
		if !m.confirmQuit {
			t.Fatal("a checked step did not make esc ask")
		}
		_, cmd := press(t, m, "ctrl+c")
		if cmd == nil || cmd() != tea.Quit() {
			t.Fatal("ctrl+c did not quit")
		}
	})
	t.Run("esc on the summary quits", func(t *testing.T) {
		m, _ := openModel(t, nil, nil)
		m = entraTo(t, m, steps.StepEnable)
		m, _ = press(t, m, "enter")
		m, _ = send(t, m, result(m, steps.SaveSummary{ConfigPath: "/tmp/x/config.json", Provider: config.ProviderEntra, Mailbox: mailbox}, nil))
		_, cmd := press(t, m, "esc")
		if cmd == nil || cmd() != tea.Quit() {
			t.Fatal("esc on the summary did not quit")
		}
	})
}

// savedEntra is a configuration saved by an earlier run, signed in.
func savedEntra() config.Config {
	c := config.Default()
	c.Enabled = config.ProviderEntra
	c.Entra.TenantID, c.Entra.ClientID, c.Entra.Mailbox = tenantGUID, clientGUID, mailbox
	c.Entra.ClientSecret = secret.New(secretVal)
	c.Email.From = mailbox
	return c
}

// Item 5: a saved sign-in that still works is offered.
func TestSavedSignInIsOffered(t *testing.T) {
	at := func(t *testing.T) Model {
		cfg := savedEntra()
		m, _ := openModel(t, &cfg, nil)
		m, _ = press(t, m, "enter", "enter") // provider; the saved IDs
		m, _ = send(t, m, result(m, tenantGUID, nil))
		m, _ = press(t, m, "enter") // the saved secret
		m, _ = send(t, m, result(m, appAccepted{}, nil))
		if m.cur != steps.StepLogon {
			t.Fatalf("at %s", m.cur)
		}
		return m
	}
	m := at(t)
	if m.logon().phase != logonChecking || !strings.HasPrefix(m.logon().check.label, "Checking the saved sign-in of ") {
		t.Fatalf("the saved sign-in is not checked: phase %d, check %q", m.logon().phase, m.logon().check.label)
	}
	if v := m.View(); !strings.Contains(flat(v), "Checking the saved sign-in of "+mailbox) || !strings.Contains(v, "esc cancel") {
		t.Errorf("view:\n%s", v)
	}
	m, _ = send(t, m, result(m, steps.TokenStatus{Mailbox: mailbox, ExpiresOn: fixedNow.Add(time.Hour)}, nil))
	v := m.View()
	for _, w := range []string{"Signed in as " + mailbox, "Keep the saved sign-in as " + mailbox + " (enter) · r sign in again", "enter keep sign-in"} {
		if !strings.Contains(flat(v), w) {
			t.Errorf("view lacks %q:\n%s", w, v)
		}
	}
	checkScreen(t, v, 80, 24)

	t.Run("r then esc returns to it", func(t *testing.T) {
		m, _ := press(t, m, "r")
		if m.logon().phase != logonStarting {
			t.Fatalf("r: phase %d", m.logon().phase)
		}
		m, _ = send(t, m, result(m, testLogon, nil))
		m, _ = press(t, m, "esc")
		if m.cur != steps.StepLogon || m.logon().phase != logonSignedIn || !strings.Contains(flat(m.View()), "Keep the saved sign-in as "+mailbox) {
			t.Fatalf("esc lost the saved sign-in (at %s, phase %d):\n%s", m.cur, m.logon().phase, m.View())
		}
		// And after a failed new attempt too.
		m, _ = press(t, m, "r")
		m, _ = send(t, m, result(m, steps.Logon{}, diagnose.New(diagnose.EntraPublicClientDisabled, diagnose.Facts{}, "AADSTS7000218", nil)))
		if !strings.Contains(flat(m.View()), "esc returns to the sign-in as "+mailbox) {
			t.Errorf("the failed attempt does not say esc returns:\n%s", m.View())
		}
		m, _ = press(t, m, "esc")
		if m.cur != steps.StepLogon || m.logon().phase != logonSignedIn {
			t.Fatalf("esc after a failed attempt: at %s, phase %d", m.cur, m.logon().phase)
		}
		m, _ = press(t, m, "enter")
		if m.cur != steps.StepSmartHost || m.cfg.Entra.Mailbox != mailbox {
			t.Fatalf("enter: at %s with mailbox %q", m.cur, m.cfg.Entra.Mailbox)
		}
	})
	t.Run("a fresh sign-in, r, esc: back to the fresh one", func(t *testing.T) {
		m, _ := openModel(t, nil, nil)
		m = entraTo(t, m, steps.StepLogon)
		m, _ = send(t, m, result(m, testLogon, nil))
		m, _ = send(t, m, result(m, testSignedIn, nil))
		m, _ = press(t, m, "r")
		m, _ = send(t, m, result(m, testLogon, nil))
		m, _ = press(t, m, "esc")
		if m.logon().phase != logonSignedIn || !strings.Contains(flat(m.View()), "Signed in as "+mailbox) {
			t.Fatalf("phase %d:\n%s", m.logon().phase, m.View())
		}
	})
	t.Run("a saved sign-in that fails falls back to a code, saying why", func(t *testing.T) {
		m := at(t)
		m, _ = send(t, m, result(m, steps.TokenStatus{}, diagnose.New(diagnose.EntraRefreshInactive, diagnose.Facts{Mailbox: mailbox}, "AADSTS700082", nil)))
		if m.logon().phase != logonStarting {
			t.Fatalf("phase %d", m.logon().phase)
		}
		if v := flat(m.View()); !strings.Contains(v, "The saved sign-in as "+mailbox+" cannot be used") {
			t.Errorf("view:\n%s", m.View())
		}
	})
	t.Run("another client ID in this run: no saved sign-in", func(t *testing.T) {
		cfg := savedEntra()
		m, _ := openModel(t, &cfg, nil)
		m, _ = press(t, m, "enter", "tab", "ctrl+u")
		m, _ = send(t, m, paste("0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d6e"), k("enter"))
		m, _ = send(t, m, result(m, tenantGUID, nil))
		m, _ = press(t, m, "enter")
		m, _ = send(t, m, result(m, appAccepted{}, nil))
		if m.cur != steps.StepLogon || m.logon().phase != logonStarting || m.logon().check.label != "Asking Entra ID for a sign-in code…" {
			t.Fatalf("at %s, phase %d, check %q; want a fresh code", m.cur, m.logon().phase, m.logon().check.label)
		}
	})
}

// Item 6: the Enable step offers only what works.
func TestEnableWithoutTestIsHonest(t *testing.T) {
	relayOn := config.Default()
	relayOn.Enabled = config.ProviderRelay
	relayOn.Relay.Host = "relay.contoso.com"
	m, _ := openModel(t, &relayOn, nil)
	for m.prov().highlighted() != config.ProviderEntra {
		m, _ = press(t, m, "down")
	}
	m = entraTo(t, m, steps.StepTest)
	m, _ = press(t, m, "ctrl+n")
	if m.cur != steps.StepEnable {
		t.Fatalf("at %s", m.cur)
	}
	v := m.View()
	if strings.Contains(v, "space") || strings.Contains(v, "tick/untick") {
		t.Errorf("the footer offers the locked checkbox:\n%s", v)
	}
	for _, w := range []string{"enter save settings only", "Enter saves these settings without enabling them; SMTP Relay stays enabled."} {
		if !strings.Contains(flat(v), w) {
			t.Errorf("view lacks %q:\n%s", w, v)
		}
	}
	checkScreen(t, v, 80, 24)
	m, cmd := press(t, m, "space")
	if m.enable().ticked || cmd != nil {
		t.Error("space ticked Enabled without a test")
	}
	m, cmd = press(t, m, "enter")
	if !m.enable().Running() || cmd == nil || m.enable().check.label != "Saving the settings…" {
		t.Fatalf("enter did not save the settings: running %v, check %q", m.enable().Running(), m.enable().check.label)
	}
	sum := steps.SaveSummary{ConfigPath: "/home/pim/.config/pimmail/config.json", Provider: config.ProviderRelay}
	m, _ = send(t, m, result(m, settingsSaved(sum), nil))
	v = flat(m.View())
	for _, w := range []string{"✓ Saved the settings of Microsoft Entra ID SMTP Client; it is not enabled.", "Enabled SMTP Relay (unchanged)"} {
		if !strings.Contains(v, w) {
			t.Errorf("summary lacks %q:\n%s", w, m.View())
		}
	}
	if strings.Contains(v, "is enabled.") {
		t.Errorf("the summary claims the provider was enabled:\n%s", m.View())
	}
	sum.SettingsOnly, sum.NotSaved = true, []string{"From address and display name (used by SMTP Relay, enabled now)"}
	en := m.enable()
	en.summary = &sum
	m.screens[slotEnable] = en
	if v := flat(m.View()); !strings.Contains(v, "⚠ Kept as they were, because SMTP Relay sends with them now and the changes were not tested: From address and display name") {
		t.Errorf("the summary does not say what was kept:\n%s", m.View())
	}

	t.Run("tested: ticked saves and enables, unticked saves settings only", func(t *testing.T) {
		m, _ := openModel(t, nil, nil)
		m = entraTo(t, m, steps.StepEnable)
		// After the passing test the box starts ticked: enter, under the
		// green check, saves and enables (issue 11: it used to save only).
		if v := flat(m.View()); !strings.Contains(v, "enter save and enable • space untick") || !strings.Contains(v, "Enter saves and enables Microsoft Entra ID SMTP Client") {
			t.Errorf("ticked:\n%s", m.View())
		}
		m2, _ := press(t, m, "space")
		if v := flat(m2.View()); !strings.Contains(v, "enter save settings only • space tick Enabled") ||
			!strings.Contains(v, "Tick Enabled (space) and press enter to save and enable") {
			t.Errorf("unticked:\n%s", m2.View())
		}
		if m2, _ = press(t, m2, "enter"); m2.enable().check.label != "Saving the settings…" {
			t.Errorf("unticked enter ran %q, want settings only", m2.enable().check.label)
		}
		m, _ = press(t, m, "enter")
		if m.enable().check.label != "Saving…" {
			t.Errorf("ticked enter ran %q, want save", m.enable().check.label)
		}
	})
	t.Run("the enabled provider is not changed untested", func(t *testing.T) {
		cfg := savedEntra()
		m, _ := openModel(t, &cfg, nil)
		m, _ = press(t, m, "enter", "enter")
		m, _ = send(t, m, result(m, tenantGUID, nil))
		m, _ = press(t, m, "enter")
		m, _ = send(t, m, result(m, appAccepted{}, nil))
		m, _ = send(t, m, result(m, steps.TokenStatus{Mailbox: mailbox}, nil))
		m, _ = press(t, m, "enter", "enter")
		m, _ = send(t, m, result(m, testProbe, nil))
		m, _ = press(t, m, "enter", "ctrl+n")
		if m.cur != steps.StepEnable {
			t.Fatalf("at %s", m.cur)
		}
		m, cmd := press(t, m, "enter")
		if cmd != nil || m.enable().Running() {
			t.Error("untested settings of the enabled provider were saved")
		}
		if v := m.View(); strings.Contains(v, "enter save") || !strings.Contains(flat(v), "is enabled now and PIM mail goes out with its saved settings, so pimmail saves changes to them only after a test email") {
			t.Errorf("view:\n%s", v)
		}
		// Tested, the enabled provider's box starts ticked (it is enabled
		// now): enter saves its new settings; unticked, enter refuses.
		m, _ = press(t, m, "esc", "enter")
		m, _ = send(t, m, result(m, testSent, nil))
		m, _ = press(t, m, "enter")
		if v := m.View(); m.cur != steps.StepEnable || !strings.Contains(v, "[x] Enabled") || !strings.Contains(v, "enter save and enable") {
			t.Fatalf("at %s:\n%s", m.cur, v)
		}
		m, _ = press(t, m, "space")
		if v := m.View(); !strings.Contains(v, "space tick Enabled") || strings.Contains(v, "enter save") {
			t.Fatalf("unticked:\n%s", v)
		}
		m, cmd = press(t, m, "enter")
		if cmd != nil || !strings.Contains(flat(m.View()), "Tick Enabled first") {
			t.Errorf("unticked enter:\n%s", m.View())
		}
	})
}

// Item 7: at 60 columns results wrap and unfocused fields end in "…".
func TestNarrowScreen(t *testing.T) {
	m, _ := openModel(t, nil, &testHints)
	m, _ = send(t, m, tea.WindowSizeMsg{Width: 60, Height: 24})
	m = entraTo(t, m, steps.StepLogon)
	m, _ = send(t, m, result(m, testLogon, nil))
	m, _ = send(t, m, result(m, testSignedIn, nil))
	v := m.View()
	checkScreen(t, v, 60, 24)
	if !strings.Contains(flat(v), "✓ Signed in as "+mailbox) {
		t.Errorf("the mailbox is cut:\n%s", v)
	}
	m, _ = press(t, m, "enter", "enter")
	m, _ = send(t, m, result(m, testProbe, nil))
	m, _ = press(t, m, "enter")
	if m.cur != steps.StepTest {
		t.Fatalf("at %s", m.cur)
	}
	m, _ = press(t, m, "tab")
	v = m.View()
	checkScreen(t, v, 60, 24)
	var from string
	for _, l := range strings.Split(v, "\n") {
		if strings.Contains(l, "From") {
			from = l
		}
	}
	if !strings.Contains(from, "pim-notifications@") || !strings.HasSuffix(from, "…") {
		t.Errorf("the unfocused From is not cut with a trailing …: %q", from)
	}
	// Every step's body fits its width: nothing is cut at the edge.
	for _, w := range []int{60, 80, 100} {
		m, _ := openModel(t, nil, &testHints)
		m, _ = send(t, m, tea.WindowSizeMsg{Width: w, Height: 24})
		for _, id := range []steps.ID{steps.StepProvider, steps.StepIDs, steps.StepSecret, steps.StepLogon, steps.StepSmartHost, steps.StepTest, steps.StepEnable} {
			m := entraTo(t, m, id)
			if id == steps.StepLogon {
				m, _ = send(t, m, result(m, testLogon, nil))
			}
			bw, _ := m.bodySize()
			for i, l := range strings.Split(m.current().View(), "\n") {
				if lipgloss.Width(l) > bw {
					t.Errorf("%dx24 %s: body line %d is %d wide, more than %d: %q", w, id, i+1, lipgloss.Width(l), bw, l)
				}
			}
		}
	}
}

// Item 8: one key per action, named the same on every step.
func TestKeysAreConsistent(t *testing.T) {
	p := diagnose.New(diagnose.EntraPublicClientDisabled, diagnose.Facts{ClientID: clientGUID}, "AADSTS7000218: The request body must contain client_assertion or client_secret.", nil)
	m, _ := openModel(t, nil, nil)
	m = entraTo(t, m, steps.StepLogon)
	m, _ = send(t, m, result(m, steps.Logon{}, p))
	v := m.View()
	if !strings.Contains(v, "ctrl+d details") || !strings.Contains(v, "Details: press ctrl+d") {
		t.Errorf("the logon step names details differently:\n%s", v)
	}
	m, _ = press(t, m, "d") // no text field here: the letter works too
	if !strings.Contains(flat(m.View()), "AADSTS7000218") {
		t.Error("d did not show the details")
	}
	if strings.Contains(m.View(), "shift+tab") {
		t.Errorf("the footer names a second key for back:\n%s", m.View())
	}

	m, _ = openModel(t, nil, nil)
	m = entraTo(t, m, steps.StepIDs)
	m, _ = send(t, m, k("x"), k("enter"))
	if v := m.View(); !strings.Contains(v, "? help") || strings.Contains(v, "shift+tab back") || !strings.Contains(v, "esc back") {
		t.Errorf("IDs footer:\n%s", v)
	}
	m, _ = press(t, m, "?")
	if !m.help.ShowAll {
		t.Error("? in the tenant field did not open the help")
	}

	m, _ = openModel(t, nil, nil)
	m = entraTo(t, m, steps.StepTest)
	m, _ = press(t, m, "tab") // the display name: "?" is a valid character there
	if v := m.View(); !strings.Contains(v, "f1 help") || strings.Contains(v, "? help") {
		t.Errorf("display name footer:\n%s", v)
	}
	m, _ = press(t, m, "?")
	if m.help.ShowAll || m.test().form.value(testName) != "?" {
		t.Errorf("? in the display name: help %v, field %q", m.help.ShowAll, m.test().form.value(testName))
	}
	m, _ = press(t, m, "f1")
	if !m.help.ShowAll || !strings.Contains(m.View(), "The sender's name recipients see.") {
		t.Errorf("f1 did not open the help with the fields' help:\n%s", m.View())
	}
}

// Item 9: a cancelled check says so, briefly.
func TestCancelledNote(t *testing.T) {
	m, _ := openModel(t, nil, nil)
	m = entraTo(t, m, steps.StepSmartHost)
	m, _ = press(t, m, "enter", "esc")
	v := m.View()
	if m.cur != steps.StepSmartHost || !strings.Contains(v, "Cancelled.") || strings.Contains(v, "✗") {
		t.Errorf("at %s:\n%s", m.cur, v)
	}
	m, _ = press(t, m, "backspace")
	if strings.Contains(m.View(), "Cancelled.") {
		t.Error("the note stays after an edit")
	}
}

// Item 10: a failed probe shows only what it reached.
func TestProbeShowsOnlyWhatWasReached(t *testing.T) {
	oldTLS := steps.ProbeResult{
		Host: "smtp.contoso.com", Port: 587, StartTLS: true,
		Banner: "220 smtp.contoso.com ESMTP",
		Stages: []steps.Stage{
			{Name: "dns", OK: true}, {Name: "connect", OK: true}, {Name: "greeting", OK: true}, {Name: "ehlo", OK: true},
			{Name: "starttls", Detail: "tls: server selected unsupported protocol version 302"},
		},
	}
	v := flat(probeView(oldTLS, true, 78))
	if strings.Contains(v, "AUTH") || strings.Contains(v, "XOAUTH2 not offered") || strings.Contains(v, "plain text") {
		t.Errorf("rows for stages never reached: %s", v)
	}
	if !strings.Contains(v, "TLS not established ✗") || !strings.Contains(v, "✗ starttls") {
		t.Errorf("the failed TLS is not shown: %s", v)
	}
	refused := steps.ProbeResult{Stages: []steps.Stage{{Name: "dns", OK: true}, {Name: "connect", Detail: "connection refused"}}}
	if v := flat(probeView(refused, true, 78)); strings.Contains(v, "TLS") || strings.Contains(v, "AUTH") || strings.Contains(v, "Banner") {
		t.Errorf("a refused connection shows TLS or AUTH: %s", v)
	}
	plain := steps.ProbeResult{Banner: "220 localhost", Stages: []steps.Stage{{Name: "connect", OK: true}, {Name: "greeting", OK: true}, {Name: "ehlo", OK: true}}}
	if v := flat(probeView(plain, false, 78)); !strings.Contains(v, "TLS none (plain text)") || !strings.Contains(v, "AUTH none offered") {
		t.Errorf("a plain server: %s", v)
	}

	m, _ := openModel(t, nil, nil)
	m, _ = press(t, m, "down", "enter") // Local SMTP, TLS none
	m, _ = press(t, m, "enter")
	m, _ = send(t, m, result(m, plain, nil))
	if v := flat(m.View()); !strings.Contains(v, "answers in plain text (no TLS)") || strings.Contains(v, "answers with None") {
		t.Errorf("view:\n%s", m.View())
	}
}

// Item 11: a secret pasted into an ID field is never drawn.
func TestSecretInIDFieldIsCleared(t *testing.T) {
	for _, tc := range []struct {
		name  string
		field int
		keys  []tea.Msg
		value string
	}{
		{"pasted into the tenant", idsTenant, []tea.Msg{paste(secretVal)}, secretVal},
		{"pasted into the client ID", idsClient, []tea.Msg{paste(tenantGUID), k("tab"), paste(secretVal)}, secretVal},
		{"a long secret without ~", idsTenant, []tea.Msg{paste("aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5")}, "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := openModel(t, nil, nil)
			m = entraTo(t, m, steps.StepIDs)
			m, _ = send(t, m, tc.keys...)
			v := m.View()
			if strings.Contains(v, tc.value) || strings.Contains(v, tc.value[:12]) {
				t.Errorf("the secret is shown:\n%s", v)
			}
			if got := m.ids().form.value(tc.field); got != "" {
				t.Errorf("field %d still holds %d characters", tc.field, len(got))
			}
			m, _ = press(t, m, "enter") // and on enter, the message stays
			if v := m.View(); strings.Contains(v, tc.value[:12]) || !strings.Contains(flat(v), "looks like a client secret Value") || m.ids().Running() {
				t.Errorf("after enter:\n%s", v)
			}
			if !strings.Contains(flat(v), "looks like a client secret Value") || !strings.Contains(flat(v), "cleared the field without showing it") {
				t.Errorf("no message:\n%s", v)
			}
			// Where the secret goes is said once.
			if n := strings.Count(flat(v), "Client secret step"); n != 1 {
				t.Errorf("the message names the Client secret step %d times:\n%s", n, v)
			}
		})
	}
	t.Run("IDs typed by hand stay", func(t *testing.T) {
		m, _ := openModel(t, nil, nil)
		m = entraTo(t, m, steps.StepIDs)
		for _, r := range tenantGUID {
			m, _ = press(t, m, string(r))
		}
		m, _ = send(t, m, k("tab"), paste("contoso-sandbox.onmicrosoft.com"))
		if m.ids().form.value(idsTenant) != tenantGUID || m.ids().form.value(idsClient) != "contoso-sandbox.onmicrosoft.com" {
			t.Errorf("fields %q %q", m.ids().form.value(idsTenant), m.ids().form.value(idsClient))
		}
	})
}

// TestScreens holds goldens of the screens the fixes above changed, at
// 80x24 in the Ascii profile.
func TestScreens(t *testing.T) {
	screens := map[string]func(t *testing.T) Model{
		"send-as-problem": func(t *testing.T) Model {
			m, _ := openModel(t, nil, nil)
			m = entraTo(t, m, steps.StepTest)
			m, _ = send(t, m, k("ctrl+u"), paste("noreply@contoso.com"), k("enter"))
			m, _ = send(t, m, result(m, steps.TestResult{Transcript: []string{"S: 554 5.2.252 SendAsDenied"}}, sendAsDenied("noreply@contoso.com")))
			return m
		},
		"send-as-problem-details": func(t *testing.T) Model {
			m, _ := openModel(t, nil, nil)
			m = entraTo(t, m, steps.StepTest)
			m, _ = send(t, m, k("ctrl+u"), paste("noreply@contoso.com"), k("enter"))
			m, _ = send(t, m, result(m, steps.TestResult{Transcript: []string{"S: 554 5.2.252 SendAsDenied"}}, sendAsDenied("noreply@contoso.com")))
			m, _ = press(t, m, "ctrl+d")
			return m
		},
		"saved-sign-in": func(t *testing.T) Model {
			cfg := savedEntra()
			m, _ := openModel(t, &cfg, nil)
			m, _ = press(t, m, "enter", "enter")
			m, _ = send(t, m, result(m, tenantGUID, nil))
			m, _ = press(t, m, "enter")
			m, _ = send(t, m, result(m, appAccepted{}, nil))
			m, _ = send(t, m, result(m, steps.TokenStatus{Mailbox: mailbox}, nil))
			return m
		},
		"enable-untested": func(t *testing.T) Model {
			relayOn := config.Default()
			relayOn.Enabled = config.ProviderRelay
			relayOn.Relay.Host = "relay.contoso.com"
			m, _ := openModel(t, &relayOn, nil)
			m, _ = press(t, m, "down")
			m = entraTo(t, m, steps.StepTest)
			m, _ = press(t, m, "ctrl+n")
			return m
		},
		"quit-question": func(t *testing.T) Model {
			m, _ := openModel(t, nil, nil)
			m = entraTo(t, m, steps.StepIDs)
			m, _ = send(t, m, paste(tenantGUID), k("esc"), k("esc"))
			return m
		},
	}
	for name, drive := range screens {
		t.Run(name, func(t *testing.T) {
			m := drive(t)
			v := strings.ReplaceAll(m.View(), m.run.Env().ConfigPath, "$CONFIG")
			checkScreen(t, m.View(), 80, 24)
			golden.RequireEqual(t, []byte(v+"\n"))
		})
	}
}
