package tui

import (
	"maps"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/steps"
)

// current returns the step on screen.
func (m Model) current() step { return m.screens[slotOf(m.cur, m.provider)] }

// withStep stores the step on screen back.
func (m Model) withStep(s step) Model { m.screens[slotOf(m.cur, m.provider)] = s; return m }

// shownProvider is the provider whose sequence the header counts: the
// chosen one, or on step 1 the one under the cursor.
func (m Model) shownProvider() config.Provider {
	if m.cur == steps.StepProvider || m.provider == config.ProviderNone {
		return m.prov().highlighted()
	}
	return m.provider
}

// sequence is the steps of the shown provider.
func (m Model) sequence() []steps.Info { return steps.Sequence(m.shownProvider()) }

// index is the position of the current step in the sequence.
func (m Model) index() (int, []steps.Info) {
	seq := m.sequence()
	for i, inf := range seq {
		if inf.ID == m.cur {
			return i, seq
		}
	}
	return 0, seq
}

// tested reports whether a test email went through with the configuration
// and provider as they are now.
func (m Model) tested() bool {
	c, p, ok := m.test().tested()
	return ok && c == m.cfg && p == m.provider
}

// env is what the current step is entered with.
func (m Model) env() stepEnv {
	i, seq := m.index()
	var info steps.Info
	if i < len(seq) {
		info = seq[i]
	}
	return stepEnv{
		info: info, run: m.run, start: m.start, hints: m.hints, cfg: m.cfg, provider: m.provider,
		tested: m.tested(), ownDomainOnly: m.tested() && m.test().ownDomainOnly(), out: m.out, tmux: m.tmux,
	}
}

// enterStep (re-)enters the current step, sized to the body.
func (m Model) enterStep() (Model, tea.Cmd) {
	w, h := m.bodySize()
	st := m.current().SetSize(w, h)
	st, cmd := st.Enter(m.env())
	return m.withStep(st), cmd
}

// update is the wizard's Update.
func (m Model) update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		return m.resize(), nil
	case tea.KeyMsg:
		return m.key(msg)
	case checkResult:
		if msg.tagOf().step != m.cur {
			return m, nil // the step was left; its check was cancelled
		}
	case tickMsg:
		if msg.step != m.cur {
			return m, nil
		}
	case copiedMsg:
		if msg.step != m.cur {
			return m, nil
		}
		if msg.what == copiedCommand {
			m.flash = copiedNote(msg)
			return m.resize(), nil
		}
	case spinner.TickMsg:
	case draftTick:
		return m.onDraftTick(msg)
	default:
		return m, nil
	}
	return m.delegate(msg)
}

// delegate passes msg to the current step and moves on when it is done.
func (m Model) delegate(msg tea.Msg) (Model, tea.Cmd) {
	_, wasSaved := m.Saved()
	st, cmd, out := m.current().Update(msg)
	m = m.withStep(st)
	if _, saved := m.Saved(); saved && !wasSaved {
		cmd = tea.Batch(cmd, m.dropDraftCmd()) // Save removed it; a write under way may have put it back
	}
	if out != next {
		return m, cmd
	}
	m, more := m.advance()
	return m, tea.Batch(cmd, more)
}

