package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/sandbox/sandboxtest"
)

// TestTestFailureFitsTheTerminal: `pimmail test` failure output is wrapped
// to the terminal's width ($COLUMNS without a terminal); a command between
// backticks is never broken.
func TestTestFailureFitsTheTerminal(t *testing.T) {
	r := pimmailEnv(t, []string{"COLUMNS=60"}, "test", "--config", closedPortConfig(t), "--timeout", "5s")
	expect(t, r, 1, "Fix:")
	for _, l := range strings.Split(r.stderr, "\n") {
		if len(l) > 60 && strings.Contains(strings.TrimSpace(l), " ") && !strings.HasPrefix(l, "    ") && strings.Count(l, "`") != 2 {
			t.Errorf("line of %d columns at COLUMNS=60: %q", len(l), l)
		}
		if strings.Count(l, "`")%2 != 0 {
			t.Errorf("a backticked command is broken across lines: %q", l)
		}
	}
	if strings.Contains(r.stderr, "failed to close connection") {
		t.Errorf("Go noise in the output:\n%s", r.stderr)
	}
}

func TestWrapProseKeepsCommands(t *testing.T) {
	in := "Test from this server with `nc -vz relay.contoso.com 25`; if it hangs, ask the network admin.\n  Set-CASMailbox -Identity pim@contoso.com -SmtpClientAuthenticationDisabled $false"
	got := wrapProse(in, 30)
	if !strings.Contains(got, "`nc -vz relay.contoso.com 25`;") || !strings.Contains(got, "\n  Set-CASMailbox -Identity pim@contoso.com -SmtpClientAuthenticationDisabled $false") {
		t.Errorf("commands broken:\n%s", got)
	}
	for _, l := range strings.Split(got, "\n") {
		if len(l) > 30 && !strings.Contains(l, "`") && !strings.HasPrefix(l, " ") {
			t.Errorf("prose line too long: %q", l)
		}
	}
}

// closedPortConfig is a Local SMTP configuration whose server refuses
// connections (a closed loopback port).
func closedPortConfig(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pimmail", "config.json")
	c := config.Default()
	c.Enabled = config.ProviderLocal
	c.Email.From = "pim@contoso.example"
	c.Local = config.SMTP{Host: "127.0.0.1", Port: sandboxtest.ClosedPort(t), TLS: config.TLSNone}
	if err := config.Save(path, c); err != nil {
		t.Fatal(err)
	}
	return path
}
