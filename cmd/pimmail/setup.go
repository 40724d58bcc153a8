package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
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
			"Exchange Online, with its values shown as hints: for demos and first tries. Its\n"+
			"configuration is kept apart, in "+defaultSandboxPathText()+";\n"+
			"the real one is never read or changed by it.\n"+
			"It needs a terminal; without one use `pimmail test` and `pimmail status`.\n\n"+
			"Without a screen: --accessible asks the same steps as plain lines (screen\n"+
			"readers, TERM=dumb, ACCESSIBLE=1), and --non-interactive takes every answer\n"+
			"from flags (secrets from a file or the environment, never a flag), runs every\n"+
			"check and exits 1 with the diagnosis on stderr when one fails.\n\n"+
			"Exit status: 0 when the wizard saved, 1 when it ended without saving, 2 on bad\n"+
			"flags or without a terminal.", stdout, stderr)
	path := fs.String("config", "", "configuration file (default "+defaultPathText()+",\nwith --sandbox "+defaultSandboxPathText()+")")
	withSandbox := fs.Bool("sandbox", false, "run against the built-in sandbox instead of Microsoft's services")
	scenario := fs.String("scenario", "", "with --sandbox: switch one failure on (see pimmail sandbox --list-scenarios)")
	showVersion := fs.Bool("version", false, "print the version and exit")
	lines := addLineFlags(fs)
	if code, done := parseFlags(fs, args, stderr); done {
		return code
	}
	if *showVersion {
		fmt.Fprint(stdout, versionText())
		return exitOK
	}
	p, err := configPath(*path, *withSandbox)
	if err != nil {
		fmt.Fprintln(stderr, "pimmail:", err)
		return exitUsage
	}
	// pimmail without --sandbox always means the real services, and
	// --sandbox never touches the real configuration: each keeps its own
	// file (a sandbox configuration checked in real mode would send its
	// IDs to Microsoft; a real one replaced by a sandbox run would leave
	// the system sending to 127.0.0.1).
	if cfg, err := config.Load(p); err == nil || *withSandbox {
		if why := modeMismatch("pimmail", p, cfg, *withSandbox); why != "" && (err == nil || isDefaultPath(p)) {
			fmt.Fprint(stderr, why)
			return exitUsage
		}
	}
	if *scenario != "" && !*withSandbox {
		fmt.Fprintln(stderr, "pimmail: --scenario works only with --sandbox")
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

	// The wizard draws its first frame at once; the sandbox (whose first
	// start in a fresh state directory generates an RSA key and a CA)
	// starts behind it, in the loader's tea.Cmd.
	var (
		sbMu   sync.Mutex
		sb     *sandbox.Running
		start  steps.Start
		opened = make(chan struct{})
	)
	open := func() (*steps.Run, steps.Start, error) {
		defer close(opened)
		env := steps.Env{ConfigPath: p}
		if *withSandbox {
			r, err := sandbox.Open(config.SandboxDir(p), sandbox.Options{Scenario: *scenario})
			if err != nil {
				return nil, steps.Start{}, err
			}
			sbMu.Lock()
			sb = r
			sbMu.Unlock()
			env = envOf(r, p)
		}
		run, st := steps.Open(env)
		sbMu.Lock()
		start = st
		sbMu.Unlock()
		return run, st, nil
	}
	defer func() {
		// A quit before the sandbox was up: wait for it, then close it.
		<-opened
		sbMu.Lock()
		defer sbMu.Unlock()
		if sb != nil {
			sb.Close()
		}
	}()
	debuglog.Printf("cmd: wizard on %s (sandbox %v)", p, *withSandbox)
	label := "Opening " + p + "…"
	if *withSandbox {
		label = "Starting the built-in sandbox…"
	}
	model := tui.NewLoader(open, label, stdout)
	// TERM=screen, vt100 and the like have bold and the basic colours, but
	// termenv takes them for Ascii, which drops every style.
	if p, ok := tui.BasicProfile(lipgloss.ColorProfile(), os.Getenv("TERM"), os.Getenv("NO_COLOR") != ""); ok {
		lipgloss.SetColorProfile(p)
	}
	prog := tea.NewProgram(model, tea.WithAltScreen(), tea.WithInput(stdin), tea.WithOutput(stdout))
	// A dropped SSH session sends SIGHUP, which would end the process with
	// the alternate screen on and the cursor hidden (Bubble Tea restores
	// the terminal on SIGINT and SIGTERM only): stop the program the way
	// that restores it. Nothing is written before the last step's save,
	// and a save is atomic, so stopping loses nothing.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	hungUp := make(chan struct{})
	go func() {
		if _, ok := <-hup; ok {
			debuglog.Printf("cmd: SIGHUP: restoring the terminal and stopping")
			close(hungUp)
			prog.Kill()
		}
	}()
	final, err := prog.Run()
	select {
	case <-hungUp:
		err = nil // the hang-up, not a failure of the wizard
	default:
	}
	if err != nil && !errors.Is(err, tea.ErrInterrupted) {
		fmt.Fprintln(stderr, "pimmail: the wizard stopped:", err)
	}
	if l, ok := final.(tui.Loader); ok {
		if err := l.Err(); err != nil {
			fmt.Fprintln(stderr, "pimmail: cannot start the sandbox:", err)
			return exitUsage
		}
		if m, ok := l.Wizard(); ok {
			if sum, saved := m.Saved(); saved {
				fmt.Fprint(stdout, savedText(sum, *path, *withSandbox))
				return exitOK
			}
		}
	}
	<-opened
	sbMu.Lock()
	st := start
	sbMu.Unlock()
	if st.Exists || st.LoadErr != nil {
		fmt.Fprintf(stdout, "Nothing was saved; %s is unchanged.\n", p)
	} else {
		fmt.Fprintf(stdout, "Nothing was saved; no configuration was written to %s.\n", p)
	}
	return exitFailure
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
	// The command to run the wizard again on this file.
	again := "pimmail"
	if sandboxMode {
		again += " --sandbox"
	}
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
		paras = append(paras, "This is the sandbox's configuration, kept apart from the real one (plain pimmail, "+
			"and the system's mail, never use it): "+again+", pimmail test --sandbox and pimmail status --sandbox run the built-in sandbox with it.")
	}
	cmd := "pimmail test"
	if sandboxMode {
		cmd += " --sandbox"
	}
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
