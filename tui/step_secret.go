package tui

import (
	"context"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/secret"
	"github.com/pimmail/pimmail/steps"
)

// secretStep is the Entra step that takes the client secret's Value and
// checks it (with the client ID) by a client-credentials request. The value
// is masked; ctrl+r shows only its last four characters.
type secretStep struct {
	formBase
	entra  config.Entra // the Entra settings so far; an empty field keeps their secret
	reveal bool         // show the last four characters
}

// secretExpires is the index of the optional expiry date field.
const secretExpires = 1

// newSecretStep returns the step; the field starts empty even when a
// secret is saved (it is kept unless replaced).
func newSecretStep(hints *steps.Hints) secretStep {
	help := "Certificates & secrets > Client secrets: copy the Value column, not the Secret ID. " +
		"The Value is shown only right after the secret is created; if it is gone, add a new secret."
	if hints != nil {
		help += " Sandbox Value: " + hints.ClientSecret
	}
	return secretStep{formBase: newFormBase(steps.StepSecret,
		newSecretField("Client secret Value", help, ""),
		newTextField(steps.FieldSecretExpires, "Optional: the secret's Expires column, so status and test warn 30 days before.", "", "YYYY-MM-DD or M/D/YYYY, empty if unknown"),
	)}
}

// Enter implements step.
func (s secretStep) Enter(env stepEnv) (step, tea.Cmd) {
	s.formBase, _ = s.enter(env)
	s.entra = env.cfg.Entra
	ph := ""
	if !s.saved().IsZero() {
		ph = "leave empty to keep the saved secret"
	}
	s.form = s.form.setPlaceholder(0, ph)
	if s.form.value(secretExpires) == "" {
		s.form = s.form.setValue(secretExpires, s.entra.SecretExpires)
	}
	return s, nil
}

// saved is the secret entered before (saved, or checked earlier in this
// run), kept when the field is left empty.
func (s secretStep) saved() secret.Secret { return s.entra.ClientSecret }

// empty reports whether nothing (but white space) was typed.
func (s secretStep) empty() bool { return strings.TrimSpace(s.form.value(0)) == "" }

// value is the secret that would be used now: the typed one (cleaned the
// way ValidateSecret cleans it, which keeps a trailing period), else the
// saved one.
func (s secretStep) value() secret.Secret {
	if s.empty() {
		return s.saved()
	}
	return secret.New(s.typed())
}

// typed is the field's value as steps cleans a pasted secret
// (steps.ValidateSecret, which keeps a trailing period), or as typed while
// it is not a valid one.
func (s secretStep) typed() string {
	if v, err := steps.ValidateSecret(s.form.value(0)); err == nil {
		return v
	}
	return s.form.value(0)
}

// Update implements step.
func (s secretStep) Update(msg tea.Msg) (step, tea.Cmd, outcome) {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		switch {
		case s.check.running():
			return s, nil, stay
		case key.Matches(msg, keys.Enter):
			return s.submit()
		case key.Matches(msg, keys.Reveal):
			s.reveal = !s.reveal
			return s, nil, stay
		}
		var cmd tea.Cmd
		s.formBase, cmd, _ = s.key(msg, s.layout())
		return s, cmd, stay
	case done[appAccepted]:
		msg.err = pointToIDs(msg.err)
		var ok bool
		if s.formBase, ok = s.settle(msg, s.value()); !ok || msg.err != nil {
			return s, nil, stay
		}
		s.okLine = "✓ The app and its secret are accepted."
		return s, nil, next
	}
	var cmd tea.Cmd
	s.check, cmd = s.check.update(msg)
	return s, cmd, stay
}

// submit validates the secret (an empty field keeps the saved one) and
// starts CheckApp.
func (s secretStep) submit() (step, tea.Cmd, outcome) {
	var err error
	if !s.empty() || s.saved().IsZero() {
		var v string
		if v, err = steps.ValidateSecret(s.form.value(0)); err == nil {
			s.form = s.form.setValue(0, v) // the admin sees what is used
		}
	}
	exp, eerr := steps.ValidateSecretExpiry(s.form.value(secretExpires), time.Now())
	if eerr == nil {
		s.form = s.form.setValue(secretExpires, exp)
	}
	var ok bool
	if s.formBase, ok = s.showErrors([]error{err, eerr}); !ok {
		return s, nil, stay
	}
	e := s.Apply(config.Config{Entra: s.entra}).Entra
	run := s.run
	var cmd tea.Cmd
	s.formBase, cmd = begin(s.formBase, "Checking the app and its secret with Entra ID…", func(ctx context.Context) (appAccepted, error) {
		return appAccepted{}, run.CheckApp(ctx, e)
	})
	return s, cmd, stay
}

// layout is the step's body.
func (s secretStep) layout() arranged {
	var reveal string
	if s.reveal {
		v := s.value()
		switch {
		case v.IsZero():
			reveal = theme.faint.Render("Nothing entered yet.")
		case v.Last4() == v.String():
			reveal = "The secret is too short to show its end safely: " + v.String()
		default:
			reveal = "Ends in: " + theme.value.Render(v.Last4())
		}
	}
	return s.arrange("", func(compact bool) []string { return []string{reveal, s.status(compact)} })
}

// View implements step.
func (s secretStep) View() string { return s.layout().text }

// Apply implements step.
func (s secretStep) Apply(c config.Config) config.Config {
	c.Entra.ClientSecret = s.value()
	// Kept as typed only once valid (submit writes the cleaned date back).
	if exp, err := steps.ValidateSecretExpiry(s.form.value(secretExpires), time.Now()); err == nil {
		c.Entra.SecretExpires = exp
	}
	return c
}

// Cancel implements step.
func (s secretStep) Cancel() step { s.formBase = s.cancel(); return s }

// SetSize implements step.
func (s secretStep) SetSize(w, h int) step { s.formBase = s.setSize(w, h); return s }

// ShortHelp implements help.KeyMap.
func (s secretStep) ShortHelp() []key.Binding {
	ks := s.helpKeys("check")
	if !s.check.running() {
		ks = append(ks, keys.Reveal)
	}
	return ks
}

// FullHelp implements help.KeyMap.
func (s secretStep) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }

// appAccepted is the result of the secret step's check: Entra ID accepted
// the app and its secret (the check has no value beyond that).
type appAccepted struct{}

// pointToIDs leads the fix of a problem found here that belongs to step 2
// (Entra does not know the client ID, or the tenant) with the way back
// there: the secret step cannot correct an ID.
func pointToIDs(err error) error {
	p, ok := diagnose.As(err)
	if !ok {
		return err
	}
	field := ""
	switch p.Code {
	case diagnose.EntraAppNotFound:
		field = steps.FieldClientID
	case diagnose.EntraTenantNotFound:
		field = steps.FieldTenant
	default:
		return err
	}
	c := *p
	c.Fix = "Press esc to correct the " + field + " on step 2.\n" + p.Fix
	return &c
}
