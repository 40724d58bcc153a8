package steps_test

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/sandbox/sandboxtest"
	"github.com/pimmail/pimmail/secfile"
	"github.com/pimmail/pimmail/secret"
	"github.com/pimmail/pimmail/steps"
)

// checkBackup fails unless backup is a 0600 copy of want beside path, named
// path.<kind>-<UTC time>.
func checkBackup(t *testing.T, path, backup, kind string, want []byte) {
	t.Helper()
	if backup == "" {
		t.Fatalf("no copy of the replaced file was kept")
	}
	re := regexp.MustCompile(`^` + regexp.QuoteMeta(filepath.Base(path)) + `\.` + kind + `-\d{8}T\d{6}Z(-\d+)?$`)
	if filepath.Dir(backup) != filepath.Dir(path) || !re.MatchString(filepath.Base(backup)) {
		t.Errorf("copy is %s, want %s.%s-<UTC time> beside it", backup, path, kind)
	}
	sameFile(t, backup, want, "the copy")
	if m := mode(t, backup); m != 0o600 {
		t.Errorf("copy has mode %04o, want 0600", m)
	}
}

// A broken file's copy is kept only when the file is replaced: a failed
// save leaves the original and no copy.
func TestBackupOnlyWhenReplaced(t *testing.T) {
	path := configPath(t)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("{ not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	run, start := steps.Open(steps.Env{ConfigPath: path})
	c := start.Config
	c.Email.From = "pim@contoso.com"
	c.Relay.TLS = "bogus" // config.Save refuses it
	if _, err := run.Save(c, config.ProviderLocal, true); err == nil {
		t.Fatal("Save with an invalid TLS mode succeeded")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		if strings.Contains(e.Name(), ".broken-") {
			t.Errorf("a failed save left a copy: %s", e.Name())
		}
	}
	sameFile(t, path, []byte("{ not json"), "a failed save")
}

// Start.LoadErr is shown with more words after it: a command in it must
// end its line, or copying it picks up the next word.
func TestLoadErrEndsAfterTheCommand(t *testing.T) {
	path := configPath(t)
	if err := config.Save(path, config.Default()); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	_, start := steps.Open(steps.Env{ConfigPath: path})
	var me *secfile.ModeError
	if !errors.As(start.LoadErr, &me) {
		t.Fatalf("LoadErr = %v, want a *secfile.ModeError inside", start.LoadErr)
	}
	msg := start.LoadErr.Error()
	if !strings.Contains(msg, "\n  chmod 600 "+path+"\n") || !strings.HasSuffix(msg, "\n") {
		t.Errorf("the chmod command does not stand on a line of its own:\n%q", msg)
	}
	// What the UI appends now starts on a new line.
	if shown := msg + " You can go on;"; strings.Contains(shown, path+" You") {
		t.Errorf("run-on: %q", shown)
	}
}

// SaveSettings saves a provider's settings without enabling it; the
// provider enabled before stays enabled, with the settings it sends with.
func TestSaveSettings(t *testing.T) {
	sb := startSandbox(t, "", "")

	t.Run("nothing enabled yet", func(t *testing.T) {
		path := configPath(t)
		run, start := steps.Open(sandboxEnv(sb, path))
		c := signIn(t, run, start.Config, hints(sb))
		c.Entra.Port = 1                 // the probe cannot pass yet: saved anyway
		c.Enabled = config.ProviderEntra // ignored
		sum, err := run.SaveSettings(c, false)
		if err != nil {
			t.Fatalf("SaveSettings: %v", err)
		}
		if sum.Provider != config.ProviderNone || sum.CachePath != config.CachePath(path) || len(sum.NotSaved) != 0 || sum.Backup != "" {
			t.Errorf("summary = %+v", sum)
		}
		got, err := config.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if got.Enabled != config.ProviderNone || got.Entra.Port != 1 || !strings.EqualFold(got.Entra.Mailbox, sandbox.DefaultMailbox) || !got.Sandbox {
			t.Errorf("saved = %+v", got)
		}
		if m := mode(t, sum.CachePath); m != 0o600 {
			t.Errorf("token cache mode %04o", m)
		}
	})

	t.Run("another provider enabled", func(t *testing.T) {
		path := configPath(t)
		env := sandboxEnv(sb, path)
		run, start := steps.Open(env)
		c := start.Config
		c.Email.From = "pim@" + sandbox.RelayDomain
		if _, err := run.SendTest(ctx(t), config.ProviderLocal, c, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := run.Save(c, config.ProviderLocal, false); err != nil {
			t.Fatal(err)
		}
		live := fileBytes(t, path)

		run, start = steps.Open(env)
		c = start.Config
		c.Relay.Username, c.Relay.Password = "pim", secret.New("relay-Passw0rd") // the relay step
		c.Email.From = "alerts@" + sandbox.RelayDomain                           // the test step, for the relay
		c.Local.Port = 2525                                                      // the live provider, changed
		sum, err := run.SaveSettings(c, false)
		if err != nil {
			t.Fatalf("SaveSettings: %v", err)
		}
		if sum.Provider != config.ProviderLocal || len(sum.Disabled) != 0 || sum.CachePath != "" {
			t.Errorf("summary = %+v", sum)
		}
		if len(sum.NotSaved) != 2 || !strings.Contains(sum.NotSaved[0], "From address") || !strings.Contains(sum.NotSaved[1], "Local SMTP") {
			t.Errorf("NotSaved = %q, want the From address and the Local SMTP settings", sum.NotSaved)
		}
		got, err := config.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if got.Enabled != config.ProviderLocal || got.Relay.Username != "pim" || got.Relay.Password.Reveal() != "relay-Passw0rd" {
			t.Errorf("saved = %+v", got)
		}
		if got.Email.From != "pim@"+sandbox.RelayDomain || got.Local.Port == 2525 {
			t.Errorf("untested changes reached the live provider: from %q, local port %d", got.Email.From, got.Local.Port)
		}
		if string(live) == string(fileBytes(t, path)) {
			t.Error("nothing was saved")
		}

		// Unchanged live settings are not reported; the sandbox's moved
		// ports (Open rewrote them) are no change either.
		run, start = steps.Open(env)
		if sum, err := run.SaveSettings(start.Config, false); err != nil || len(sum.NotSaved) != 0 {
			t.Errorf("second SaveSettings = %+v, %v", sum, err)
		}
	})

	t.Run("consent over a broken file", func(t *testing.T) {
		path := configPath(t)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		broken := []byte(`{"enabled": "smtp-relay", "smtpRelay": {"host": "relay.contoso.com"`)
		if err := os.WriteFile(path, broken, 0o600); err != nil {
			t.Fatal(err)
		}
		run, start := steps.Open(sandboxEnv(sb, path))
		c := start.Config
		c.Relay.Host = "relay.contoso.example"
		_, err := run.SaveSettings(c, false)
		problemCode(t, err, steps.CodeNeedsConsent)
		sameFile(t, path, broken, "SaveSettings without consent")
		sum, err := run.SaveSettings(c, true)
		if err != nil {
			t.Fatal(err)
		}
		checkBackup(t, path, sum.Backup, "broken", broken)
		if got, err := config.Load(path); err != nil || got.Enabled != config.ProviderNone || got.Relay.Host != "relay.contoso.example" {
			t.Errorf("saved = %+v, %v", got, err)
		}
	})
}

// In sandbox mode the checks dial what the draft says: a wrong port is a
// refused connection, not the sandbox's endpoint passed off as the one typed.
func TestSandboxChecksDialWhatWasTyped(t *testing.T) {
	sb := startSandbox(t, "", "")
	ep := sb.Endpoints()
	run, start := steps.Open(sandboxEnv(sb, configPath(t)))
	// Open prefills the sandbox's current endpoints.
	c := start.Config
	if c.Entra.SmartHost != ep.SMTPHost || c.Entra.Port != ep.SMTPPort || c.Relay.Port != ep.RelayPort || c.Local.Port != ep.LocalPort {
		t.Fatalf("start config endpoints = %+v %+v %+v, sandbox %+v", c.Entra, c.Relay, c.Local, ep)
	}
	wrong := sandboxtest.ClosedPort(t)
	for _, p := range config.Providers {
		d := c
		d.Entra.SmartHost, d.Entra.Port = "127.0.0.1", wrong
		d.Relay.Port, d.Local.Port = wrong, wrong
		pr, err := run.Probe(ctx(t), p, d)
		problemCode(t, err, diagnose.NetRefused)
		if pr.Host != "127.0.0.1" || pr.Port != wrong {
			t.Errorf("%s: probed %s:%d, want 127.0.0.1:%d as typed", p, pr.Host, pr.Port, wrong)
		}
	}
	before := len(sb.Messages())
	d := c
	d.Email.From = "pim@" + sandbox.RelayDomain
	d.Local.Port = wrong
	_, err := run.SendTest(ctx(t), config.ProviderLocal, d, "")
	problemCode(t, err, diagnose.NetRefused)
	if len(sb.Messages()) != before {
		t.Error("the test email went to the sandbox instead of the port typed")
	}
	if p, _ := diagnose.As(err); !strings.Contains(p.Fix, "systemctl status postfix") {
		t.Errorf("Local SMTP refused: fix = %s", p.Fix)
	}
}

// A Local SMTP success says that queued is not delivered; other providers
// have nothing to add.
func TestLocalQueuedNote(t *testing.T) {
	sb := startSandbox(t, "", "")
	run, start := steps.Open(sandboxEnv(sb, configPath(t)))
	c := start.Config
	c.Email.From = "pim@" + sandbox.RelayDomain
	for _, p := range []config.Provider{config.ProviderLocal, config.ProviderRelay} {
		tr, err := run.SendTest(ctx(t), p, c, "ops@"+sandbox.RelayDomain)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		want := p == config.ProviderLocal
		if got := strings.Contains(tr.Note, "queued") && strings.Contains(tr.Note, "journalctl -u postfix") &&
			strings.Contains(tr.Note, "/var/log/mail.log"); got != want {
			t.Errorf("%s: note %q", p, tr.Note)
		}
	}

}

// The summary can name the provider a save disabled only when the file it
// replaced was read: PrevUnreadable says when it was not.
func TestSaveSaysWhetherThePreviousFileWasRead(t *testing.T) {
	readable := config.Default()
	readable.Enabled = config.ProviderRelay
	readable.Relay.Host = "relay.contoso.com"
	readable.Email.From = "pim@contoso.com"
	tests := []struct {
		name           string
		write          func(path string) error
		wantBackup     bool
		wantUnreadable bool
		wantDisabled   []config.Provider
	}{
		{"none", func(string) error { return nil }, false, false, nil},
		{"readable", func(p string) error { return config.Save(p, readable) }, false, false, []config.Provider{config.ProviderRelay}},
		{"broken", func(p string) error {
			if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
				return err
			}
			return os.WriteFile(p, []byte(`{"enabled": "smtp-relay", "smtpRelay": {`), 0o600)
		}, true, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := configPath(t)
			if err := tt.write(path); err != nil {
				t.Fatal(err)
			}
			run, start := steps.Open(steps.Env{ConfigPath: path})
			c := start.Config
			c.Email.From = "pim@contoso.com"
			sum, err := run.Save(c, config.ProviderLocal, start.NeedsConsent)
			if err != nil {
				t.Fatal(err)
			}
			if (sum.Backup != "") != tt.wantBackup || sum.PrevUnreadable != tt.wantUnreadable || !slices.Equal(sum.Disabled, tt.wantDisabled) {
				t.Errorf("summary %+v; want backup %v, unreadable %v, disabled %v", sum, tt.wantBackup, tt.wantUnreadable, tt.wantDisabled)
			}
		})
	}
}

