package lineui

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/secret"
	"github.com/pimmail/pimmail/steps"
)

// plainWriter passes text on without any control character but line feed
// and tab: no escape sequence (colour, cursor movement, alternate screen,
// a terminal title) can reach a screen reader or a dumb terminal, whatever
// a server's reply, a pasted value or an error text carried.
type plainWriter struct{ w io.Writer }

// Write implements io.Writer; it reports len(p) written when everything
// that was kept was written.
func (p plainWriter) Write(b []byte) (int, error) {
	if _, err := io.WriteString(p.w, Plain(string(b))); err != nil {
		return 0, err
	}
	return len(b), nil
}

// Plain is s without control characters other than line feed and tab
// (ESC, CR, BEL, backspace, C1 controls and invalid UTF-8 are dropped).
func Plain(s string) string {
	s = strings.ToValidUTF8(s, "")
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

// problemOf is err as a diagnosis: a *diagnose.Problem as it is, a
// *steps.FieldError as its title and hint, anything else as an
// unexpected failure with its (redacted) text as the details.
func problemOf(err error) *diagnose.Problem {
	if p, ok := diagnose.As(err); ok {
		return p
	}
	var fe *steps.FieldError
	if errors.As(err, &fe) {
		return &diagnose.Problem{Code: diagnose.Unexpected, Title: fe.Field + " " + fe.Message, Fix: fe.Hint, Err: err}
	}
	return &diagnose.Problem{Code: diagnose.Unexpected, Title: "The check failed unexpectedly",
		Explanation: "pimmail did not recognise this failure.",
		Fix:         "Try again; if it persists, send the details below to support.",
		Raw:         diagnose.Redact(err.Error()), Err: err}
}

// WriteProblem writes a diagnosis as lines: "Problem: title", the
// explanation, "Fix:" and the fix (a command stays on a line of its own),
// then "Details:" and the service's own answer, every secret masked.
func WriteProblem(w io.Writer, err error, secrets ...secret.Secret) {
	p := problemOf(err)
	r := func(s string) string { return Plain(secret.Redact(strings.TrimRight(s, "\n"), secrets...)) }
	fmt.Fprintln(w, "Problem: "+r(p.Title))
	if p.Explanation != "" {
		fmt.Fprintln(w, r(p.Explanation))
	}
	if p.Fix != "" {
		fmt.Fprintln(w, "Fix: "+r(p.Fix))
	}
	if p.Raw != "" {
		fmt.Fprintln(w, "Details: "+r(p.Raw))
	}
}
