package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/debuglog"
	"github.com/pimmail/pimmail/lineui"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/secret"
	"github.com/pimmail/pimmail/steps"
)

// The setup wizard without a screen: pimmail setup --accessible (also
// ACCESSIBLE=1 or TERM=dumb) and pimmail setup --non-interactive.

// Exit codes of the line modes (the full-screen wizard's are the same).
const (
	// exitSetupFailed: a check failed (the diagnosis is on stderr), or the
	// accessible wizard ended without saving. Nothing was saved.
	exitSetupFailed = exitFailure
	// exitSetupUsage: a bad flag, or a value missing or invalid (the
	// problem is on stderr); nothing was checked or saved.
	exitSetupUsage = exitUsage
)

// Environment variables a scripted setup takes its secrets from.
const (
	envClientSecret  = "PIMMAIL_CLIENT_SECRET"
	envRelayPassword = "PIMMAIL_RELAY_PASSWORD"
)

// lineFlags are setup's flags for the line modes.
type lineFlags struct {
	accessible, nonInteractive, enable, overwrite *bool
	secretFile, passwordFile                      *string
}

// addLineFlags defines the line modes' flags on setup's flag set.
func addLineFlags(fs *flag.FlagSet) *lineFlags {
	lf := &lineFlags{
		accessible: fs.Bool("accessible", false, "ask as plain lines, for screen readers and terminals that cannot draw\n"+
			"(also chosen by ACCESSIBLE=1 and by TERM=dumb)"),
		nonInteractive: fs.Bool("non-interactive", false, "take every answer from the flags below; run every check, send the test, save"),
		enable:         fs.Bool("enable", false, "with --non-interactive: enable the provider once its test email went through"),
		overwrite:      fs.Bool("overwrite", false, "with --non-interactive: replace a configuration pimmail cannot read (a copy is kept)"),
		secretFile: fs.String("client-secret-file", "", "with --non-interactive: file holding the client secret's Value (- for stdin);\n"+
			"or set "+envClientSecret),
		passwordFile: fs.String("relay-password-file", "", "with --non-interactive: file holding the relay password (- for stdin);\n"+
			"or set "+envRelayPassword),
	}
	for _, f := range lineui.Flags {
		fs.String(f.Name, "", "with --non-interactive: "+f.Help)
	}
	return lf
}

// lineMode says which line mode the flags and environment choose: "" for
// the full-screen wizard.
func (lf *lineFlags) lineMode() string {
	switch {
	case *lf.nonInteractive:
		return "non-interactive"
	case *lf.accessible:
		return "accessible"
	}
	if v := strings.ToLower(strings.TrimSpace(os.Getenv("ACCESSIBLE"))); v != "" && v != "0" && v != "false" {
		return "accessible"
	}
	if os.Getenv("TERM") == "dumb" {
		return "accessible"
	}
	return ""
}

// scriptedOnly refuses the scripted setup's flags without --non-interactive:
// the wizard would silently ignore them.
func (lf *lineFlags) scriptedOnly(fs *flag.FlagSet, stderr io.Writer) bool {
	if *lf.nonInteractive {
		return true
	}
	var given []string
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "config", "sandbox", "scenario", "version", "accessible":
		default:
			given = append(given, "--"+f.Name)
		}
	})
	if len(given) > 0 {
		fmt.Fprintf(stderr, "pimmail setup: %s work only with --non-interactive\n", strings.Join(given, ", "))
		return false
	}
	return true
}

// readSecretFrom reads a secret from the file path (- for stdin), else
// from the environment variable env; nil when neither is given. A final
// line end is dropped.
func readSecretFrom(path, env string, stdin io.Reader) (*secret.Secret, error) {
	var data []byte
	var err error
	switch path {
	case "":
		v, ok := os.LookupEnv(env)
		if !ok || v == "" {
			return nil, nil
		}
		data = []byte(v)
	case "-":
		data, err = io.ReadAll(io.LimitReader(stdin, 64<<10))
	default:
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	s := secret.New(strings.TrimRight(string(data), "\r\n"))
	return &s, nil
}

// cmdSetupLines runs a line mode of the wizard on the config at path.
func cmdSetupLines(lf *lineFlags, fs *flag.FlagSet, mode, path, configFlag string, withSandbox bool, scenario string,
	stdin io.Reader, stdout, stderr io.Writer) int {
	var sc lineui.Scripted
	if mode == "non-interactive" {
		sc = lineui.Scripted{Values: map[string]string{}, Enable: *lf.enable, Overwrite: *lf.overwrite}
		names := map[string]bool{}
		for _, f := range lineui.Flags {
			names[f.Name] = true
		}
		fs.Visit(func(f *flag.Flag) {
			if names[f.Name] {
				sc.Values[f.Name] = f.Value.String()
			}
		})
		if *lf.secretFile == "-" && *lf.passwordFile == "-" {
			fmt.Fprintln(stderr, "pimmail setup: only one of --client-secret-file and --relay-password-file can read standard input")
			return exitSetupUsage
		}
		var err error
		if sc.ClientSecret, err = readSecretFrom(*lf.secretFile, envClientSecret, stdin); err != nil {
			fmt.Fprintln(stderr, "pimmail setup: cannot read the client secret:", err)
			return exitSetupUsage
		}
		if sc.RelayPassword, err = readSecretFrom(*lf.passwordFile, envRelayPassword, stdin); err != nil {
			fmt.Fprintln(stderr, "pimmail setup: cannot read the relay password:", err)
			return exitSetupUsage
		}
	}

	env := steps.Env{ConfigPath: path}
	if withSandbox {
		sb, err := sandbox.Open(config.SandboxDir(path), sandbox.Options{Scenario: scenario})
		if err != nil {
			fmt.Fprintln(stderr, "pimmail: cannot start the sandbox:", err)
			return exitSetupUsage
		}
		defer sb.Close()
		env = envOf(sb, path)
	}
	ctx := context.Background()
	if mode == "non-interactive" {
		// Ctrl+C or SIGTERM cancels the check under way (the wait for the
		// sign-in too), and the run ends without saving; a second one
		// kills at once. The accessible mode keeps the default: Ctrl+C
		// ends it at once, also at a question, and nothing is saved.
		var stop context.CancelFunc
		ctx, stop = signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		context.AfterFunc(ctx, stop)
	}
	run, start := steps.Open(env)
	debuglog.Printf("cmd: %s setup on %s (sandbox %v)", mode, path, withSandbox)

	var sum steps.SaveSummary
	var err error
	problems := stderr
	if mode == "non-interactive" {
		sc.In = stdin
		sum, err = lineui.RunScripted(ctx, run, start, sc, stdout, stderr)
	} else {
		problems = stdout
		sum, err = lineui.RunAccessible(ctx, run, start, stdin, stdout)
	}
	var ue *lineui.UsageError
	switch {
	case err == nil:
		fmt.Fprint(stdout, lineui.Plain(savedText(sum, configFlag, withSandbox)))
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintln(problems, "pimmail setup: "+lineui.Plain(ue.Error())+"; nothing was saved.")
		return exitSetupUsage
	case errors.Is(err, lineui.ErrNotSaved):
	default:
		var ce *lineui.CheckError
		if !errors.As(err, &ce) {
			lineui.WriteProblem(problems, err)
		}
	}
	if start.Exists || start.LoadErr != nil {
		fmt.Fprintf(problems, "Nothing was saved; %s is unchanged.\n", path)
	} else {
		fmt.Fprintf(problems, "Nothing was saved; no configuration was written to %s.\n", path)
	}
	return exitSetupFailed
}
