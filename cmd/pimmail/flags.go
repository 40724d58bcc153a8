package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
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

// newFlags returns a flag set whose --help prints GNU-style usage (the
// synopsis, what the command does, and the flags as --name VALUE) to
// stdout; parse errors are reported by parseFlags, briefly, on stderr.
func newFlags(name, synopsis, about string, stdout, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	// The flag package prints its own error and the whole usage on any
	// parse error; parseFlags says it in the admin's words instead.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	usages[fs] = usage{synopsis: synopsis, about: about, stdout: stdout}
	return fs
}

// usage is what --help prints for a flag set.
type usage struct {
	synopsis, about string
	stdout          io.Writer
}

// usages are the flag sets' help texts (one process runs one command).
var usages = map[*flag.FlagSet]usage{}

// valueNames name a flag's value in the help (--config PATH).
var valueNames = map[string]string{"config": "PATH", "to": "ADDR", "scenario": "NAME", "state-dir": "DIR"}

// printHelp prints fs's GNU-style help.
func printHelp(fs *flag.FlagSet) {
	u := usages[fs]
	w := u.stdout
	fmt.Fprintf(w, "Usage: %s\n\n%s\n\nFlags:\n", u.synopsis, u.about)
	fs.VisitAll(func(f *flag.Flag) {
		dashes := "--"
		if len(f.Name) == 1 {
			dashes = "-"
		}
		kind, text := flag.UnquoteUsage(f)
		arg := valueNames[f.Name]
		switch {
		case arg != "":
		case kind == "duration":
			arg = "DUR"
		case kind != "":
			arg = "VALUE"
		}
		head := "  " + dashes + f.Name
		if arg != "" {
			head += " " + arg
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0s" && !strings.Contains(text, "default") {
			text += " (default " + f.DefValue + ")"
		}
		lines := strings.Split(text, "\n")
		if len(head) < 22 {
			fmt.Fprintf(w, "%-22s  %s\n", head, lines[0])
		} else {
			fmt.Fprintf(w, "%s\n%24s%s\n", head, "", lines[0])
		}
		for _, l := range lines[1:] {
			fmt.Fprintf(w, "%24s%s\n", "", l)
		}
	})
	fmt.Fprintf(w, "  %-20s  %s\n", "-h, --help", "show this help")
}

// parseFlags parses args; done is true when the command must end with code
// (after --help: 0; after a bad flag or stray argument: 2).
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) (code int, done bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printHelp(fs)
			return exitOK, true
		}
		fmt.Fprintf(stderr, "pimmail %s: %s\nUsage: %s\nRun pimmail %s --help for the flags.\n",
			fs.Name(), flagError(err), usages[fs].synopsis, fs.Name())
		return exitUsage, true
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "pimmail %s: unexpected argument %q; run pimmail %s --help\n", fs.Name(), fs.Arg(0), fs.Name())
		return exitUsage, true
	}
	return 0, false
}

// flagError says a parse error of the flag package with --names.
func flagError(err error) string {
	msg := err.Error()
	for _, r := range []struct{ from, to string }{
		{"flag provided but not defined: -", "unknown flag --"},
		{"flag needs an argument: -", "a value is missing after --"},
		{"for flag -", "for --"},
	} {
		if i := strings.Index(msg, r.from); i >= 0 {
			msg = msg[:i] + r.to + strings.TrimPrefix(msg[i+len(r.from):], "-")
		}
	}
	return msg
}

// defaultSandboxPathText is the sandbox's config path for help texts.
func defaultSandboxPathText() string {
	if p, err := config.DefaultSandboxPath(); err == nil {
		return p
	}
	return "$XDG_CONFIG_HOME/pimmail/sandbox/config.json"
}

// configPath is --config, or the default path: the real configuration's,
// or with --sandbox the sandbox's own.
func configPath(flagValue string, sandboxMode bool) (string, error) {
	if strings.TrimSpace(flagValue) != "" {
		return flagValue, nil
	}
	if sandboxMode {
		return config.DefaultSandboxPath()
	}
	return config.DefaultPath()
}

