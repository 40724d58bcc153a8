package tui

import "github.com/charmbracelet/lipgloss"

// styles are the wizard's lipgloss styles. They use the 16 basic ANSI
// colours only: those read well on dark and light backgrounds alike, so no
// AdaptiveColor is needed (AdaptiveColor makes lipgloss query the terminal's
// background, which is I/O a view must not do and which can stall over SSH).
// Meaning never rests on colour alone: every state also has a glyph or a
// word (✓, ✗, ⚠, ›, [x]), so the screens read the same with NO_COLOR or in
// the Ascii profile, where lipgloss drops all styling.
type styles struct {
	header  lipgloss.Style // "Step n of N · Title"
	banner  lipgloss.Style // SANDBOX tag
	rule    lipgloss.Style // horizontal rules
	faint   lipgloss.Style // help texts, hints
	label   lipgloss.Style // field labels
	focus   lipgloss.Style // the focused field's label and list cursor
	value   lipgloss.Style // values the wizard shows back
	ok      lipgloss.Style // ✓ lines
	bad     lipgloss.Style // ✗ lines, problem titles
	warn    lipgloss.Style // ⚠ lines
	code    lipgloss.Style // the device-code box
	side    lipgloss.Style // the wide layout's step list
	current lipgloss.Style // the current step in the step list
	helpKey lipgloss.Style
	helpDsc lipgloss.Style
}

// newStyles returns the wizard's styles.
func newStyles() styles {
	return styles{
		header:  lipgloss.NewStyle().Bold(true),
		banner:  lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("3")),
		rule:    lipgloss.NewStyle().Faint(true),
		faint:   lipgloss.NewStyle().Faint(true),
		label:   lipgloss.NewStyle(),
		focus:   lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("6")),
		value:   lipgloss.NewStyle().Bold(true),
		ok:      lipgloss.NewStyle().Foreground(lipgloss.Color("2")),
		bad:     lipgloss.NewStyle().Foreground(lipgloss.Color("1")),
		warn:    lipgloss.NewStyle().Foreground(lipgloss.Color("3")),
		code:    lipgloss.NewStyle().Bold(true).Border(lipgloss.RoundedBorder()).Padding(1, 3),
		side:    lipgloss.NewStyle().Faint(true),
		current: lipgloss.NewStyle().Bold(true),
		helpKey: lipgloss.NewStyle().Bold(true),
		helpDsc: lipgloss.NewStyle().Faint(true),
	}
}

// theme is shared by all views; styles hold no state.
var theme = newStyles()
