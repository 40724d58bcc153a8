package steps

import (
	"runtime"

	"github.com/pimmail/pimmail/config"
)

// SendmailLinkCommand links pimmail as the system's sendmail. ln without
// -f: where another mail service owns /usr/sbin/sendmail it fails with
// "File exists" instead of replacing it, so it is safe to run as root.
const SendmailLinkCommand = `ln -s "$(command -v pimmail)" /usr/sbin/sendmail`

// RelayServiceCommand starts pimmail relay as a service with the systemd
// unit the README gives (pimmail-relay.service).
const RelayServiceCommand = "systemctl enable --now pimmail-relay"

// RelayAddress is where pimmail relay listens by default.
const RelayAddress = "127.0.0.1:2525"

// SendingInstructions is the wizard's last word on how the system's
// programs send through the enabled provider from now on: the sendmail
// link for programs that call sendmail, and the relay for programs that
// speak SMTP. configPath is the saved configuration; the link reads the
// default one, so another path is named with the command that uses it.
// Lines are short so that they stay whole in an 80-column terminal.
// A sandbox configuration gets no system-wide commands: the link would read
// the real default configuration, and the unit is not there yet; it gets
// the commands that try the mail path against the sandbox instead.
func SendingInstructions(configPath string, sandbox bool) string {
	if sandbox {
		return "This is the sandbox: the sendmail link and the relay service are for the\n" +
			"real setup (pimmail without --sandbox, on the server). Try the mail path here:\n" +
			"  printf 'Subject: hi\\n\\nhi\\n' | pimmail send --sandbox --wait a@example.com\n" +
			"  pimmail relay --sandbox (SMTP on " + RelayAddress + "), pimmail queue --sandbox"
	}
	if runtime.GOOS == "windows" {
		return windowsSendingInstructions(configPath, config.SystemPath())
	}
	text := "How the system sends now:\n" +
		"  sendmail (PHP, cron, mail): " + SendmailLinkCommand + "\n"
	if def, err := config.DefaultPath(); err != nil || def != configPath {
		text += "    (the link reads the default file; for this one: pimmail send --config " + configPath + ")\n"
	}
	return text + "  SMTP: " + RelayAddress + ". First create pimmail-relay.service as the README's\n" +
		"  \"pimmail relay\" section shows, then: " + RelayServiceCommand
}

// windowsSendingInstructions is SendingInstructions on Windows, where there
// is no sendmail to link: programs that run a command use pimmail send, and
// the others the relay, as a service reading systemPath (the configuration
// under %ProgramData%) unless given another --config at install. One
// command a line: Windows PowerShell 5.1 has no &&.
func windowsSendingInstructions(configPath, systemPath string) string {
	conf := ""
	if configPath != systemPath {
		conf = " --config " + configPath
	}
	return "How the system sends now (the relay's service is in the README):\n" +
		"  programs that run a command: pimmail send" + conf + " RECIPIENT < message\n" +
		"  SMTP: " + RelayAddress + ", relay service (as Administrator):\n" +
		"    pimmail relay install" + conf + "\n" +
		"    pimmail relay start"
}
