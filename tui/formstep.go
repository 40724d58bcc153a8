package tui

import (
	"context"
	"strings"
	"unicode"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/secret"
	"github.com/pimmail/pimmail/steps"
)

// basis is what a step's check result was computed from beyond its own
// fields: the earlier steps' values that matter to it (see inputsOf).
type basis struct {
	cfg      config.Config
	provider config.Provider
}

// inputsOf is the part of the configuration so far that step id's check
// depends on, besides the step's own fields. When it changes (the admin went
// back and changed an earlier step) the step's result and problem no longer
// hold and are cleared.
func inputsOf(id steps.ID, c config.Config, p config.Provider) basis {
	switch id {
	case steps.StepSecret, steps.StepLogon:
		// CheckApp and the sign-in are about this tenant and app.
		return basis{cfg: config.Config{Entra: config.Entra{TenantID: c.Entra.TenantID, ClientID: c.Entra.ClientID, Cloud: c.Entra.Cloud}}}
	case steps.StepCredentials:
		return basis{cfg: config.Config{Relay: config.SMTP{Host: c.Relay.Host, Port: c.Relay.Port, TLS: c.Relay.TLS}}}
	case steps.StepTest:
		// Everything but the test step's own fields (From, display name).
		c.Email = config.Email{}
		return basis{cfg: c, provider: p}
	case steps.StepEnable:
		return basis{cfg: c, provider: p}
	}
	// The IDs, the smart host and the server are checked on their own fields only.
	return basis{}
}

// formBase is what the steps with fields share: the form, the check that
// runs on Enter, the inline problem and the success line. Steps embed it
// and call its methods, which return the changed copy.
type formBase struct {
	id      steps.ID
	info    steps.Info
	run     *steps.Run
	hints   *steps.Hints
	form    form
	check   checker
	problem problemBox
	okLine  string // what the last successful check found
	note    string // a short note, e.g. "Cancelled."
	basis   basis  // what the shown result or problem was computed from
	touched bool   // something was typed or checked in this run
	pos     scrollPos
	width   int
	height  int
}

// newFormBase returns the base of step id with fields.
func newFormBase(id steps.ID, fields ...field) formBase {
	return formBase{id: id, form: newForm(fields...), check: newChecker(id), width: 78, height: 20}
}

// enter takes the environment's parts every form step needs. stale is true
// when the earlier steps' values the shown result was computed from
// changed: the result and problem are then cleared here, and the step
// clears its own results.
func (b formBase) enter(env stepEnv) (nb formBase, stale bool) {
	b.info, b.run, b.hints = env.info, env.run, env.hints
	if now := inputsOf(b.id, env.cfg, env.provider); now != b.basis {
		b.basis = now
		b.okLine, b.note, b.problem, b.pos = "", "", problemBox{}, scrollPos{}
		return b, true
	}
	return b, false
}

// typing reports whether a text field has the focus.
func (b formBase) typing() bool { return b.form.inputKind() != inputNone }

// begin starts fn as b's check (see startCheck); the old result, problem
// and note go.
func begin[T any](b formBase, label string, fn func(ctx context.Context) (T, error)) (formBase, tea.Cmd) {
	b.problem, b.okLine, b.note, b.pos = problemBox{}, "", "", scrollPos{}
	b.touched = true
	var cmd tea.Cmd
	b.check, cmd = startCheck(b.check, label, fn)
	return b, cmd
}

// cancel stops the running check and says so.
func (b formBase) cancel() formBase {
	if b.check.running() {
		b.note = "Cancelled."
	}
	b.check = b.check.stop()
	return b
}

// settle takes a check's result message. ok is false when msg is not the
// running check's result (stale: the step ignores it). A failure is shown
// with secrets masked; the step then reads msg.err and msg.val (a probe
// fills its result also on failure).
func (b formBase) settle(msg checkResult, secrets ...secret.Secret) (nb formBase, ok bool) {
	if b.check, ok = b.check.accept(msg); !ok {
		return b, false
	}
	if err := msg.failure(); err != nil {
		b.problem = b.problem.set(problemOf(err, secrets...))
		b.pos = scrollPos{}
	}
	return b, true
}

// key handles the keys every form step treats alike: scrolling, field
// navigation, the details toggle and editing. a is the step's body as
// drawn now. edited reports a changed value (the step then forgets results
// that no longer hold, as this does with the problem and the success line).
// Keys are ignored while a check runs: its result is about the values as
// they were.
func (b formBase) key(km tea.KeyMsg, a arranged) (nb formBase, cmd tea.Cmd, edited bool) {
	if b.check.running() {
		return b, nil, false
	}
	if pos, ok := a.scroll(km, true); ok {
		b.pos = pos
		return b, nil, false
	}
	switch {
	case key.Matches(km, keys.NextField):
		b.form = b.form.next()
		return b, nil, false
	case key.Matches(km, keys.PrevField):
		b.form = b.form.prev()
		return b, nil, false
	case key.Matches(km, detailsKey(b.typing())):
		b.problem, b.pos = b.problem.toggleDetails()
		return b, nil, false
	}
	b.form, cmd, edited = b.form.update(km)
	if edited {
		// Results and problems were about the values as they were.
		b.okLine, b.note, b.problem, b.pos = "", "", problemBox{}, scrollPos{}
		b.touched = true
	}
	return b, cmd, edited
}

// showErrors decides where the focus goes after a failed validation:
// errs[i] is field i's error. An empty field after the focused one is
// just focused, without an error (the admin pressed enter to get there);
// otherwise every error is shown and the first one focused. ok is true when
// there were no errors.
func (b formBase) showErrors(errs []error) (formBase, bool) {
	first := -1
	for i, err := range errs {
		if err != nil {
			first = i
			break
		}
	}
	if first < 0 {
		for i := range errs {
			b.form = b.form.setErr(i, nil)
		}
		return b, true
	}
	b.note = ""
	if first > b.form.focus && strings.TrimSpace(b.form.value(first)) == "" && b.form.fields[first].err == "" {
		b.form = b.form.focusOn(first)
		return b, false
	}
	for i, err := range errs {
		b.form = b.form.setErr(i, err)
	}
	b.form = b.form.focusOn(first)
	return b, false
}

// setSize fits the form to the body.
func (b formBase) setSize(width, height int) formBase {
	b.width, b.height = width, height
	b.form = b.form.setWidth(width)
	return b
}

// arrange lays out a form step's body: the intro (as much as fits), before
// (explanations above the fields, dropped with the field help), the form,
// then what after draws (status, results), which scrolls when it must.
func (b formBase) arrange(before string, after func(compact bool) []string) arranged {
	return arrange(b.info.Help, helpKeyName(b.form.inputKind()), b.width, b.height, b.pos, func(d detail) (string, string) {
		top := b.form.view(d.fieldHelp)
		if d.fieldHelp {
			top = joinBlocks(before, top)
		}
		return top, joinBlocks(after(d.compact)...)
	})
}

// status is the running check, the problem, the success line or the note.
func (b formBase) status(compact bool) string {
	switch {
	case b.check.running():
		return b.check.view(b.width)
	case b.problem.p != nil:
		return b.problem.view(b.width)
	case b.okLine != "":
		return theme.ok.Render(wrap(b.okLine, b.width))
	case b.note != "":
		return theme.faint.Render(wrap(b.note, b.width))
	}
	return ""
}

// helpKeys are the short help of a form step: what enter does, the field
// keys, and the details key when there is a problem with details.
func (b formBase) helpKeys(enter string) []key.Binding {
	if b.check.running() {
		return nil
	}
	ks := []key.Binding{withHelp(keys.Enter, enter)}
	if len(b.form.fields) > 1 {
		ks = append(ks, keys.NextField)
	}
	if b.form.inputKind() == inputNone && len(b.form.fields) > 0 {
		ks = append(ks, changeKey(b.form.fields[b.form.focus].label))
	}
	if b.problem.hasRaw() {
		ks = append(ks, detailsKey(b.typing()))
	}
	return ks
}

// changeKey is ←/→ in the footer, one entry naming what it changes
// ("←/→ change cloud"): two entries ("← previous choice", "→ next
// choice") said less in more room.
func changeKey(label string) key.Binding {
	what := label
	if r := []rune(label); len(r) > 1 && unicode.IsUpper(r[0]) && !unicode.IsUpper(r[1]) {
		what = strings.ToLower(label[:1]) + label[1:] // "Cloud" -> "cloud"; "TLS mode" stays
	}
	return key.NewBinding(key.WithKeys("left", "right"), key.WithHelp("←/→", "change "+what))
}

// fieldsHelp implements fieldHelper.
func (b formBase) fieldsHelp() string { return b.form.fieldsHelp() }

// Running implements step for the steps that embed formBase.
func (b formBase) Running() bool { return b.check.running() }

// Input implements step: what the focused field takes.
func (b formBase) Input() inputKind { return b.form.inputKind() }

// AtFirst implements step: the first field has the focus.
func (b formBase) AtFirst() bool { return b.form.atFirst() }

// Touched implements step.
func (b formBase) Touched() bool { return b.touched }

// Commands implements step: the commands of the problem on screen.
func (b formBase) Commands() []string {
	if b.check.running() {
		return nil
	}
	return b.problem.commands()
}

// problemCode implements problemCoder.
func (b formBase) problemCode() diagnose.Code {
	if b.problem.p == nil {
		return ""
	}
	return b.problem.p.Code
}

// joinBlocks joins the non-empty blocks of a view with blank lines.
func joinBlocks(blocks ...string) string {
	var out []string
	for _, s := range blocks {
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, "\n\n")
}
