package tui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/pimmail/pimmail/steps"
)

// At 60 columns the sandbox's values to paste do not fit in the ID fields:
// they are shown whole below the field (wrapped if need be), never cut.
// Once the field holds a value, the hint goes.
func TestSandboxHintsWrapWhenNarrow(t *testing.T) {
	for _, width := range []int{60, 66} {
		m, _ := openModel(t, nil, &testHints)
		m = entraTo(t, m, steps.StepIDs)
		m, _ = send(t, m, tea.WindowSizeMsg{Width: width, Height: 24})
		for _, focus := range []string{"tenant", "client"} {
			v := m.View()
			checkScreen(t, v, width, 24)
			for _, id := range []string{testHints.TenantID, testHints.ClientID} {
				if !strings.Contains(flat(v), id) {
					t.Errorf("at %d columns (focus on the %s) the hint %s is not shown whole:\n%s", width, focus, id, v)
				}
			}
			if strings.Contains(v, "…") {
				t.Errorf("at %d columns something is cut:\n%s", width, v)
			}
			m, _ = press(t, m, "tab")
		}
		m, _ = press(t, m, "tab") // the cloud, then the tenant again
		m, _ = send(t, m, paste(testHints.TenantID))
		if strings.Contains(flat(m.View()), "sandbox: "+testHints.TenantID) {
			t.Errorf("at %d columns the hint stays below a filled field:\n%s", width, m.View())
		}
	}
}