// key handles the keys that mean the same on every step, and passes the
// rest to the step.
func (m Model) key(km tea.KeyMsg) (Model, tea.Cmd) {
	st := m.current()
	if key.Matches(km, keys.Quit) {
		// Nothing is written: the config only changes in Save. ctrl+c
		// never asks: it is the way out that always works at once.
		m = m.withStep(st.Cancel())
		m.quitting = true
		if c := m.draftCmd(); c != nil {
			return m, tea.Sequence(c, tea.Quit) // kept for the next run
		}
		return m, tea.Quit
	}
	if m.flash != "" {
		m.flash = "" // the note was read; the footer shows the keys again
		m = m.resize()
	}
	if !key.Matches(km, copyCommandKey(st.Input() != inputNone)) {
		m.cycle = copyCycle{} // the copy key starts again from the first command
	}
	if m.resume.offer != nil {
		return m.offerKey(km)
	}
	if m.confirmQuit {
		switch {
		case key.Matches(km, keys.Yes):
			m.quitting = true
			return m, tea.Quit
		case key.Matches(km, keys.No), key.Matches(km, keys.Back):
			m.confirmQuit = false
			return m.resize(), nil
		}
		return m, nil
	}
	if m.help.ShowAll {
		// The help screen is modal: it covers the fields, so keys that
		// would edit them unseen do nothing.
		if pos, ok := m.helpLayout().scroll(km, true); ok {
			m.helpPos = pos
			return m, nil
		}
		if key.Matches(km, keys.Help) || key.Matches(km, keys.Back) {
			m.help.ShowAll = false
			return m.resize(), nil
		}
		return m, nil
	}
	typing := st.Input() != inputNone
	_, saved := m.Saved()
	switch {
	case key.Matches(km, helpKeyFor(st.Input())):
		m.help.ShowAll, m.helpPos = true, scrollPos{}
		return m.resize(), nil
	case saved:
		// Only the summary is left: enter, q or esc quits.
		if key.Matches(km, keys.QuitDone) {
			m.quitting = true
			return m, tea.Quit
		}
		return m.delegate(km) // the summary scrolls, when it must
	case len(st.Commands()) > 0 && key.Matches(km, copyCommandKey(typing)):
		return m.copyNext(st.Commands())
	case key.Matches(km, keys.Back), key.Matches(km, keys.PrevField) && st.AtFirst():
		if st.Running() {
			return m.withStep(st.Cancel()), nil
		}
		if u, ok := st.(undoer); ok {
			if ns, ok := u.Undo(); ok {
				return m.withStep(ns), nil
			}
		}
		return m.back()
	}
	m, cmd := m.delegate(km)
	m, more := m.edited()
	return m, tea.Batch(cmd, more)
}

// copyCycle is where repeated presses of the copy key are among the
// commands on screen: each press copies the next, then the first again.
type copyCycle struct {
	list string // the commands, joined: another problem starts a new cycle
	next int
}

// copyNext copies the next of cmds (the first, unless the copy key was
// just pressed for the same commands).
func (m Model) copyNext(cmds []string) (Model, tea.Cmd) {
	list := strings.Join(cmds, "\n")
	i := 0
	if m.cycle.list == list {
		i = m.cycle.next % len(cmds)
	}
	m.cycle = copyCycle{list: list, next: i + 1}
	return m, copyCmd(copiedMsg{step: m.cur, what: copiedCommand, n: i + 1, of: len(cmds)}, m.out, cmds[i], m.tmux)
}

// dirty reports whether anything was typed, ticked or checked in this run:
// quitting from the first step then asks first.
func (m Model) dirty() bool {
	for _, st := range m.screens {
		if st.Touched() {
			return true
		}
	}
	return false
}

// advance applies the current step's values and enters the next step.
func (m Model) advance() (Model, tea.Cmd) {
	if m.cur == steps.StepProvider {
		if p := m.prov().highlighted(); p != m.provider {
			m.provider = p
			m.done = map[steps.ID]bool{} // the other provider's ticks do not apply
		}
	} else {
		m.cfg = m.current().Apply(m.cfg)
	}
	m.done = maps.Clone(m.done)
	m.done[m.cur] = true
	i, seq := m.index()
	if i+1 >= len(seq) {
		return m, nil
	}
	m.cur = seq[i+1].ID
	m, cmd := m.enterStep()
	return m, tea.Batch(cmd, m.draftCmd())
}

// back enters the previous step; every step keeps what was typed. Back
// from the first step quits without saving; when something was typed or
// checked in this run, it asks first.
func (m Model) back() (Model, tea.Cmd) {
	i, seq := m.index()
	if i == 0 {
		if m.dirty() {
			m.confirmQuit = true
			return m.resize(), nil
		}
		m.quitting = true
		return m, tea.Quit
	}
	code := problemCode(m.current())
	m.cur = seq[i-1].ID
	m, cmd := m.enterStep()
	if m.cur == steps.StepIDs {
		// Back because of a problem about one of the IDs: that field.
		m.screens[slotIDs] = m.ids().focusFor(code)
	}
	return m, cmd
}

// problemCoder is a step that can show a problem.
type problemCoder interface{ problemCode() diagnose.Code }

// problemCode is the code of the problem st shows, "" when none.
func problemCode(st step) diagnose.Code {
	if p, ok := st.(problemCoder); ok {
		return p.problemCode()
	}
	return ""
}

// resize gives the current step the body's new size. The other steps get
// theirs when entered.
func (m Model) resize() Model {
	w, h := m.bodySize()
	m.help.Width = m.width - 2*margin
	return m.withStep(m.current().SetSize(w, h))
}
