package steps_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/sandbox/sandboxtest"
	"github.com/pimmail/pimmail/secret"
	"github.com/pimmail/pimmail/steps"
)

// startSandbox starts a sandbox whose device codes are approved at once and
// may be polled as fast as MSAL likes, so the tests take no human time.
func startSandbox(t *testing.T, stateDir, scenario string) *sandbox.Sandbox {
	t.Helper()
	return sandboxtest.Start(t, sandbox.Options{StateDir: stateDir, Scenario: scenario,
		ApproveAfter: 10 * time.Millisecond, PollInterval: 10 * time.Millisecond})
}

// hints are the sandbox's values, as cmd/pimmail hands them to the wizard.
func hints(sb *sandbox.Sandbox) *steps.Hints {
	ep := sb.Endpoints()
	return &steps.Hints{
		TenantID: sandbox.DefaultTenantID, TenantDomain: sandbox.DefaultTenantDomain,
		ClientID: sandbox.DefaultClientID, ClientSecret: sandbox.DefaultClientSecret,
		SecretID: sandbox.DefaultSecretID, Mailbox: sandbox.DefaultMailbox,
		SmartHost: ep.SMTPHost, SmartPort: ep.SMTPPort,
		RelayHost: ep.RelayHost, RelayPort: ep.RelayPort,
		LocalHost: ep.LocalHost, LocalPort: ep.LocalPort,
		RelayDomain: sandbox.RelayDomain,
	}
}

// sandboxEnv is the environment of `pimmail --sandbox --config path`.
func sandboxEnv(sb *sandbox.Sandbox, path string) steps.Env {
	return steps.Env{
		ConfigPath: path,
		Authority:  sb.Endpoints().Authority,
		RootCAs:    sb.RootCAs(),
		Sandbox:    hints(sb),
		Timeout:    20 * time.Second,
	}
}

// configPath is a config path in a fresh, not yet existing directory.
func configPath(t *testing.T) string {
	return filepath.Join(t.TempDir(), "pimmail", "config.json")
}

// problemCode fails unless err is a *diagnose.Problem with code.
func problemCode(t *testing.T, err error, code diagnose.Code) *diagnose.Problem {
	t.Helper()
	p, ok := diagnose.As(err)
	if !ok {
		t.Fatalf("error %v (%T) is not a *diagnose.Problem; want %s", err, err, code)
	}
	if p.Code != code {
		t.Fatalf("problem %s (%s), want %s", p.Code, p.Error(), code)
	}
	if p.Title == "" || p.Fix == "" {
		t.Errorf("problem %s lacks a title or a fix: %+v", p.Code, p)
	}
	return p
}

// mode returns path's permission bits, failing when it is missing.
func mode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat %s: %v", path, err)
	}
	return st.Mode().Perm()
}

// absent fails when path exists.
func absent(t *testing.T, path, why string) {
	t.Helper()
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("%s exists %s", path, why)
	}
}

// ctx is a test context.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

// signIn fills the Entra settings through the steps as the wizard would
// (cleaned pastes, tenant, app, device-code logon, smart host) and returns
// the draft config.
func signIn(t *testing.T, run *steps.Run, c config.Config, h *steps.Hints) config.Config {
	t.Helper()
	var err error
	if c.Entra.TenantID, err = steps.ValidateTenant(h.TenantDomain); err != nil {
		t.Fatal(err)
	}
	if c.Entra.ClientID, err = steps.ValidateClientID(h.ClientID); err != nil {
		t.Fatal(err)
	}
	v, err := steps.ValidateSecret(h.ClientSecret)
	if err != nil {
		t.Fatal(err)
	}
	c.Entra.ClientSecret = secret.New(v)
	if _, err := run.CheckTenant(ctx(t), c.Entra); err != nil {
		t.Fatalf("CheckTenant: %v", err)
	}
	if err := run.CheckApp(ctx(t), c.Entra); err != nil {
		t.Fatalf("CheckApp: %v", err)
	}
	lg, err := run.StartLogon(ctx(t), c.Entra)
	if err != nil {
		t.Fatalf("StartLogon: %v", err)
	}
	in, err := lg.Wait(ctx(t))
	if err != nil {
		t.Fatalf("Logon.Wait: %v", err)
	}
	c.Entra.Mailbox = in.Mailbox
	return c
}

// messagesFrom returns the messages server ("exchange", "relay", "local") accepted.
func messagesFrom(sb *sandbox.Sandbox, server string) []sandbox.Message {
	var out []sandbox.Message
	for _, m := range sb.Messages() {
		if m.Server == server {
			out = append(out, m)
		}
	}
	return out
}

// noSecretIn fails when text shows any of the secrets or a bearer token.
func noSecretIn(t *testing.T, what, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("%s shows a secret", what)
		}
	}
	// "eyJ" starts every JWT (base64 of `{"`); "dXNlcj" is base64 of "user=",
	// the start of an XOAUTH2 initial response.
	for _, marker := range []string{"eyJ", "dXNlcj"} {
		if strings.Contains(text, marker) {
			t.Errorf("%s shows a token or XOAUTH2 line (%q):\n%s", what, marker, text)
		}
	}
}

// fileBytes reads path, failing when it cannot.
func fileBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sameFile fails when path's content differs from want.
func sameFile(t *testing.T, path string, want []byte, why string) {
	t.Helper()
	if got := fileBytes(t, path); !bytes.Equal(got, want) {
		t.Fatalf("%s changed %s", why, path)
	}
}
