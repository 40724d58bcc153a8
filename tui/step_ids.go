package tui

import (
	"context"
	"errors"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/pimmail/pimmail/cloud"
	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/steps"
)

// The IDs step's fields, in tab order. The cloud comes last: Global is
// right for nearly everyone, so the focus starts on the tenant.
const (
	idsTenant = iota
	idsClient
	idsCloud
)

// idsStep is the Entra step that takes the Directory (tenant) ID, the
// Application (client) ID and the cloud, then checks that the tenant exists.
type idsStep struct {
	formBase
	entra config.Entra // the Entra settings as entered at the step
	// resolvedFor is the tenant field's value the last lookup found, and
	// resolved the directory (tenant) ID it found for it.
	resolvedFor, resolved string
}

// cloudLabels are the cloud choices, in cloud.All order.
func cloudLabels() []string {
	out := make([]string, len(cloud.All))
	for i, c := range cloud.All {
		out[i] = c.Label
	}
	return out
}

// cloudIndex is the position of the named cloud in cloud.All (Global when unknown).
func cloudIndex(name string) int {
	c, _ := cloud.ByName(name)
	for i, x := range cloud.All {
		if x.Name == c.Name {
			return i
		}
	}
	return 0
}

// newIDsStep prefills the fields from the saved config.
func newIDsStep(c config.Config, hints *steps.Hints) idsStep {
	tenantPH, clientPH := "a GUID, or a domain like contoso.onmicrosoft.com", "a GUID"
	if hints != nil {
		tenantPH, clientPH = "sandbox: "+hints.TenantID, "sandbox: "+hints.ClientID
	}
	tenantHelp := "Overview > Directory (tenant) ID. A verified domain works too."
	if hints != nil && hints.TenantDomain != "" {
		tenantHelp += " Sandbox domain: " + hints.TenantDomain
	}
	return idsStep{formBase: newFormBase(steps.StepIDs,
		newTextField("Directory (tenant) ID", tenantHelp, c.Entra.TenantID, tenantPH),
		newTextField("Application (client) ID", "Overview > Application (client) ID.", c.Entra.ClientID, clientPH),
		newChoiceField("Cloud", "Global, unless the tenant is in GCC High, DoD or China (21Vianet).", cloudLabels(), cloudIndex(c.Entra.Cloud)),
	)}
}

// Enter implements step.
func (s idsStep) Enter(env stepEnv) (step, tea.Cmd) {
	s.formBase, _ = s.enter(env)
	s.entra = env.cfg.Entra
	return s, nil
}

// Update implements step.
func (s idsStep) Update(msg tea.Msg) (step, tea.Cmd, outcome) {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		if key.Matches(msg, keys.Enter) && !s.check.running() {
			return s.submit()
		}
		var cmd tea.Cmd
		var edited bool
		s.formBase, cmd, edited = s.key(msg, s.layout())
		if edited {
			s = s.dropSecret()
		}
		return s, cmd, stay
	case done[string]:
		var ok bool
		if s.formBase, ok = s.settle(msg, s.entra.ClientSecret); !ok || msg.err != nil {
			return s, nil, stay
		}
		s.resolvedFor, s.resolved = s.form.value(idsTenant), msg.val
		s.okLine = "✓ Tenant found: " + msg.val
		return s, nil, next
	}
	var cmd tea.Cmd
	s.check, cmd = s.check.update(msg)
	return s, cmd, stay
}

// focusFor puts the focus on the field a problem (met at a later step) is
// about: the client ID for an unknown app, the tenant for an unknown
// tenant. Other problems leave the focus where it was.
func (s idsStep) focusFor(code diagnose.Code) idsStep {
	switch code {
	case diagnose.EntraAppNotFound:
		s.form = s.form.focusOn(idsClient)
	case diagnose.EntraTenantNotFound:
		s.form = s.form.focusOn(idsTenant)
	}
	return s
}

// validators are the ID fields' validators, by field.
var validators = map[int]func(string) (string, error){idsTenant: steps.ValidateTenant, idsClient: steps.ValidateClientID}

// dropSecret clears an ID field that now holds what looks like a client
// secret Value (pasted into the wrong field), before it is ever drawn.
func (s idsStep) dropSecret() idsStep {
	for _, i := range []int{idsTenant, idsClient} {
		if v := s.form.value(i); steps.LooksLikeSecret(v) {
			_, err := validators[i](v)
			s.form = s.form.setValue(i, "").setErr(i, secretInField(s.form.fields[i].label, err))
		}
	}
	return s
}

// submit validates the fields (showing the cleaned values) and starts
// CheckTenant with a copy of them. A value refused as a client secret is
// cleared: it must not stay on screen.
func (s idsStep) submit() (step, tea.Cmd, outcome) {
	s = s.dropSecret()
	tenant, terr := steps.ValidateTenant(s.form.value(idsTenant))
	client, cerr := steps.ValidateClientID(s.form.value(idsClient))
	errs := []error{terr, cerr, nil}
	for _, i := range []int{idsTenant, idsClient} {
		switch {
		case steps.IsSecretInIDField(errs[i]):
			s.form = s.form.setValue(i, "")
			errs[i] = secretInField(s.form.fields[i].label, errs[i])
		case s.form.fields[i].err != "" && s.form.value(i) == "":
			// Cleared as a secret just now: keep saying why.
			errs[i] = errors.New(s.form.fields[i].err)
		}
	}
	if errs[idsTenant] == nil {
		s.form = s.form.setValue(idsTenant, tenant)
	}
	if errs[idsClient] == nil {
		s.form = s.form.setValue(idsClient, client)
	}
	var ok bool
	if s.formBase, ok = s.showErrors(errs); !ok {
		return s, nil, stay
	}
	e := s.Apply(config.Config{Entra: s.entra}).Entra
	run := s.run
	var cmd tea.Cmd
	s.formBase, cmd = begin(s.formBase, "Looking up the tenant…", func(ctx context.Context) (string, error) {
		return run.CheckTenant(ctx, e)
	})
	return s, cmd, stay
}

// layout is the step's body.
func (s idsStep) layout() arranged {
	return s.arrange("", func(compact bool) []string { return []string{s.status(compact)} })
}

// View implements step.
func (s idsStep) View() string { return s.layout().text }

// Apply implements step.
//
// A tenant typed as its domain is kept as the directory (tenant) ID the
// lookup found for it: the domain and the GUID are the same tenant, so a
// saved sign-in (which belongs to the GUID) stays valid when the admin
// types one where the file had the other.
func (s idsStep) Apply(c config.Config) config.Config {
	c.Entra.TenantID = s.form.value(idsTenant)
	if s.resolved != "" && s.resolvedFor == c.Entra.TenantID {
		c.Entra.TenantID = strings.ToLower(s.resolved)
	}
	c.Entra.ClientID = s.form.value(idsClient)
	c.Entra.Cloud = cloud.All[s.form.choiceOf(idsCloud)].Name
	return c
}

// Cancel implements step.
func (s idsStep) Cancel() step { s.formBase = s.cancel(); return s }

// SetSize implements step.
func (s idsStep) SetSize(w, h int) step { s.formBase = s.setSize(w, h); return s }

// ShortHelp implements help.KeyMap.
func (s idsStep) ShortHelp() []key.Binding { return s.helpKeys("check") }

// FullHelp implements help.KeyMap.
func (s idsStep) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }
