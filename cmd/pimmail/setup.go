package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/term"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/debuglog"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/steps"
	"github.com/pimmail/pimmail/tui"
)

// cmdSetup is the wizard: `pimmail`, `pimmail setup`.
func cmdSetup(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("setup", "pimmail [setup] [--config PATH] [--sandbox [--scenario NAME]] [--accessible | --non-interactive FLAGS]",
		"The setup wizard. It walks through the steps of the chosen provider, checks each\n"+
			"value against the real service before moving on, sends a test email, and only\n"+
			"then enables the provider and saves. Quitting earlier (Ctrl+C, Esc on the first\n"+
			"step, a lost SSH session) leaves the previous configuration untouched.\n\n"+
			"With --sandbox the wizard runs against the built-in stand-in for Entra ID and\n"+
			"Exchange Online, with its values shown as hints: for demos and first tries.\n"+
			"A configuration made that way opens in sandbox mode without --sandbox too.\n"+
			"The full-screen wizard needs a terminal; `pimmail test` and `pimmail status`\n"+
			"work without one.\n\n"+
			"Without a screen: --accessible asks the same steps as plain lines (screen\n"+
			"readers, TERM=dumb, ACCESSIBLE=1), and --non-interactive takes every answer\n"+
			"from flags (secrets from a file or the environment, never a flag), runs every\n"+
			"check and exits 1 with the diagnosis on stderr when one fails.\n\n"+
			"Exit status: 0 when the wizard saved, 1 when it ended without saving, 2 on bad\n"+
			"flags or without a terminal.", stdout, stderr)
	path := fs.String("config", "", "configuration file (default "+defaultPathText()+")")
	withSandbox := fs.Bool("sandbox", false, "run against the built-in sandbox instead of Microsoft's services")
	scenario := fs.String("scenario", "", "with --sandbox: switch one failure on (see pimmail sandbox --list-scenarios)")
	showVersion := fs.Bool("version", false, "print the version and exit")
	lines := addLineFlags(fs)
	if code, done := parseFlags(fs, args, stderr); done {
		return code
	}
	if *showVersion {
		fmt.Fprintln(stdout, "pimmail", version)
		return exitOK
	}
	p, err := configPath(*path)
	if err != nil {
		fmt.Fprintln(stderr, "pimmail:", err)
		return exitUsage
	}
	// A sandbox configuration is only ever checked against the sandbox:
	// in real mode its prefilled IDs would be looked up at Microsoft.
	autoSandbox := !*withSandbox && isSandboxConfig(p)
	if autoSandbox {
		*withSandbox = true
	}
	if *scenario != "" && !*withSandbox {
		fmt.Fprintln(stderr, "pimmail: --scenario works only with --sandbox (or a sandbox configuration)")
		return exitUsage
	}
	if !lines.scriptedOnly(fs, stderr) {
		return exitUsage
	}
	if mode := lines.lineMode(); mode != "" {
		return cmdSetupLines(lines, fs, mode, p, *path, *withSandbox, *scenario, stdin, stdout, stderr)
	}
	if !isTerminal(stdin) || !isTerminal(stdout) {
		fmt.Fprint(stderr, noTerminal)
		return exitUsage
	}

	env := steps.Env{ConfigPath: p}
	if *withSandbox {
		sb, err := sandbox.Open(config.SandboxDir(p), sandbox.Options{Scenario: *scenario})
		if err != nil {
			fmt.Fprintln(stderr, "pimmail: cannot start the sandbox:", err)
			return exitUsage
		}
		defer sb.Close()
		env = envOf(sb, p)
	}
	run, start := steps.Open(env)
	debuglog.Printf("cmd: wizard on %s (sandbox %v, by the config %v)", p, *withSandbox, autoSandbox)
	model := tui.New(run, start).WithOutput(stdout)
	if autoSandbox {
		model = model.WithSandboxConfig()
	}
	prog := tea.NewProgram(model, tea.WithAltScreen(), tea.WithInput(stdin), tea.WithOutput(stdout))
	final, err := prog.Run()
	if err != nil && !errors.Is(err, tea.ErrInterrupted) {
		fmt.Fprintln(stderr, "pimmail: the wizard stopped:", err)
	}
	if m, ok := final.(tui.Model); ok {
		if sum, saved := m.Saved(); saved {
			fmt.Fprint(stdout, savedText(sum, *path, *withSandbox))
			return exitOK
		}
	}
	if start.Exists || start.LoadErr != nil {
		fmt.Fprintf(stdout, "Nothing was saved; %s is unchanged.\n", p)
	} else {
		fmt.Fprintf(stdout, "Nothing was saved; no configuration was written to %s.\n", p)
	}
	return exitFailure
}

