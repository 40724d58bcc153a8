//go:build !windows

package main

// Kept apart from report_test.go: it stops the delivery workers the test's
// pimmail send starts (stopWorkers signals them), which is Unix-only.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimmail/pimmail/config"
)

// A message the server refused for good is among the report's last
// failures, with its diagnosis, and status --json counts it.
func TestReportListsFailedMessages(t *testing.T) {
	path := sandboxConfig(t, config.ProviderEntra, nil)
	mailSandbox(t, path, "send-as-denied", 1)
	stopWorkers(t, path)
	r := send(t, "From: ceo@contoso-sandbox.onmicrosoft.com\nSubject: x\n\nx\n", "--wait", "--keep-sender", "--config", path, "ops@example.com")
	expect(t, r, 69, "554 5.2.252")

	doc := decodeStatus(t, pimmail(t, "status", "--json", "--config", path))
	if doc.MailPath == nil || !doc.MailPath.Spool || doc.MailPath.Failed != 1 || doc.MailPath.Queued != 0 {
		t.Errorf("mail_path: %+v", doc.MailPath)
	}
	out := filepath.Join(t.TempDir(), "report.txt")
	expect(t, pimmail(t, "report", "--config", path, "--output", out), 0)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	i := strings.Index(text, "== Last failures ==")
	if i < 0 {
		t.Fatalf("no last failures:\n%s", text)
	}
	section := text[i:]
	for _, want := range []string{"- Failed message ", "554 5.2.252", "Add-RecipientPermission", "    Fix:"} {
		if !strings.Contains(section, want) {
			t.Errorf("the last failures lack %q:\n%s", want, section)
		}
	}
}
