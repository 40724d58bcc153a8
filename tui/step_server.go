package tui

import (
	"context"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/steps"
)

// The server step's fields, in tab order.
const (
	srvHost = iota
	srvPort
	srvTLS
)

// relayModel explains in brief how a relay trusts this server; the step's
// help screen has the whole story.
const relayModel = "Exchange Online's relay endpoint (<domain>.mail.protection.outlook.com:25) takes mail " +
	"only from a server an inbound connector trusts by its public IP address (Exchange admin center > " +
	"Mail flow > Connectors); it asks for no password."

// serverStep is the Local SMTP and SMTP Relay step: host, port and TLS
// mode, then a probe that the chosen TLS mode works. One value per provider.
type serverStep struct {
	formBase
	provider config.Provider
	cfg      config.Config
	result   *steps.ProbeResult
	passed   *config.SMTP // the settings the last successful probe was for; nil after an edit
}

// smtpOf returns provider p's settings in c.
func smtpOf(c config.Config, p config.Provider) config.SMTP {
	if p == config.ProviderLocal {
		return c.Local
	}
	return c.Relay
}

// withSMTP returns c with provider p's settings replaced by s.
func withSMTP(c config.Config, p config.Provider, s config.SMTP) config.Config {
	if p == config.ProviderLocal {
		c.Local = s
	} else {
		c.Relay = s
	}
	return c
}

// newServerStep prefills from the saved settings, or in sandbox mode from
// the sandbox's stand-in (its ports change every run).
func newServerStep(p config.Provider, c config.Config, hints *steps.Hints) serverStep {
	sm := smtpOf(c, p)
	def := smtpOf(config.Default(), p)
	host, port, mode := sm.Host, sm.Port, sm.TLS
	if port == 0 {
		port = def.Port
	}
	if mode == "" {
		mode = def.TLS
	}
	hostHelp := "The server's name or IP address."
	if hints != nil {
		if p == config.ProviderRelay && hints.RelayHost != "" {
			host, port = hints.RelayHost, hints.RelayPort
		}
		if p == config.ProviderLocal && hints.LocalHost != "" {
			host, port = hints.LocalHost, hints.LocalPort
		}
	}
	portHelp := "Usually 25; 587 for submission with STARTTLS; 465 for implicit TLS."
	if p == config.ProviderLocal {
		hostHelp = "The server's own mail service: usually localhost."
		portHelp = "Usually 25."
	} else {
		hostHelp = "Your relay, or <domain>.mail.protection.outlook.com for Exchange Online."
	}
	modes := steps.TLSModes(p)
	labels, idx := make([]string, len(modes)), 0
	for i, m := range modes {
		labels[i] = m.Choice()
		if m == mode {
			idx = i
		}
	}
	s := serverStep{provider: p, formBase: newFormBase(steps.StepServer,
		newTextField("Host", hostHelp, host, ""),
		newTextField("Port", portHelp, strconv.Itoa(port), ""),
		newChoiceField("TLS", "Use STARTTLS whenever the server offers it.", labels, idx),
	)}
	return s
}

// Enter implements step.
func (s serverStep) Enter(env stepEnv) (step, tea.Cmd) {
	s.formBase, _ = s.enter(env)
	s.cfg = env.cfg
	return s, nil
}

// settings are the fields as typed (unvalidated) over the saved settings.
func (s serverStep) settings() (config.SMTP, []error) {
	sm := smtpOf(s.cfg, s.provider)
	def := smtpOf(config.Default(), s.provider).Port
	// An empty port field means the usual port; host:port in the host
	// field ([2001:db8::1]:25 for IPv6) wins over the port field.
	port, perr := def, error(nil)
	if strings.TrimSpace(s.form.value(srvPort)) != "" {
		port, perr = steps.ValidatePort(s.form.value(srvPort))
	}
	if _, hp, err := steps.ValidateHostPort(s.form.value(srvHost), 0); err == nil {
		port, perr = hp, nil
	}
	dp := port
	if perr != nil {
		dp = def
	}
	host, hp, herr := steps.ValidateHostPort(s.form.value(srvHost), dp)
	if herr == nil && perr == nil {
		sm.Host, sm.Port = host, hp
	} else if herr == nil {
		sm.Host = host
	}
	sm.TLS = steps.TLSModes(s.provider)[s.form.choiceOf(srvTLS)]
	return sm, []error{herr, perr, nil}
}

