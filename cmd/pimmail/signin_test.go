package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/secret"
	"github.com/pimmail/pimmail/steps"
)

// methodConfig saves an Entra configuration made with method m (the
// authorization code through the sandbox's sign-in page; app-only with the
// mailbox typed in), as the wizard would.
func methodConfig(t *testing.T, m config.SignInMethod, scenario string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pimmail", "config.json")
	sb, err := sandbox.Start(sandbox.Options{StateDir: config.SandboxDir(path), Scenario: scenario,
		ApproveAfter: 10 * time.Millisecond, PollInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	run, start := steps.Open(sandboxEnv(sb, path))
	c := start.Config
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c.Entra.TenantID, c.Entra.ClientID = sandbox.DefaultTenantID, sandbox.DefaultClientID
	c.Entra.ClientSecret = secret.New(sandbox.DefaultClientSecret)
	c.Entra.Method = m
	switch m {
	case config.MethodAuthCode:
		a, err := run.StartAuthCode(ctx, c.Entra, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		landed, err := sb.SignInBrowser(ctx, a.URL, true)
		if err != nil {
			t.Fatal(err)
		}
		in, err := run.RedeemAuthCode(ctx, a, landed)
		if err != nil {
			t.Fatal(err)
		}
		c.Entra.Mailbox = in.Mailbox
	case config.MethodAppOnly:
		c.Entra.Mailbox = sandbox.DefaultMailbox
	}
	if _, err := run.Save(c, config.ProviderEntra, false); err != nil {
		t.Fatalf("Save: %v", err)
	}
	return path
}

func TestTestAndStatusAuthCode(t *testing.T) {
	path := methodConfig(t, config.MethodAuthCode, "")
	before := mailIn(t, path)
	r := pimmail(t, "test", "--config", path)
	expect(t, r, 0, "Test email sent to "+sandbox.DefaultMailbox, "Server reply: 250")
	noSecrets(t, r)
	if mailIn(t, path) != before+1 {
		t.Errorf("no mail in the sandbox folder")
	}
	r = pimmail(t, "status", "--config", path)
	expect(t, r, 0, "Sign-in:", "Browser elsewhere, paste back", "Token cache:", "last written", "Token now:     yes")
	noSecrets(t, r)
}

func TestTestAndStatusAppOnly(t *testing.T) {
	path := methodConfig(t, config.MethodAppOnly, "")
	before := mailIn(t, path)
	r := pimmail(t, "test", "--config", path)
	expect(t, r, 0, "Test email sent to "+sandbox.DefaultMailbox, "Server reply: 250")
	noSecrets(t, r)
	if mailIn(t, path) != before+1 {
		t.Errorf("no mail in the sandbox folder")
	}
	r = pimmail(t, "status", "--config", path)
	expect(t, r, 0, "Sign-in:", "App-only", "Roles:", "SMTP.SendAsApp", "Token now:     yes",
		sandbox.ServicePrincipalObjectID(sandbox.DefaultClientID), "235 2.7.0")
	noSecrets(t, r)
}

func TestSecretExpiryWarned(t *testing.T) {
	soon := time.Now().AddDate(0, 0, 10).Format(time.DateOnly)
	path := methodConfig(t, config.MethodAppOnly, "")
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Entra.SecretExpires = soon
	if err := config.Save(path, cfg); err != nil {
		t.Fatal(err)
	}
	r := pimmail(t, "test", "--config", path)
	expect(t, r, 0, "Warning: the client secret expires on "+soon, "Server reply: 250")
	r = pimmail(t, "status", "--config", path)
	expect(t, r, 0, "Warning: the client secret expires on "+soon)
}
