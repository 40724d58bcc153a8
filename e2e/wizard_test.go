package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/sandbox"
)

// Generous: the device-code sign-in alone takes MSAL about 6 s to notice.
const (
	stepWait  = 20 * time.Second
	logonWait = 45 * time.Second
)

// wizard starts `pimmail --sandbox` at 80x24 with its own config dir.
func wizard(t *testing.T, xdg string) *term {
	t.Helper()
	return startTerm(t, 80, 24, []string{"XDG_CONFIG_HOME=" + xdg, "PIMMAIL_DEBUG_LOG=" + filepath.Join(xdg, "debug.log")},
		binary, "--sandbox")
}

// chooseProvider moves the provider list's cursor (the line with "›") to
// the line naming label, then presses Enter.
func (tm *term) chooseProvider(label string) {
	tm.t.Helper()
	tm.waitFor("Step 1 of", stepWait)
	for i := 0; i < 6; i++ {
		lines := strings.Split(tm.screen(), "\n")
		cur, want := -1, -1
		for n, l := range lines {
			if strings.Contains(l, "›") {
				cur = n
			}
			if strings.Contains(l, label) && want < 0 {
				want = n
			}
		}
		switch {
		case cur < 0 || want < 0:
			tm.t.Fatalf("provider list without cursor or %q:\n%s", label, tm.screen())
		case cur == want:
			tm.keys("Enter")
			return
		case cur < want:
			tm.keys("Down")
		default:
			tm.keys("Up")
		}
		time.Sleep(150 * time.Millisecond)
	}
	tm.t.Fatalf("could not move the cursor to %q:\n%s", label, tm.screen())
}

// entraToStep drives the Entra path from step 1 up to (and showing) step
// last, pasting the values as an admin would from the portal, with the
// stray quotes, braces and whitespace a paste brings.
func (tm *term) entraToStep(last int) {
	tm.t.Helper()
	tm.chooseProvider("Microsoft Entra ID SMTP Client")
	tm.waitFor("Step 2 of 7", stepWait)
	if last == 2 {
		return
	}
	tm.paste("  \"" + sandbox.DefaultTenantID + "\"\n")
	tm.keys("Tab")
	tm.paste("{" + sandbox.DefaultClientID + "} ")
	tm.keys("Enter")
	tm.waitFor("Step 3 of 7", stepWait)
	if last == 3 {
		return
	}
	tm.paste(sandbox.DefaultClientSecret + "\n")
	s := tm.screen()
	// The field itself is masked: the value may appear only in the sandbox
	// hint line, never twice.
	if n := strings.Count(s, sandbox.DefaultClientSecret); n > 1 {
		tm.t.Fatalf("the typed secret is shown unmasked:\n%s", s)
	}
	tm.keys("Enter")
	tm.waitFor("Step 4 of 7", stepWait)
	if last == 4 {
		return
	}
	tm.waitFor("Signed in as "+sandbox.DefaultMailbox, logonWait)
	tm.keys("Enter")
	tm.waitFor("Step 5 of 7", stepWait)
	if last == 5 {
		return
	}
	tm.keys("Enter")
	tm.waitFor("ready for OAuth2 mail", stepWait)
	tm.keys("Enter")
	tm.waitFor("Step 6 of 7", stepWait)
	if last == 6 {
		return
	}
	tm.keys("Enter")
	tm.waitFor("Test email sent", stepWait)
	tm.keys("Enter")
	tm.waitFor("Step 7 of 7", stepWait)
}

// enableAndSave ticks Enabled, saves, and quits from the summary.
func (tm *term) enableAndSave(provider string) {
	tm.t.Helper()
	// After the test email went through, Enabled starts ticked.
	tm.waitFor("[x] Enabled", stepWait)
	tm.keys("Enter")
	tm.waitFor("Saved. "+provider+" is enabled.", stepWait)
	tm.keys("q")
	if code := tm.exitCode(stepWait); code != "0" {
		tm.t.Fatalf("pimmail exited %s after saving:\n%s", code, tm.screen())
	}
}

// restored fails unless the program left the alternate screen and shows the cursor again.
func (tm *term) restored() {
	tm.t.Helper()
	out, err := exec.Command("tmux", "-L", tm.socket, "display", "-p", "-t", "e2e", "#{alternate_on} #{cursor_flag}").Output()
	if err != nil {
		tm.t.Fatalf("tmux display: %v", err)
	}
	if got := strings.TrimSpace(string(out)); got != "0 1" {
		tm.t.Fatalf("terminal not restored (alternate_on cursor_flag = %q):\n%s", got, tm.screen())
	}
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

// emlWith returns how many messages in the sandbox's mail folder contain all of want.
func emlWith(t *testing.T, dir string, want ...string) int {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ok := true
		for _, w := range want {
			ok = ok && bytes.Contains(b, []byte(w))
		}
		if ok {
			n++
		}
	}
	return n
}

// TestEntraWizardEndToEnd is issue 4's terminal test: the whole Entra path
// in a real terminal, then `pimmail test` with the saved files.
func TestEntraWizardEndToEnd(t *testing.T) {
	xdg := t.TempDir()
	tm := wizard(t, xdg)
	tm.entraToStep(7)
	tm.enableAndSave("Microsoft Entra ID SMTP Client")
	tm.restored()

	// The sandbox's configuration and sign-in are its own, in its state
	// directory; the real configuration's path stays empty.
	dir := filepath.Join(xdg, "pimmail", "sandbox")
	cfgPath := filepath.Join(dir, "config.json")
	if _, err := os.Stat(filepath.Join(xdg, "pimmail", "config.json")); !os.IsNotExist(err) {
		t.Errorf("pimmail --sandbox wrote the real configuration's path (%v)", err)
	}
	for _, f := range []string{cfgPath, filepath.Join(dir, "tokencache.json")} {
		if m := mode(t, f); m != 0o600 {
			t.Errorf("%s has mode %04o, want 0600", f, m)
		}
	}
	if m := mode(t, dir); m != 0o700 {
		t.Errorf("%s has mode %04o, want 0700", dir, m)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Enabled != config.ProviderEntra || cfg.Entra.Mailbox != sandbox.DefaultMailbox ||
		cfg.Entra.TenantID != sandbox.DefaultTenantID || cfg.Entra.ClientID != sandbox.DefaultClientID {
		t.Fatalf("saved config is not the one entered: %+v", cfg)
	}
	mail := filepath.Join(dir, "mail")
	if n := emlWith(t, mail, "To: <"+sandbox.DefaultMailbox+">"); n != 1 {
		t.Fatalf("the sandbox received %d test messages to the mailbox, want 1", n)
	}
	for _, f := range []string{filepath.Join(xdg, "debug.log")} {
		if b, err := os.ReadFile(f); err == nil && bytes.Contains(b, []byte(sandbox.DefaultClientSecret)) {
			t.Errorf("%s contains the client secret", f)
		}
	}

	out, code := runCmd(t, []string{"XDG_CONFIG_HOME=" + xdg}, "test", "--sandbox")
	if code != 0 {
		t.Fatalf("pimmail test exited %d:\n%s", code, out)
	}
	if strings.Contains(out, sandbox.DefaultClientSecret) {
		t.Fatalf("pimmail test printed the client secret:\n%s", out)
	}
	if n := emlWith(t, mail, "To: <"+sandbox.DefaultMailbox+">"); n != 2 {
		t.Fatalf("after pimmail test the sandbox holds %d messages to the mailbox, want 2", n)
	}

	// Plain `pimmail` (no --sandbox) always means the real services: it
	// does not open the sandbox's configuration.
	tm = startTerm(t, 80, 24, []string{"XDG_CONFIG_HOME=" + xdg}, binary)
	s := tm.waitFor("Step 1 of", stepWait)
	if strings.Contains(s, "SANDBOX") || !strings.Contains(s, "No provider is enabled now") {
		t.Fatalf("plain pimmail after a sandbox run is not a fresh real run:\n%s", s)
	}
	tm.keys("C-c")
	if code := tm.exitCode(stepWait); code == "0" {
		t.Errorf("Ctrl+C exited 0")
	}
}

// TestCtrlCAtEveryStepKeepsConfig quits with Ctrl+C at each step of the
// Entra path: the previous config stays byte for byte, nothing else is
// written beside it, and the terminal is restored.
func TestCtrlCAtEveryStepKeepsConfig(t *testing.T) {
	for step := 1; step <= 7; step++ {
		t.Run("step"+string(rune('0'+step)), func(t *testing.T) {
			xdg := t.TempDir()
			dir := filepath.Join(xdg, "pimmail", "sandbox")
			cfgPath := filepath.Join(dir, "config.json")
			prev := config.Default()
			prev.Sandbox = true
			prev.Enabled = config.ProviderLocal
			prev.Email.From = sandbox.DefaultMailbox
			prev.Local = config.SMTP{Host: "localhost", Port: 25, TLS: config.TLSNone}
			if err := config.Save(cfgPath, prev); err != nil {
				t.Fatal(err)
			}
			before, _ := os.ReadFile(cfgPath)

			tm := wizard(t, xdg)
			if step == 1 {
				tm.waitFor("Step 1 of", stepWait)
			} else {
				tm.entraToStep(step)
			}
			tm.keys("C-c")
			if code := tm.exitCode(stepWait); code == "0" {
				t.Errorf("Ctrl+C at step %d exited 0; want a non-zero status (nothing saved)", step)
			}
			tm.restored()
			if !strings.Contains(tm.screen(), "Nothing was saved") {
				t.Errorf("no 'Nothing was saved' after Ctrl+C:\n%s", tm.screen())
			}
			after, err := os.ReadFile(cfgPath)
			if err != nil || !bytes.Equal(before, after) {
				t.Fatalf("config changed after Ctrl+C at step %d (err %v)", step, err)
			}
			if _, err := os.Stat(filepath.Join(dir, "tokencache.json")); err == nil {
				t.Fatalf("token cache written after Ctrl+C at step %d", step)
			}
			left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*"))
			if len(left) > 0 {
				t.Fatalf("temporary files left beside the config: %v", left)
			}
		})
	}
}

// TestRelayThenBackToEntra is issue 5's terminal test: configure SMTP Relay
// against the sandbox, then switch back to Entra; each save keeps the other
// provider's settings.
func TestRelayThenBackToEntra(t *testing.T) {
	xdg := t.TempDir()
	dir := filepath.Join(xdg, "pimmail", "sandbox")
	cfgPath := filepath.Join(dir, "config.json")

	tm := wizard(t, xdg)
	tm.chooseProvider("SMTP Relay")
	tm.waitFor("Step 2 of 5", stepWait)
	tm.keys("Enter") // probe the prefilled sandbox relay
	tm.waitFor("Press enter to continue", stepWait)
	tm.keys("Enter")
	tm.waitFor("Step 3 of 5", stepWait)
	tm.keys("Enter") // no username or password: trusted by IP
	tm.waitFor("Step 4 of 5", stepWait)
	from := "pim-alerts@" + sandbox.RelayDomain
	tm.keys("C-u") // clear a prefilled From, if any
	tm.typeText(from)
	tm.keys("Tab", "Tab")
	tm.keys("C-u")
	tm.typeText("admins@" + sandbox.RelayDomain)
	tm.keys("Enter")
	tm.waitFor("Test email sent", stepWait)
	tm.keys("Enter")
	tm.waitFor("Step 5 of 5", stepWait)
	tm.enableAndSave("SMTP Relay")
	tm.restored()

	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Enabled != config.ProviderRelay || cfg.Email.From != from || cfg.Relay.Host == "" {
		t.Fatalf("relay config not saved as entered: %+v", cfg)
	}
	if n := emlWith(t, filepath.Join(dir, "mail"), "From: <"+from+">", "To: <admins@"+sandbox.RelayDomain+">"); n != 1 {
		t.Fatalf("sandbox relay received %d test messages, want 1", n)
	}
	relay := cfg.Relay

	tm = wizard(t, xdg)
	s := tm.waitFor("Step 1 of", stepWait)
	if !strings.Contains(s, "enabled now") {
		t.Fatalf("provider step does not say which provider is enabled now:\n%s", s)
	}
	tm.entraToStep(6)
	// The global From is the relay's address: the Entra mailbox may not
	// send as it, and the step says so before anything is sent.
	tm.waitFor("SendAs", stepWait)
	tm.keys("C-u")
	tm.typeText(sandbox.DefaultMailbox)
	tm.keys("Enter")
	tm.waitFor("Test email sent", stepWait)
	tm.keys("Enter")
	tm.waitFor("Step 7 of 7", stepWait)
	tm.enableAndSave("Microsoft Entra ID SMTP Client")

	cfg, err = config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Enabled != config.ProviderEntra {
		t.Fatalf("Entra not enabled after switching back: %q", cfg.Enabled)
	}
	if cfg.Relay.Host != relay.Host || cfg.Relay.TLS != relay.TLS {
		t.Fatalf("relay settings lost when switching back: %+v, was %+v", cfg.Relay, relay)
	}
	out, code := runCmd(t, []string{"XDG_CONFIG_HOME=" + xdg}, "status", "--sandbox")
	if code != 0 || !strings.Contains(out, "Microsoft Entra ID SMTP Client") {
		t.Fatalf("pimmail status exited %d:\n%s", code, out)
	}
	if strings.Contains(out, sandbox.DefaultClientSecret) {
		t.Fatalf("pimmail status shows the client secret:\n%s", out)
	}
}
