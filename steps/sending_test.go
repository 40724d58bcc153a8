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

// TestWindowsSendingInstructions: on Windows there is no sendmail to link;
// the service is installed with the configuration the wizard saved.
func TestWindowsSendingInstructions(t *testing.T) {
	const sys = `C:\ProgramData\pimmail\config.json`
	got := windowsSendingInstructions(sys, sys)
	for _, want := range []string{"pimmail send RECIPIENT", "127.0.0.1:2525", "    pimmail relay install\n    pimmail relay start"} {
		if !strings.Contains(got, want) {
			t.Errorf("instructions lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "ln -s") || strings.Contains(got, "systemctl") || strings.Contains(got, "--config") {
		t.Errorf("Linux commands or a needless --config on Windows:\n%s", got)
	}
	user := `C:\Users\admin\AppData\Roaming\pimmail\config.json`
	got = windowsSendingInstructions(user, sys)
	if !strings.Contains(got, "pimmail relay install --config "+user+"\n") {
		t.Errorf("the service would not read the saved configuration:\n%s", got)
	}
	for _, l := range strings.Split(windowsSendingInstructions(sys, sys), "\n") {
		if len([]rune(l)) > 80 {
			t.Errorf("line longer than a terminal: %q", l)
		}
	}
}
