package tui

import (
	"context"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/secret"
	"github.com/pimmail/pimmail/steps"
)

// The test step's fields, in tab order.
const (
	testFrom = iota
	testName
	testTo
)

// testStep takes the global email settings (From, display name) and a
// recipient, and sends a test email through the chosen provider. Only a
// test that went through lets the Enable step tick Enabled.
type testStep struct {
	formBase
	cfg         config.Config
	provider    config.Provider
	touchedFrom bool // the admin typed a From: no more defaults
	touchedTo   bool
	warning     string // steps.FromWarning for the From as typed
	result      *steps.TestResult
	passed      *config.Config // the configuration the last successful test went through
	passedProv  config.Provider
	passedTo    string
	passedOwn   bool // the last successful test went only to the relay's own domain
	transcript  bool // the transcript is shown
}

// newTestStep prefills the saved email settings.
func newTestStep(c config.Config) testStep {
	name := newTextField("Display name", "The sender's name recipients see.", c.Email.DisplayName, "optional, e.g. PIM Notifications")
	name.free = true // "Alerts?" is a name: "?" is typed there, f1 is help
	return testStep{formBase: newFormBase(steps.StepTest,
		newTextField("From", "The default sender of all PIM mail.", c.Email.From, ""),
		name,
		newTextField("Send test to", "Any mailbox you can check.", "", ""),
	)}
}

// defaultFrom is the From to offer: the saved one, else the mailbox (Entra)
// or, in the sandbox, an address of the relay stand-in's accepted domain.
func defaultFrom(env stepEnv) string {
	if env.cfg.Email.From != "" {
		return env.cfg.Email.From
	}
	if env.provider == config.ProviderEntra {
		return env.cfg.Entra.Mailbox
	}
	if env.hints != nil && env.hints.RelayDomain != "" {
		return "pim@" + env.hints.RelayDomain
	}
	return ""
}

// Enter implements step. Untouched fields follow the earlier steps (a new
// mailbox signed in becomes the From); a success for other settings is
// forgotten.
func (s testStep) Enter(env stepEnv) (step, tea.Cmd) {
	var stale bool
	s.formBase, stale = s.enter(env)
	if stale {
		s.result, s.transcript = nil, false
	}
	s.cfg, s.provider = env.cfg, env.provider
	if !s.touchedFrom {
		s.form = s.form.setValue(testFrom, defaultFrom(env))
	}
	if !s.touchedTo {
		to := strings.TrimSpace(s.form.value(testFrom))
		if env.provider == config.ProviderEntra && env.cfg.Entra.Mailbox != "" {
			to = env.cfg.Entra.Mailbox
		}
		s.form = s.form.setValue(testTo, to)
	}
	if !s.passedNow() {
		s.passed, s.result, s.okLine, s.transcript = nil, nil, "", false
	}
	s.warning = steps.FromWarningFor(s.provider, s.Apply(s.cfg))
	return s, nil
}

// passedNow reports whether the last successful test was for the settings
// and recipient as they are now.
func (s testStep) passedNow() bool {
	return s.passed != nil && *s.passed == s.Apply(s.cfg) && s.passedProv == s.provider &&
		s.passedTo == strings.TrimSpace(s.form.value(testTo))
}

// tested returns the configuration the last test went through, if it still holds.
func (s testStep) tested() (config.Config, config.Provider, bool) {
	if !s.passedNow() {
		return config.Config{}, "", false
	}
	return *s.passed, s.passedProv, true
}

// ownDomainOnly reports whether the test that still holds went only to
// the relay's own domain (steps.TestResult.OwnDomainOnly).
func (s testStep) ownDomainOnly() bool { return s.passedNow() && s.passedOwn }

// Update implements step.
func (s testStep) Update(msg tea.Msg) (step, tea.Cmd, outcome) {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		if s.check.running() {
			return s, nil, stay
		}
		switch {
		case key.Matches(msg, keys.Enter):
			if s.passedNow() {
				return s, nil, next
			}
			return s.submit()
		case key.Matches(msg, keys.Skip):
			return s, nil, next
		case key.Matches(msg, transcriptKey(s.typing())):
			if s.result != nil && len(s.result.Transcript) > 0 {
				s.transcript = !s.transcript
				s.pos = scrollPos{}
				if s.transcript {
					s.pos = anchored(transcriptAnchor)
				}
			}
			return s, nil, stay
		}
		var cmd tea.Cmd
		var edited bool
		s.formBase, cmd, edited = s.key(msg, s.layout())
		if edited {
			switch s.form.focus {
			case testFrom:
				s.touchedFrom = true
				if !s.touchedTo && s.provider != config.ProviderEntra {
					s.form = s.form.setValue(testTo, strings.TrimSpace(s.form.value(testFrom)))
				}
			case testTo:
				s.touchedTo = true
			}
			s.warning = steps.FromWarningFor(s.provider, s.Apply(s.cfg))
		}
		return s, cmd, stay
	case done[steps.TestResult]:
		msg.err = keepWorkWhileWaiting(msg.err)
		var ok bool
		if s.formBase, ok = s.settle(msg, s.cfg.Secrets()...); !ok {
			return s, nil, stay
		}
		s.result = &msg.val
		if msg.err != nil {
			return s, nil, stay
		}
		c := s.Apply(s.cfg)
		s.passed, s.passedProv, s.passedTo = &c, s.provider, strings.TrimSpace(s.form.value(testTo))
		s.passedOwn = s.result != nil && s.result.OwnDomainOnly
		reply := ""
		if s.result != nil && s.result.Reply != "" {
			reply = " The server replied: " + printable(s.result.Reply)
		}
		s.okLine = "✓ Test email sent to " + s.passedTo + "." + reply
		return s, nil, stay
	}
	var cmd tea.Cmd
	s.check, cmd = s.check.update(msg)
	return s, cmd, stay
}

