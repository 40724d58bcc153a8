package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/pimmail/pimmail/steps"
)

// Layout constants. The wizard fits 80x24; from wideMin columns on, a
// column on the left lists the steps with ticks for the finished ones.
const (
	wideMin   = 100
	sideWidth = 34 // including the gap to the body
	margin    = 1  // columns left and right of everything
)

// newHelp returns the footer's help model with the wizard's styles (the
// default ones use AdaptiveColor, which queries the terminal).
func newHelp() help.Model {
	h := help.New()
	h.Styles = help.Styles{
		ShortKey: theme.helpKey, ShortDesc: theme.helpDsc, ShortSeparator: theme.faint,
		FullKey: theme.helpKey, FullDesc: theme.helpDsc, FullSeparator: theme.faint,
		Ellipsis: theme.faint,
	}
	h.Width = 80
	return h
}

// wide reports whether the step list fits beside the body.
func (m Model) wide() bool { return m.width >= wideMin }

// helpKeys is the footer's key map: the step's keys and the wizard's.
func (m Model) helpKeys() helpMap {
	st := m.current()
	if m.help.ShowAll {
		steps := st.ShortHelp()
		full := [][]key.Binding{}
		if len(steps) > 0 {
			full = append(full, steps)
		}
		full = append(full, m.navKeys(), []key.Binding{withHelp(keys.Help, "close help"), keys.Quit})
		return helpMap{full: full}
	}
	helpKey := keys.Help
	if st.Input() == inputSecret {
		helpKey = keys.HelpSecret
	}
	stepKeys := st.ShortHelp()
	var tail []key.Binding
	if nav := m.navKeys(); len(nav) > 0 {
		tail = append(tail, nav[0]) // shift+tab is on the help screen
	}
	tail = append(tail, helpKey)
	// Drop the step's least important keys (the last) until the line fits:
	// esc and the help key, which leads to all of them, always stay.
	measure := m.help
	measure.Width = 0 // measure untruncated
	for {
		short := append(append([]key.Binding(nil), stepKeys...), tail...)
		if len(stepKeys) <= 1 || lipgloss.Width(measure.ShortHelpView(short)) <= m.width-2*margin {
			return helpMap{short: short}
		}
		stepKeys = stepKeys[:len(stepKeys)-1]
	}
}

// navKeys are the wizard's keys that apply on this step right now.
func (m Model) navKeys() []key.Binding {
	st := m.current()
	_, saved := m.Saved()
	switch {
	case saved:
		return nil
	case st.Running() && m.cur != steps.StepEnable:
		return []key.Binding{keys.Cancel}
	case m.cur == steps.StepProvider:
		return []key.Binding{withHelp(keys.Back, "quit")}
	case st.AtFirst():
		return []key.Binding{keys.Back, withHelp(keys.PrevField, "back")}
	}
	return []key.Binding{keys.Back, keys.PrevField}
}

// helpScreen is the body while help is shown: the step's whole help text.
func (m Model) helpScreen(width int) string {
	i, seq := m.index()
	if i >= len(seq) {
		return ""
	}
	return theme.header.Render("Help: "+seq[i].Title) + "\n\n" + wrap(seq[i].Help, width)
}

// footerHeight is how many lines the help takes.
func (m Model) footerHeight() int {
	return lipgloss.Height(m.help.View(m.helpKeys()))
}

// bodySize is the size left for the current step's body.
func (m Model) bodySize() (int, int) {
	w := m.width - 2*margin
	if m.wide() {
		w -= sideWidth
	}
	h := m.height - 3 - m.footerHeight() // header, two rules, footer
	return max(20, w), max(3, h)
}

// header is "Step n of N · Title", with a SANDBOX tag on the right.
func (m Model) header() string {
	i, seq := m.index()
	title := ""
	if i < len(seq) {
		title = seq[i].Title
	}
	left := theme.header.Render(fmt.Sprintf("Step %d of %d · %s", i+1, len(seq), title))
	if m.hints == nil {
		return left
	}
	tag := theme.banner.Render("SANDBOX")
	gap := m.width - 2*margin - lipgloss.Width(left) - lipgloss.Width(tag)
	if gap < 1 {
		return left
	}
	return left + strings.Repeat(" ", gap) + tag
}

// sidebar lists the steps, ticking the finished ones.
func (m Model) sidebar(height int) string {
	i, seq := m.index()
	w := sideWidth - 2
	lines := []string{theme.faint.Render(ansi.Truncate(m.shownProvider().Label(), w, "…")), ""}
	for j, inf := range seq {
		mark := "  "
		if m.done[inf.ID] && j != i {
			mark = "✓ "
		}
		line := ansi.Truncate(fmt.Sprintf("%s%d %s", mark, j+1, inf.Title), w, "…")
		switch {
		case j == i:
			line = theme.current.Render(ansi.Truncate(fmt.Sprintf("› %d %s", j+1, inf.Title), w, "…"))
		case m.done[inf.ID]:
			line = theme.ok.Render(line)
		default:
			line = theme.side.Render(line)
		}
		lines = append(lines, line)
	}
	return fit(strings.Join(lines, "\n"), sideWidth, height)
}

// fit clips s to width columns and height lines, and pads it to height
// lines so the footer stays at the bottom.
func fit(s string, width, height int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > height {
		lines = lines[:height]
	}
	for i, l := range lines {
		lines[i] = padRight(ansi.Truncate(l, width, ""), width)
	}
	for len(lines) < height {
		lines = append(lines, strings.Repeat(" ", width))
	}
	return strings.Join(lines, "\n")
}

// frame draws header, body (with the step list when wide) and footer.
func (m Model) frame() string {
	w, h := m.bodySize()
	rule := theme.rule.Render(strings.Repeat("─", max(0, m.width-2*margin)))
	view := m.current().View()
	if m.help.ShowAll {
		view = m.helpScreen(w)
	}
	body := fit(view, w, h)
	if m.wide() {
		body = lipgloss.JoinHorizontal(lipgloss.Top, m.sidebar(h), body)
	}
	out := strings.Join([]string{m.header(), rule, body, rule, m.help.View(m.helpKeys())}, "\n")
	pad := strings.Repeat(" ", margin)
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(ansi.Truncate(pad+l, m.width, ""), " ")
	}
	return strings.Join(lines, "\n")
}
