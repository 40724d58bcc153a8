package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/term"

	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/secret"
	"github.com/pimmail/pimmail/steps"
)

// Plain-text output of the commands that print problems and notes.

// printProblem prints a diagnosis: title, explanation, fix, then the raw
// details, all with the config's secrets masked, the prose wrapped to the
// terminal's width (commands on lines of their own stay whole, to copy).
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
	width := outputWidth(w)
	r := func(s string) string { return secret.Redact(s, secrets...) }
	fmt.Fprintln(w, wrapProse(r(p.Title), width))
	if p.Explanation != "" {
		fmt.Fprintln(w, indent(wrapProse(r(p.Explanation), width-2)))
	}
	if p.Fix != "" {
		fmt.Fprintln(w, "Fix:")
		fmt.Fprintln(w, indent(wrapProse(r(p.Fix), width-2)))
	}
	if p.Raw != "" {
		fmt.Fprintln(w, "Details:")
		fmt.Fprintln(w, indent(wrapProse(r(p.Raw), width-2)))
	}
}

// outputWidth is the width to wrap text for w: the terminal's, else
// $COLUMNS, else 80; at least 40.
func outputWidth(w io.Writer) int {
	width := 80
	if f, ok := w.(*os.File); ok && term.IsTerminal(f.Fd()) {
		if cols, _, err := term.GetSize(f.Fd()); err == nil && cols > 0 {
			width = cols
		}
	} else if c, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && c > 0 {
		width = c
	}
	return max(40, width-1)
}

// wrapProse wraps each line of s to width at spaces. A line that starts
// with a space (a command set apart to copy) is kept whole, and so is a
// command between backticks.
func wrapProse(s string, width int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, " ") || len(l) <= width {
			continue
		}
		lines[i] = wrapWords(protectedFields(l), width)
	}
	return strings.Join(lines, "\n")
}

// protectedFields splits a line into words at spaces, except inside
// backticks: a `command` stays one word, with what is glued to it.
func protectedFields(l string) []string {
	var words []string
	var cur strings.Builder
	inCmd := false
	for _, r := range l {
		if r == '`' {
			inCmd = !inCmd
		}
		if r == ' ' && !inCmd {
			if cur.Len() > 0 {
				words = append(words, cur.String())
				cur.Reset()
			}
			continue
		}
		cur.WriteRune(r)
	}
	if cur.Len() > 0 {
		words = append(words, cur.String())
	}
	return words
}

// wrapText breaks s into lines of at most width columns at spaces; a word
// longer than width (a path) gets a line of its own.
func wrapText(s string, width int) string { return wrapWords(strings.Fields(s), width) }

// wrapWords joins words into lines of at most width columns.
func wrapWords(words []string, width int) string {
	var lines []string
	line := ""
	for _, w := range words {
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

// indent indents every line by two spaces.
func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\r\n"), "\n")
	for i, l := range lines {
		lines[i] = "  " + strings.TrimRight(l, "\r")
	}
	return strings.Join(lines, "\n")
}
