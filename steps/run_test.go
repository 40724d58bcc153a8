package steps_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pimmail/pimmail/auth"
	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/secfile"
	"github.com/pimmail/pimmail/secret"
	"github.com/pimmail/pimmail/steps"
)

// TestEntraSequenceToSave walks the seven Entra steps against the sandbox
// as the wizard does, saves, and then sends again from the saved files
// through a fresh sandbox run, as `pimmail test` does later.
func TestEntraSequenceToSave(t *testing.T) {
	path := configPath(t)
	dir := filepath.Dir(path)
	cachePath := config.CachePath(path)
	sb := startSandbox(t, config.SandboxDir(path), "")
	h := hints(sb)

	run, start := steps.Open(sandboxEnv(sb, path))
	if start.Exists || start.LoadErr != nil || start.NeedsConsent {
		t.Fatalf("fresh start = %+v", start)
	}
	if !start.Config.Sandbox || start.Config.Entra.SmartHost != h.SmartHost || start.Config.Entra.Port != h.SmartPort {
		t.Errorf("sandbox start config does not point at the sandbox: %+v", start.Config.Entra)
	}
	c := start.Config

	// Step 2: the IDs, pasted with what a paste brings along.
	var err error
	c.Entra.TenantID, err = steps.ValidateTenant(" {" + strings.ToUpper(sandbox.DefaultTenantID) + "}\r\n")
	if err != nil {
		t.Fatal(err)
	}
	c.Entra.ClientID, err = steps.ValidateClientID("\u201C" + sandbox.DefaultClientID + "\u201D")
	if err != nil {
		t.Fatal(err)
	}
	gotTenant, err := run.CheckTenant(ctx(t), c.Entra)
	if err != nil || gotTenant != sandbox.DefaultTenantID {
		t.Fatalf("CheckTenant = %q, %v", gotTenant, err)
	}
	byDomain := c.Entra
	byDomain.TenantID = sandbox.DefaultTenantDomain
	if gotTenant, err = run.CheckTenant(ctx(t), byDomain); err != nil || gotTenant != sandbox.DefaultTenantID {
		t.Fatalf("CheckTenant by domain = %q, %v", gotTenant, err)
	}
	wrongTenant := c.Entra
	wrongTenant.TenantID = "0badc0de-0000-4000-8000-000000000000"
	_, err = run.CheckTenant(ctx(t), wrongTenant)
	problemCode(t, err, diagnose.EntraTenantNotFound)

	// Step 3: the secret. The Secret ID is refused locally; a wrong Value by Entra.
	if _, err := steps.ValidateSecret(h.SecretID); err == nil {
		t.Fatal("the Secret ID was accepted as a secret Value")
	}
	wrongSecret := c.Entra
	wrongSecret.ClientSecret = secret.New("Xyz8Q~not.the-right_value0123456789")
	problemCode(t, run.CheckApp(ctx(t), wrongSecret), diagnose.EntraSecretInvalid)
	v, err := steps.ValidateSecret(h.ClientSecret + "\n")
	if err != nil {
		t.Fatal(err)
	}
	c.Entra.ClientSecret = secret.New(v)
	if err := run.CheckApp(ctx(t), c.Entra); err != nil {
		t.Fatalf("CheckApp: %v", err)
	}

	// Step 4: the device-code sign-in.
	lg, err := run.StartLogon(ctx(t), c.Entra)
	if err != nil {
		t.Fatalf("StartLogon: %v", err)
	}
	if lg.UserCode == "" || lg.VerificationURL != sb.Endpoints().Authority+"/devicelogin" || lg.ExpiresOn.IsZero() {
		t.Errorf("logon = %+v", lg)
	}
	in, err := lg.Wait(ctx(t))
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if !strings.EqualFold(in.Mailbox, sandbox.DefaultMailbox) || !slices.ContainsFunc(in.Scopes, func(s string) bool { return strings.HasSuffix(s, "SMTP.Send") }) {
		t.Errorf("signed in = %+v", in)
	}
	c.Entra.Mailbox = in.Mailbox
	absent(t, cachePath, "before Save: the sign-in must stay in memory")

	// Step 5: the smart host.
	c.Entra.SmartHost, c.Entra.Port, err = steps.ValidateHostPort(h.SmartHost+":"+strconv.Itoa(h.SmartPort), 587)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := run.Probe(ctx(t), config.ProviderEntra, c)
	if err != nil {
		t.Fatalf("Probe: %v", err)
	}
	if !pr.XOAUTH2 || !pr.StartTLS || !strings.HasPrefix(pr.TLSVersion, "TLS 1.") || pr.TLSVersion < "TLS 1.2" ||
		!strings.HasPrefix(pr.Banner, "220 ") || len(pr.Stages) == 0 {
		t.Errorf("probe = %+v", pr)
	}

	// Step 6: the test email, From defaulting to the mailbox, To to the mailbox.
	c.Email.DisplayName = "PIM Notifications"
	if w := steps.FromWarning(c); w != "" {
		t.Errorf("warning with an empty From: %s", w)
	}
	tr, err := run.SendTest(ctx(t), config.ProviderEntra, c, "")
	if err != nil {
		t.Fatalf("SendTest: %v\n%s", err, strings.Join(tr.Transcript, "\n"))
	}
	if !strings.EqualFold(tr.To, sandbox.DefaultMailbox) || !strings.HasPrefix(tr.Reply, "250") || tr.MessageID == "" {
		t.Errorf("test result = %+v", tr)
	}
	noSecretIn(t, "the transcript", strings.Join(tr.Transcript, "\n"), h.ClientSecret)
	msgs := messagesFrom(sb, "exchange")
	if len(msgs) != 1 || !strings.EqualFold(msgs[0].AuthUser, sandbox.DefaultMailbox) {
		t.Fatalf("exchange stand-in got %d messages: %+v", len(msgs), msgs)
	}
	body := string(msgs[0].Data)
	for _, want := range []string{"Subject: pimmail test message", "Microsoft Entra ID SMTP Client", sandbox.DefaultMailbox, "PIM Notifications"} {
		if !strings.Contains(body, want) {
			t.Errorf("test message lacks %q:\n%s", want, body)
		}
	}
	noSecretIn(t, "the test message", body, h.ClientSecret)
	absent(t, path, "before Save")
	absent(t, cachePath, "before Save")

	// Step 7: enable and save.
	sum, err := run.Save(c, config.ProviderEntra, false)
	if err != nil {
		t.Fatalf("Save: %v", err)
	}
	if sum.ConfigPath != path || sum.CachePath != cachePath || sum.Provider != config.ProviderEntra ||
		len(sum.Disabled) != 0 || !strings.EqualFold(sum.Mailbox, sandbox.DefaultMailbox) {
		t.Errorf("summary = %+v", sum)
	}
	if m := mode(t, dir); m != 0o700 {
		t.Errorf("config dir mode %04o, want 0700", m)
	}
	for _, p := range []string{path, cachePath} {
		if m := mode(t, p); m != 0o600 {
			t.Errorf("%s mode %04o, want 0600", p, m)
		}
	}
	saved, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Enabled != config.ProviderEntra || !saved.Sandbox || saved.Entra.TenantID != sandbox.DefaultTenantID ||
		saved.Entra.ClientSecret.Reveal() != sandbox.DefaultClientSecret || !strings.EqualFold(saved.Entra.Mailbox, sandbox.DefaultMailbox) ||
		saved.Email.DisplayName != "PIM Notifications" {
		t.Errorf("saved config = %+v", saved)
	}
	cache, err := auth.LoadCache(cachePath, false)
	if err != nil {
		t.Fatal(err)
	}
	if acc := cache.Accounts(); len(acc) != 1 || !strings.EqualFold(acc[0], sandbox.DefaultMailbox) {
		t.Errorf("saved token cache holds %v", acc)
	}

	// Later: the sandbox restarts (new SMTP ports) and a command sends with
	// the saved files only, with no sign-in.
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
	sb2 := startSandbox(t, config.SandboxDir(path), "")
	env2 := sandboxEnv(sb2, path)
	env2.PersistCache = true
	run2, start2 := steps.Open(env2)
	if !start2.Exists || start2.LoadErr != nil || start2.CacheErr != nil || start2.Config.Enabled != config.ProviderEntra {
		t.Fatalf("second start = %+v", start2)
	}
	if start2.Config.Entra.Port != sb2.Endpoints().SMTPPort {
		t.Errorf("second start shows port %d, the sandbox listens on %d", start2.Config.Entra.Port, sb2.Endpoints().SMTPPort)
	}
	// pimmail test sends with the config Open started from: the saved one,
	// its endpoints moved to where the sandbox listens now.
	if _, err := run2.SendTest(ctx(t), config.ProviderEntra, start2.Config, ""); err != nil {
		t.Fatalf("SendTest from the saved files: %v", err)
	}
	if n := len(messagesFrom(sb2, "exchange")); n != 1 {
		t.Errorf("restarted sandbox got %d messages, want 1", n)
	}
	if ts, err := run2.CheckToken(ctx(t), start2.Config); err != nil || !strings.EqualFold(ts.Mailbox, sandbox.DefaultMailbox) {
		t.Errorf("CheckToken = %+v, %v", ts, err)
	}

	// Switching to SMTP Relay keeps the Entra settings and the sign-in.
	c2 := start2.Config
	c2.Email.From = "pim@" + sandbox.RelayDomain
	if _, err := run2.SendTest(ctx(t), config.ProviderRelay, c2, "ops@"+sandbox.RelayDomain); err != nil {
		t.Fatalf("relay SendTest: %v", err)
	}
	sum2, err := run2.Save(c2, config.ProviderRelay, false)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sum2.Disabled, []config.Provider{config.ProviderEntra}) || sum2.CachePath != "" {
		t.Errorf("switch summary = %+v", sum2)
	}
	switched, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	kept := func(e config.Entra) config.Entra { e.SmartHost, e.Port = "", 0; return e } // the sandbox's port moves
	if switched.Enabled != config.ProviderRelay || kept(switched.Entra) != kept(saved.Entra) {
		t.Errorf("after the switch: enabled %s, entra %+v (want the saved Entra settings kept)", switched.Enabled, switched.Entra)
	}
	if _, err := os.Stat(cachePath); err != nil {
		t.Errorf("the token cache went away when switching to the relay: %v", err)
	}
}

