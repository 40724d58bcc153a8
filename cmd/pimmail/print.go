package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/secret"
	"github.com/pimmail/pimmail/steps"
)

// Plain-text output of the commands that print problems and notes.

// printProblem prints a diagnosis: title, explanation, fix, then the raw
// details, all with the config's secrets masked.
func printProblem(w io.Writer, err error, secrets []secret.Secret) {
	p, ok := diagnose.As(err)
	if !ok {
		var fe *steps.FieldError
		if errors.As(err, &fe) {
			p = &diagnose.Problem{Title: fe.Field + " " + fe.Message, Fix: fe.Hint}
		} else {
			p = &diagnose.Problem{Title: "Something unexpected went wrong", Raw: diagnose.Redact(err.Error()),
				Fix: "Try again; if it persists, send the details to support."}
		}
	}
	r := func(s string) string { return secret.Redact(s, secrets...) }
	fmt.Fprintln(w, r(p.Title))
	if p.Explanation != "" {
		fmt.Fprintln(w, indent(r(p.Explanation)))
	}
	if p.Fix != "" {
		fmt.Fprintln(w, "Fix:")
		fmt.Fprintln(w, indent(r(p.Fix)))
	}
	if p.Raw != "" {
		fmt.Fprintln(w, "Details:")
		fmt.Fprintln(w, indent(r(p.Raw)))
	}
}

// indent indents every line by two spaces.
func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\r\n"), "\n")
	for i, l := range lines {
		lines[i] = "  " + strings.TrimRight(l, "\r")
	}
	return strings.Join(lines, "\n")
}

// wrapText breaks s into lines of at most width columns at spaces; a word
// longer than width (a path) gets a line of its own.
func wrapText(s string, width int) string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		switch {
		case line == "":
			line = w
		case len(line)+1+len(w) <= width:
			line += " " + w
		default:
			lines = append(lines, line)
			line = w
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}
