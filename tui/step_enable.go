package tui

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/steps"
)

// enableStep is the last step: the Enabled checkbox, which only a test
// email that went through in this run unlocks, then Save, then the summary.
// Ticked, enter saves and enables the provider; unticked (or untested),
// enter saves the settings only, and the provider enabled before stays so.
type enableStep struct {
	info       steps.Info
	run        *steps.Run
	cfg        config.Config
	provider   config.Provider
	enabledNow config.Provider // enabled in the saved config before this run
	tested     bool
	ownDomain  bool // the test went only to the relay's own domain
	ticked     bool
	needs      bool // Start.NeedsConsent: the file could not be read
	loadErr    error
	asking     bool // the overwrite question is shown
	askEnable  bool // what the question is for: save and enable, or settings only
	consent    bool
	note       string // why enter or space did nothing
	check      checker
	problem    problemBox
	basis      basis // what the problem was computed from
	summary    *steps.SaveSummary
	onlySaved  bool // the summary is of a save without enabling
	touched    bool
	pos        scrollPos
	width      int
	height     int
}

// newEnableStep returns the step, unticked (ticked on entry after a test
// that went through).
func newEnableStep(start steps.Start) enableStep {
	return enableStep{check: newChecker(steps.StepEnable), enabledNow: start.Config.Enabled,
		needs: start.NeedsConsent, loadErr: start.LoadErr, width: 78, height: 19}
}

// untested explains why Enabled cannot be ticked yet.
const untested = "Enabled can be ticked only after a test email went through with these settings in this run: " +
	"press esc to go back to the test step and send one."

// ownDomainCaution warns that a relay's passing test went only to its own
// domain, which proves no relaying to external recipients.
const ownDomainCaution = "⚠ " + steps.OwnDomainCaution + " Send a test to an external address (esc) before relying on it."

// lockedLive explains the step when the provider enabled now was not
// tested in this run: nothing can be saved (its settings are live), so
// it says why and the two ways on.
func lockedLive(p config.Provider) string {
	return "⚠ Nothing can be saved yet. " + p.Label() + " is enabled now and PIM mail goes out with its saved " +
		"settings, so pimmail saves changes to them only after a test email went through with them in this run. " +
		"To save: press esc to go back to the test step, send a test email, then tick Enabled here. " +
		"To set up another provider instead: press esc until step 1 and choose it."
}

// Enter implements step.
func (s enableStep) Enter(env stepEnv) (step, tea.Cmd) {
	s.info, s.run, s.cfg, s.provider, s.tested = env.info, env.run, env.cfg, env.provider, env.tested
	s.ownDomain = env.tested && env.ownDomainOnly
	switch {
	case !s.tested:
		s.ticked = false
	case !s.canSaveSettings():
		// The provider is enabled now and a test went through: the box
		// shows the truth, and enter saves its new settings at once.
		s.ticked = true
	case !s.touched:
		// A test went through in this run: enabling is what the admin
		// came for, so enter saves and enables, under the green check.
		// Unticking (space) stays possible and is kept.
		s.ticked = true
	}
	if now := inputsOf(steps.StepEnable, env.cfg, env.provider); now != s.basis {
		s.basis, s.problem, s.pos = now, problemBox{}, scrollPos{}
	}
	s.note = ""
	return s, nil
}

// canSaveSettings reports whether enter may save the settings without
// enabling them: not for the provider enabled now, whose settings are live
// (steps.Run.SaveSettings keeps them as they are); its new settings are
// saved by saving and enabling it, after a test.
func (s enableStep) canSaveSettings() bool { return s.enabledNow != s.provider }

// refusal says why enter does nothing now.
func (s enableStep) refusal() string {
	if !s.tested {
		return untested
	}
	return "Tick Enabled first: " + s.provider.Label() + " is enabled now, and its new settings are saved by saving and enabling it."
}

// Update implements step.
func (s enableStep) Update(msg tea.Msg) (step, tea.Cmd, outcome) {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		if s.check.running() {
			return s, nil, stay
		}
		if s.summary != nil {
			if pos, ok := s.layout().scroll(msg, true); ok {
				s.pos = pos
			}
			return s, nil, stay
		}
		if s.asking {
			switch {
			case key.Matches(msg, keys.Yes):
				s.asking, s.consent = false, true
				return s.save(s.askEnable)
			case key.Matches(msg, keys.No), key.Matches(msg, keys.Enter):
				s.asking = false
				s.note = "Nothing was saved. Move or repair the file and press enter, or quit with ctrl+c."
			}
			return s, nil, stay
		}
		if pos, ok := s.layout().scroll(msg, true); ok {
			s.pos = pos
			return s, nil, stay
		}
		switch {
		case key.Matches(msg, keys.Toggle):
			if !s.tested {
				s.note = untested
				return s, nil, stay
			}
			s.ticked, s.note, s.touched = !s.ticked, "", true
		case key.Matches(msg, keys.Enter):
			enable := s.tested && s.ticked
			switch {
			case !enable && !s.canSaveSettings():
				s.note = s.refusal()
			case s.needs && !s.consent:
				s.asking, s.askEnable, s.note = true, enable, ""
			default:
				return s.save(enable)
			}
		case key.Matches(msg, detailsKey(false)):
			s.problem, s.pos = s.problem.toggleDetails()
		}
		return s, nil, stay
	case done[steps.SaveSummary]:
		return s.savedResult(msg, msg.val, false)
	case done[settingsSaved]:
		return s.savedResult(msg, steps.SaveSummary(msg.val), true)
	}
	var cmd tea.Cmd
	s.check, cmd = s.check.update(msg)
	return s, cmd, stay
}

// savedResult takes a save's outcome msg, whose summary is sum;
// settingsOnly is true for a save of the settings without enabling them.
func (s enableStep) savedResult(msg checkResult, sum steps.SaveSummary, settingsOnly bool) (step, tea.Cmd, outcome) {
	var ok bool
	if s.check, ok = s.check.accept(msg); !ok {
		return s, nil, stay
	}
	if err := msg.failure(); err != nil {
		s.problem = s.problem.set(problemOf(err, s.cfg.Secrets()...))
		s.pos = scrollPos{}
		return s, nil, stay
	}
	s.summary, s.onlySaved = &sum, sum.SettingsOnly || settingsOnly
	return s, nil, stay
}

// settingsSaved is the summary of a save of the settings only (the
// Enabled box not ticked).
type settingsSaved steps.SaveSummary