// TestNothingWrittenWithoutSave: a whole run up to the test email, then
// quitting, leaves the previous files exactly as they were.
func TestNothingWrittenWithoutSave(t *testing.T) {
	path := configPath(t)
	sb := startSandbox(t, config.SandboxDir(path), "")
	h := hints(sb)

	// A previous run saved Local SMTP.
	run, start := steps.Open(sandboxEnv(sb, path))
	c := start.Config
	c.Email.From = "pim@contoso-sandbox.com"
	if _, err := run.Save(c, config.ProviderLocal, false); err != nil {
		t.Fatal(err)
	}
	before := fileBytes(t, path)

	run, start = steps.Open(sandboxEnv(sb, path))
	if !start.Exists || start.Config.Enabled != config.ProviderLocal {
		t.Fatalf("start = %+v", start)
	}
	c = signIn(t, run, start.Config, h)
	c.Email.From = "" // as the mailbox: the Local SMTP From is not one it may send as
	if _, err := run.SendTest(ctx(t), config.ProviderEntra, c, ""); err != nil {
		t.Fatal(err)
	}
	// The wizard quits here.
	sameFile(t, path, before, "a run without Save")
	absent(t, config.CachePath(path), "after a run without Save")
}

// TestSaveNeedsConsentOverUnreadableFile: a malformed or too-open config is
// never replaced without consent; with consent it is, privately.
func TestSaveNeedsConsentOverUnreadableFile(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, path string)
		check   func(t *testing.T, err error)
	}{
		{"malformed", func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte("{\n  \"enabled\": \"local-smtp\",\n  oops\n}\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, func(t *testing.T, err error) {
			var pe *config.ParseError
			if !errors.As(err, &pe) || pe.Line != 3 {
				t.Errorf("LoadErr = %v, want a *config.ParseError at line 3", err)
			}
		}},
		{"too open", func(t *testing.T, path string) {
			if err := config.Save(path, config.Default()); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, 0o644); err != nil {
				t.Fatal(err)
			}
		}, func(t *testing.T, err error) {
			var me *secfile.ModeError
			if !errors.As(err, &me) {
				t.Errorf("LoadErr = %v, want a *secfile.ModeError", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := configPath(t)
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				t.Fatal(err)
			}
			tt.prepare(t, path)
			before := fileBytes(t, path)
			sb := startSandbox(t, "", "")
			run, start := steps.Open(sandboxEnv(sb, path))
			if !start.NeedsConsent || start.Exists {
				t.Fatalf("start = %+v, want NeedsConsent", start)
			}
			tt.check(t, start.LoadErr)
			c := start.Config
			c.Email.From = "pim@contoso-sandbox.com"
			_, err := run.Save(c, config.ProviderLocal, false)
			problemCode(t, err, steps.CodeNeedsConsent)
			if !errors.Is(err, steps.ErrNeedsConsent) {
				t.Errorf("error does not wrap ErrNeedsConsent")
			}
			sameFile(t, path, before, "a Save without consent")

			sum, err := run.Save(c, config.ProviderLocal, true)
			if err != nil {
				t.Fatalf("Save with consent: %v", err)
			}
			if m := mode(t, path); m != 0o600 {
				t.Errorf("replaced file has mode %04o", m)
			}
			// The old settings cannot carry over: a copy keeps them.
			checkBackup(t, path, sum.Backup, "broken", before)
			if len(sum.Disabled) != 0 {
				t.Errorf("summary claims %v were disabled (their settings kept), from a file nobody could read", sum.Disabled)
			}
			got, err := config.Load(path)
			if err != nil || got.Enabled != config.ProviderLocal {
				t.Errorf("after consent: %+v, %v", got.Enabled, err)
			}
			// Once saved, the file is readable again: no more consent needed,
			// and no copy either.
			if sum, err := run.Save(c, config.ProviderLocal, false); err != nil || sum.Backup != "" {
				t.Errorf("second Save after consent: %+v, %v", sum, err)
			}
		})
	}
}

