package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/charmbracelet/x/term"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/secret"
	"github.com/pimmail/pimmail/steps"
)

// defaultPathText is the default config path for help texts.
func defaultPathText() string {
	if p, err := config.DefaultPath(); err == nil {
		return p
	}
	return "$XDG_CONFIG_HOME/pimmail/config.json"
}

// newFlags returns a flag set whose -h prints usage (a summary line and
// the flags) to stdout, and whose errors go to stderr.
func newFlags(name, synopsis, about string, stdout, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stdout, "Usage: %s\n\n%s\n\nFlags:\n", synopsis, about)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(stderr)
	}
	return fs
}

// parseFlags parses args; done is true when the command must end with code
// (after --help: 0; after a bad flag or stray argument: 2).
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) (code int, done bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, true
		}
		fmt.Fprintf(stderr, "Run pimmail %s --help for the flags.\n", fs.Name())
		return exitUsage, true
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "pimmail %s: unexpected argument %q; run pimmail %s --help\n", fs.Name(), fs.Arg(0), fs.Name())
		return exitUsage, true
	}
	return 0, false
}

// configPath is --config, or the default path.
func configPath(flagValue string) (string, error) {
	if strings.TrimSpace(flagValue) != "" {
		return flagValue, nil
	}
	return config.DefaultPath()
}

// isTerminal reports whether r or w is a terminal (an *os.File on a tty).
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && term.IsTerminal(file.Fd())
}

// hintsFor are the sandbox's values: the well-known directory's constants
// and the ports it listens on now.
func hintsFor(sb *sandbox.Sandbox) *steps.Hints { return hintsFrom(sb.Endpoints()) }

// hintsFrom are the hints for a sandbox listening at ep.
func hintsFrom(ep sandbox.Endpoints) *steps.Hints {
	return &steps.Hints{
		TenantID:     sandbox.DefaultTenantID,
		TenantDomain: sandbox.DefaultTenantDomain,
		ClientID:     sandbox.DefaultClientID,
		ClientSecret: sandbox.DefaultClientSecret,
		SecretID:     sandbox.DefaultSecretID,
		Mailbox:      sandbox.DefaultMailbox,
		SmartHost:    ep.SMTPHost,
		SmartPort:    ep.SMTPPort,
		RelayHost:    ep.RelayHost,
		RelayPort:    ep.RelayPort,
		LocalHost:    ep.LocalHost,
		LocalPort:    ep.LocalPort,
		RelayDomain:  sandbox.RelayDomain,
	}
}

// commandConfig parses the flags of test or status (flags, whose --config
// and --scenario values land in path and scenario) and loads the
// configuration the command works on, explaining what makes it unusable,
// and refusing --scenario for a real one. When ok is false the command ends
// with code.
func commandConfig(flags *flag.FlagSet, args []string, path, scenario *string, stderr io.Writer) (p string, cfg config.Config, code int, ok bool) {
	if code, done := parseFlags(flags, args, stderr); done {
		return "", cfg, code, false
	}
	p, err := configPath(*path)
	if err != nil {
		fmt.Fprintln(stderr, "pimmail:", err)
		return "", cfg, exitUsage, false
	}
	cfg, err = config.Load(p)
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist):
		fmt.Fprintf(stderr, "No configuration at %s yet.\nRun pimmail (the setup wizard) in a terminal to create one, or pass --config PATH.\n", p)
		return "", cfg, exitUsage, false
	default:
		fmt.Fprintf(stderr, "The configuration cannot be used:\n  %v\n", err)
		return "", cfg, exitUsage, false
	}
	if !checkScenarioFlag(flags.Name(), *scenario, cfg, stderr) {
		return "", cfg, exitUsage, false
	}
	return p, cfg, exitOK, true
}

// secretsOf are the config's secrets, masked in everything printed.
func secretsOf(c config.Config) []secret.Secret {
	return []secret.Secret{c.Entra.ClientSecret, c.Relay.Password, c.Local.Password}
}

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
