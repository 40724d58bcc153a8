package steps

import (
	"strings"
	"testing"

	"github.com/pimmail/pimmail/config"
)

func TestSendingInstructions(t *testing.T) {
	other := "/srv/pim/config.json"
	got := SendingInstructions(other, false)
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
		if strings.Contains(SendingInstructions(def, false), "--config") {
			t.Error("the default configuration needs no --config")
		}
	}
	for _, sb := range []bool{false, true} {
		for _, l := range strings.Split(SendingInstructions("", sb), "\n") {
			if len([]rune(l)) > 80 {
				t.Errorf("line longer than a terminal: %q", l)
			}
		}
	}
	// The unit does not exist until the admin creates it from the README.
	if !strings.Contains(got, "First create pimmail-relay.service") {
		t.Errorf("the service command comes without saying the unit must be created first:\n%s", got)
	}
	// In the sandbox: no system-wide commands (the link would read the
	// real configuration); the sandbox's own commands instead.
	sb := SendingInstructions("/tmp/x/sandbox/config.json", true)
	for _, bad := range []string{SendmailLinkCommand, RelayServiceCommand} {
		if strings.Contains(sb, bad) {
			t.Errorf("the sandbox summary suggests %q:\n%s", bad, sb)
		}
	}
	for _, want := range []string{"for the\nreal setup", "pimmail send --sandbox", "pimmail relay --sandbox"} {
		if !strings.Contains(sb, want) {
			t.Errorf("the sandbox summary lacks %q:\n%s", want, sb)
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
