package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pimmail/pimmail/cloud"
	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/secret"
	"github.com/pimmail/pimmail/steps"
)

// cloudConfig saves an Entra sandbox configuration for cloud c, the mailbox
// signed in there, as the wizard would with c chosen on step 2.
func cloudConfig(t *testing.T, c cloud.Cloud) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pimmail", "config.json")
	sb, err := sandbox.Start(sandbox.Options{StateDir: config.SandboxDir(path), ApproveAfter: 10 * time.Millisecond,
		PollInterval: 10 * time.Millisecond, Cloud: c.Name})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	run, start := steps.Open(sandboxEnv(sb, path))
	cfg := start.Config
	cfg.Entra.TenantID, cfg.Entra.ClientID, cfg.Entra.Cloud = sandbox.DefaultTenantID, sandbox.DefaultClientID, c.Name
	cfg.Entra.ClientSecret = secret.New(sandbox.DefaultClientSecret)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	lg, err := run.StartLogon(ctx, cfg.Entra)
	if err != nil {
		t.Fatal(err)
	}
	in, err := lg.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Entra.Mailbox = in.Mailbox
	if _, err := run.Save(cfg, config.ProviderEntra, false); err != nil {
		t.Fatalf("Save: %v", err)
	}
	return path
}

func TestSandboxCloudFlag(t *testing.T) {
	expect(t, pimmail(t, "sandbox", "--help"), 0, "-cloud", "global, usgov, usdod, china")
	expect(t, pimmail(t, "sandbox", "--cloud", "gcchigh", "--state-dir", filepath.Join(t.TempDir(), "s")), 2,
		`unknown cloud "gcchigh"`, "usgov")
}

// TestSandboxPlaysOneCloud: `pimmail sandbox --cloud usgov` says what it
// plays; pimmail test of a GCC High configuration delivers through it, and
// one made for Global is refused: the token of another cloud is not taken
// by GCC High's Exchange Online.
func TestSandboxPlaysOneCloud(t *testing.T) {
	path := cloudConfig(t, cloud.USGov)
	text, stop := startForeground(t, "--state-dir", config.SandboxDir(path), "--cloud", "usgov")
	defer stop()
	for _, w := range []string{"Cloud: US Government (GCC High) only", "contoso-sandbox.onmicrosoft.us", "login.microsoftonline.us", "AADSTS90002"} {
		if !strings.Contains(text, w) {
			t.Errorf("pimmail sandbox --cloud usgov does not say %q:\n%s", w, text)
		}
	}
	expect(t, pimmail(t, "test", "--config", path), 0, "Using the sandbox running in process", "Server reply: 250")

	global := cloudConfig(t, cloud.Global)
	if _, stopG := startForeground(t, "--state-dir", config.SandboxDir(global), "--cloud", "usgov"); stopG != nil {
		defer stopG()
	}
	r := pimmail(t, "test", "--config", global)
	// The saved Global token is still valid: Exchange refuses it, as GCC
	// High's Exchange Online refuses a token for outlook.office.com.
	expect(t, r, 1, "The server refused the sign-in token", "535 5.7.3 Authentication unsuccessful")
}
