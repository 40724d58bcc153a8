package tui

import (
	"context"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/steps"
)

// appOnlyStep is step 4 with app-only sign-in: no user signs in. The admin
// names the mailbox; pimmail gets an app-only token (client credentials),
// checks it carries SMTP.SendAsApp, shows the Exchange Online PowerShell
// that registers the app for the mailbox (real values, copyable), and
// signs in to the smart host (AUTH and QUIT) to prove it was run.
type appOnlyStep struct {
	info    steps.Info
	run     *steps.Run
	cfg     config.Config
	mailbox textinput.Model
	check   checker
	result  steps.AppOnlyResult
	ok      bool // result is verified for the mailbox and app as they are
	basis   string
	problem problemBox
	touched bool
	pos     scrollPos
	width   int
	height  int
}

func newAppOnlyStep() appOnlyStep {
	ti := textinput.New()
	ti.Prompt = "Mailbox  "
	ti.Placeholder = "pim-notifications@contoso.com"
	ti.CharLimit = 320
	return appOnlyStep{mailbox: ti, check: newChecker(steps.StepLogon), width: 78, height: 17}
}

// Enter implements step: the mailbox field, filled from the configuration
// (or the sandbox's mailbox) the first time.
func (s appOnlyStep) Enter(env stepEnv) (step, tea.Cmd) {
	s.info, s.run, s.cfg = env.info, env.run, env.cfg
	if s.mailbox.Value() == "" {
		v := env.cfg.Entra.Mailbox
		if v == "" && env.hints != nil {
			v = env.hints.Mailbox
		}
		s.mailbox.SetValue(v)
	}
	if s.ok && s.basis != s.basisNow() {
		s.ok, s.result = false, steps.AppOnlyResult{}
	}
	s.mailbox.Focus()
	return s, textinput.Blink
}

// basisNow is what a verified result is about.
func (s appOnlyStep) basisNow() string {
	return identity(s.cfg.Entra) + "|" + strings.ToLower(strings.TrimSpace(s.mailbox.Value())) + "|" +
		s.cfg.Entra.SmartHost + "|" + strings.ToLower(s.cfg.Email.From)
}

// Update implements step.
func (s appOnlyStep) Update(msg tea.Msg) (step, tea.Cmd, outcome) {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		return s.key(msg)
	case done[steps.AppOnlyResult]:
		var ok bool
		if s.check, ok = s.check.accept(msg); !ok {
			return s, nil, stay
		}
		s.result, s.pos = msg.val, scrollPos{}
		if msg.err != nil {
			s.ok, s.problem = false, s.problem.set(problemOf(msg.err, s.cfg.Entra.ClientSecret))
			return s, nil, stay
		}
		s.ok, s.problem, s.basis = true, problemBox{}, s.basisNow()
		return s, nil, stay
	}
	var cmd, icmd tea.Cmd
	s.check, cmd = s.check.update(msg)
	s.mailbox, icmd = s.mailbox.Update(msg)
	return s, tea.Batch(cmd, icmd), stay
}

func (s appOnlyStep) key(km tea.KeyMsg) (step, tea.Cmd, outcome) {
	if pos, ok := s.layout().scroll(km, false); ok {
		s.pos = pos
		return s, nil, stay
	}
	switch {
	case key.Matches(km, keys.Enter):
		if s.check.running() {
			return s, nil, stay
		}
		if s.ok && s.basis == s.basisNow() {
			return s, nil, next
		}
		s.touched, s.problem = true, problemBox{}
		c, run := s.cfg, s.run
		c.Entra.Mailbox = steps.CleanPaste(s.mailbox.Value())
		var cmd tea.Cmd
		s.check, cmd = startCheck(s.check, "Getting an app-only token and signing in to "+c.Entra.SmartHost+"…", func(ctx context.Context) (steps.AppOnlyResult, error) {
			return run.CheckAppOnly(ctx, c)
		})
		return s, cmd, stay
	case key.Matches(km, detailsKey(true)):
		s.problem, s.pos = s.problem.toggleDetails()
		return s, nil, stay
	}
	var cmd tea.Cmd
	s.mailbox, cmd = s.mailbox.Update(km)
	if s.ok && s.basis != s.basisNow() {
		s.ok = false
	}
	s.touched = true
	return s, cmd, stay
}

