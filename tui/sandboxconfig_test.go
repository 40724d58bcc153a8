package tui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/pimmail/pimmail/config"
)

// Plain `pimmail` on a sandbox configuration runs against the sandbox; step
// 1 says why, and how to make a real configuration instead.
func TestSandboxByConfigSaysWhy(t *testing.T) {
	const why = "This configuration was made against the built-in sandbox, so the wizard runs against it; use --config for a real configuration."
	c := config.Default()
	c.Sandbox = true
	for _, byConfig := range []bool{true, false} {
		m, _ := openModel(t, &c, &testHints)
		if byConfig {
			m = m.WithSandboxConfig()
		}
		m, _ = send(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
		v := m.View()
		checkScreen(t, v, 80, 24)
		if got := strings.Contains(flat(v), why); got != byConfig {
			t.Errorf("by config %v: says why %v:\n%s", byConfig, got, v)
		}
		if !strings.Contains(v, "SANDBOX") {
			t.Errorf("no SANDBOX tag:\n%s", v)
		}
	}
}
