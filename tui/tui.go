// Package tui draws the pimmail wizard with Bubble Tea: a parent wizard
// model that owns one child model per step of steps.Sequence. It holds
// models and views only; every check runs through steps.Run in a tea.Cmd.
package tui

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/pimmail/pimmail/steps"
)

// TODO(helper tui): implement; keep the exported contract used by cmd/pimmail.

// Model is the wizard. It implements tea.Model.
type Model struct {
	run   *steps.Run
	start steps.Start
}

// New returns the wizard for run, starting from start (the loaded config).
func New(run *steps.Run, start steps.Start) Model { return Model{run: run, start: start} }

// Init implements tea.Model.
func (m Model) Init() tea.Cmd { panic("unimplemented") }

// Update implements tea.Model.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) { panic("unimplemented") }

// View implements tea.Model.
func (m Model) View() string { panic("unimplemented") }

// Saved returns what Save wrote, and whether the wizard ended with a save.
// cmd/pimmail calls it on the final model that tea.Program.Run returns.
func (m Model) Saved() (steps.SaveSummary, bool) { panic("unimplemented") }
