package tui

import (
	"context"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/steps"
)

// enableStep is the last step: the Enabled checkbox, which only a test
// email that went through in this run unlocks, then Save, then the summary.
type enableStep struct {
	info       steps.Info
	run        *steps.Run
	cfg        config.Config
	provider   config.Provider
	enabledNow config.Provider // enabled in the saved config before this run
	tested     bool
	ticked     bool
	needs      bool // Start.NeedsConsent: the file could not be read
	loadErr    error
	asking     bool // the overwrite question is shown
	consent    bool
	note       string // why enter or space did nothing
	check      checker
	problem    problemBox
	summary    *steps.SaveSummary
	width      int
	height     int
}

// newEnableStep returns the step, unticked.
func newEnableStep(start steps.Start) enableStep {
	return enableStep{check: newChecker(steps.StepEnable), enabledNow: start.Config.Enabled,
		needs: start.NeedsConsent, loadErr: start.LoadErr, width: 78, height: 19}
}

// untested explains why Enabled cannot be ticked yet.
const untested = "Enabled can be ticked only after a test email went through with these settings in this run: " +
	"press esc to go back to the test step and send one."

// Enter implements step.
func (s enableStep) Enter(env stepEnv) (step, tea.Cmd) {
	s.info, s.run, s.cfg, s.provider, s.tested = env.info, env.run, env.cfg, env.provider, env.tested
	if !s.tested {
		s.ticked = false
	}
	s.note = ""
	return s, nil
}

// Update implements step.
func (s enableStep) Update(msg tea.Msg) (step, tea.Cmd, outcome) {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		if s.check.running() || s.summary != nil {
			return s, nil, stay
		}
		if s.asking {
			switch {
			case key.Matches(msg, keys.Yes):
				s.asking, s.consent = false, true
				return s.save()
			case key.Matches(msg, keys.No), key.Matches(msg, keys.Enter):
				s.asking = false
				s.note = "Nothing was saved. Move or repair the file and press enter, or quit with ctrl+c."
			}
			return s, nil, stay
		}
		switch {
		case key.Matches(msg, keys.Toggle):
			if !s.tested {
				s.note = untested
				return s, nil, stay
			}
			s.ticked, s.note = !s.ticked, ""
		case key.Matches(msg, keys.Enter):
			switch {
			case !s.tested:
				s.note = untested
			case !s.ticked:
				s.note = "Tick Enabled with space first: saving always enables " + s.provider.Label() + "."
			case s.needs && !s.consent:
				s.asking, s.note = true, ""
			default:
				return s.save()
			}
		case key.Matches(msg, detailsKey(false)):
			s.problem = s.problem.toggle()
		}
		return s, nil, stay
	case resultMsg:
		var ok bool
		if s.check, ok = s.check.accept(msg); !ok {
			return s, nil, stay
		}
		if msg.err != nil {
			s.problem = s.problem.set(problemOf(msg.err, s.cfg.Entra.ClientSecret, s.cfg.Relay.Password))
			return s, nil, stay
		}
		if sum, ok := msg.val.(steps.SaveSummary); ok {
			s.summary = &sum
		}
		return s, nil, stay
	}
	var cmd tea.Cmd
	s.check, cmd = s.check.update(msg)
	return s, cmd, stay
}

// save writes the configuration, in a tea.Cmd (file I/O stays out of Update).
func (s enableStep) save() (step, tea.Cmd, outcome) {
	s.problem, s.note = problemBox{}, ""
	c, p, overwrite, run := s.cfg, s.provider, s.consent, s.run
	var cmd tea.Cmd
	s.check, cmd = s.check.start("save", "Saving…", func(context.Context) (any, error) {
		return run.Save(c, p, overwrite)
	})
	return s, cmd, stay
}

// saved returns the summary, once saved.
func (s enableStep) saved() (steps.SaveSummary, bool) {
	if s.summary == nil {
		return steps.SaveSummary{}, false
	}
	return *s.summary, true
}

