package tui

import (
	"context"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/secret"
	"github.com/pimmail/pimmail/steps"
)

// The credentials step's fields, in tab order.
const (
	credUser = iota
	credPass
)

// credentialsStep is the SMTP Relay step for an optional username and
// password. Most relays trust by IP and need neither; when a username is
// given the server is probed again to make sure it offers AUTH at all.
type credentialsStep struct {
	formBase
	cfg config.Config // the configuration so far; an empty password field keeps its relay password
}

// newCredentialsStep prefills the saved username; the password field
// starts empty (the saved one is kept unless replaced).
func newCredentialsStep(c config.Config) credentialsStep {
	return credentialsStep{formBase: newFormBase(steps.StepCredentials,
		newTextField("Username", "Leave both empty when the relay trusts this server by IP or connector.", c.Relay.Username, "optional"),
		newSecretField("Password", "Sent only after TLS is up, when the relay asks for it.", ""),
	)}
}

// Enter implements step.
func (s credentialsStep) Enter(env stepEnv) (step, tea.Cmd) {
	s.formBase, _ = s.enter(env)
	s.cfg = env.cfg
	ph := "optional"
	if !s.cfg.Relay.Password.IsZero() {
		ph = "leave empty to keep the saved password"
	}
	s.form = s.form.setPlaceholder(credPass, ph)
	return s, nil
}

// creds returns the username and password as they would be saved.
func (s credentialsStep) creds() (string, secret.Secret) {
	user := strings.TrimSpace(s.form.value(credUser))
	if user == "" {
		return "", ""
	}
	if p := s.form.value(credPass); p != "" {
		return user, secret.New(p)
	}
	return user, s.cfg.Relay.Password
}

// Update implements step.
func (s credentialsStep) Update(msg tea.Msg) (step, tea.Cmd, outcome) {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		if key.Matches(msg, keys.Enter) && !s.check.running() {
			return s.submit()
		}
		var cmd tea.Cmd
		s.formBase, cmd, _ = s.key(msg, s.layout())
		return s, cmd, stay
	case done[steps.ProbeResult]:
		_, pass := s.creds()
		var ok bool
		if s.formBase, ok = s.settle(msg, pass); !ok || msg.err != nil {
			return s, nil, stay
		}
		return s, nil, next
	}
	var cmd tea.Cmd
	s.check, cmd = s.check.update(msg)
	return s, cmd, stay
}

// submit checks that username and password come together; with a username
// it probes the relay for AUTH.
func (s credentialsStep) submit() (step, tea.Cmd, outcome) {
	user, pass := s.creds()
	errs := []error{nil, nil}
	typed := pass
	if user == "" {
		typed = secret.New(s.form.value(credPass))
	}
	if _, err := steps.ValidateUsername(s.form.value(credUser)); err != nil {
		errs[credUser] = err
	} else if err := steps.CheckCredentials(user, typed); err != nil {
		if user == "" {
			errs[credUser] = err
		} else {
			errs[credPass] = err
		}
	}
	var ok bool
	if s.formBase, ok = s.showErrors(errs); !ok {
		return s, nil, stay
	}
	s.problem, s.okLine, s.note = problemBox{}, "", ""
	if user == "" {
		return s, nil, next
	}
	c, run := s.Apply(s.cfg), s.run
	var cmd tea.Cmd
	s.formBase, cmd = begin(s.formBase, "Checking that "+hostPort(c.Relay.Host, c.Relay.Port)+" offers AUTH…", func(ctx context.Context) (steps.ProbeResult, error) {
		return run.Probe(ctx, config.ProviderRelay, c)
	})
	return s, cmd, stay
}

// layout is the step's body.
func (s credentialsStep) layout() arranged {
	return s.arrange("", func(compact bool) []string { return []string{s.status(compact)} })
}

// View implements step.
func (s credentialsStep) View() string { return s.layout().text }

// Apply implements step.
func (s credentialsStep) Apply(c config.Config) config.Config {
	c.Relay.Username, c.Relay.Password = s.creds()
	return c
}

// Cancel implements step.
func (s credentialsStep) Cancel() step { s.formBase = s.cancel(); return s }

// SetSize implements step.
func (s credentialsStep) SetSize(w, h int) step { s.formBase = s.setSize(w, h); return s }

// ShortHelp implements help.KeyMap.
func (s credentialsStep) ShortHelp() []key.Binding { return s.helpKeys("continue") }

// FullHelp implements help.KeyMap.
func (s credentialsStep) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }
