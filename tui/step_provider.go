package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/steps"
)

// providerStep is step 1: which provider to set up. The one enabled now is
// marked; a config that could not be read is explained here, before the
// admin types anything.
type providerStep struct {
	info    steps.Info
	cursor  int
	enabled config.Provider
	loadErr error
	consent bool // Save will ask before overwriting
	sandbox bool
	// byConfig: sandbox mode because the configuration is a sandbox one,
	// not because --sandbox was given.
	byConfig bool
	pos      scrollPos
	width    int
	height   int
}

// providerBlurb says in one line what each provider is.
var providerBlurb = map[config.Provider]string{
	config.ProviderLocal: "The server's own mail service (localhost, port 25).",
	config.ProviderRelay: "An internal SMTP server, or Exchange Online's inbound endpoint " +
		"(<domain>.mail.protection.outlook.com:25) trusting this server's IP through a connector.",
	config.ProviderEntra: "Sends as one Microsoft 365 mailbox through Exchange Online " +
		"(smtp.office365.com:587) with OAuth2; the mailbox signs in once with a code.",
}

// newProviderStep starts on the enabled provider, else on Entra, the one
// this wizard is mostly for.
func newProviderStep(start steps.Start, sandbox bool) providerStep {
	s := providerStep{enabled: start.Config.Enabled, loadErr: start.LoadErr, consent: start.NeedsConsent, sandbox: sandbox, width: 78, height: 19}
	want := start.Config.Enabled
	if want == config.ProviderNone {
		want = config.ProviderEntra
	}
	for i, p := range config.Providers {
		if p == want {
			s.cursor = i
		}
	}
	return s
}

// highlighted is the provider under the cursor.
func (s providerStep) highlighted() config.Provider { return config.Providers[s.cursor] }

// Enter implements step.
func (s providerStep) Enter(env stepEnv) (step, tea.Cmd) {
	s.info = env.info
	return s, nil
}

// Update implements step.
func (s providerStep) Update(msg tea.Msg) (step, tea.Cmd, outcome) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return s, nil, stay
	}
	if pos, ok := s.layout().scroll(km, false); ok {
		s.pos = pos
		return s, nil, stay
	}
	switch {
	case key.Matches(km, keys.Up):
		s.cursor = (s.cursor + len(config.Providers) - 1) % len(config.Providers)
	case key.Matches(km, keys.Down):
		s.cursor = (s.cursor + 1) % len(config.Providers)
	case key.Matches(km, keys.Enter):
		return s, nil, next
	}
	return s, nil, stay
}

// layout is the step's body: the list stays; notes below it scroll when
// they do not fit.
func (s providerStep) layout() arranged {
	var list strings.Builder
	for i, p := range config.Providers {
		line := "  " + p.Label()
		if i == s.cursor {
			line = theme.focus.Render("› " + p.Label())
		}
		if p == s.enabled {
			line += theme.ok.Render("  (enabled now)")
		}
		list.WriteString(wrap(line, s.width) + "\n")
		if i == s.cursor {
			for _, l := range strings.Split(wrap(providerBlurb[p], s.width-4), "\n") {
				list.WriteString("    " + theme.faint.Render(l) + "\n")
			}
		}
	}
	if s.enabled == config.ProviderNone && s.loadErr == nil {
		list.WriteString(theme.faint.Render("  No provider is enabled now.") + "\n")
	}
	var notes []string
	if s.loadErr != nil {
		msg := "⚠ The saved configuration could not be used: " + printable(s.loadErr.Error())
		if s.consent {
			msg += " You can go on; Save will ask before overwriting it."
		}
		notes = append(notes, theme.warn.Render(wrap(msg, s.width)))
	}
	if s.sandbox && s.byConfig {
		notes = append(notes, theme.banner.Render(wrap(sandboxByConfig, s.width)))
	}
	if s.sandbox {
		notes = append(notes, theme.banner.Render(wrap("Sandbox: everything talks to the built-in stand-ins for Entra ID and "+
			"Exchange Online on 127.0.0.1. Nothing reaches Microsoft; the sandbox's values are shown as hints.", s.width)))
	}
	top := strings.TrimRight(list.String(), "\n")
	return arrange(s.info.Help, "?", s.width, s.height, s.pos, func(detail) (string, string) {
		return top, joinBlocks(notes...)
	})
}

// sandboxByConfig says why the wizard runs against the sandbox without
// --sandbox.
const sandboxByConfig = "This configuration was made against the built-in sandbox, so the wizard runs against it; " +
	"use --config for a real configuration."

// View implements step.
func (s providerStep) View() string { return s.layout().text }

// Apply implements step; the wizard reads the choice with highlighted.
func (s providerStep) Apply(c config.Config) config.Config { return c }

// Running implements step.
func (s providerStep) Running() bool { return false }

// Cancel implements step.
func (s providerStep) Cancel() step { return s }

// SetSize implements step.
func (s providerStep) SetSize(width, height int) step { s.width, s.height = width, height; return s }

// Input implements step.
func (s providerStep) Input() inputKind { return inputNone }

// AtFirst implements step.
func (s providerStep) AtFirst() bool { return true }

// Touched implements step: choosing a provider is not work to lose.
func (s providerStep) Touched() bool { return false }

// Commands implements step.
func (s providerStep) Commands() []string { return nil }

// ShortHelp implements help.KeyMap.
func (s providerStep) ShortHelp() []key.Binding {
	return []key.Binding{withHelp(keys.Up, "up"), withHelp(keys.Down, "down"), withHelp(keys.Enter, "choose")}
}

// FullHelp implements help.KeyMap.
func (s providerStep) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }
