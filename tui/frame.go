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
// Every action has one key, named the same way on every step.
func (m Model) helpKeys() helpMap {
	st := m.current()
	typing := st.Input() != inputNone
	stepKeys := st.ShortHelp()
	if len(st.Commands()) > 0 && !m.confirmQuit && len(stepKeys) > 0 {
		// Right after enter: the fix is what the admin needs now.
		stepKeys = append(stepKeys[:1:1], append([]key.Binding{copyCommandKey(typing)}, stepKeys[1:]...)...)
	}
	if m.resume.offer != nil {
		return helpMap{short: []key.Binding{withHelp(keys.Yes, "continue"), withHelp(keys.No, "start afresh"), withHelp(keys.Quit, "quit")}}
	}
	if m.confirmQuit {
		return helpMap{short: []key.Binding{withHelp(keys.Yes, "quit without saving"), withHelp(keys.No, "stay")}}
	}
	if m.help.ShowAll {
		// The keys are listed on the help screen itself, where they have
		// room at any width; the footer says how to leave and scroll it.
		return helpMap{short: []key.Binding{withHelp(keys.Help, "close help"), scrollHelp, withHelp(keys.Quit, "quit")}}
	}
	tail := append(m.navKeys(), helpKeyFor(st.Input()))
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

// navKeys are the wizard's keys that apply on this step right now. Going
// back is esc; shift+tab on the first field does the same, and the help
// screen says so, but the footer names one key per action.
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
	}
	return []key.Binding{keys.Back}
}

// fieldHelper is a step with fields whose help lines the help screen repeats
// (the step drops them when space is short).
type fieldHelper interface{ fieldsHelp() string }

// allKeys are every key that works on the current step now, for the help
// screen.
func (m Model) allKeys() []key.Binding {
	st := m.current()
	typing := st.Input() != inputNone
	ks := st.ShortHelp()
	if n := len(st.Commands()); n > 0 {
		desc := "copy the fix's command"
		if n > 1 {
			desc = fmt.Sprintf("copy the fix's first command; again, the next (%d in all)", n)
		}
		ks = append(ks, withHelp(copyCommandKey(typing), desc))
	}
	nav := m.navKeys()
	ks = append(ks, nav...)
	if len(nav) > 0 && nav[0].Help().Desc == "back" {
		ks = append(ks, withHelp(keys.PrevField, "previous field; on the first field, back"))
	}
	return append(ks, withHelp(scrollHelp, "scroll where \"↓ more\" shows"),
		withHelp(keys.Help, "this help"), withHelp(keys.HelpTyping, "this help, also in fields where ? is text"), keys.Quit)
}

// helpText is the help screen's text: the step's whole help, its fields'
// help, and every key that works here.
func (m Model) helpText(width int) string {
	i, seq := m.index()
	if i >= len(seq) {
		return ""
	}
	text := theme.header.Render("Help: "+seq[i].Title) + "\n\n" + wrap(seq[i].Help, width)
	if f, ok := m.current().(fieldHelper); ok {
		text = joinBlocks(text, wrap(f.fieldsHelp(), width))
	}
	var ks []string
	seen := map[string]bool{}
	for _, b := range m.allKeys() {
		h := b.Help()
		if h.Key == "" || seen[h.Key] {
			continue
		}
		seen[h.Key] = true
		line := "  " + theme.helpKey.Render(padRight(h.Key, 10)) + " " + h.Desc
		ks = append(ks, strings.ReplaceAll(wrap(line, width), "\n", "\n"+strings.Repeat(" ", 13)))
	}
	return joinBlocks(text, theme.header.Render("Keys")+"\n"+strings.Join(ks, "\n"))
}

// helpLayout is the help screen's body, scrolling when it is long.
func (m Model) helpLayout() arranged {
	w, h := m.bodySize()
	return arrange("", "", w, h, m.helpPos, func(detail) (string, string) { return "", m.helpText(w) })
}

// confirmText is the question esc on the first step asks.
func (m Model) confirmText(width int) string {
	return theme.warn.Render(wrap("Quit without saving? (y/n)", width)) + "\n" +
		theme.faint.Render(wrap("What was typed and checked in this run is lost; the saved configuration stays as it was.", width))
}

// footer is the keys, with the flash note above them: the keys stay in
// view while the note is read.
func (m Model) footer() string {
	// The help screen lists the keys in its body; the keys stay one line.
	ks := m.help.ShortHelpView(m.helpKeys().short)
	if m.flash != "" {
		return wrap(m.flash, m.width-2*margin) + "\n" + ks
	}
	return ks
}

// footerHeight is how many lines the footer takes.
func (m Model) footerHeight() int {
	return lipgloss.Height(m.footer())
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
	var view string
	switch {
	case m.help.ShowAll:
		view = m.helpLayout().text
	case m.resume.offer != nil:
		q := m.offerText(w)
		view = joinBlocks(q, m.current().SetSize(w, max(3, h-lipgloss.Height(q)-1)).View())
	case m.confirmQuit:
		// The question first; the step below gets the room that is left.
		q := m.confirmText(w)
		view = joinBlocks(q, m.current().SetSize(w, max(3, h-lipgloss.Height(q)-1)).View())
	default:
		view = m.current().View()
	}
	body := fit(view, w, h)
	if m.wide() {
		body = lipgloss.JoinHorizontal(lipgloss.Top, m.sidebar(h), body)
	}
	out := strings.Join([]string{m.header(), rule, body, rule, m.footer()}, "\n")
	pad := strings.Repeat(" ", margin)
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(ansi.Truncate(pad+l, m.width, ""), " ")
	}
	return strings.Join(lines, "\n")
}