func (s appOnlyStep) layout() arranged {
	help := "App-only: no user signs in. The app needs the application permission Office 365 Exchange Online > SMTP.SendAsApp with admin consent, and Exchange Online must know it: pimmail shows the commands, with this tenant's values, and checks them."
	return arrange(help, "?", s.width, s.height, s.pos, func(d detail) (string, string) { return s.mailbox.View(), s.rest() })
}

func (s appOnlyStep) rest() string {
	var blocks []string
	if s.check.running() {
		blocks = append(blocks, s.check.view(s.width))
	}
	if s.problem.p != nil {
		blocks = append(blocks, s.problem.view(s.width))
	}
	if s.ok {
		blocks = append(blocks, theme.ok.Render(wrap("✓ App-only token with "+strings.Join(s.result.Roles, ", ")+" (service principal "+s.result.ServicePrincipalID+")", s.width))+"\n"+
			theme.ok.Render(wrap("✓ "+s.cfg.Entra.SmartHost+" accepted the app for "+s.result.Mailbox+": "+s.result.Reply, s.width)))
	}
	if len(s.result.Commands) > 0 && (s.ok || s.problem.p == nil || s.problem.p.Code != diagnose.AppExchangeSetup) {
		lines := []string{theme.faint.Render(wrap("Exchange Online PowerShell (Connect-ExchangeOnline) for this app and mailbox:", s.width))}
		for _, c := range s.result.Commands {
			lines = append(lines, commandLines(c, s.width))
		}
		blocks = append(blocks, strings.Join(lines, "\n"))
	}
	if s.ok {
		blocks = append(blocks, theme.faint.Render(wrap("Press enter to continue.", s.width)))
	} else if !s.check.running() {
		blocks = append(blocks, theme.faint.Render(wrap("Press enter to get an app-only token and check the Exchange Online side (AUTH, no mail).", s.width)))
	}
	return joinBlocks(blocks...)
}

// View implements step.
func (s appOnlyStep) View() string { return s.layout().text }

// Apply implements step.
func (s appOnlyStep) Apply(c config.Config) config.Config {
	if s.ok {
		c.Entra.Mailbox = s.result.Mailbox
	}
	return c
}

// Running implements step.
func (s appOnlyStep) Running() bool { return s.check.running() }

// Cancel implements step.
func (s appOnlyStep) Cancel() step { s.check = s.check.stop(); return s }

// SetSize implements step.
func (s appOnlyStep) SetSize(w, h int) step {
	s.width, s.height = w, h
	s.mailbox.Width = max(10, w-12)
	return s
}

// Input implements step.
func (s appOnlyStep) Input() inputKind { return inputText }

// AtFirst implements step.
func (s appOnlyStep) AtFirst() bool { return true }

// Touched implements step.
func (s appOnlyStep) Touched() bool { return s.touched }

// Commands implements step: the fix's commands when Exchange refused, the
// setup commands otherwise.
func (s appOnlyStep) Commands() []string {
	if s.problem.p != nil {
		return s.problem.commands()
	}
	return s.result.Commands
}

// ShortHelp implements help.KeyMap.
func (s appOnlyStep) ShortHelp() []key.Binding {
	if s.ok && s.basis == s.basisNow() {
		return []key.Binding{withHelp(keys.Enter, "continue")}
	}
	ks := []key.Binding{withHelp(keys.Enter, "check")}
	if s.problem.hasRaw() {
		ks = append(ks, detailsKey(true))
	}
	return ks
}

// FullHelp implements help.KeyMap.
func (s appOnlyStep) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }
