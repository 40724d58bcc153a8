// Command pimmail sets up and checks a PIM system's outbound email:
// Exchange Online SMTP with OAuth (Microsoft Entra ID SMTP Client), an SMTP
// relay, or the local mail service. `pimmail` runs the setup wizard;
// `pimmail test` and `pimmail status` work without a terminal; `pimmail
// sandbox` runs the built-in stand-in for Entra ID and Exchange Online.
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/pimmail/pimmail/debuglog"
)

// version is set at build time: go build -ldflags "-X main.version=1.2.3".
var version = "dev"

// Exit codes.
const (
	exitOK      = 0 // success (the test email went out; the wizard saved)
	exitFailure = 1 // the check failed, or the wizard ended without saving
	exitUsage   = 2 // bad arguments, no terminal, or a missing or broken config
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is the whole program without os.Exit, so tests and main share it.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if err := debuglog.Refused(); err != nil {
		fmt.Fprintf(stderr, "pimmail: %s is not used: %v\n", debuglog.EnvVar, err)
	}
	if invokedAsSendmail(os.Args[0]) {
		return cmdSend(args, stdin, stdout, stderr)
	}
	if len(args) == 0 {
		return cmdSetup(nil, stdin, stdout, stderr)
	}
	switch args[0] {
	case "setup":
		return cmdSetup(args[1:], stdin, stdout, stderr)
	case "test":
		return cmdTest(args[1:], stdout, stderr)
	case "status":
		return cmdStatus(args[1:], stdout, stderr)
	case "sandbox":
		return cmdSandbox(args[1:], stdout, stderr)
	case "send":
		return cmdSend(args[1:], stdin, stdout, stderr)
	case "relay":
		return cmdRelay(args[1:], stdin, stdout, stderr)
	case "queue":
		return cmdQueue(args[1:], stdout, stderr)
	case "report":
		return cmdReport(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, mainUsage())
		return exitOK
	case "version", "-version", "--version":
		fmt.Fprint(stdout, versionText())
		return exitOK
	}
	if strings.HasPrefix(args[0], "-") {
		// Flags without a command belong to the wizard: pimmail --sandbox.
		return cmdSetup(args, stdin, stdout, stderr)
	}
	fmt.Fprintf(stderr, "pimmail: unknown command %q\n\n%s", args[0], mainUsage())
	return exitUsage
}

// mainUsage is `pimmail --help`.
func mainUsage() string {
	return `pimmail moves a PIM system's outbound email onto Exchange Online SMTP with OAuth
(Microsoft Entra ID SMTP Client), an SMTP relay, or the local mail service, and
tells you exactly why when mail does not go out.

Usage:
  pimmail [setup] [--sandbox [--scenario NAME]] [--config PATH]
        The setup wizard (needs a terminal): provider, IDs, secret, mailbox
        sign-in, smart host, test email, enable. Nothing is written until the
        last step saves.
  pimmail setup --accessible | --non-interactive [FLAGS]
        The same steps as plain lines (also ACCESSIBLE=1, TERM=dumb), or with
        every answer from flags; pimmail setup --help lists them.
  pimmail test [--sandbox] [--to ADDR] [--json] [--config PATH] [--verbose] [--timeout DUR] [--scenario NAME]
        Send a test email with the saved, enabled provider; no terminal needed.
        --timeout bounds each network step (default 30s); --scenario, with a
        sandbox configuration, switches one failure on to rehearse it.
  pimmail status [--sandbox] [--json] [--config PATH] [--scenario NAME]
        Show the saved configuration (secrets masked), the enabled provider,
        the mailbox, and whether a token can be had now.
  pimmail send [-t] [-i] [-f ADDR] [-F NAME] [--wait] [--config PATH] [RECIPIENT...]
        Queue one email read on standard input, as sendmail does (also when
        pimmail is linked as sendmail); it is delivered in the background.
  pimmail queue [--json] | show ID | retry ID|--all | delete ID | run
        List and manage the queued mail; run the delivery worker.
  pimmail report [--output FILE] [--config PATH]
        Write one file for support: version, OS, the configuration with
        secrets masked, status, token claims, last failures, and fresh
        checks of the sign-in host and the smart host.
  pimmail sandbox [--scenario NAME] [--list-scenarios] [--state-dir DIR] [--approve-after DUR]
        Run the built-in stand-in for Entra ID and Exchange Online on
        127.0.0.1 and print what to paste into the wizard.
  pimmail --version
  pimmail COMMAND --help

Files: the configuration is ` + defaultPathText() + `
(--config chooses another); the token cache (tokencache.json) lives beside it.
The sandbox keeps its own configuration, token cache, keys and received mail
apart, in ` + filepath.Dir(defaultSandboxPathText()) + `: pimmail without --sandbox always
means the real services.
Files are written with mode 0600; a directory pimmail creates for them gets mode 0700
(an existing one keeps its mode, but must not be writable by others). A file
that is a symbolic link or belongs to another user is refused.

Debug log: set PIMMAIL_DEBUG_LOG=/path/to/file (it never holds secrets).
`
}

// invokedAsSendmail reports whether the program was started through a link
// named sendmail (/usr/sbin/sendmail, sendmail.exe): it then is pimmail send.
func invokedAsSendmail(argv0 string) bool {
	base := strings.ToLower(filepath.Base(argv0))
	base = strings.TrimSuffix(base, ".exe")
	return base == "sendmail"
}
