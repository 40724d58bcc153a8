package tui

import (
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
)

// keyMap holds every binding the wizard knows. Steps pick the ones that
// apply in their current state for the footer, so the help always shows
// what a key does right now.
//
// Printable keys collide with typing: a plain letter is a command only while
// no text field has the focus; every such command also has a ctrl+ form that
// works inside fields. "?" is help everywhere except in masked fields, where
// a password may contain it; f1 always works.
type keyMap struct {
	Quit       key.Binding
	Help       key.Binding
	HelpSecret key.Binding // help while a masked field has the focus
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
	Scroll     key.Binding // transcript viewport
	QuitDone   key.Binding // after Save
}

// keys are the wizard's bindings.
var keys = keyMap{
	Quit:       key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit without saving")),
	Help:       key.NewBinding(key.WithKeys("?", "f1"), key.WithHelp("?", "help")),
	HelpSecret: key.NewBinding(key.WithKeys("f1"), key.WithHelp("f1", "help")),
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
	Scroll:     key.NewBinding(key.WithKeys("up", "down", "pgup", "pgdown"), key.WithHelp("↑↓", "scroll")),
	QuitDone:   key.NewBinding(key.WithKeys("enter", "q"), key.WithHelp("enter/q", "quit")),
}

// letterKey is a command bound to a plain letter and to its ctrl+ form: the
// letter only while no text field has the focus (there it is text), the
// ctrl+ form always. The help shows the form that works right now.
func letterKey(letter, desc string, typing bool) key.Binding {
	if typing {
		return key.NewBinding(key.WithKeys("ctrl+"+letter), key.WithHelp("ctrl+"+letter, desc))
	}
	return key.NewBinding(key.WithKeys(letter, "ctrl+"+letter), key.WithHelp(letter, desc))
}

// detailsKey toggles a problem's raw details.
func detailsKey(typing bool) key.Binding { return letterKey("d", "details", typing) }

// transcriptKey toggles the test email's transcript.
func transcriptKey(typing bool) key.Binding { return letterKey("t", "transcript", typing) }

// withHelp returns b with another description, e.g. what enter does here.
func withHelp(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}

// inputKeyMap is the text fields' key map: the default one without ctrl+d
// (details) and ctrl+v (it shells out to xclip/pbpaste, useless over SSH;
// the terminal's own paste arrives as bracketed paste and works).
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

// helpKeyName is the key that opens the help screen while in focuses: in
// a masked field "?" is text, so f1.
func helpKeyName(in inputKind) string {
	if in == inputSecret {
		return "f1"
	}
	return "?"
}
