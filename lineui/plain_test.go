package lineui

import (
	"errors"
	"strings"
	"testing"

	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/secret"
	"github.com/pimmail/pimmail/steps"
)

func TestPlain(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Checking ... done\n", "Checking ... done\n"},
		{"\x1b[31mred\x1b[0m", "[31mred[0m"},
		{"\x1b]0;title\x07x", "]0;titlex"},
		{"a\rb\bc\td", "abc\td"},
		{"\u009b31mcsi", "31mcsi"},
		{"bad \xff utf-8", "bad  utf-8"},
	} {
		if got := Plain(tc.in); got != tc.want {
			t.Errorf("Plain(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestWriteProblemLinesMasked(t *testing.T) {
	s := secret.New("Abc8Q~verysecretvalue0123456789")
	p := &diagnose.Problem{Title: "The client secret is wrong", Explanation: "Entra ID refused \x1b[1m" + s.Reveal(),
		Fix: "Create a new client secret.\nCopy its Value.", Raw: "client_secret=" + s.Reveal()}
	var b strings.Builder
	WriteProblem(&b, p, s)
	out := b.String()
	if strings.Contains(out, s.Reveal()) || strings.Contains(out, "\x1b") {
		t.Errorf("the problem shows the secret or an escape:\n%s", out)
	}
	for _, want := range []string{"Problem: The client secret is wrong\n", "Entra ID refused", "Fix: Create a new client secret.\nCopy its Value.\n", "Details: "} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
	b.Reset()
	WriteProblem(&b, &steps.FieldError{Field: "Port", Message: "is not a number", Hint: "Enter 25 or 587."})
	if b.String() != "Problem: Port is not a number\nFix: Enter 25 or 587.\n" {
		t.Errorf("field error as %q", b.String())
	}
	b.Reset()
	WriteProblem(&b, errors.New("boom"))
	if !strings.Contains(b.String(), "Problem: The check failed unexpectedly") || !strings.Contains(b.String(), "Details: boom") {
		t.Errorf("unknown error as %q", b.String())
	}
}
