package tui

import (
	"errors"
	"slices"
	"strings"

	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/secret"
	"github.com/pimmail/pimmail/steps"
)

// problemBox shows a failed check inline: the title, what happened, what to
// do, and, one key away, the service's raw text for support.
type problemBox struct {
	p       *diagnose.Problem // nil when there is nothing to show
	showRaw bool
}

// problemOf turns a check's error into the Problem to show. The steps
// package returns *diagnose.Problem; anything else (a bug, really) still
// gets a readable box rather than a Go error string on its own. Raw texts
// are redacted once more with the secrets the wizard holds: a second line
// of defence, since producers already redact.
func problemOf(err error, secrets ...secret.Secret) *diagnose.Problem {
	if err == nil {
		return nil
	}
	p, ok := diagnose.As(err)
	if !ok {
		var fe *steps.FieldError
		if errors.As(err, &fe) {
			p = &diagnose.Problem{Code: diagnose.Unexpected, Title: fe.Field + " " + fe.Message, Fix: fe.Hint, Err: err}
		} else {
			p = &diagnose.Problem{
				Code:        diagnose.Unexpected,
				Title:       "The check failed unexpectedly",
				Explanation: "pimmail did not recognise this failure.",
				Fix:         "Press ctrl+d for the details and send them to support; try again with enter.",
				Raw:         diagnose.Redact(err.Error()),
				Err:         err,
			}
		}
	}
	q := *p
	q.Title = printable(secret.Redact(q.Title, secrets...))
	q.Explanation = printable(secret.Redact(q.Explanation, secrets...))
	q.Fix = printable(secret.Redact(q.Fix, secrets...))
	q.Raw = printable(secret.Redact(q.Raw, secrets...))
	return &q
}

// set shows p (nil clears), with the details folded.
func (b problemBox) set(p *diagnose.Problem) problemBox { return problemBox{p: p} }

// toggleDetails folds or unfolds the raw details, with the scroll position
// that goes with it: the details' start when unfolded, the top when folded.
func (b problemBox) toggleDetails() (problemBox, scrollPos) {
	if b.hasRaw() {
		b.showRaw = !b.showRaw
	}
	if b.showRaw {
		return b, anchored(detailsAnchor)
	}
	return b, scrollPos{}
}

// hasRaw reports whether there are details to toggle.
func (b problemBox) hasRaw() bool { return b.p != nil && b.p.Raw != "" }

// commands are the commands the problem names: its fix's, in order, then
// any its explanation names besides, each once.
func (b problemBox) commands() []string {
	if b.p == nil {
		return nil
	}
	var out []string
	for _, t := range []string{b.p.Fix, b.p.Explanation} {
		for _, c := range commandsIn(t) {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}

// detailsAnchor starts the unfolded details; a step scrolls to it.
const detailsAnchor = "Details ("

// view renders the box width columns wide, always in the same order:
// title, explanation, fix, details. When it does not fit, the step's body
// scrolls; the order never changes with the room, so the admin reads the
// same problem the same way on every screen.
func (b problemBox) view(width int) string {
	if b.p == nil {
		return ""
	}
	title := theme.bad.Render(wrap("✗ "+b.p.Title, width))
	var expl, fix, details string
	if b.p.Explanation != "" {
		expl = richText(b.p.Explanation, width)
	}
	if b.p.Fix != "" {
		fix = richText("Fix: "+b.p.Fix, width)
	}
	key := detailsKey(false).Help().Key
	if b.p.Raw != "" {
		if b.showRaw {
			details = theme.faint.Render(detailsAnchor+key+" hides):") + "\n" + theme.faint.Render(wrap(b.p.Raw, width))
		} else {
			details = theme.faint.Render("Details: press " + key)
		}
	}
	parts := []string{title, expl, fix, details}
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "\n")
}
