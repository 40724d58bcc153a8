package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/debuglog"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/hostport"
	"github.com/pimmail/pimmail/queue"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/secret"
	"github.com/pimmail/pimmail/steps"
)

// cmdTest is `pimmail test`: one test email with the saved, enabled
// provider, no UI. Exit 0 only when the server accepted the message.
func cmdTest(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("test", "pimmail test [--sandbox] [--to ADDR] [--json] [--config PATH] [--verbose] [--timeout DUR] [--scenario NAME]",
		"Sends a test email with the saved configuration's enabled provider, exactly as PIM\n"+
			"mail goes out, and prints the server's reply, or the diagnosis: what happened, how\n"+
			"to fix it, and the raw details. With Microsoft Entra ID SMTP Client the access\n"+
			"token comes from the saved sign-in and is refreshed silently when needed.\n\n"+
			"With --sandbox (or --config naming a sandbox configuration) it runs the built-in\n"+
			"sandbox, or uses the one `pimmail sandbox` runs; --scenario switches a failure on\n"+
			"in a sandbox it starts itself, to rehearse what a customer sees.\n\n"+
			"Exit status: 0 when the message was accepted, 1 when it was not, 2 when the\n"+
			"configuration is missing, broken or has no provider enabled.\n"+
			"--json prints one JSON object on stdout instead (schema in the README), same exit status.", stdout, stderr)
	path := fs.String("config", "", "configuration file (default "+defaultPathText()+",\nwith --sandbox "+defaultSandboxPathText()+")")
	fs.Bool("sandbox", false, "use the sandbox's own configuration (the one pimmail --sandbox saved)")
	to := fs.String("to", "", "recipient (default: the mailbox with Entra, else the From address)")
	verbose := fs.Bool("verbose", false, "also print the SMTP conversation (secrets masked)")
	fs.BoolVar(verbose, "v", false, "short for --verbose")
	timeout := fs.Duration("timeout", steps.DefaultTimeout, "time limit of each network step")
	scenario := fs.String("scenario", "", "with a sandbox configuration: switch one failure on (see pimmail sandbox --list-scenarios)")
	asJSON := fs.Bool("json", false, "print the outcome as JSON, for monitoring (see the README's schema)")
	p, cfg, code, ok := commandConfig(fs, args, path, scenario, stderr)
	if !ok {
		return code
	}
	prov := cfg.Enabled
	if prov == config.ProviderNone {
		fmt.Fprintf(stderr, "No provider is enabled in %s.\nRun pimmail (the setup wizard) to test and enable one.\n", p)
		return exitUsage
	}
	if missing := steps.Missing(prov, cfg); len(missing) > 0 {
		fmt.Fprintf(stderr, "The %s settings in %s are incomplete (missing: %s).\nRun pimmail (the setup wizard) to complete them.\n",
			prov.Label(), p, strings.Join(missing, ", "))
		return exitUsage
	}
	if *to != "" {
		if _, err := steps.ValidateEmail(*to); err != nil {
			fmt.Fprintf(stderr, "pimmail test: --to %v\n", err)
			return exitUsage
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	env := steps.Env{ConfigPath: p}
	scenarioNow := "" // the scenario of the sandbox used, if any
	if cfg.Sandbox {
		// A sandbox configuration goes through the built-in sandbox of the
		// same state directory (same CA and signing keys, so the saved
		// sign-in is valid; the mail lands in its mail folder): the one
		// running now, else one started here.
		var sb *sandbox.Running
		var err error
		notes := stdout
		if *asJSON {
			notes = stderr // stdout holds the JSON only
		}
		env, sb, err = commandSandbox(p, *scenario, notes)
		if err != nil {
			fmt.Fprintln(stderr, "pimmail: cannot start the sandbox this configuration was made with:", err)
			return exitUsage
		}
		defer sb.Close()
		scenarioNow = sb.Scenario
	}
	env.Timeout = *timeout
	// A silent refresh rotates the refresh token: keep the new one.
	env.PersistCache = true
	run, start := steps.Open(env)
	secrets := start.Config.Secrets()
	if prov == config.ProviderEntra && start.CacheErr != nil {
		fmt.Fprintf(stderr, "Warning: the token cache cannot be used: %v\n", start.CacheErr)
	}
	signInWarnings(stderr, prov, start.Config, run)
	if w := steps.FromWarningFor(prov, start.Config); w != "" {
		fmt.Fprintln(stderr, "Warning:", w)
	}
	debuglog.Printf("cmd: test via %s (sandbox %v)", prov, cfg.Sandbox)
	began := time.Now()
	res, err := run.SendTest(ctx, prov, start.Config, *to)
	took := time.Since(began).Round(time.Millisecond)
	server := serverText(prov, start.Config)
	doc := recordTest(p, start.Config, prov, server, res, err, took)
	if *asJSON {
		printJSON(stdout, doc, secrets)
		if err != nil {
			return exitFailure
		}
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s\n\n", wrapText(fmt.Sprintf("The test email through %s (%s) did not go out.", prov.Label(), server), outputWidth(stderr)))
		printProblem(stderr, err, secrets)
		if note := ownWorkerNote(p, err); note != "" {
			fmt.Fprintf(stderr, "\n%s\n", wrapText(note, outputWidth(stderr)))
		}
		if *verbose {
			printTranscript(stderr, res.Transcript, secrets)
		}
		return exitFailure
	}
	fmt.Fprintf(stdout, "Test email sent to %s through %s (%s) in %v.\n", res.To, prov.Label(), server, took)
	if prov == config.ProviderEntra {
		fmt.Fprintf(stdout, "Sent as:      %s\n", start.Config.Entra.Mailbox)
	}
	fmt.Fprintf(stdout, "Server reply: %s\n", secret.Redact(res.Reply, secrets...))
	if res.MessageID != "" {
		fmt.Fprintf(stdout, "Message-ID:   %s\n", res.MessageID)
	}
	switch {
	case res.OwnDomainOnly:
		// The relay's own domain proves only inbound acceptance: say so
		// with the exit 0, and how to prove relaying from here.
		fmt.Fprintln(stdout, wrapText("⚠ "+steps.OwnDomainCaution+" Send a test to an external address "+
			"(pimmail test --to <external address>) before relying on it.", 79))
	case res.Note != "":
		fmt.Fprintln(stdout, "Note: "+res.Note)
	}
	if cfg.Sandbox {
		fmt.Fprintf(stdout, "This is a sandbox configuration: the message is in %s.\n", config.SandboxDir(p)+"/mail")
	}
	if scenarioNow == "send-as-denied" {
		// The test sends as the mailbox, which the scenario lets through.
		fmt.Fprintln(stdout, wrapText("Note: the send-as-denied scenario refuses only a From other than the mailbox, and "+
			"pimmail test sends as the mailbox, so it passed. To see the refusal, send with another From and keep it: "+
			"printf 'From: app@example.com\\nTo: u@example.com\\nSubject: s\\n\\nx\\n' | "+
			"pimmail send --sandbox -t --wait --keep-sender", 79))
	}
	if note := sandbox.CachedTokenNote(scenarioNow, res.Token.Cached, res.Token.ExpiresOn); note != "" {
		fmt.Fprintln(stdout, wrapText(note, 79))
	}
	if *verbose {
		printTranscript(stdout, res.Transcript, secrets)
	}
	return exitOK
}

// serverText names the server the provider talks to, as dialled.
func serverText(p config.Provider, c config.Config) string {
	// Exchange Online takes STARTTLS only; the other providers say which.
	host, port, mode := "", 0, config.TLSStartTLS
	switch p {
	case config.ProviderEntra:
		host, port = c.Entra.SmartHost, c.Entra.Port
	case config.ProviderRelay:
		host, port, mode = c.Relay.Host, c.Relay.Port, c.Relay.TLS
	case config.ProviderLocal:
		host, port, mode = c.Local.Host, c.Local.Port, c.Local.TLS
	}
	return fmt.Sprintf("%s, %s", hostport.Join(host, port), mode.Short())
}

// printTranscript prints the SMTP conversation, secrets masked once more.
func printTranscript(w io.Writer, lines []string, secrets []secret.Secret) {
	if len(lines) == 0 {
		return
	}
	fmt.Fprintln(w, "\nTranscript (tokens and passwords masked):")
	for _, l := range lines {
		fmt.Fprintln(w, "  "+secret.Redact(strings.TrimRight(l, "\r\n"), secrets...))
	}
}

// ownWorkerNote says, for a refusal because of too many connections at
// once (432 4.3.2), when this configuration's own delivery worker is
// running: it is the other program holding the mailbox's connections.
func ownWorkerNote(configPath string, err error) string {
	p, ok := diagnose.As(err)
	if !ok || p.Code != diagnose.SMTPConcurrency {
		return ""
	}
	if _, serr := os.Stat(queue.Dir(configPath)); serr != nil {
		return ""
	}
	sp, serr := queue.Open(queue.Dir(configPath))
	if serr != nil {
		return ""
	}
	running, pid := sp.WorkerRunning()
	if !running {
		return ""
	}
	who := "pimmail's delivery worker"
	if pid > 0 {
		who = fmt.Sprintf("pimmail's delivery worker (process %d)", pid)
	}
	return who + " holds connections of this mailbox while it sends the queue (pimmail queue lists it). " +
		"Test again once the queue is empty, or run the worker with fewer connections (pimmail relay / pimmail queue run --connections 1 or 2)."
}