// A relay test to the relay's own domain proves only that it takes mail
// for that domain, as any mail server does: the result says so, and asks
// for a test to an external address.
func TestRelayOwnDomainNote(t *testing.T) {
	sb := startSandbox(t, "", "")
	run, start := steps.Open(sandboxEnv(sb, configPath(t)))
	tests := []struct {
		from, to string
		want     bool
	}{
		{"pim@" + sandbox.RelayDomain, "ops@" + sandbox.RelayDomain, true},
		{"pim@" + sandbox.RelayDomain, "OPS@" + strings.ToUpper(sandbox.RelayDomain), true},
		{"pim@" + sandbox.RelayDomain, "someone@example.net", false},
		{"pim@example.org", "ops@" + sandbox.RelayDomain, true}, // the relay's accepted domain
	}
	for _, tt := range tests {
		c := start.Config
		c.Email.From = tt.from
		tr, err := run.SendTest(ctx(t), config.ProviderRelay, c, tt.to)
		if err != nil {
			t.Fatalf("%s -> %s: %v", tt.from, tt.to, err)
		}
		if got := tr.Note == steps.RelayOwnDomainNote; got != tt.want {
			t.Errorf("%s -> %s: note %q, want it %v", tt.from, tt.to, tr.Note, tt.want)
		}
		if tr.OwnDomainOnly != tt.want {
			t.Errorf("%s -> %s: OwnDomainOnly %v, want %v", tt.from, tt.to, tr.OwnDomainOnly, tt.want)
		}
	}
}
