package tui

import (
	"context"
	"strings"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/pimmail/pimmail/steps"
)

// tag says which run of which step's check a result is from: a result
// whose step is not the current one, or whose seq is not the step's
// latest, is stale (the user cancelled, went back, or started the check
// again) and is dropped.
type tag struct {
	step steps.ID
	seq  int
}

// done is the outcome of one check (a steps.Run method) for the step that
// started it: the check's own result type T, or the error. The step's
// Update switches on done[T] for each T its checks return, so the compiler
// checks every hand-off.
type done[T any] struct {
	tag
	val T
	err error
}

// checkResult is any check's outcome, as the wizard and a checker see it.
type checkResult interface {
	tagOf() tag
	failure() error
}

func (d done[T]) tagOf() tag     { return d.tag }
func (d done[T]) failure() error { return d.err }

// checker runs a step's checks: one at a time, each in a tea.Cmd with its
// own cancellable context, with a spinner while it runs. It is a value: the
// step that owns it copies it along like any other state.
type checker struct {
	step    steps.ID
	seq     int                // the latest check's number; results must match it
	cancel  context.CancelFunc // non-nil while a check runs
	label   string             // what the spinner line says
	spinner spinner.Model
}

// newChecker returns the checker of step id.
func newChecker(id steps.ID) checker {
	sp := spinner.Dot
	frames := make([]string, len(sp.Frames))
	for i, f := range sp.Frames {
		frames[i] = strings.TrimSpace(f) // the label brings its own space
	}
	sp.Frames = frames
	return checker{step: id, spinner: spinner.New(spinner.WithSpinner(sp), spinner.WithStyle(theme.focus))}
}

// startCheck cancels any running check of c and starts fn in a tea.Cmd
// whose message is fn's result as a done[T]. fn must only use copies of
// the step's input (never the model), since it runs on another goroutine
// while the model moves on. (A function, not a method: methods cannot be
// generic.)
func startCheck[T any](c checker, label string, fn func(ctx context.Context) (T, error)) (checker, tea.Cmd) {
	c = c.stop()
	c.seq++
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel, c.label = cancel, label
	t := tag{step: c.step, seq: c.seq}
	run := func() tea.Msg {
		v, err := fn(ctx)
		return done[T]{tag: t, val: v, err: err}
	}
	return c, tea.Batch(run, c.spinner.Tick)
}

// stop cancels the running check, if any; its result will be dropped.
func (c checker) stop() checker {
	if c.cancel != nil {
		c.cancel()
		c.cancel = nil
		c.seq++ // whatever the cancelled check still sends is now stale
	}
	c.label = ""
	return c
}

// running reports whether a check is running.
func (c checker) running() bool { return c.cancel != nil }

// accept reports whether msg is the result of the running check, and marks
// the checker idle when it is. The context is released either way the
// check ended.
func (c checker) accept(msg checkResult) (checker, bool) {
	if t := msg.tagOf(); t.step != c.step || t.seq != c.seq || c.cancel == nil {
		return c, false
	}
	c.cancel()
	c.cancel, c.label = nil, ""
	return c, true
}

// update advances the spinner while a check runs; once idle the spinner's
// tick chain ends because its ticks are no longer passed on.
func (c checker) update(msg tea.Msg) (checker, tea.Cmd) {
	if _, ok := msg.(spinner.TickMsg); ok && c.running() {
		var cmd tea.Cmd
		c.spinner, cmd = c.spinner.Update(msg)
		return c, cmd
	}
	return c, nil
}

// view is the spinner line while a check runs, wrapped to width, else "".
func (c checker) view(width int) string {
	if !c.running() {
		return ""
	}
	return wrap(c.spinner.View()+" "+c.label+"  "+theme.faint.Render("(esc cancels)"), width)
}