// isDefaultPath reports whether p is the real configuration's default path.
func isDefaultPath(p string) bool {
	d, err := config.DefaultPath()
	return err == nil && filepath.Clean(d) == filepath.Clean(p)
}

// sandboxFlag is the value of the flag set's --sandbox (false when it has none).
func sandboxFlag(flags *flag.FlagSet) bool {
	f := flags.Lookup("sandbox")
	return f != nil && f.Value.String() == "true"
}

// modeMismatch says why the configuration at p (cfg, loaded) does not go
// with the mode asked for, or "" when it does: --sandbox never uses the
// real configuration (nor the default path, which only ever holds one),
// and a sandbox configuration at the default path (left there by an older
// pimmail) is moved to the sandbox's own place, not used as the real one.
// cmd is "pimmail" or "pimmail test" etc., for the commands shown.
func modeMismatch(cmd, p string, cfg config.Config, sandboxMode bool) string {
	switch {
	case sandboxMode && isDefaultPath(p):
		return fmt.Sprintf("%s holds the real configuration, the one PIM mail goes out with; the sandbox keeps its own in\n  %s\n"+
			"Run %s --sandbox without --config.\n", p, defaultSandboxPathText(), cmd)
	case sandboxMode && !cfg.Sandbox:
		return fmt.Sprintf("%s is a real configuration; --sandbox never uses or replaces one.\n"+
			"Run %s --sandbox without --config (the sandbox keeps its own in %s), or pass another --config PATH.\n",
			p, cmd, defaultSandboxPathText())
	case !sandboxMode && cfg.Sandbox && isDefaultPath(p):
		sb := defaultSandboxPathText()
		dir := filepath.Dir(p)
		return fmt.Sprintf("%s holds a sandbox configuration (made with an older pimmail --sandbox), so no real one is set up.\n"+
			"pimmail now keeps the sandbox's configuration in %s; move it there with\n  mkdir -p -m 700 %s\n  mv -n %s %s\n  mv -n %s %s\n"+
			"then use it with %s --sandbox, and run pimmail to set up the real one.\n",
			p, sb, shellQuote(filepath.Dir(sb)), shellQuote(p), shellQuote(sb), shellQuote(config.CachePath(p)), shellQuote(filepath.Join(dir, config.SandboxDirName)+"/"), cmd)
	case !sandboxMode && cfg.Sandbox && cmd == "pimmail":
		return fmt.Sprintf("%s is a sandbox configuration; pimmail without --sandbox always means the real services.\n"+
			"Run: pimmail --sandbox --config %s\n", p, shellQuote(p))
	}
	return ""
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
	sandboxMode := sandboxFlag(flags)
	p, err := configPath(*path, sandboxMode)
	if err != nil {
		fmt.Fprintln(stderr, "pimmail:", err)
		return "", cfg, exitUsage, false
	}
	if sandboxMode && isDefaultPath(p) {
		fmt.Fprint(stderr, modeMismatch("pimmail "+flags.Name(), p, cfg, sandboxMode))
		return "", cfg, exitUsage, false
	}
	cfg, err = config.Load(p)
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist) && sandboxMode:
		fmt.Fprintf(stderr, "No sandbox configuration at %s yet.\nRun pimmail --sandbox (the setup wizard against the built-in sandbox) in a terminal to create one.\n", p)
		return "", cfg, exitUsage, false
	case errors.Is(err, fs.ErrNotExist):
		fmt.Fprintf(stderr, "No configuration at %s yet.\nRun pimmail (the setup wizard) in a terminal to create one, or pass --config PATH.\n", p)
		if sb, serr := config.DefaultSandboxPath(); serr == nil && isDefaultPath(p) {
			if _, serr := os.Stat(sb); serr == nil {
				fmt.Fprintf(stderr, "(The sandbox's configuration is in %s: add --sandbox to use it.)\n", sb)
			}
		}
		return "", cfg, exitUsage, false
	default:
		fmt.Fprintf(stderr, "The configuration cannot be used:\n  %v\n", err)
		return "", cfg, exitUsage, false
	}
	if why := modeMismatch("pimmail "+flags.Name(), p, cfg, sandboxMode); why != "" {
		fmt.Fprint(stderr, why)
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
