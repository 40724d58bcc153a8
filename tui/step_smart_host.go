package tui

import (
	"context"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/pimmail/pimmail/cloud"
	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/steps"
)

// smartHostStep is the Entra step that takes Exchange Online's submission
// host[:port] and probes it: TLS 1.2+ after STARTTLS, and AUTH XOAUTH2.
type smartHostStep struct {
	formBase
	cfg    config.Config
	edited bool // the admin edited the field: no more automatic prefill
	result *steps.ProbeResult
	passed string // the host:port the last successful probe was for
}

// newSmartHostStep prefills the saved host and port (or the sandbox's).
func newSmartHostStep(c config.Config, hints *steps.Hints) smartHostStep {
	v := hostPort(cloud.Global.SmartHost, cloud.Global.SmartPort)
	if c.Entra.SmartHost != "" {
		port := c.Entra.Port
		if port == 0 {
			port = cloud.Global.SmartPort
		}
		v = hostPort(c.Entra.SmartHost, port)
	}
	if hints != nil && hints.SmartHost != "" {
		// The sandbox listens on a new port each run: a saved value is stale.
		v = hostPort(hints.SmartHost, hints.SmartPort)
	}
	return smartHostStep{formBase: newFormBase(steps.StepSmartHost,
		newTextField("Smart host", "host[:port]; port 587 when left out. Exchange Online: smtp.office365.com:587.", v, ""))}
}

// Enter implements step. While the admin has not edited the field, a
// change of cloud brings that cloud's smart host.
func (s smartHostStep) Enter(env stepEnv) (step, tea.Cmd) {
	s.formBase, _ = s.enter(env)
	s.cfg = env.cfg
	if !s.edited && env.hints == nil {
		c, _ := cloud.ByName(env.cfg.Entra.Cloud)
		for _, other := range cloud.All {
			if s.form.value(0) == hostPort(other.SmartHost, other.SmartPort) {
				s.form = s.form.setValue(0, hostPort(c.SmartHost, c.SmartPort))
			}
		}
	}
	return s, nil
}

// passedNow reports whether the last successful probe was for the
// host:port as it is now.
func (s smartHostStep) passedNow() bool { return s.passed != "" && s.passed == s.form.value(0) }

// Update implements step.
func (s smartHostStep) Update(msg tea.Msg) (step, tea.Cmd, outcome) {
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
			s.edited, s.passed, s.result = true, "", nil
		}
		return s, cmd, stay
	case done[steps.ProbeResult]:
		var ok bool
		if s.formBase, ok = s.settle(msg, s.cfg.Entra.ClientSecret); !ok {
			return s, nil, stay
		}
		s.result = &msg.val
		if msg.err != nil {
			return s, nil, stay
		}
		s.passed = s.form.value(0)
		s.okLine = "✓ " + s.passed + " is ready for OAuth2 mail. Press enter to continue."
		return s, nil, stay
	}
	var cmd tea.Cmd
	s.check, cmd = s.check.update(msg)
	return s, cmd, stay
}

// submit validates host[:port] (showing it cleaned) and starts the probe.
func (s smartHostStep) submit() (step, tea.Cmd, outcome) {
	host, port, err := steps.ValidateHostPort(s.form.value(0), cloud.Global.SmartPort)
	if err == nil {
		s.form = s.form.setValue(0, hostPort(host, port))
	}
	var ok bool
	if s.formBase, ok = s.showErrors([]error{err}); !ok {
		return s, nil, stay
	}
	s.result, s.passed = nil, ""
	c := s.cfg
	c.Entra.SmartHost, c.Entra.Port = host, port
	run := s.run
	var cmd tea.Cmd
	s.formBase, cmd = begin(s.formBase, "Connecting to "+hostPort(host, port)+"…", func(ctx context.Context) (steps.ProbeResult, error) {
		return run.Probe(ctx, config.ProviderEntra, c)
	})
	return s, cmd, stay
}

// layout is the step's body: the probe's result under the status line.
func (s smartHostStep) layout() arranged {
	var result string
	if s.result != nil && !s.check.running() {
		result = probeView(*s.result, true, s.width)
	}
	return s.arrange("", func(compact bool) []string { return []string{s.status(compact), result} })
}

// View implements step.
func (s smartHostStep) View() string { return s.layout().text }

// Apply implements step.
func (s smartHostStep) Apply(c config.Config) config.Config {
	if host, port, err := steps.ValidateHostPort(s.form.value(0), cloud.Global.SmartPort); err == nil {
		c.Entra.SmartHost, c.Entra.Port = host, port
	}
	return c
}

// Cancel implements step.
func (s smartHostStep) Cancel() step { s.formBase = s.cancel(); return s }

// SetSize implements step.
func (s smartHostStep) SetSize(w, h int) step { s.formBase = s.setSize(w, h); return s }

// ShortHelp implements help.KeyMap.
func (s smartHostStep) ShortHelp() []key.Binding {
	if s.passedNow() && !s.check.running() {
		return s.helpKeys("continue")
	}
	return s.helpKeys("probe")
}

// FullHelp implements help.KeyMap.
func (s smartHostStep) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }
