package tui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/pimmail/pimmail/steps"
)

// TestNarrowKeepsStartAndBox: in a narrow terminal a focused field too
// long for its input shows the start of its value (after a resize too),
// not a middle slice; the device-code box keeps its border and wraps the
// address inside it.
func TestNarrowKeepsStartAndBox(t *testing.T) {
	m, _ := openModel(t, nil, nil)
	m = entraTo(t, m, steps.StepIDs)
	m, _ = send(t, m, k("ctrl+u"), paste(tenantGUID))
	m, _ = send(t, m, tea.WindowSizeMsg{Width: 60, Height: 20})
	v := m.View()
	checkScreen(t, v, 60, 20)
	if !strings.Contains(v, "Directory (tenant) ID    "+tenantGUID[:20]) {
		t.Errorf("the focused tenant field does not show the ID's start at 60x20:\n%s", v)
	}

	m, _ = openModel(t, nil, nil)
	m, _ = send(t, m, tea.WindowSizeMsg{Width: 40, Height: 24})
	m = entraTo(t, m, steps.StepLogon)
	m, _ = send(t, m, result(m, testLogon, nil))
	v = m.View()
	checkScreen(t, v, 40, 24)
	for _, w := range []string{"╭", "╮", "╰", "╯", "https://microsoft.com/devicelogin", "GHK PW2 QM9"} {
		if !strings.Contains(v, w) {
			t.Errorf("40x24 code screen lacks %q:\n%s", w, v)
		}
	}
	m, _ = send(t, m, tea.WindowSizeMsg{Width: 40, Height: 12})
	checkScreen(t, m.View(), 40, 12)
}
