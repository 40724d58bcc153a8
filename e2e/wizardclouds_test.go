package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimmail/pimmail/cloud"
	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/sandbox"
)

// TestSandboxWizardEveryCloud runs the whole Entra path of `pimmail
// --sandbox` once per cloud, the cloud chosen on step 2 (the sandbox plays
// whichever is chosen), then `pimmail test` with the saved files: both
// messages reach the sandbox's Exchange stand-in, which takes only that
// cloud's tokens once it plays it.
func TestSandboxWizardEveryCloud(t *testing.T) {
	for i, c := range cloud.All {
		t.Run(c.Name, func(t *testing.T) {
			xdg := t.TempDir()
			tm := wizard(t, xdg)
			tm.chooseProvider("Microsoft Entra ID SMTP Client")
			tm.waitFor("Step 2 of 7", stepWait)
			tm.paste(sandbox.DefaultTenantID)
			tm.keys("Tab")
			tm.paste(sandbox.DefaultClientID)
			tm.chooseCloud(i)
			tm.keys("Enter")
			tm.waitFor("Step 3 of 7", stepWait)
			tm.paste(sandbox.DefaultClientSecret)
			tm.keys("Enter")
			tm.waitFor("Signed in as "+sandbox.DefaultMailbox, logonWait)
			tm.keys("Enter")
			tm.waitFor("Step 5 of 7", stepWait)
			tm.keys("Enter")
			tm.waitFor("ready for OAuth2 mail", stepWait)
			tm.keys("Enter")
			tm.waitFor("Step 6 of 7", stepWait)
			tm.keys("Enter")
			tm.waitFor("Test email sent", stepWait)
			tm.keys("Enter")
			tm.waitFor("Step 7 of 7", stepWait)
			tm.enableAndSave("Microsoft Entra ID SMTP Client")

			// The sandbox keeps its own configuration, never the real one.
			dir := filepath.Join(xdg, "pimmail", "sandbox")
			cfg, err := config.Load(filepath.Join(dir, "config.json"))
			if err != nil {
				t.Fatal(err)
			}
			if !cfg.Sandbox || cfg.Entra.Cloud != c.Name {
				t.Fatalf("saved config: sandbox %v cloud %q, want %q", cfg.Sandbox, cfg.Entra.Cloud, c.Name)
			}
			env := []string{"XDG_CONFIG_HOME=" + xdg, "PIMMAIL_DEBUG_LOG=" + filepath.Join(xdg, "debug.log")}
			out, code := runCmd(t, env, "test", "--sandbox")
			if code != 0 {
				t.Fatalf("pimmail test exited %d:\n%s", code, out)
			}
			if strings.Contains(out, sandbox.DefaultClientSecret) || strings.Contains(out, "eyJ") {
				t.Fatalf("pimmail test printed the client secret or a token:\n%s", out)
			}
			if n := emlWith(t, filepath.Join(dir, "mail"), "To: <"+sandbox.DefaultMailbox+">"); n != 2 {
				t.Fatalf("the sandbox received %d messages to the mailbox, want 2 (wizard and pimmail test)\n%s", n, out)
			}
			t.Logf("pimmail test (%s):\n%s", c.Name, out)
		})
	}
}