// View implements step.
func (s enableStep) View() string {
	if s.summary != nil {
		return s.summaryView()
	}
	box := "[ ]"
	if s.ticked {
		box = "[x]"
	}
	check := theme.focus.Render("› "+box+" Enabled") + "  " + theme.faint.Render("PIM mail goes out through "+s.provider.Label())
	var notes []string
	if !s.tested {
		notes = append(notes, theme.warn.Render(wrap(untested, s.width)))
	} else if s.note != "" {
		notes = append(notes, theme.warn.Render(wrap(s.note, s.width)))
	}
	path := ""
	if s.run != nil {
		path = s.run.Env().ConfigPath
	}
	// Paths stand on lines of their own: easy to copy, and their length
	// never reflows the sentences around them.
	what := "Saving enables " + s.provider.Label()
	if s.enabledNow != config.ProviderNone && s.enabledNow != s.provider {
		what += " and disables " + s.enabledNow.Label() + " (its settings are kept)"
	} else {
		what += "; the other providers stay disabled, their settings kept"
	}
	what += ". It writes:"
	files := "  " + path
	if s.provider == config.ProviderEntra {
		files += "\n  " + theme.faint.Render("and the mailbox's sign-in to the token cache beside it")
	}
	var ask string
	if s.asking {
		msg := "⚠ The file above could not be read"
		if s.loadErr != nil {
			msg += ": " + printable(s.loadErr.Error())
		}
		ask = theme.warn.Render(wrap(msg+". Saving replaces it. Overwrite it? (y/n)", s.width))
	}
	var status string
	switch {
	case s.check.running():
		status = s.check.view()
	case s.problem.p != nil:
		status = s.problem.view(s.width, detailsKey(false).Help().Key)
	}
	rest := joinBlocks(check, strings.Join(notes, "\n"), theme.faint.Render(wrap(what, s.width))+"\n"+files, ask, status)
	return joinBlocks(introFit(s.info.Help, "?", s.width, s.height, rest), rest)
}

// summaryView says what was saved where, and what to tell the organisation.
func (s enableStep) summaryView() string {
	sum := *s.summary
	row := func(label, v string) string {
		return "  " + theme.faint.Render(padRight(label, 13)) + v
	}
	rows := []string{row("Config", ""), "    " + sum.ConfigPath}
	if sum.CachePath != "" {
		rows = append(rows, row("Token cache", ""), "    "+sum.CachePath)
	}
	if sum.Mailbox != "" {
		rows = append(rows, row("Mailbox", sum.Mailbox))
	}
	disabled := "none (no other provider was enabled)"
	if len(sum.Disabled) > 0 {
		var names []string
		for _, p := range sum.Disabled {
			names = append(names, p.Label())
		}
		disabled = strings.Join(names, ", ") + " (settings kept)"
	}
	rows = append(rows, row("Disabled", disabled))
	for i := range rows {
		rows[i] = strings.TrimRight(wrap(rows[i], s.width), " ")
	}
	var tell string
	switch sum.Provider {
	case config.ProviderEntra:
		tell = "Tell your organisation: PIM email now goes out as " + sum.Mailbox + " through Exchange Online (" +
			hostPort(s.cfg.Entra.SmartHost, s.cfg.Entra.Port) + "). Replies and bounces arrive in that mailbox; " +
			"it can send 30 messages a minute and 10,000 recipients a day."
	case config.ProviderRelay:
		tell = "Tell your organisation: PIM email now goes out through the relay " +
			hostPort(s.cfg.Relay.Host, s.cfg.Relay.Port) + " as " + s.cfg.Email.From + "."
	case config.ProviderLocal:
		tell = "Tell your organisation: PIM email now goes out through this server's mail service (" +
			hostPort(s.cfg.Local.Host, s.cfg.Local.Port) + ") as " + s.cfg.Email.From + "."
	}
	return joinBlocks(
		theme.ok.Render("✓ Saved. "+sum.Provider.Label()+" is enabled."),
		strings.Join(rows, "\n"),
		wrap(tell, s.width),
		theme.faint.Render("Press enter or q to quit."))
}

// Apply implements step.
func (s enableStep) Apply(c config.Config) config.Config { return c }

// Running implements step.
func (s enableStep) Running() bool { return s.check.running() }

// Cancel implements step. Save cannot be cancelled: it is one quick atomic
// write, and dropping its result would claim "not saved" for a file that
// was written. So esc waits for it.
func (s enableStep) Cancel() step { return s }

// SetSize implements step.
func (s enableStep) SetSize(w, h int) step { s.width, s.height = w, h; return s }

// Input implements step.
func (s enableStep) Input() inputKind { return inputNone }

// AtFirst implements step.
func (s enableStep) AtFirst() bool { return true }

// ShortHelp implements help.KeyMap.
func (s enableStep) ShortHelp() []key.Binding {
	switch {
	case s.summary != nil:
		return []key.Binding{keys.QuitDone}
	case s.check.running():
		return nil
	case s.asking:
		return []key.Binding{keys.Yes, keys.No}
	}
	ks := []key.Binding{keys.Toggle, withHelp(keys.Enter, "save")}
	if s.problem.hasRaw() {
		ks = append(ks, detailsKey(false))
	}
	return ks
}

// FullHelp implements help.KeyMap.
func (s enableStep) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }
