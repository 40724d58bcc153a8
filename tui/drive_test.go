package tui

import (
	"testing"
	"time"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/steps"
)

// Values the model tests type. They are well-formed, so only the checks
// (whose results the tests hand in) could refuse them.
const (
	tenantGUID = "7c1f3b2a-5d4e-4f60-9a8b-2c3d4e5f6a7b"
	clientGUID = "3f2e1d0c-9b8a-4765-8432-10fedcba9876"
	secretVal  = "Sbx8Q~sandbox.Secret-Value_0123456789abcdEF"
	mailbox    = "pim-notifications@contoso-sandbox.onmicrosoft.com"
)

// testLogon is a device code as StartLogon returns it (without its wait
// function: model tests never run the wait command).
var testLogon = steps.Logon{
	UserCode:        "GHKPW2QM9",
	VerificationURL: "https://microsoft.com/devicelogin",
	Message:         "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code GHKPW2QM9 to authenticate.",
	ExpiresOn:       fixedNow.Add(15 * time.Minute),
	Issued:          fixedNow,
}

// testSignedIn is a sign-in as the mailbox with the right scope and audience.
var testSignedIn = steps.SignedIn{
	Mailbox:   mailbox,
	Scopes:    []string{"https://outlook.office.com/SMTP.Send"},
	Audience:  "https://outlook.office.com",
	ExpiresOn: fixedNow.Add(time.Hour),
}

// testProbe is a successful probe of Exchange Online.
var testProbe = steps.ProbeResult{
	Host: "smtp.office365.com", Port: 587,
	Banner:     "220 AM0PR02CA0001.outlook.office365.com Microsoft ESMTP MAIL Service ready",
	TLSVersion: "TLS 1.3", StartTLS: true, CertSubject: "CN=outlook.com",
	AuthMechs: []string{"LOGIN", "XOAUTH2"}, XOAUTH2: true,
	// The stages as mailer.Probe names them.
	Stages: []steps.Stage{
		{Name: "dns", Duration: 2 * time.Millisecond, OK: true},
		{Name: "connect", Duration: 12 * time.Millisecond, OK: true},
		{Name: "greeting", Duration: 300 * time.Microsecond, OK: true},
		{Name: "ehlo", Duration: 5 * time.Millisecond, OK: true},
		{Name: "starttls", Duration: 30 * time.Millisecond, OK: true},
		{Name: "ehlo-tls", Duration: 8 * time.Millisecond, OK: true},
		{Name: "quit", Duration: 1 * time.Millisecond, OK: true},
	},
}

// testSent is a test email that went through.
var testSent = steps.TestResult{
	To:        mailbox,
	Reply:     "250 2.0.0 OK <20250314092653.1@contoso> [Hostname=AM0PR02MB0001.eurprd02.prod.outlook.com]",
	MessageID: "<20250314092653.1@contoso>",
	Transcript: []string{
		"S: 220 AM0PR02CA0001.outlook.office365.com Microsoft ESMTP MAIL Service ready",
		"C: EHLO pim.contoso.com",
		"C: AUTH XOAUTH2 ********",
		"S: 235 2.7.0 Authentication successful",
		"C: MAIL FROM:<" + mailbox + ">",
		"S: 250 2.1.0 Sender OK",
	},
}

// entraTo drives a fresh wizard along the Entra path, handing in
// successful check results, until step id is on screen.
func entraTo(t *testing.T, m Model, id steps.ID) Model {
	t.Helper()
	at := func() bool { return m.cur == id }
	if at() {
		return m
	}
	m, _ = press(t, m, "enter") // Entra is under the cursor of a fresh config
	if at() {
		return m
	}
	m, _ = send(t, m, k("ctrl+u"), paste(tenantGUID), k("tab"), k("ctrl+u"), paste(clientGUID), k("enter"))
	m, _ = send(t, m, result(m, tenantGUID, nil))
	if at() {
		return m
	}
	m, _ = send(t, m, paste(secretVal), k("enter"))
	m, _ = send(t, m, result(m, appAccepted{}, nil))
	if at() {
		return m
	}
	m, _ = send(t, m, result(m, testLogon, nil))
	m, _ = send(t, m, result(m, testSignedIn, nil))
	m, _ = press(t, m, "enter")
	if at() {
		return m
	}
	m, _ = press(t, m, "ctrl+u")
	m, _ = send(t, m, paste("smtp.office365.com"), k("enter"))
	m, _ = send(t, m, result(m, testProbe, nil))
	m, _ = press(t, m, "enter")
	if at() {
		return m
	}
	m, _ = press(t, m, "enter")
	m, _ = send(t, m, result(m, testSent, nil))
	m, _ = press(t, m, "enter")
	if !at() {
		t.Fatalf("could not drive the wizard to %s; it is at %s:\n%s", id, m.cur, m.View())
	}
	return m
}

// relayTo drives a fresh wizard along the SMTP Relay path until step id.
func relayTo(t *testing.T, m Model, id steps.ID) Model {
	t.Helper()
	for m.prov().highlighted() != config.ProviderRelay {
		m, _ = press(t, m, "up")
	}
	m, _ = press(t, m, "enter")
	if m.cur == id {
		return m
	}
	m, _ = press(t, m, "ctrl+u")
	m, _ = send(t, m, paste("relay.contoso.com"), k("enter"))
	m, _ = send(t, m, result(m, steps.ProbeResult{Host: "relay.contoso.com", Port: 25, TLSVersion: "TLS 1.2", StartTLS: true}, nil))
	m, _ = press(t, m, "enter")
	if m.cur == id {
		return m
	}
	m, _ = press(t, m, "enter")
	if m.cur == id {
		return m
	}
	m, _ = send(t, m, k("ctrl+u"), paste("pim@contoso.com"), k("tab"), k("tab"), k("ctrl+u"), paste("ops@contoso.com"), k("enter"))
	m, _ = send(t, m, result(m, steps.TestResult{To: "ops@contoso.com", Reply: "250 2.6.0 Queued mail for delivery"}, nil))
	m, _ = press(t, m, "enter")
	if m.cur != id {
		t.Fatalf("could not drive the wizard to %s; it is at %s:\n%s", id, m.cur, m.View())
	}
	return m
}
