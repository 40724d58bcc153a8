package tui

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/pimmail/pimmail/steps"
)

// fieldKind is what a form field holds.
type fieldKind int

const (
	textField   fieldKind = iota // a text input
	secretField                  // a masked text input
	choiceField                  // one of a few options, changed with ←/→
)

// field is one labelled input of a step's form, with its inline error.
type field struct {
	kind    fieldKind
	label   string
	help    string // where to find the value; shown under the field when there is no error
	input   textinput.Model
	choices []string
	choice  int
	err     string // the inline validation error, "" when none
	// free is true when "?" is a valid character of the value (secrets,
	// names): then "?" is typed, not help.
	free bool
}

// newInput returns a text input set up the wizard's way: no prompt (the
// label is the prompt), a steady cursor (a blinking one redraws the screen
// twice a second, which is noise over a slow SSH link), and the wizard's
// key map.
func newInput(value, placeholder string, limit int) textinput.Model {
	in := textinput.New()
	in.Prompt = ""
	in.Placeholder = placeholder
	in.PlaceholderStyle = theme.faint
	in.CharLimit = limit
	in.KeyMap = inputKeyMap()
	in.Cursor.SetMode(cursor.CursorStatic)
	in.SetValue(value)
	return in
}

// newTextField returns a text field holding value.
func newTextField(label, help, value, placeholder string) field {
	return field{kind: textField, label: label, help: help, input: newInput(value, placeholder, 320)}
}

// newSecretField returns a masked field. The value is drawn as one * per
// character and nothing else; the step decides what more to show.
func newSecretField(label, help, placeholder string) field {
	in := newInput("", placeholder, 1024)
	in.EchoMode = textinput.EchoPassword
	in.EchoCharacter = '*'
	return field{kind: secretField, label: label, help: help, input: in, free: true}
}

// newChoiceField returns a field that picks one of choices.
func newChoiceField(label, help string, choices []string, choice int) field {
	// The input is unused, but a zero textinput.Model cannot take Focus.
	return field{kind: choiceField, label: label, help: help, choices: choices, choice: choice, input: newInput("", "", 1)}
}

// form is a step's list of fields with one focused. Its fields slice is
// copied before every change, so earlier copies of a model never see later
// edits (the models are values, Elm style).
type form struct {
	fields []field
	focus  int
	width  int
}

// newForm returns a form with the first field focused.
func newForm(fields ...field) form {
	f := form{fields: fields, width: 78}
	return f.focusOn(0).setWidth(78)
}

// labelWidth is the width of the label column.
func (f form) labelWidth() int {
	w := 0
	for _, fl := range f.fields {
		w = max(w, ansi.StringWidth(fl.label))
	}
	return w
}

// setWidth fits the text inputs to width columns.
func (f form) setWidth(width int) form {
	f.width = width
	f.fields = slices.Clone(f.fields)
	in := max(10, width-(2+f.labelWidth()+2)-1)
	for i := range f.fields {
		f.fields[i].input.Width = in
		// The input keeps the window it scrolled to at the old width
		// (a middle slice of the value after a resize): redo it.
		f.fields[i].input = startVisible(f.fields[i].input)
	}
	return f
}

// startVisible places the cursor so the value's start shows: at the end
// when the whole value fits the input (typing appends), at the start when
// it does not (a 36-character ID in a narrow terminal then shows its first
// characters, not a middle slice; End goes to the end).
func startVisible(in textinput.Model) textinput.Model {
	n := len([]rune(in.Value()))
	if n <= in.Width {
		in.SetCursor(n)
		return in
	}
	in.SetCursor(n) // resets the scrolled window
	in.SetCursor(0)
	return in
}

// focusOn moves the focus to field i.
func (f form) focusOn(i int) form {
	if i < 0 || i >= len(f.fields) {
		return f
	}
	f.fields = slices.Clone(f.fields)
	for j := range f.fields {
		if j == i {
			f.fields[j].input.Focus()
			f.fields[j].input = startVisible(f.fields[j].input)
		} else {
			f.fields[j].input.Blur()
		}
	}
	f.focus = i
	return f
}

