package tui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/pimmail/pimmail/steps"
)

// ctrl+d scrolls the details' header to the top of the scroll region, also
// when the details are shorter than the region (the viewport would stop at
// the last screenful, opening mid-sentence above them); pgup still goes
// back to the problem.
func TestDetailsOpenAtTheirHeader(t *testing.T) {
	for _, height := range []int{24, 20, 16} {
		m, _ := openModel(t, nil, nil)
		m = entraTo(t, m, steps.StepTest)
		m, _ = send(t, m, k("ctrl+u"), paste("noreply@contoso.com"), k("enter"))
		m, _ = send(t, m, result(m, steps.TestResult{Transcript: []string{"S: 554 5.2.252 SendAsDenied"}}, sendAsDenied("noreply@contoso.com")))
		m, _ = send(t, m, tea.WindowSizeMsg{Width: 80, Height: height})
		m, _ = press(t, m, "ctrl+d")
		v := m.View()
		checkScreen(t, v, 80, height)
		lines := strings.Split(v, "\n")
		first := ""
		for i, l := range lines {
			if strings.Contains(l, "Send test to") {
				for _, next := range lines[i+1:] {
					if strings.TrimSpace(next) != "" {
						first = strings.TrimSpace(next)
						break
					}
				}
				break
			}
		}
		if !strings.HasPrefix(first, "Details (ctrl+d hides):") {
			t.Errorf("at %d lines the region starts with %q, not the details' header:\n%s", height, first, v)
		}
		up, _ := press(t, m, "pgup", "pgup", "pgup", "pgup")
		if !strings.Contains(up.View(), "✗ The mailbox may not send as this From address") {
			t.Errorf("at %d lines pgup does not go back to the problem:\n%s", height, up.View())
		}
	}
}
