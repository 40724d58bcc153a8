package tui

import (
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
)

// keyMap holds every binding the wizard knows. Steps pick the ones that
// apply in their current state for the footer, so the help always shows
// what a key does right now.
//
// One binding per action, shown the same way on every step. Printable keys
// collide with typing, so every command that has a letter also has a ctrl+
// form that works inside text fields; the footer always shows the ctrl+
// form, and the plain letter works too wherever no text field has the focus.
// "?" is help everywhere except in fields where "?" is a valid character
// (secrets, passwords, the display name): there the footer shows f1, which
// works everywhere.
type keyMap struct {
	Quit       key.Binding
	Help       key.Binding
	HelpTyping key.Binding // help while a field that takes "?" has the focus
	Back       key.Binding
	Cancel     key.Binding
	Enter      key.Binding
	NextField  key.Binding
	PrevField  key.Binding
	Up         key.Binding
	Down       key.Binding
	Left       key.Binding
	Right      key.Binding
	Reveal     key.Binding // secret: show the last 4 characters
	Copy       key.Binding // logon: copy the code with OSC 52
	Fresh      key.Binding // logon: a fresh code
	Toggle     key.Binding // enable: tick the checkbox
	Yes        key.Binding
	No         key.Binding
	Skip       key.Binding // test: go on to Enable without a test
	PageDown   key.Binding // the scrollable part of a step
	PageUp     key.Binding
	LineDown   key.Binding
	LineUp     key.Binding
	QuitDone   key.Binding // after Save
}

// keys are the wizard's bindings.
var keys = keyMap{
	Quit:       key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit without saving")),
	Help:       key.NewBinding(key.WithKeys("?", "f1"), key.WithHelp("?", "help")),
	HelpTyping: key.NewBinding(key.WithKeys("f1"), key.WithHelp("f1", "help")),
	Back:       key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
	Cancel:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	Enter:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "continue")),
	NextField:  key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next field")),
	PrevField:  key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous field")),
	Up:         key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
	Down:       key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
	Left:       key.NewBinding(key.WithKeys("left"), key.WithHelp("←", "previous choice")),
	Right:      key.NewBinding(key.WithKeys("right"), key.WithHelp("→", "next choice")),
	Reveal:     key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "show last 4")),
	Copy:       key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy code")),
	Fresh:      key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "new code")),
	Toggle:     key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "tick/untick")),
	Yes:        key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "overwrite")),
	No:         key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "don't")),
	Skip:       key.NewBinding(key.WithKeys("ctrl+n"), key.WithHelp("ctrl+n", "skip the test")),
	PageDown:   key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "more")),
	PageUp:     key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "back up")),
	LineDown:   key.NewBinding(key.WithKeys("down"), key.WithHelp("↓", "scroll")),
	LineUp:     key.NewBinding(key.WithKeys("up"), key.WithHelp("↑", "scroll")),
	QuitDone:   key.NewBinding(key.WithKeys("enter", "q", "esc"), key.WithHelp("enter/q", "quit")),
}

// scrollHelp is the footer's entry while part of a step scrolls.
var scrollHelp = key.NewBinding(key.WithKeys("pgdown", "pgup"), key.WithHelp("pgup/pgdn", "scroll"))

// letterKey is a command bound to a plain letter and to its ctrl+ form: the
// letter only while no text field has the focus (there it is text), the
// ctrl+ form always. The help always shows the ctrl+ form, so a key reads
// the same on every step.
func letterKey(letter, desc string, typing bool) key.Binding {
	if typing {
		return key.NewBinding(key.WithKeys("ctrl+"+letter), key.WithHelp("ctrl+"+letter, desc))
	}
	return key.NewBinding(key.WithKeys(letter, "ctrl+"+letter), key.WithHelp("ctrl+"+letter, desc))
}

// detailsKey toggles a problem's raw details.
func detailsKey(typing bool) key.Binding { return letterKey("d", "details", typing) }

// transcriptKey toggles the test email's transcript.
func transcriptKey(typing bool) key.Binding { return letterKey("t", "transcript", typing) }

// copyCommandKey copies the command of the problem on screen.
func copyCommandKey(typing bool) key.Binding { return letterKey("y", "copy command", typing) }

// withHelp returns b with another description, e.g. what enter does here.
func withHelp(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}

// inputKeyMap is the text fields' key map: the default one without ctrl+d
// (details) and ctrl+v (it shells out to xclip/pbpaste, useless over SSH;
// the terminal's own paste arrives as bracketed paste and works), and
// without suggestions (their up/down would take the scroll keys).
func inputKeyMap() textinput.KeyMap {
	km := textinput.DefaultKeyMap
	km.DeleteCharacterForward = key.NewBinding(key.WithKeys("delete"))
	km.Paste = key.NewBinding(key.WithDisabled())
	km.AcceptSuggestion = key.NewBinding(key.WithDisabled())
	km.NextSuggestion = key.NewBinding(key.WithDisabled())
	km.PrevSuggestion = key.NewBinding(key.WithDisabled())
	return km
}

// helpMap is a help.KeyMap assembled from a step's bindings and the wizard's.
type helpMap struct {
	short []key.Binding
	full  [][]key.Binding
}

// ShortHelp implements help.KeyMap.
func (h helpMap) ShortHelp() []key.Binding { return h.short }

// FullHelp implements help.KeyMap.
func (h helpMap) FullHelp() [][]key.Binding { return h.full }

// helpKeyFor is the binding that opens the help screen while in has the
// focus: in a field where "?" is text, only f1.
func helpKeyFor(in inputKind) key.Binding {
	if in == inputFree {
		return keys.HelpTyping
	}
	return keys.Help
}

// helpKeyName is the key the screen names for more help while in has the
// focus.
func helpKeyName(in inputKind) string { return helpKeyFor(in).Help().Key }