// next moves the focus to the next field, wrapping around.
func (f form) next() form { return f.focusOn((f.focus + 1) % len(f.fields)) }

// prev moves the focus to the previous field; at the first it stays (the
// wizard then goes back a step).
func (f form) prev() form { return f.focusOn(f.focus - 1) }

// atFirst reports whether the first field has the focus.
func (f form) atFirst() bool { return f.focus == 0 }

// inputKind says what the focused field takes.
func (f form) inputKind() inputKind {
	if len(f.fields) == 0 {
		return inputNone
	}
	fl := f.fields[f.focus]
	switch {
	case fl.kind == choiceField:
		return inputNone
	case fl.free:
		return inputFree
	}
	return inputText
}

// value returns field i's text as typed.
func (f form) value(i int) string { return f.fields[i].input.Value() }

// choiceOf returns field i's chosen option.
func (f form) choiceOf(i int) int { return f.fields[i].choice }

// setValue replaces field i's text (e.g. with the cleaned value).
func (f form) setValue(i int, v string) form {
	if f.fields[i].input.Value() == v {
		return f
	}
	f.fields = slices.Clone(f.fields)
	f.fields[i].input.SetValue(v)
	f.fields[i].input.CursorEnd() // the cleaned value replaces the typed one whole
	return f
}

// setPlaceholder replaces field i's placeholder.
func (f form) setPlaceholder(i int, p string) form {
	f.fields = slices.Clone(f.fields)
	f.fields[i].input.Placeholder = p
	return f
}

// setErr shows err under field i; a *steps.FieldError shows its message and
// hint (the label already names the field). nil clears.
func (f form) setErr(i int, err error) form {
	f.fields = slices.Clone(f.fields)
	f.fields[i].err = fieldErrText(err)
	return f
}

// fieldErrText is the inline text for a validation error.
func fieldErrText(err error) string {
	if err == nil {
		return ""
	}
	var fe *steps.FieldError
	if errors.As(err, &fe) {
		s := fe.Field + " " + fe.Message
		if !strings.HasSuffix(s, ".") {
			s += "."
		}
		if fe.Hint != "" {
			s += " " + fe.Hint
		}
		return s
	}
	return err.Error()
}

// update passes a key to the focused field. changed reports whether a
// value changed, so the step can drop results that no longer hold; the
// field's own error is cleared as soon as it is edited.
func (f form) update(msg tea.Msg) (form, tea.Cmd, bool) {
	km, ok := msg.(tea.KeyMsg)
	if !ok || len(f.fields) == 0 {
		return f, nil, false
	}
	f.fields = slices.Clone(f.fields)
	fl := &f.fields[f.focus]
	switch fl.kind {
	case choiceField:
		n := len(fl.choices)
		switch {
		case key.Matches(km, keys.Left):
			fl.choice = (fl.choice + n - 1) % n
		case key.Matches(km, keys.Right), km.String() == " ":
			fl.choice = (fl.choice + 1) % n
		default:
			return f, nil, false
		}
		fl.err = ""
		return f, nil, true
	default:
		before := fl.input.Value()
		note := ""
		if km.Type == tea.KeyRunes {
			// Control characters, direction controls and escape sequences
			// never reach a field (nor the screen): they are removed as
			// they arrive, and the field says so.
			clean, removed := steps.StripControls(string(km.Runes))
			if removed > 0 {
				note = fmt.Sprintf("%s: pimmail removed %d control or invisible character(s) (terminal codes, text-direction marks) "+
					"from what was pasted or typed; check the value.", fl.label, removed)
				km.Runes = []rune(clean)
			}
			// The input would cut a long paste silently at its limit (a
			// 10 kB address then reads "has no @"): refuse it whole, and say why.
			if n, limit := len([]rune(before))+len(km.Runes), fl.input.CharLimit; limit > 0 && n > limit {
				fl.err = fmt.Sprintf("%s is too long: it would have %d characters, and this field takes at most %d. "+
					"Nothing was added; copy the value alone.", fl.label, n, limit)
				return f, nil, false
			}
			if len(km.Runes) == 0 {
				fl.err = note
				return f, nil, false
			}
		}
		var cmd tea.Cmd
		fl.input, cmd = fl.input.Update(km)
		changed := fl.input.Value() != before
		if changed {
			fl.err = note
		}
		return f, cmd, changed
	}
}

