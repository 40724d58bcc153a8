package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/pimmail/pimmail/steps"
)

// formBase is what the steps with fields share: the form, the check that
// runs on Enter, the inline problem and the success line. Steps embed it
// and call its methods, which return the changed copy.
type formBase struct {
	info    steps.Info
	run     *steps.Run
	hints   *steps.Hints
	form    form
	check   checker
	problem problemBox
	okLine  string // what the last successful check found
	width   int
	height  int
}

// newFormBase returns the base of step id with fields.
func newFormBase(id steps.ID, fields ...field) formBase {
	return formBase{form: newForm(fields...), check: newChecker(id), width: 78, height: 20}
}

// enter takes the environment's parts every form step needs.
func (b formBase) enter(env stepEnv) formBase {
	b.info, b.run, b.hints = env.info, env.run, env.hints
	return b
}

// typing reports whether a text field has the focus.
func (b formBase) typing() bool { return b.form.inputKind() != inputNone }

// key handles the keys every form step treats alike: field navigation,
// the details toggle and editing. edited reports a changed value (the step
// then forgets results that no longer hold, as this does with the problem
// and the success line). Keys are ignored while a
// check runs: its result is about the values as they were.
func (b formBase) key(km tea.KeyMsg) (nb formBase, cmd tea.Cmd, edited bool) {
	if b.check.running() {
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
		b.problem = b.problem.toggle()
		return b, nil, false
	}
	b.form, cmd, edited = b.form.update(km)
	if edited {
		// Results and problems were about the values as they were.
		b.okLine, b.problem = "", problemBox{}
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

// compose lays out a form step's body: the help text (as much as fits),
// before, the form, then after (status, results). When it is too tall the
// fields' help lines go first: a problem or a result matters more.
func (b formBase) compose(before string, after ...string) string {
	var rest string
	for _, fieldHelp := range []bool{true, false} {
		rest = joinBlocks(append([]string{before, b.form.view(fieldHelp)}, after...)...)
		if lipgloss.Height(rest) <= b.height {
			break
		}
	}
	return joinBlocks(introFit(b.info.Help, helpKeyName(b.form.inputKind()), b.width, b.height, rest), rest)
}

// status is the running check, the problem, or the success line.
func (b formBase) status() string {
	switch {
	case b.check.running():
		return b.check.view()
	case b.problem.p != nil:
		return b.problem.view(b.width, detailsKey(b.typing()).Help().Key)
	case b.okLine != "":
		return theme.ok.Render(wrap(b.okLine, b.width))
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
		ks = append(ks, keys.Left, keys.Right)
	}
	if b.problem.hasRaw() {
		ks = append(ks, detailsKey(b.typing()))
	}
	return ks
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