// isSandboxConfig reports whether the configuration at path was made
// against the built-in sandbox (pimmail --sandbox). A missing or unusable
// file is not one: the wizard explains it in real mode.
func isSandboxConfig(path string) bool {
	c, err := config.Load(path)
	return err == nil && c.Sandbox
}

// noTerminal is what the wizard says when it cannot draw.
const noTerminal = `pimmail setup is an interactive wizard and needs a terminal, but standard input
or output is not one (a pipe, a file, or a session without a TTY; with ssh, use ssh -t).

Without a terminal, pimmail setup --accessible asks as plain lines, and
pimmail setup --non-interactive takes the answers from flags (see --help).
These commands work without a terminal:
  pimmail test [--to ADDR]   send a test email with the saved, enabled provider
  pimmail status             show the saved configuration and whether a token can be had
Run pimmail --help for more.
`

// savedText is printed after the wizard saved: what went where, and what
// to do next, wrapped for an 80-column terminal.
func savedText(sum steps.SaveSummary, configFlag string, sandboxMode bool) string {
	// The command to run the wizard again on this file. A sandbox
	// configuration opens in sandbox mode by itself: no --sandbox needed.
	again := "pimmail"
	if configFlag != "" {
		again += " --config " + shellQuote(configFlag)
	}
	var paras []string
	switch {
	case !sum.SettingsOnly:
		paras = append(paras, fmt.Sprintf("Saved %s: %s is enabled.", sum.ConfigPath, sum.Provider.Label()))
	case sum.Provider == config.ProviderNone:
		paras = append(paras, fmt.Sprintf("Saved the settings in %s; no provider is enabled, so pimmail's settings send no mail yet. "+
			"Run %s again to test and enable one.", sum.ConfigPath, again))
	default:
		paras = append(paras, fmt.Sprintf("Saved the settings in %s without enabling them; %s stays enabled. "+
			"Run %s again to test and enable the new settings.", sum.ConfigPath, sum.Provider.Label(), again))
	}
	if len(sum.NotSaved) > 0 {
		paras = append(paras, "Not saved, because mail goes out with them now and they were not tested: "+
			strings.Join(sum.NotSaved, "; ")+".")
	}
	for _, d := range sum.Disabled {
		paras = append(paras, fmt.Sprintf("%s is now disabled; its settings are kept, so switching back is one run of %s.", d.Label(), again))
	}
	if sum.Backup != "" {
		paras = append(paras, fmt.Sprintf("The previous configuration could not be used, so its settings are not in the new file; "+
			"a copy of it is kept in %s.", sum.Backup))
	}
	if sum.CachePath != "" {
		paras = append(paras, fmt.Sprintf("The mailbox's sign-in is in %s.", sum.CachePath))
	}
	if sum.Mailbox != "" && sum.Provider == config.ProviderEntra && !sum.SettingsOnly {
		paras = append(paras, fmt.Sprintf("PIM mail now goes out as %s: tell your organisation, so replies and questions reach the right people.", sum.Mailbox))
	}
	if sandboxMode {
		paras = append(paras, "This is a sandbox configuration: "+again+", pimmail test and pimmail status run the built-in sandbox with it.")
	}
	cmd := "pimmail test"
	if configFlag != "" {
		cmd += " --config " + shellQuote(configFlag)
	}
	paras = append(paras, "Check it any time with: "+cmd)
	var b strings.Builder
	for _, p := range paras {
		b.WriteString(wrapText(p, 79))
		b.WriteByte('\n')
	}
	return b.String()
}

// shellQuote quotes s for a shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+=:@", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// isTerminal reports whether r or w is a terminal (an *os.File on a tty).
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && term.IsTerminal(file.Fd())
}
