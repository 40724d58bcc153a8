//go:build !windows

package main

import (
	"strings"
	"testing"

	"github.com/pimmail/pimmail/config"
)

// pimmail send with the Entra provider: a message whose From is not the
// mailbox goes out as the mailbox (Reply-To keeps the program's address);
// with --keep-sender it is sent unchanged, and Exchange refuses it.
func TestSendAsMailbox(t *testing.T) {
	path := sandboxConfig(t, config.ProviderEntra, func(c *config.Config) { c.Email.DisplayName = "PIM Alerts" })
	mailSandbox(t, path, "send-as-denied", 1)
	stopWorkers(t, path)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	mbx := cfg.Entra.Mailbox
	msg := "From: Billing App <app@example.com>\nTo: u@example.com\nSubject: s\n\nx\n"
	r := send(t, msg, "--config", path, "-t", "--wait", "-f", "app@example.com")
	expect(t, r, 0)
	var got string
	for _, m := range storedMail(t, path) {
		got += m
	}
	for _, want := range []string{"From: \"Billing App\" <" + mbx + ">\r\n", "Reply-To: Billing App <app@example.com>\r\n",
		"X-Original-From: Billing App <app@example.com>\r\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q missing from the delivered message:\n%s", want, got)
		}
	}
	r = send(t, msg, "--config", path, "-t", "--wait", "--keep-sender")
	expect(t, r, exSendUnavail, "SendAsDenied")
}

// The SendAsDenied diagnosis names the From the server refused (not the
// mailbox twice), in the explanation and in the Add-RecipientPermission
// command, and shows the server's reply once.
func TestSendAsDeniedNamesTheFrom(t *testing.T) {
	path := sandboxConfig(t, config.ProviderEntra, nil)
	mailSandbox(t, path, "send-as-denied", 1)
	stopWorkers(t, path)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	mbx := cfg.Entra.Mailbox
	r := send(t, "From: app@example.com\nTo: u@example.com\nSubject: s\n\nx\n", "--config", path, "-t", "--wait", "--keep-sender")
	expect(t, r, exSendUnavail, "is not allowed to send as app@example.com",
		"Add-RecipientPermission -Identity app@example.com -Trustee "+mbx+" -AccessRights SendAs")
	if n := strings.Count(r.stderr, "not allowed to send as app@example.com;"); n != 1 {
		t.Errorf("the server's reply is shown %d times, want once:\n%q", n, r.stderr)
	}
}

// pimmail test with the send-as-denied scenario passes (it sends as the
// mailbox) and says what the scenario needs to show its refusal.
func TestTestSendAsDeniedScenarioNote(t *testing.T) {
	path := sandboxConfig(t, config.ProviderEntra, nil)
	mailSandbox(t, path, "send-as-denied", 1)
	r := pimmail(t, "test", "--config", path)
	expect(t, r, 0, "Test email sent", "refuses only a From other than the mailbox", "--keep-sender")
}