// unfocused draws a field without the focus: the value (masked for a
// secret) from its start, cut with a trailing "…" when it is wider than the
// input, or the placeholder. (The text input itself would show whatever
// window the cursor left, with no sign that anything is cut.)
func (f form) unfocused(fl field) string {
	v := fl.input.Value()
	if v == "" {
		return theme.faint.Render(ansi.Truncate(fl.input.Placeholder, fl.input.Width, "…"))
	}
	if fl.kind == secretField {
		v = strings.Repeat(string(fl.input.EchoCharacter), len([]rune(v)))
	}
	return ansi.Truncate(v, fl.input.Width, "…")
}

// focused draws the field with the focus: the text input, and a leading
// "…" when the cursor is at the end and the value's start has scrolled
// out of view, as unfocused fields mark their cut end.
func (f form) focused(fl field) string {
	v := strings.TrimRight(fl.input.View(), " ")
	n := len([]rune(fl.input.Value()))
	switch {
	case n > fl.input.Width && fl.input.Position() == n:
		v = ansi.TruncateLeft(v, 1, "…")
	case n > fl.input.Width && fl.input.Position() == 0:
		// The start is shown (see startVisible): mark the cut end.
		if w := ansi.StringWidth(v); w > 1 {
			v = ansi.Truncate(v, w-1, "") + "…"
		}
	}
	return v
}

// hintBelow reports whether fl's placeholder is shown below the field
// rather than in it: the field is empty and the placeholder does not fit.
func hintBelow(fl field) bool {
	return fl.kind != choiceField && fl.input.Value() == "" && fl.input.Placeholder != "" &&
		ansi.StringWidth(fl.input.Placeholder) > fl.input.Width
}

// fieldsHelp lists each field's help line, for the help screen (the form
// leaves them out when space is short).
func (f form) fieldsHelp() string {
	var lines []string
	for _, fl := range f.fields {
		if fl.help != "" {
			lines = append(lines, fl.label+": "+fl.help)
		}
	}
	return strings.Join(lines, "\n")
}

// view draws the fields: label and value on one line, the error (or, with
// fieldHelp, the help) indented below. The focused field is marked with ›
// so the focus shows without colour.
func (f form) view(fieldHelp bool) string {
	lw := f.labelWidth()
	var b strings.Builder
	for i, fl := range f.fields {
		if i > 0 {
			b.WriteString("\n\n")
		}
		mark, lab := "  ", theme.label
		if i == f.focus {
			mark, lab = "› ", theme.focus
		}
		b.WriteString(lab.Render(mark + padRight(fl.label, lw)))
		b.WriteString("  ")
		below, hint := hintBelow(fl), fl.input.Placeholder
		switch {
		case fl.kind == choiceField:
			c := fl.choices[fl.choice]
			if i == f.focus {
				b.WriteString("‹ " + theme.value.Render(c) + " ›")
			} else {
				b.WriteString("  " + c)
			}
		case below:
			// The placeholder is a hint to read whole (the sandbox's value
			// to paste): it goes below, wrapped, not cut in the field.
			if i == f.focus {
				fl.input.Placeholder = ""
				b.WriteString(f.focused(fl))
			}
		case i == f.focus:
			b.WriteString(f.focused(fl))
		default:
			b.WriteString(f.unfocused(fl))
		}
		type subLine struct {
			text  string
			style lipgloss.Style
		}
		var subs []subLine
		if below {
			subs = append(subs, subLine{hint, theme.faint})
		}
		switch {
		case fl.err != "":
			subs = append(subs, subLine{"✗ " + fl.err, theme.bad})
		case fieldHelp && fl.help != "":
			subs = append(subs, subLine{fl.help, theme.faint})
		}
		for _, s := range subs {
			for _, line := range strings.Split(wrap(s.text, max(20, f.width-4)), "\n") {
				b.WriteString("\n    " + s.style.Render(line))
			}
		}
	}
	return b.String()
}