// TestSandboxWizardOverRealConfig: `pimmail --sandbox` must not silently
// replace a real configuration with sandbox settings.
func TestSandboxWizardOverRealConfig(t *testing.T) {
	path := configPath(t)
	real := config.Default()
	real.Enabled = config.ProviderRelay
	real.Relay.Host = "contoso-com.mail.protection.outlook.com"
	real.Email.From = "pim@contoso.com"
	if err := config.Save(path, real); err != nil {
		t.Fatal(err)
	}
	sb := startSandbox(t, "", "")
	run, start := steps.Open(sandboxEnv(sb, path))
	if !start.NeedsConsent || start.LoadErr == nil || !strings.Contains(start.LoadErr.Error(), "real") {
		t.Fatalf("start = %+v, want consent asked for the real config", start)
	}
	if start.Config.Relay.Host == real.Relay.Host {
		t.Errorf("the sandbox wizard starts from the real relay host")
	}
	c := start.Config
	c.Email.From = "pim@" + sandbox.RelayDomain
	_, err := run.Save(c, config.ProviderRelay, false)
	problemCode(t, err, steps.CodeNeedsConsent)
	if got, _ := config.Load(path); got.Relay.Host != real.Relay.Host {
		t.Errorf("the real config was replaced without consent")
	}
	before := fileBytes(t, path)
	sum, err := run.Save(c, config.ProviderRelay, true)
	if err != nil {
		t.Fatalf("Save with consent: %v", err)
	}
	checkBackup(t, path, sum.Backup, "replaced", before)
	if len(sum.Disabled) != 0 {
		t.Errorf("summary says %v was disabled, but the real config is gone from the file", sum.Disabled)
	}
	if got, _ := config.Load(path); !got.Sandbox || got.Relay.Host == real.Relay.Host {
		t.Errorf("after consent: %+v", got)
	}
}

// TestRelaySequence configures SMTP Relay: probe, test (accepted and
// refused), save.
func TestRelaySequence(t *testing.T) {
	if got := ids(steps.Sequence(config.ProviderRelay)); !slices.Equal(got, []steps.ID{steps.StepProvider, steps.StepServer, steps.StepCredentials, steps.StepTest, steps.StepEnable}) {
		t.Fatalf("relay sequence = %v", got)
	}
	path := configPath(t)
	sb := startSandbox(t, "", "")
	run, start := steps.Open(sandboxEnv(sb, path))
	c := start.Config
	c.Relay.TLS = config.TLSStartTLS
	pr, err := run.Probe(ctx(t), config.ProviderRelay, c)
	if err != nil {
		t.Fatalf("Probe: %v", err)
	}
	if !pr.StartTLS || pr.TLSVersion == "" || pr.XOAUTH2 {
		t.Errorf("relay probe = %+v", pr)
	}
	// A username for a relay that offers no AUTH is caught at the probe.
	withUser := c
	withUser.Relay.Username, withUser.Relay.Password = "pim", secret.New("relay-password-1")
	_, err = run.Probe(ctx(t), config.ProviderRelay, withUser)
	problemCode(t, err, diagnose.NoAuth)

	// No From: refused locally, nothing sent.
	_, err = run.SendTest(ctx(t), config.ProviderRelay, c, "ops@"+sandbox.RelayDomain)
	problemCode(t, err, steps.CodeInvalidInput)

	c.Email.From = "pim@" + sandbox.RelayDomain
	c.Email.DisplayName = "PIM"
	tr, err := run.SendTest(ctx(t), config.ProviderRelay, c, "someone@example.com")
	if err != nil {
		t.Fatalf("SendTest: %v", err)
	}
	if !strings.HasPrefix(tr.Reply, "250") || len(tr.Transcript) == 0 {
		t.Errorf("relay test = %+v", tr)
	}
	if msgs := messagesFrom(sb, "relay"); len(msgs) != 1 || !strings.Contains(string(msgs[0].Data), "SMTP Relay") {
		t.Errorf("relay stand-in got %+v", msgs)
	}
	sum, err := run.Save(c, config.ProviderRelay, false)
	if err != nil || sum.CachePath != "" || sum.Provider != config.ProviderRelay {
		t.Fatalf("Save = %+v, %v", sum, err)
	}
	absent(t, config.CachePath(path), "for a relay configuration")
	saved, _ := config.Load(path)
	if saved.Enabled != config.ProviderRelay || saved.Relay.TLS != config.TLSStartTLS || saved.Email.From != c.Email.From {
		t.Errorf("saved = %+v", saved)
	}
}

// TestRelayNotTrusted: Exchange Online Protection's refusal is diagnosed.
func TestRelayNotTrusted(t *testing.T) {
	sb := startSandbox(t, "", "relay-not-trusted")
	run, start := steps.Open(sandboxEnv(sb, configPath(t)))
	c := start.Config
	c.Email.From = "pim@" + sandbox.RelayDomain
	tr, err := run.SendTest(ctx(t), config.ProviderRelay, c, "someone@example.com")
	p := problemCode(t, err, diagnose.RelayTenantAttribution)
	if !strings.Contains(p.Raw+strings.Join(tr.Transcript, "\n"), "5.7.64") {
		t.Errorf("the 5.7.64 reply is in neither the details nor the transcript")
	}
}

// TestLocalSequence configures Local SMTP: probe, test, save.
func TestLocalSequence(t *testing.T) {
	if got := ids(steps.Sequence(config.ProviderLocal)); !slices.Equal(got, []steps.ID{steps.StepProvider, steps.StepServer, steps.StepTest, steps.StepEnable}) {
		t.Fatalf("local sequence = %v", got)
	}
	path := configPath(t)
	sb := startSandbox(t, "", "")
	run, start := steps.Open(sandboxEnv(sb, path))
	c := start.Config
	if c.Local.TLS != config.TLSNone {
		t.Fatalf("local TLS default = %q", c.Local.TLS)
	}
	pr, err := run.Probe(ctx(t), config.ProviderLocal, c)
	if err != nil {
		t.Fatalf("Probe: %v", err)
	}
	if pr.Host != sb.Endpoints().LocalHost || pr.Port != sb.Endpoints().LocalPort || !strings.HasPrefix(pr.Banner, "220") {
		t.Errorf("local probe = %+v", pr)
	}
	c.Email.From = "pim@contoso.example"
	tr, err := run.SendTest(ctx(t), config.ProviderLocal, c, "")
	if err != nil {
		t.Fatalf("SendTest: %v", err)
	}
	if tr.To != c.Email.From {
		t.Errorf("default recipient = %q, want the From address", tr.To)
	}
	if n := len(messagesFrom(sb, "local")); n != 1 {
		t.Errorf("local sink got %d messages", n)
	}
	sum, err := run.Save(c, config.ProviderLocal, false)
	if err != nil || sum.Provider != config.ProviderLocal {
		t.Fatalf("Save = %+v, %v", sum, err)
	}
}