// save writes the configuration, in a tea.Cmd (file I/O stays out of
// Update): enabling the provider, or the settings only.
func (s enableStep) save(enable bool) (step, tea.Cmd, outcome) {
	s.problem, s.note, s.pos, s.touched = problemBox{}, "", scrollPos{}, true
	c, p, overwrite, run := s.cfg, s.provider, s.consent, s.run
	var cmd tea.Cmd
	if enable {
		s.check, cmd = startCheck(s.check, "Saving…", func(context.Context) (steps.SaveSummary, error) {
			return run.Save(c, p, overwrite)
		})
		return s, cmd, stay
	}
	s.check, cmd = startCheck(s.check, "Saving the settings…", func(context.Context) (settingsSaved, error) {
		sum, err := run.SaveSettings(c, overwrite)
		return settingsSaved(sum), err
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

// stays says which provider stays enabled when only the settings are saved.
func (s enableStep) stays() string {
	if s.enabledNow == config.ProviderNone {
		return "no provider will be enabled"
	}
	return s.enabledNow.Label() + " stays enabled"
}

// layout is the step's body.
func (s enableStep) layout() arranged {
	if s.summary != nil {
		return arrange("", "?", s.width, s.height, s.pos, func(detail) (string, string) { return "", s.summaryView() })
	}
	return arrange(s.info.Help, "?", s.width, s.height, s.pos, func(d detail) (string, string) { return "", s.rest(d.compact) })
}

// View implements step.
func (s enableStep) View() string { return s.layout().text }

// rest is the body below the intro: the checkbox, what enter does now and
// what it writes where.
func (s enableStep) rest(compact bool) string {
	box, beside := "[ ]", "PIM mail goes out through "+s.provider.Label()
	if s.ticked {
		box = "[x]"
	}
	if !s.tested {
		beside = "locked: no test email went through in this run"
	}
	check := theme.focus.Render("› "+box+" Enabled") + "  " + theme.faint.Render(beside)
	if lipgloss.Width(check) > s.width {
		check = theme.focus.Render("› "+box+" Enabled") + "\n" + theme.faint.Render(wrap(beside, s.width))
	}
	var notes []string
	switch {
	case !s.tested && !s.canSaveSettings():
		// Nothing at all can be done here: say so, and where to go.
		notes = append(notes, theme.warn.Render(wrap(lockedLive(s.provider), s.width)))
	case !s.tested:
		notes = append(notes, theme.warn.Render(wrap(untested, s.width)))
	case s.note != "":
		notes = append(notes, theme.warn.Render(wrap(s.note, s.width)))
	}
	if s.tested && s.ownDomain {
		notes = append(notes, theme.warn.Render(wrap(ownDomainCaution, s.width)))
	}
	path := ""
	if s.run != nil {
		path = s.run.Env().ConfigPath
	}
	// What enter does now. Paths stand on lines of their own: easy to
	// copy, and their length never reflows the sentences around them.
	var what string
	switch {
	case s.tested && s.ticked:
		what = "Enter saves and enables " + s.provider.Label()
		if s.enabledNow != config.ProviderNone && s.enabledNow != s.provider {
			what += " and disables " + s.enabledNow.Label() + " (its settings are kept)"
		} else {
			what += "; the other providers stay disabled, their settings kept"
		}
		what += ". It writes:"
	case s.tested && s.canSaveSettings():
		what = "Tick Enabled (space) and press enter to save and enable " + s.provider.Label() +
			". Enter without the tick saves the settings only; " + s.stays() + ". It writes:"
	case s.tested:
		what = s.provider.Label() + " is enabled now: tick Enabled (space) and press enter to save its new settings. It writes:"
	case s.canSaveSettings():
		what = "Enter saves these settings without enabling them; " + s.stays() + ". It writes:"
	default:
		what = "Nothing is written yet to:"
	}
	files := wrap("  "+path, s.width)
	if s.provider == config.ProviderEntra {
		files += "\n" + theme.faint.Render(wrap("  and the mailbox's sign-in to the token cache beside it", s.width))
	}
	var ask string
	if s.asking {
		msg := "⚠ The file above could not be read"
		if s.loadErr != nil {
			msg += ": " + printable(s.loadErr.Error())
		}
		name := "config.json"
		if path != "" {
			name = filepath.Base(path)
		}
		ask = theme.warn.Render(wrap(sentences(msg, "Saving replaces it and keeps a copy as "+name+".broken-<time>. Overwrite it? (y/n)"), s.width))
	}
	var status string
	switch {
	case s.check.running():
		status = s.check.view(s.width)
	case s.problem.p != nil:
		status = s.problem.view(s.width)
	}
	return joinBlocks(check, strings.Join(notes, "\n"), theme.faint.Render(wrap(what, s.width))+"\n"+files, ask, status)
}

// summaryView says what was saved where, and what to tell the organisation.
func (s enableStep) summaryView() string {
	sum := *s.summary
	row := func(label, v string) string {
		return "  " + theme.faint.Render(padRight(label, 13)) + v
	}
	rows := []string{row("Config", ""), wrap("    "+sum.ConfigPath, s.width)}
	if sum.CachePath != "" {
		rows = append(rows, row("Token cache", ""), wrap("    "+sum.CachePath, s.width))
	}
	if sum.Mailbox != "" {
		rows = append(rows, row("Mailbox", sum.Mailbox))
	}
	if s.onlySaved {
		enabled := "none"
		if sum.Provider != config.ProviderNone {
			enabled = sum.Provider.Label() + " (unchanged)"
		}
		rows = append(rows, row("Enabled", enabled))
	} else {
		disabled := "none (no other provider was enabled)"
		switch {
		case sum.PrevUnreadable:
			// Whatever the old file enabled is gone with it.
			disabled = "unknown (the previous file could not be read)"
		case sum.Backup != "":
			disabled = "none in this file (the configuration it replaced is in the copy below)"
		}
		if len(sum.Disabled) > 0 {
			var names []string
			for _, p := range sum.Disabled {
				names = append(names, p.Label())
			}
			disabled = strings.Join(names, ", ") + " (settings kept)"
		}
		rows = append(rows, row("Disabled", disabled))
	}
	if sum.Backup != "" {
		rows = append(rows, row("Old file kept", ""), wrap("    "+sum.Backup, s.width),
			theme.faint.Render(wrap("    its settings are not in the new file", s.width)))
	}
	for i := range rows {
		rows[i] = strings.TrimRight(wrap(rows[i], s.width), " ")
	}
	if s.onlySaved {
		var kept string
		if len(sum.NotSaved) > 0 {
			kept = theme.warn.Render(wrap("⚠ Kept as they were, because "+sum.Provider.Label()+" sends with them now and the "+
				"changes were not tested: "+strings.Join(sum.NotSaved, "; ")+".", s.width))
		}
		return joinBlocks(
			theme.ok.Render(wrap("✓ Saved the settings of "+s.provider.Label()+"; it is not enabled.", s.width)),
			strings.Join(rows, "\n"), kept,
			wrap("To switch to "+s.provider.Label()+", run pimmail again, send a test email and tick Enabled.", s.width),
			theme.faint.Render("Press enter or q to quit."))
	}
	var tell string
	switch {
	case sum.Provider == s.enabledNow:
		// A re-save of the provider enabled before: nothing changes for
		// the organisation.
		tell = "Settings updated; " + sum.Provider.Label() + " stays enabled."
	case sum.Provider == config.ProviderEntra:
		tell = "Tell your organisation: PIM email now goes out as " + sum.Mailbox + " through Exchange Online (" +
			hostPort(s.cfg.Entra.SmartHost, s.cfg.Entra.Port) + "). Replies and bounces arrive in that mailbox; " +
			"it can send 30 messages a minute and 10,000 recipients a day."
	case sum.Provider == config.ProviderRelay:
		tell = "Tell your organisation: PIM email now goes out through the relay " +
			hostPort(s.cfg.Relay.Host, s.cfg.Relay.Port) + " as " + s.cfg.Email.From + "."
	case sum.Provider == config.ProviderLocal:
		tell = "Tell your organisation: PIM email now goes out through this server's mail service (" +
			hostPort(s.cfg.Local.Host, s.cfg.Local.Port) + ") as " + s.cfg.Email.From + "."
	}
	return joinBlocks(
		theme.ok.Render(wrap("✓ Saved. "+sum.Provider.Label()+" is enabled.", s.width)),
		strings.Join(rows, "\n"),
		wrap(tell, s.width),
		wrap(steps.SendingInstructions(sum.ConfigPath, s.cfg.Sandbox), s.width),
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

// Touched implements step.
func (s enableStep) Touched() bool { return s.touched }

// Commands implements step.
func (s enableStep) Commands() []string {
	if s.asking || s.summary != nil || s.check.running() {
		return nil
	}
	return s.problem.commands()
}

// ShortHelp implements help.KeyMap: only the keys that do something now.
func (s enableStep) ShortHelp() []key.Binding {
	switch {
	case s.summary != nil:
		return []key.Binding{keys.QuitDone}
	case s.check.running():
		return nil
	case s.asking:
		return []key.Binding{keys.Yes, keys.No}
	}
	var ks []key.Binding
	switch {
	case s.tested && s.ticked:
		ks = []key.Binding{withHelp(keys.Enter, "save and enable"), withHelp(keys.Toggle, "untick")}
	case s.tested && s.canSaveSettings():
		ks = []key.Binding{withHelp(keys.Enter, "save settings only"), withHelp(keys.Toggle, "tick Enabled")}
	case s.tested:
		ks = []key.Binding{withHelp(keys.Toggle, "tick Enabled")}
	case s.canSaveSettings():
		ks = []key.Binding{withHelp(keys.Enter, "save settings only")}
	}
	if s.problem.hasRaw() {
		ks = append(ks, detailsKey(false))
	}
	return ks
}

// FullHelp implements help.KeyMap.
func (s enableStep) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }
