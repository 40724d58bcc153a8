package tui

import (
	"io"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/pimmail/pimmail/steps"
)

// Opener prepares the run the wizard works with, e.g. by starting the
// built-in sandbox (which, in a fresh state directory, first generates
// its keys and CA). It runs in a tea.Cmd, off the Update loop.
type Opener func() (*steps.Run, steps.Start, error)

// Loader is the wizard behind a first frame: it draws at once (a line
// saying what is being prepared) while open runs, then becomes the wizard,
// so the admin never looks at a blank terminal while keys are generated.
// Ctrl+C or esc while it waits quits without a wizard.
type Loader struct {
	open  Opener
	label string
	out   io.Writer
	size  *tea.WindowSizeMsg
	m     *Model
	err   error
}

// loadedMsg is the Opener's answer.
type loadedMsg struct {
	run   *steps.Run
	start steps.Start
	err   error
}

// NewLoader returns a Loader that shows label ("Starting the built-in
// sandbox…") until open returns; the wizard then writes OSC 52 copies to out.
func NewLoader(open Opener, label string, out io.Writer) Loader {
	return Loader{open: open, label: label, out: out}
}

// Init implements tea.Model: open starts at once.
func (l Loader) Init() tea.Cmd {
	open := l.open
	return func() tea.Msg {
		run, start, err := open()
		return loadedMsg{run: run, start: start, err: err}
	}
}

// Update implements tea.Model: the wizard's, once it is there.
func (l Loader) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if l.m != nil {
		nm, cmd := l.m.Update(msg)
		m := nm.(Model)
		l.m = &m
		return l, cmd
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		l.size = &msg
	case tea.KeyMsg:
		if key.Matches(msg, keys.Quit) || msg.Type == tea.KeyEsc {
			return l, tea.Quit
		}
	case loadedMsg:
		if msg.err != nil {
			l.err = msg.err
			return l, tea.Quit
		}
		m := New(msg.run, msg.start).WithOutput(l.out)
		cmds := []tea.Cmd{m.Init()}
		if l.size != nil {
			nm, cmd := m.Update(*l.size)
			m = nm.(Model)
			cmds = append(cmds, cmd)
		}
		l.m = &m
		return l, tea.Batch(cmds...)
	}
	return l, nil
}

// View implements tea.Model.
func (l Loader) View() string {
	if l.m != nil {
		return l.m.View()
	}
	if l.err != nil {
		return ""
	}
	return "\n " + theme.faint.Render(l.label)
}

// Wizard returns the wizard once the Opener succeeded.
func (l Loader) Wizard() (Model, bool) {
	if l.m == nil {
		return Model{}, false
	}
	return *l.m, true
}

// Err is the Opener's error, if it failed.
func (l Loader) Err() error { return l.err }