// submit validates From and the recipient and sends the test email.
func (s testStep) submit() (step, tea.Cmd, outcome) {
	from, ferr := steps.ValidateEmail(s.form.value(testFrom))
	to, terr := steps.ValidateEmail(s.form.value(testTo))
	if ferr == nil {
		s.form = s.form.setValue(testFrom, from)
	}
	if terr == nil {
		s.form = s.form.setValue(testTo, to)
	}
	var ok bool
	if s.formBase, ok = s.showErrors([]error{ferr, nil, terr}); !ok {
		return s, nil, stay
	}
	s.result, s.transcript = nil, false
	c, p, run := s.Apply(s.cfg), s.provider, s.run
	var cmd tea.Cmd
	s.formBase, cmd = begin(s.formBase, "Sending a test email to "+to+" through "+p.Label()+"…", func(ctx context.Context) (steps.TestResult, error) {
		return run.SendTest(ctx, p, c, to)
	})
	return s, cmd, stay
}

// transcriptAnchor starts the transcript; the step scrolls to it.
const transcriptAnchor = "Transcript ("

// transcriptView is the transcript, redacted once more and made printable
// before it is drawn.
func (s testStep) transcriptView() string {
	var lines []string
	for _, l := range s.result.Transcript {
		lines = append(lines, wrap(printable(secret.Redact(l, s.cfg.Secrets()...)), s.width))
	}
	title := theme.faint.Render(wrap(transcriptAnchor+"secrets masked; "+transcriptKey(s.typing()).Help().Key+" hides):", s.width))
	return title + "\n" + strings.Join(lines, "\n")
}

// warnView is the From warning, if any. While a problem is shown it is
// left out: a SendAsDenied problem gives the same advice, and any other
// problem matters more; the warning comes back once the problem goes.
func (s testStep) warnView() string {
	if s.warning == "" || s.problem.p != nil {
		return ""
	}
	return theme.warn.Render(richText("⚠ "+printable(s.warning), s.width))
}

// noteView is what the admin should know about the test that went
// through (steps.TestResult.Note), "" when nothing.
func (s testStep) noteView() string {
	if s.result == nil || s.result.Note == "" || s.okLine == "" || s.check.running() {
		return ""
	}
	return richText("Note: "+printable(s.result.Note), s.width)
}

// layout is the step's body: the fields stay; the warning, the status and
// the transcript below them scroll when they do not fit. With little room
// the outcome of the test comes before the warning.
func (s testStep) layout() arranged {
	return s.arrange("", func(compact bool) []string {
		var tail string
		switch {
		case s.result == nil || len(s.result.Transcript) == 0 || s.check.running():
		case s.transcript:
			tail = s.transcriptView()
		default:
			tail = theme.faint.Render(wrap("Press "+transcriptKey(s.typing()).Help().Key+" for the SMTP transcript.", s.width))
		}
		status := s.status(compact)
		if n := s.noteView(); n != "" {
			status += "\n" + n
		}
		if compact {
			return []string{status, s.warnView(), tail}
		}
		return []string{s.warnView(), status, tail}
	})
}

// View implements step.
func (s testStep) View() string { return s.layout().text }

// Apply implements step: the global email settings.
func (s testStep) Apply(c config.Config) config.Config {
	c.Email.From = strings.TrimSpace(s.form.value(testFrom))
	c.Email.DisplayName = strings.TrimSpace(s.form.value(testName))
	return c
}

// Cancel implements step.
func (s testStep) Cancel() step { s.formBase = s.cancel(); return s }

// SetSize implements step.
func (s testStep) SetSize(w, h int) step { s.formBase = s.setSize(w, h); return s }

// ShortHelp implements help.KeyMap.
func (s testStep) ShortHelp() []key.Binding {
	if s.check.running() {
		return nil
	}
	var ks []key.Binding
	if s.passedNow() {
		ks = s.helpKeys("continue")
	} else {
		ks = append(s.helpKeys("send"), keys.Skip)
	}
	if s.result != nil && len(s.result.Transcript) > 0 {
		ks = append(ks, transcriptKey(s.typing()))
	}
	return ks
}

// Commands implements step: the problem's commands; with no problem on
// screen, the one the From warning names (granting Send As).
func (s testStep) Commands() []string {
	if s.check.running() {
		return nil
	}
	if s.problem.p != nil {
		return s.formBase.Commands()
	}
	// The warning's commands, then the success note's (Local SMTP's
	// `journalctl -u postfix`): whatever stands on a line of its own as a
	// command is copyable.
	cmds := commandsIn(s.warning)
	if s.noteView() != "" {
		for _, c := range commandsIn(s.result.Note) {
			if !slices.Contains(cmds, c) {
				cmds = append(cmds, c)
			}
		}
	}
	return cmds
}

// FullHelp implements help.KeyMap.
func (s testStep) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }

// keepWorkWhileWaiting adds, to a refusal whose fix takes up to an hour to
// reach Exchange Online (SMTP AUTH just allowed, Send As just granted),
// how to keep the work meanwhile instead of quitting and losing it.
func keepWorkWhileWaiting(err error) error {
	p, ok := diagnose.As(err)
	if !ok {
		return err
	}
	switch p.Code {
	case diagnose.SMTPAuthDisabledTenant, diagnose.SMTPAuthDisabledMailbox, diagnose.SMTPSendAsDenied:
	default:
		return err
	}
	c := *p
	c.Fix = strings.TrimRight(p.Fix, "\n") + "\nJust changed? To keep your work for the hour it may take: ctrl+n skips the test, " +
		"and enter on the last step saves these settings without enabling them; run pimmail again later.\n"
	return &c
}
