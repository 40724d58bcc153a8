package tui

import (
	"errors"
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
				Fix:         "Press d for the details and send them to support; try again with enter.",
				Raw:         err.Error(),
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

// toggle folds or unfolds the raw details.
func (b problemBox) toggle() problemBox {
	if b.p != nil && b.p.Raw != "" {
		b.showRaw = !b.showRaw
	}
	return b
}

// hasRaw reports whether there are details to toggle.
func (b problemBox) hasRaw() bool { return b.p != nil && b.p.Raw != "" }

// view renders the box width columns wide; detailsKey is the key that
// toggles the details right now ("d" or "ctrl+d").
func (b problemBox) view(width int, detailsKey string) string {
	if b.p == nil {
		return ""
	}
	var s strings.Builder
	s.WriteString(theme.bad.Render(wrap("✗ "+b.p.Title, width)))
	if b.p.Explanation != "" {
		s.WriteString("\n" + wrap(b.p.Explanation, width))
	}
	if b.p.Fix != "" {
		s.WriteString("\n" + wrap("Fix: "+b.p.Fix, width))
	}
	if b.p.Raw != "" {
		if b.showRaw {
			s.WriteString("\n" + theme.faint.Render(wrap("Details ("+detailsKey+" hides): "+b.p.Raw, width)))
		} else {
			s.WriteString("\n" + theme.faint.Render("Details: press "+detailsKey))
		}
	}
	return s.String()
}
