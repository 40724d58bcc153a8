package lineui

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/term"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/secret"
	"github.com/pimmail/pimmail/steps"
)

// RunAccessible walks the wizard's steps as plain lines: each question on
// a line of its own, read from in; choices numbered; progress, the
// device code and problems written to out, with every control character
// but the line feed removed. A secret is read without echo when in is a
// terminal, else as a line. It returns ErrNotSaved when the admin quit or
// in ended before Save.
func RunAccessible(ctx context.Context, run *steps.Run, start steps.Start, in io.Reader, out io.Writer) (steps.SaveSummary, error) {
	w := plainWriter{out}
	a := &accessible{in: bufio.NewReader(in), out: w}
	if file, ok := in.(*os.File); ok && term.IsTerminal(file.Fd()) {
		a.fd, a.terminal = file.Fd(), true
	}
	f := &flow{ctx: ctx, run: run, start: start, src: a, out: w, diag: w}
	sum, err := f.walk()
	if err == nil {
		fmt.Fprintln(w, "Saved.")
	}
	return sum, err
}

// accessible asks a person, one line at a time.
type accessible struct {
	in       *bufio.Reader
	out      io.Writer
	terminal bool
	fd       uintptr
}

// line reads one answer. At the end of the input it returns ErrNotSaved;
// a last line without a line feed still counts.
func (a *accessible) line() (string, error) {
	return a.read(true)
}

// read reads one line; echo repeats it when in is not a terminal (which
// echoes itself), so a log of a piped run reads as a dialogue. A secret
// is never repeated.
func (a *accessible) read(echo bool) (string, error) {
	s, err := a.in.ReadString('\n')
	if !a.terminal {
		if echo {
			// a.out drops control characters: a typed escape
			// sequence is not replayed.
			fmt.Fprint(a.out, strings.TrimRight(s, "\r\n"))
		}
		fmt.Fprintln(a.out)
	}
	if err != nil && (s == "" || !errors.Is(err, io.EOF)) {
		if errors.Is(err, io.EOF) {
			fmt.Fprintln(a.out, "End of input.")
			return "", ErrNotSaved
		}
		return "", err
	}
	return strings.TrimRight(s, "\r\n"), nil
}

// intro writes a field's help and sandbox hint, each on a line.
func (a *accessible) intro(f field) {
	if f.help != "" {
		fmt.Fprintln(a.out, f.label+": "+strings.TrimSuffix(f.help, ".")+".")
	}
	if f.hint != "" {
		fmt.Fprintln(a.out, "Sandbox value: "+f.hint)
	}
}

func (a *accessible) choose(f field, opts []option, cur int) (int, error) {
	return a.menu(f.label+":", labelsOf(opts), cur)
}

func labelsOf(opts []option) []string {
	var l []string
	for _, o := range opts {
		l = append(l, o.label)
	}
	return l
}

// menu lists numbered choices and asks for a number until one fits; Enter
// takes cur (when it is one).
func (a *accessible) menu(title string, labels []string, cur int) (int, error) {
	fmt.Fprintln(a.out, title)
	for i, l := range labels {
		fmt.Fprintf(a.out, "%d. %s\n", i+1, l)
	}
	ask := fmt.Sprintf("Enter a number between 1 and %d", len(labels))
	if cur >= 0 {
		ask += fmt.Sprintf(" [%d]", cur+1)
	}
	for {
		fmt.Fprint(a.out, ask+": ")
		s, err := a.line()
		if err != nil {
			return 0, err
		}
		s = strings.TrimSpace(s)
		if s == "" && cur >= 0 {
			return cur, nil
		}
		if n, err := strconv.Atoi(s); err == nil && n >= 1 && n <= len(labels) {
			return n - 1, nil
		}
		fmt.Fprintf(a.out, "%q is not one of the choices.\n", s)
	}
}

func (a *accessible) text(f field, cur string) (string, error) {
	a.intro(f)
	q := f.label
	if cur != "" {
		q += " [" + cur + "]"
	}
	fmt.Fprint(a.out, q+": ")
	s, err := a.line()
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(s) == "" {
		return cur, nil
	}
	return s, nil
}

func (a *accessible) secretValue(f field, saved bool) (secret.Secret, bool, error) {
	a.intro(f)
	q := f.label + " (not shown as you type"
	if saved {
		q += "; Enter keeps the saved one"
	}
	fmt.Fprint(a.out, q+"): ")
	var s string
	if a.terminal {
		b, err := term.ReadPassword(a.fd)
		fmt.Fprintln(a.out)
		if err != nil {
			return "", false, err
		}
		s = string(b)
	} else {
		var err error
		if s, err = a.read(false); err != nil {
			return "", false, err
		}
	}
	if strings.TrimSpace(s) == "" && saved {
		fmt.Fprintln(a.out, "The saved "+strings.ToLower(f.label)+" is kept.")
		return "", true, nil
	}
	return secret.New(s), false, nil
}

func (a *accessible) invalid(field, error) error { return nil }

func (a *accessible) failed(_ error, canSave bool) (after, error) {
	labels := []string{"Try again (Enter keeps each value)"}
	acts := []after{tryAgain}
	if canSave {
		labels = append(labels, "Save the settings without enabling them")
		acts = append(acts, saveSettings)
	}
	labels = append(labels, "Quit without saving")
	acts = append(acts, quit)
	i, err := a.menu("What now?", labels, 0)
	if err != nil {
		return quit, err
	}
	return acts[i], nil
}

func (a *accessible) keepSignIn(mailbox string) (bool, error) {
	i, err := a.menu("The mailbox signed in before:", []string{"Keep the sign-in as " + mailbox, "Sign in again"}, 0)
	return i == 0, err
}

func (a *accessible) signedIn(string) error { return nil }

func (a *accessible) pasted() (string, error) { return a.line() }

func (a *accessible) enable(p config.Provider, passed bool) (after, error) {
	if !passed {
		i, err := a.menu("The test email did not go through in this run, so "+p.Label()+" cannot be enabled.",
			[]string{"Save the settings without enabling them", "Quit without saving"}, 0)
		return []after{saveSettings, quit}[i], err
	}
	i, err := a.menu("The test passed.", []string{"Enable " + p.Label() + " and save", "Save the settings without enabling them",
		"Quit without saving"}, 0)
	return []after{enableAndSave, saveSettings, quit}[i], err
}

func (a *accessible) consent(why error) (bool, error) {
	fmt.Fprintln(a.out, "Saving replaces a configuration pimmail could not read: "+Plain(fmt.Sprint(why)))
	i, err := a.menu("Replace it? pimmail keeps a copy of it beside the new one.", []string{"Replace it", "Quit without saving"}, 1)
	return i == 0, err
}
