package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/draft"
	"github.com/pimmail/pimmail/sandbox"
)

// waitDraft waits until the draft beside cfgPath is at step and holds
// want, and returns it.
func waitDraft(t *testing.T, cfgPath, step, want string) draft.Draft {
	t.Helper()
	deadline := time.Now().Add(stepWait)
	var last string
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(draft.Path(cfgPath))
		if err == nil {
			last = string(b)
			var d draft.Draft
			if json.Unmarshal(b, &d) == nil && d.Step == step && strings.Contains(last, want) {
				return d
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no draft at step %s holding %q; last: %s", step, want, last)
	return draft.Draft{}
}

// The SSH session drops (the terminal goes away: SIGHUP) at each step of
// the Entra path; the next pimmail offers to continue there, continues
// with what was typed, and reaches Saved; the draft is gone after Save.
func TestResumeAfterDroppedSession(t *testing.T) {
	stepIDs := map[int]string{2: "ids", 3: "secret", 4: "logon", 5: "smarthost", 6: "test"}
	for step := 2; step <= 6; step++ {
		t.Run("step"+strconv.Itoa(step), func(t *testing.T) {
			xdg := t.TempDir()
			// pimmail --sandbox keeps its own configuration, and the
			// draft beside it.
			cfgPath := filepath.Join(xdg, "pimmail", "sandbox", "config.json")
			tm := wizard(t, xdg)
			tm.entraToStep(step)
			want := ""
			if step == 2 {
				// Typing, not a step change: written once typing pauses.
				tm.paste(sandbox.DefaultTenantID)
				want = sandbox.DefaultTenantID
			}
			d := waitDraft(t, cfgPath, stepIDs[step], want)
			if st, err := os.Stat(draft.Path(cfgPath)); err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("draft file: %v %v", st, err)
			}
			if d.Number != step {
				t.Errorf("draft says step %d, want %d", d.Number, step)
			}
			// The session drops.
			_ = exec.Command("tmux", "-L", tm.socket, "kill-server").Run()
			if _, err := os.Stat(cfgPath); err == nil {
				t.Fatal("a configuration was saved before Save")
			}

			tm = wizard(t, xdg)
			s := tm.waitFor("Continue where you left off (step "+strconv.Itoa(step), stepWait)
			if step >= 5 && !strings.Contains(strings.Join(strings.Fields(s), " "), "signs in again") {
				t.Errorf("the offer does not say the mailbox signs in again:\n%s", s)
			}
			tm.keys("y")
			resumed := step
			if step > 4 {
				resumed = 4
			}
			tm.waitFor("Step "+strconv.Itoa(resumed)+" of 7", stepWait)
			switch resumed {
			case 2:
				// The tenant ID is back; the client ID was never typed.
				tm.waitFor(sandbox.DefaultTenantID, stepWait)
				tm.keys("Tab")
				tm.paste(sandbox.DefaultClientID)
				tm.keys("Enter")
				tm.waitFor("Step 3 of 7", stepWait)
				fallthrough
			case 3:
				tm.paste(sandbox.DefaultClientSecret + "\n")
				tm.keys("Enter")
				tm.waitFor("Step 4 of 7", stepWait)
			}
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

			c, err := config.Load(cfgPath)
			if err != nil || c.Enabled != config.ProviderEntra || c.Entra.TenantID != sandbox.DefaultTenantID {
				t.Fatalf("saved config: %+v, %v", c, err)
			}
			if _, err := os.Stat(draft.Path(cfgPath)); !os.IsNotExist(err) {
				t.Errorf("the draft outlived Save: %v", err)
			}
		})
	}
}
