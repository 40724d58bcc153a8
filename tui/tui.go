// Package tui draws the pimmail wizard with Bubble Tea: a parent wizard
// model that owns one child model per step of steps.Sequence. It holds
// models and views only; every check runs through steps.Run in a tea.Cmd.
package tui

import (
	"io"
	"os"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/steps"
)

// Model is the wizard. It implements tea.Model.
//
// It is a value, Elm style: Update returns a changed copy and never
// blocks; checks run in tea.Cmds built from copies of the input, and their
// results come back as messages tagged with the step and a sequence number
// so that stale ones are dropped.
type Model struct {
	run   *steps.Run
	start steps.Start
	hints *steps.Hints // nil unless --sandbox

	// cfg is the configuration as far as the wizard got: start.Config plus
	// what each finished step applied. Only Save writes it.
	cfg      config.Config
	provider config.Provider   // chosen in step 1; ProviderNone until then
	cur      steps.ID          // the step on screen
	done     map[steps.ID]bool // steps whose check passed; copied before each change

	screens screens // one screen per slot

	help    help.Model
	helpPos scrollPos // the help screen's scroll position
	// confirmQuit is true while "Quit without saving? (y/n)" is asked.
	confirmQuit bool
	// flash is a one-off note in place of the footer's keys (e.g. that a
	// command was copied); the next key clears it.
	flash    string
	cycle    copyCycle // where repeated copy keys are among the commands on screen
	width    int
	height   int
	out      io.Writer // the terminal, for OSC 52 copies
	tmux     bool      // inside tmux
	quitting bool
	resume   resumeState // the draft kept for a dropped session (draft.go)
}

// New returns the wizard for run, starting from start (the loaded config).
func New(run *steps.Run, start steps.Start) Model {
	var hints *steps.Hints
	if run != nil {
		hints = run.Env().Sandbox
	}
	cfg := start.Config
	// A configuration made in --sandbox mode must say so (commands then
	// send through the in-process sandbox), and one made without must not.
	cfg.Sandbox = hints != nil
	m := Model{
		run: run, start: start, hints: hints, cfg: cfg,
		cur:     steps.StepProvider,
		done:    map[steps.ID]bool{},
		screens: newScreens(start, cfg, hints),
		help:    newHelp(),
		width:   80,
		height:  24,
		out:     os.Stdout,
		tmux:    os.Getenv("TMUX") != "",
	}
	m = m.withDraftOffer()
	m, _ = m.enterStep()
	return m
}

// WithOutput returns the wizard writing OSC 52 clipboard sequences (the
// logon step's copy key) to w. Pass the writer given to tea.WithOutput when
// it is not os.Stdout, the default.
func (m Model) WithOutput(w io.Writer) Model {
	m.out = w
	return m
}

// WithSandboxConfig returns the wizard for a run in sandbox mode that was
// not asked for with --sandbox: the configuration was made against the
// built-in sandbox, so cmd/pimmail runs the sandbox for it. Step 1 says so,
// and how to set up a real configuration instead.
func (m Model) WithSandboxConfig() Model {
	p := m.prov()
	p.byConfig = true
	m.screens[slotProvider] = p
	return m
}

// Init implements tea.Model. The wizard needs nothing at start-up: the
// first step is a local choice, and New already set it up.
func (m Model) Init() tea.Cmd { return nil }

// Update implements tea.Model.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) { return m.update(msg) }

// View implements tea.Model.
func (m Model) View() string {
	if m.quitting {
		// The last frame is left on the terminal: leave it clean.
		return ""
	}
	return m.frame()
}

// Saved returns what Save wrote, and whether the wizard ended with a save.
// cmd/pimmail calls it on the final model that tea.Program.Run returns.
func (m Model) Saved() (steps.SaveSummary, bool) { return m.enable().saved() }
