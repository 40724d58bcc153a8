package tui

import (
	"strings"
	"testing"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/steps"
)

// The provider enabled now, its test skipped (ctrl+n): nothing can be
// saved, and only esc does anything. The screen says so plainly, why, and
// the two ways on: test again, or choose another provider.
func TestSkippedTestOfEnabledProvider(t *testing.T) {
	c := config.Default()
	c.Enabled = config.ProviderRelay
	c.Relay.Host = "relay.contoso.com"
	c.Email.From = "pim@contoso.com"
	m, _ := openModel(t, &c, nil)
	m = relayTo(t, m, steps.StepTest)
	m, _ = press(t, m, "ctrl+n")
	if m.cur != steps.StepEnable {
		t.Fatalf("ctrl+n went to %s", m.cur)
	}
	for _, keys := range [][]string{nil, {"space"}, {"enter"}} {
		m, _ = press(t, m, keys...)
		v := m.View()
		checkScreen(t, v, 80, 24)
		for _, w := range []string{"Nothing can be saved yet.",
			"SMTP Relay is enabled now and PIM mail goes out with its saved settings",
			"To save: press esc to go back to the test step, send a test email, then tick Enabled here.",
			"To set up another provider instead: press esc until step 1 and choose it."} {
			if !strings.Contains(flat(v), w) {
				t.Errorf("after %v the screen lacks %q:\n%s", keys, w, v)
			}
		}
		if strings.Contains(v, "↓ more") {
			t.Errorf("after %v the explanation does not fit:\n%s", keys, v)
		}
	}
	m, _ = press(t, m, "esc")
	if m.cur != steps.StepTest {
		t.Errorf("esc went to %s, not back to the test", m.cur)
	}
}