// passedNow reports whether the last successful probe was for the
// settings as they are now.
func (s serverStep) passedNow() bool {
	sm, errs := s.settings()
	return s.passed != nil && errs[0] == nil && errs[1] == nil && sm == *s.passed
}

// Update implements step.
func (s serverStep) Update(msg tea.Msg) (step, tea.Cmd, outcome) {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		if key.Matches(msg, keys.Enter) && !s.check.running() {
			if s.passedNow() {
				return s, nil, next
			}
			return s.submit()
		}
		var cmd tea.Cmd
		var edited bool
		s.formBase, cmd, edited = s.key(msg, s.layout())
		if edited {
			s.passed, s.result = nil, nil
		}
		return s, cmd, stay
	case done[steps.ProbeResult]:
		var ok bool
		if s.formBase, ok = s.settle(msg, smtpOf(s.cfg, s.provider).Password); !ok {
			return s, nil, stay
		}
		s.result = &msg.val
		if msg.err != nil {
			return s, nil, stay
		}
		sm, _ := s.settings()
		s.passed = &sm
		answers := "answers with " + sm.TLS.Choice()
		if sm.TLS == config.TLSNone || sm.TLS == "" {
			answers = "answers in plain text (no TLS)"
		}
		s.okLine = "✓ " + hostPort(sm.Host, sm.Port) + " " + answers + ". Press enter to continue."
		return s, nil, stay
	}
	var cmd tea.Cmd
	s.check, cmd = s.check.update(msg)
	return s, cmd, stay
}

// submit validates the fields (a port typed into the host field moves to
// the port field) and starts the probe.
func (s serverStep) submit() (step, tea.Cmd, outcome) {
	sm, errs := s.settings()
	if errs[0] == nil && errs[1] == nil {
		s.form = s.form.setValue(srvHost, sm.Host).setValue(srvPort, strconv.Itoa(sm.Port))
	}
	var ok bool
	if s.formBase, ok = s.showErrors(errs); !ok {
		return s, nil, stay
	}
	s.result, s.passed = nil, nil
	c, p, run := withSMTP(s.cfg, s.provider, sm), s.provider, s.run
	var cmd tea.Cmd
	s.formBase, cmd = begin(s.formBase, "Connecting to "+hostPort(sm.Host, sm.Port)+"…", func(ctx context.Context) (steps.ProbeResult, error) {
		return run.Probe(ctx, p, c)
	})
	return s, cmd, stay
}

// layout is the step's body; the relay's trust model (also on the help
// screen) shows above the fields until there is a result to show.
func (s serverStep) layout() arranged {
	var result, model, advice string
	if s.result != nil && !s.check.running() {
		result = probeView(*s.result, false, s.width)
		if sm, _ := s.settings(); s.passedNow() && s.result.StartTLS && (sm.TLS == config.TLSNone || sm.TLS == "") {
			advice = theme.warn.Render(wrap(startTLSOffered, s.width))
		}
	}
	if s.provider == config.ProviderRelay && s.problem.p == nil && s.result == nil {
		model = theme.faint.Render(wrap(relayModel, s.width))
	}
	return s.arrange(model, func(compact bool) []string { return []string{s.status(compact), advice, result} })
}

// startTLSOffered is the advice after a plain-text probe of a server that
// offers STARTTLS: the connection could be encrypted for nothing.
const startTLSOffered = "⚠ The server offers STARTTLS: choose STARTTLS to encrypt the connection."

// View implements step.
func (s serverStep) View() string { return s.layout().text }

// Apply implements step.
func (s serverStep) Apply(c config.Config) config.Config {
	sm, errs := s.settings()
	if errs[0] != nil || errs[1] != nil {
		return c
	}
	prev := smtpOf(c, s.provider)
	sm.Username, sm.Password = prev.Username, prev.Password
	return withSMTP(c, s.provider, sm)
}

// Cancel implements step.
func (s serverStep) Cancel() step { s.formBase = s.cancel(); return s }

// SetSize implements step.
func (s serverStep) SetSize(w, h int) step { s.formBase = s.setSize(w, h); return s }

// ShortHelp implements help.KeyMap.
func (s serverStep) ShortHelp() []key.Binding {
	if s.passedNow() {
		return s.helpKeys("continue")
	}
	return s.helpKeys("probe")
}

// FullHelp implements help.KeyMap.
func (s serverStep) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }
