package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/sandbox"
)

// The flags every command parses the same way, and the configuration the
// commands that read one (test, status) load.

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

// checkScenarioFlag refuses --scenario for a configuration that is not a
// sandbox one (it would change nothing), and an unknown scenario name.
func checkScenarioFlag(cmd, scenario string, cfg config.Config, stderr io.Writer) bool {
	if scenario == "" {
		return true
	}
	if !cfg.Sandbox {
		fmt.Fprintf(stderr, "pimmail %s: --scenario works only with a sandbox configuration (made with pimmail --sandbox);\n"+
			"this one talks to the real services.\n", cmd)
		return false
	}
	if names := sandbox.ScenarioNames(); !slices.Contains(names, scenario) {
		fmt.Fprintf(stderr, "pimmail %s: unknown scenario %q; the scenarios are: %s\n", cmd, scenario, strings.Join(names, ", "))
		return false
	}
	return true
}