// TestSwitchingKeepsOtherProviders: enabling one provider disables the one
// enabled before and keeps every provider's settings.
func TestSwitchingKeepsOtherProviders(t *testing.T) {
	path := configPath(t)
	sb := startSandbox(t, "", "")
	env := sandboxEnv(sb, path)

	run, start := steps.Open(env)
	c := start.Config
	c.Email.From = "pim@" + sandbox.RelayDomain
	c.Entra.TenantID, c.Entra.ClientID = sandbox.DefaultTenantID, sandbox.DefaultClientID // half-done Entra draft
	if _, err := run.Save(c, config.ProviderLocal, false); err != nil {
		t.Fatal(err)
	}
	run, start = steps.Open(env)
	c = start.Config
	c.Relay.TLS = config.TLSNone
	sum, err := run.Save(c, config.ProviderRelay, false)
	if err != nil || !slices.Equal(sum.Disabled, []config.Provider{config.ProviderLocal}) {
		t.Fatalf("switch to relay: %+v, %v", sum, err)
	}
	run, start = steps.Open(env)
	if start.Config.Enabled != config.ProviderRelay || start.Config.Relay.TLS != config.TLSNone ||
		start.Config.Entra.TenantID != sandbox.DefaultTenantID || start.Config.Local.Host == "" {
		t.Fatalf("after the switch: %+v", start.Config)
	}
	sum, err = run.Save(start.Config, config.ProviderLocal, false)
	if err != nil || !slices.Equal(sum.Disabled, []config.Provider{config.ProviderRelay}) {
		t.Fatalf("switch back: %+v, %v", sum, err)
	}
	back, _ := config.Load(path)
	if back.Enabled != config.ProviderLocal || back.Relay.TLS != config.TLSNone || back.Entra.ClientID != sandbox.DefaultClientID {
		t.Errorf("after switching back: %+v", back)
	}
}

// TestSaveRefusesIncomplete: a provider is never enabled without what it needs.
func TestSaveRefusesIncomplete(t *testing.T) {
	path := configPath(t)
	run, start := steps.Open(steps.Env{ConfigPath: path})
	tests := []struct {
		p    config.Provider
		c    config.Config
		code diagnose.Code
		want string
	}{
		{config.ProviderEntra, start.Config, steps.CodeIncomplete, "Mailbox"},
		{config.ProviderRelay, start.Config, steps.CodeIncomplete, "Relay server"},
		{config.ProviderLocal, start.Config, steps.CodeIncomplete, "From address"},
		{config.ProviderNone, start.Config, steps.CodeIncomplete, "No provider"},
	}
	for _, tt := range tests {
		_, err := run.Save(tt.c, tt.p, true)
		p := problemCode(t, err, tt.code)
		if !strings.Contains(p.Title+p.Explanation, tt.want) {
			t.Errorf("Save(%s) problem %q does not mention %q", tt.p, p.Error(), tt.want)
		}
	}
	absent(t, path, "after refused saves")
}

// TestChecksValidateInput: a check with a bad value fails locally with the
// field's error, before any network traffic (no authority is configured).
func TestChecksValidateInput(t *testing.T) {
	run, start := steps.Open(steps.Env{ConfigPath: configPath(t)})
	e := start.Config.Entra
	e.TenantID = "contoso"
	_, err := run.CheckTenant(ctx(t), e)
	problemCode(t, err, steps.CodeInvalidInput)
	var fe *steps.FieldError
	if !errors.As(err, &fe) || fe.Field != steps.FieldTenant {
		t.Errorf("error %v does not hold the tenant's FieldError", err)
	}
	e.TenantID, e.ClientID = sandbox.DefaultTenantID, sandbox.DefaultClientID
	e.ClientSecret = secret.New(sandbox.DefaultSecretID)
	err = run.CheckApp(ctx(t), e)
	problemCode(t, err, steps.CodeInvalidInput)
	if !strings.Contains(err.Error(), "Secret ID") {
		t.Errorf("CheckApp with the Secret ID: %v", err)
	}
	e.Cloud = "mars"
	_, err = run.CheckTenant(ctx(t), e)
	problemCode(t, err, steps.CodeInvalidInput)

	c := start.Config
	c.Relay.Host = "smtp://relay.contoso.com"
	_, err = run.Probe(ctx(t), config.ProviderRelay, c)
	problemCode(t, err, steps.CodeInvalidInput)
}

