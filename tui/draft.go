package tui

import (
	"slices"
	"strconv"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/debuglog"
	"github.com/pimmail/pimmail/draft"
	"github.com/pimmail/pimmail/steps"
)

// Resuming after a dropped session: while the wizard runs, what was typed
// and checked is kept as a draft beside the configuration (package draft),
// written in a tea.Cmd at each step transition, a moment after typing
// stops, and on Ctrl+C. The next run offers to continue from it.

// draftDelay is how long typing must pause before the draft is written.
const draftDelay = time.Second

// resumeState is the wizard's side of the draft.
type resumeState struct {
	// offer is the draft offered at start, until the admin answers.
	offer *draft.Draft
	// gen counts edits; a draftTick of an older gen is stale.
	gen int
	// now is the clock (tests set it).
	now func() time.Time
}

// draftTick asks for the draft to be written if nothing changed since gen.
type draftTick struct{ gen int }

// draftWritten is the end of a draft write (its error is logged only: the
// draft is a convenience and must never stop the wizard).
type draftWritten struct{}

// configPath is the configuration the wizard saves to.
func (m Model) configPath() string {
	if m.run == nil {
		return ""
	}
	return m.run.Env().ConfigPath
}

// withDraftOffer looks for a draft of an earlier run that ended without
// saving, and offers it. New calls it before the program starts, so the
// read is not in Update.
func (m Model) withDraftOffer() Model {
	m.resume.now = time.Now
	p := m.configPath()
	if p == "" {
		return m
	}
	d, err := draft.Load(p, m.resume.now())
	switch {
	case err == draft.ErrNone:
	case err != nil:
		m.flash = "The draft of an earlier run is not used: " + err.Error()
	case d.Config.Sandbox != (m.hints != nil):
		// A draft made in the other mode stays for a run in its mode.
	case !slices.ContainsFunc(steps.Sequence(d.Provider), func(i steps.Info) bool { return string(i.ID) == d.Step }):
	default:
		m.resume.offer = &d
	}
	return m
}

// offerText is the question asked while a draft is offered.
func (m Model) offerText(width int) string {
	d := m.resume.offer
	q := "Continue where you left off (step " + strconv.Itoa(d.Number)
	if d.Title != "" {
		q += ", " + d.Title
	}
	q += ", " + d.Age(m.resume.now()) + ")? (y/n)"
	more := "y continues with what was typed and checked then; n starts afresh and deletes that draft. The saved configuration is as it was either way."
	if d.Provider == config.ProviderEntra && afterLogon(steps.ID(d.Step)) {
		more += " The mailbox signs in again: its sign-in was kept in memory only."
	}
	return theme.warn.Render(wrap(q, width)) + "\n" + theme.faint.Render(wrap(more, width))
}

// offerKey answers the offer: y (or enter) continues, n starts afresh.
func (m Model) offerKey(km tea.KeyMsg) (Model, tea.Cmd) {
	switch {
	case key.Matches(km, keys.Yes), km.Type == tea.KeyEnter:
		d := *m.resume.offer
		m.resume.offer = nil
		return m.continueFrom(d)
	case key.Matches(km, keys.No):
		m.resume.offer = nil
		return m.resize(), m.dropDraftCmd()
	}
	return m, nil
}

// afterLogon reports whether id comes after the mailbox's sign-in.
func afterLogon(id steps.ID) bool {
	seq := steps.Sequence(config.ProviderEntra)
	i := slices.IndexFunc(seq, func(s steps.Info) bool { return s.ID == id })
	j := slices.IndexFunc(seq, func(s steps.Info) bool { return s.ID == steps.StepLogon })
	return i > j
}

// continueFrom puts the draft's answers into the screens and enters its
// step; with Entra no later than the sign-in, whose token was in memory.
func (m Model) continueFrom(d draft.Draft) (Model, tea.Cmd) {
	cfg := d.Config
	cfg.Sandbox = m.hints != nil
	if m.hints != nil {
		// The sandbox listens on new ports each run: keep today's.
		now := m.start.Config
		cfg.Entra.SmartHost, cfg.Entra.Port = now.Entra.SmartHost, now.Entra.Port
		cfg.Relay.Host, cfg.Relay.Port = now.Relay.Host, now.Relay.Port
		cfg.Local.Host, cfg.Local.Port = now.Local.Host, now.Local.Port
	}
	m.cfg, m.provider = cfg, d.Provider
	m.screens = newScreens(m.start, cfg, m.hints)
	ps := m.prov()
	if i := slices.Index(config.Providers, d.Provider); i >= 0 {
		ps.cursor = i
	}
	m.screens[slotProvider] = ps
	target := steps.ID(d.Step)
	if d.Provider == config.ProviderEntra && afterLogon(target) {
		target = steps.StepLogon
	}
	m.done = map[steps.ID]bool{}
	for _, s := range steps.Sequence(d.Provider) {
		if s.ID == target {
			break
		}
		if slices.Contains(d.Done, string(s.ID)) {
			m.done[s.ID] = true
		}
	}
	m.cur = target
	m, cmd := m.enterStep()
	return m.resize(), cmd
}

// snapshot is the draft of the wizard as it is now: the config with what
// the current step was given too.
func (m Model) snapshot() draft.Draft {
	i, seq := m.index()
	d := draft.Draft{Written: m.resume.now(), Step: string(m.cur), Number: i + 1, Provider: m.provider, Config: m.cfg}
	if i >= 0 && i < len(seq) {
		d.Title = seq[i].Title
	}
	if m.cur == steps.StepProvider {
		d.Provider = m.prov().highlighted()
	} else {
		d.Config = m.current().Apply(m.cfg)
	}
	for id, ok := range m.done {
		if ok {
			d.Done = append(d.Done, string(id))
		}
	}
	slices.Sort(d.Done)
	return d
}

// draftCmd writes the draft in a tea.Cmd: nothing when nothing was typed,
// when a draft is still offered, or after Save.
func (m Model) draftCmd() tea.Cmd {
	p := m.configPath()
	if _, saved := m.Saved(); saved || p == "" || m.resume.offer != nil || m.resume.now == nil || !m.dirty() {
		return nil
	}
	d := m.snapshot()
	return func() tea.Msg {
		if err := draft.Save(p, d); err != nil {
			debuglog.Printf("tui: draft not written: %v", err)
		}
		return draftWritten{}
	}
}

// edited schedules a draft write once typing pauses.
func (m Model) edited() (Model, tea.Cmd) {
	if m.resume.now == nil {
		return m, nil
	}
	m.resume.gen++
	gen := m.resume.gen
	return m, tea.Tick(draftDelay, func(time.Time) tea.Msg { return draftTick{gen: gen} })
}

// onDraftTick writes the draft when no edit came after the tick's.
func (m Model) onDraftTick(t draftTick) (Model, tea.Cmd) {
	if t.gen != m.resume.gen {
		return m, nil
	}
	return m, m.draftCmd()
}

// dropDraftCmd removes the draft in a tea.Cmd.
func (m Model) dropDraftCmd() tea.Cmd {
	p := m.configPath()
	if p == "" || m.resume.now == nil {
		return nil
	}
	return func() tea.Msg {
		if err := draft.Remove(p); err != nil {
			debuglog.Printf("tui: remove draft: %v", err)
		}
		return draftWritten{}
	}
}
