package steps

import (
	"strings"
	"testing"

	"github.com/pimmail/pimmail/config"
)

func TestSendingInstructions(t *testing.T) {
	other := "/srv/pim/config.json"
	got := SendingInstructions(other)
	for _, want := range []string{`ln -s "$(command -v pimmail)" /usr/sbin/sendmail`, "127.0.0.1:2525",
		"systemctl enable --now pimmail-relay", "pimmail send --config " + other} {
		if !strings.Contains(got, want) {
			t.Errorf("instructions lack %q:\n%s", want, got)
		}
	}
	// Safe to run as root: never replaces another mail service's sendmail.
	if strings.Contains(SendmailLinkCommand, "-f") || strings.Contains(SendmailLinkCommand, "-sf") {
		t.Errorf("the link command may replace an existing sendmail: %s", SendmailLinkCommand)
	}
	if def, err := config.DefaultPath(); err == nil {
		if strings.Contains(SendingInstructions(def), "--config") {
			t.Error("the default configuration needs no --config")
		}
	}
	for _, l := range strings.Split(SendingInstructions(""), "\n") {
		if len([]rune(l)) > 80 {
			t.Errorf("line longer than a terminal: %q", l)
		}
	}
}
