package tui

import (
	"io"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/steps"
)

// outcome is what a step's Update asks of the wizard.
type outcome int

const (
	stay outcome = iota // keep showing this step
	next                // the step is done: apply its values and move on
)

// inputKind is what a step's focused element takes. The wizard needs it to
// tell a command key from typing.
type inputKind int

const (
	inputNone inputKind = iota // no text field focused: letters are commands
	inputText                  // a text field: letters are text; "?" is still help
	inputFree                  // a field where "?" is text too (secrets, names): f1 is help
)

// stepEnv is what a step is entered with: the run, where the wizard
// started, and the configuration as far as the earlier steps took it.
type stepEnv struct {
	info     steps.Info // the step's title and help, from steps.Sequence
	run      *steps.Run
	start    steps.Start
	hints    *steps.Hints // nil unless --sandbox
	cfg      config.Config
	provider config.Provider
	// tested is true when a test email went through with exactly cfg and
	// provider in this run (the Enable checkbox depends on it).
	tested bool
	// ownDomainOnly is set with tested when that test went only to the
	// relay's own domain: it proves no relaying to external recipients.
	ownDomainOnly bool
	out           io.Writer // the terminal, for OSC 52
	tmux          bool      // running inside tmux (OSC 52 also wrapped for it)
}

// step is one screen of the wizard: a child component in the style of
// soft-serve's pkg/ui Component (a tea.Model-like Update and View, a
// help.KeyMap and SetSize), plus what the wizard needs to move between
// steps. Steps are values; every method returns the changed copy.
type step interface {
	help.KeyMap
	// Enter is called each time the wizard arrives at the step, forwards
	// or backwards, with the configuration so far. It keeps what was typed.
	Enter(env stepEnv) (step, tea.Cmd)
	// Update handles a message addressed to this step.
	Update(msg tea.Msg) (step, tea.Cmd, outcome)
	// View draws the step's body; pure.
	View() string
	// Apply writes the step's (validated, checked) values into c.
	Apply(c config.Config) config.Config
	// Running reports whether a check is running.
	Running() bool
	// Cancel cancels the running check.
	Cancel() step
	// SetSize gives the step its body's size.
	SetSize(width, height int) step
	// Input says what the focused element takes.
	Input() inputKind
	// AtFirst reports whether shift+tab should go back a step (the first
	// field, or no fields, has the focus).
	AtFirst() bool
	// Touched reports whether the admin typed, ticked or ran a check on
	// this step in this run: quitting then loses work, so esc on the
	// first step asks first.
	Touched() bool
	// Commands are the commands (PowerShell cmdlets, shell commands) of
	// the problem on screen, in the order shown, the fix's first; none when
	// there is no problem or it names no command. The copy key puts the
	// first on the clipboard, and the next one each time it is pressed again.
	Commands() []string
}

// undoer is a step that esc can take back to an earlier state before the
// wizard goes back a step (the logon step returns to the sign-in that was
// there before r).
type undoer interface {
	Undo() (step, bool)
}