// TestLogonCancel: Esc during the sign-in ends the wait at once.
func TestLogonCancel(t *testing.T) {
	sb, err := sandbox.Start(sandbox.Options{ApproveAfter: -1, PollInterval: 10e6})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	run, start := steps.Open(sandboxEnv(sb, configPath(t)))
	e := start.Config.Entra
	e.TenantID, e.ClientID, e.ClientSecret = sandbox.DefaultTenantID, sandbox.DefaultClientID, secret.New(sandbox.DefaultClientSecret)
	lg, err := run.StartLogon(ctx(t), e)
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithCancel(ctx(t))
	done := make(chan error, 1)
	go func() {
		_, err := lg.Wait(wctx)
		done <- err
	}()
	cancel()
	problemCode(t, <-done, diagnose.NetCancelled)
}

// TestSendAsDenied: a From the mailbox may not send as is warned about
// beforehand and diagnosed when Exchange refuses it.
func TestSendAsDenied(t *testing.T) {
	path := configPath(t)
	sb := startSandbox(t, "", "send-as-denied")
	run, start := steps.Open(sandboxEnv(sb, path))
	c := signIn(t, run, start.Config, hints(sb))
	c.Email.From = "alerts@" + sandbox.DefaultTenantDomain
	w := steps.FromWarning(c)
	// The command is marked as one (backticks): the wizard draws it on
	// lines of its own, and the copy key copies it whole.
	for _, want := range []string{"554 5.2.252 SendAsDenied", "`Add-RecipientPermission -Identity " + c.Email.From + " -Trustee " + c.Entra.Mailbox + " -AccessRights SendAs`"} {
		if !strings.Contains(w, want) {
			t.Errorf("warning lacks %q: %s", want, w)
		}
	}
	if steps.FromWarningFor(config.ProviderRelay, c) != "" {
		t.Errorf("a relay From got the Exchange Send As warning")
	}
	_, err := run.SendTest(ctx(t), config.ProviderEntra, c, "")
	problemCode(t, err, diagnose.SMTPSendAsDenied)
}

func ids(infos []steps.Info) []steps.ID {
	var out []steps.ID
	for _, i := range infos {
		out = append(out, i.ID)
	}
	return out
}

// TestOpenDefaultsAndCacheProblems: an empty ConfigPath is the user's
// config dir; a token cache that cannot be used is reported, not fatal.
func TestOpenDefaultsAndCacheProblems(t *testing.T) {
	xdg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", xdg)
	run, start := steps.Open(steps.Env{})
	want := filepath.Join(xdg, "pimmail", "config.json")
	if run.Env().ConfigPath != want || start.Exists || start.LoadErr != nil || start.CacheErr != nil {
		t.Fatalf("default open: path %q, start %+v", run.Env().ConfigPath, start)
	}
	if err := os.MkdirAll(filepath.Dir(want), 0o700); err != nil {
		t.Fatal(err)
	}
	cache := config.CachePath(want)
	if err := os.WriteFile(cache, []byte("not a cache"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, start = steps.Open(steps.Env{})
	problemCode(t, start.CacheErr, diagnose.CacheSignInAgain)
	if start.NeedsConsent {
		t.Errorf("a broken token cache asks for consent to save the config")
	}
	if err := os.WriteFile(cache, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(cache, 0o644); err != nil {
		t.Fatal(err)
	}
	_, start = steps.Open(steps.Env{})
	var me *secfile.ModeError
	if !errors.As(start.CacheErr, &me) {
		t.Errorf("CacheErr = %v, want a *secfile.ModeError", start.CacheErr)
	}
}
