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

	"github.com/pimmail/pimmail/cloud"
	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/hostport"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/secret"
	"github.com/pimmail/pimmail/steps"
)

// statusTimeout bounds the token check: status is a quick look.
const statusTimeout = 10 * time.Second

// cmdStatus is `pimmail status`.
func cmdStatus(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("status", "pimmail status [--sandbox] [--json] [--config PATH] [--scenario NAME]",
		"Shows the saved configuration with secrets masked, which provider is enabled, the\n"+
			"mailbox, when the saved sign-in (the refresh token) was last used, and whether an\n"+
			"access token can be had now (a silent refresh, at most "+statusTimeout.String()+").\n"+
			"A sandbox configuration is shown with the running sandbox's current endpoints;\n"+
			"--scenario switches a failure on in a sandbox it starts itself.\n\n"+
			"Exit status: 0 when the enabled provider looks ready, 1 when no token can be had\n"+
			"for the Entra mailbox, 2 when the configuration is missing or broken.\n"+
			"--json prints one JSON object instead (schema in the README), same exit status.", stdout, stderr)
	path := fs.String("config", "", "configuration file (default "+defaultPathText()+",\nwith --sandbox "+defaultSandboxPathText()+")")
	fs.Bool("sandbox", false, "use the sandbox's own configuration (the one pimmail --sandbox saved)")
	scenario := fs.String("scenario", "", "with a sandbox configuration: switch one failure on (see pimmail sandbox --list-scenarios)")
	asJSON := fs.Bool("json", false, "print the status as JSON, for monitoring (see the README's schema)")
	p, cfg, code, ok := commandConfig(fs, args, path, scenario, stderr)
	if !ok {
		return code
	}
	if *asJSON {
		return statusJSON(p, cfg, *scenario, stdout, stderr)
	}
	secrets := cfg.Secrets()
	out := &lines{w: stdout, secrets: secrets}

	// The run status checks with. A sandbox configuration goes through the
	// sandbox, and Open moves its endpoints to where the sandbox listens
	// now: that is what test would use, so that is what status shows.
	env := steps.Env{ConfigPath: p}
	var sbErr error
	scenarioNow := "" // the scenario of the sandbox used, if any
	if cfg.Sandbox {
		var sb *sandbox.Running
		if env, sb, sbErr = commandSandbox(p, *scenario, stdout); sbErr == nil {
			defer sb.Close()
			scenarioNow = sb.Scenario
		}
	}
	env.Timeout = statusTimeout
	env.PersistCache = true
	var run *steps.Run
	var start steps.Start
	if sbErr == nil {
		run, start = steps.Open(env)
		if start.LoadErr == nil {
			cfg = start.Config
		}
	}

	saved := ""
	if st, err := os.Stat(p); err == nil {
		saved = fmt.Sprintf(" (saved %s, mode %04o)", when(st.ModTime()), st.Mode().Perm())
	}
	out.row("Configuration", p+saved)
	enabled := "none: PIM sends no mail through pimmail's settings; run pimmail to enable a provider"
	if cfg.Enabled != config.ProviderNone {
		enabled = cfg.Enabled.Label()
	}
	out.row("Enabled", enabled)
	if cfg.Sandbox {
		out.row("Sandbox", "yes, made with pimmail --sandbox: commands run the built-in sandbox")
		if sbErr != nil {
			out.row("", "from "+config.SandboxDir(p)+", which cannot start now: "+sbErr.Error())
		} else {
			out.row("", "from "+config.SandboxDir(p)+"; its ports change each run, shown as they are now")
		}
	}
	from := cfg.Email.From
	if from == "" {
		from = "(not set"
		if cfg.Entra.Mailbox != "" {
			from += ": the mailbox with Entra"
		}
		from += ")"
	}
	out.row("From", from)
	if cfg.Email.DisplayName != "" {
		out.row("Display name", cfg.Email.DisplayName)
	}

	for _, prov := range config.Providers {
		state := "disabled"
		if prov == cfg.Enabled {
			state = "enabled"
		}
		out.blank()
		out.line(fmt.Sprintf("%s [%s]", prov.Label(), state))
		switch prov {
		case config.ProviderEntra:
			e := cfg.Entra
			cl, ok := cloud.ByName(e.Cloud)
			cloudText := e.Cloud
			if ok {
				cloudText = cl.Label
			}
			out.item("Cloud", cloudText)
			out.item("Tenant ID", orNone(e.TenantID))
			out.item("Client ID", orNone(e.ClientID))
			out.item("Client secret", masked(e.ClientSecret))
			out.item("Mailbox", orNone(e.Mailbox))
			out.item("Sign-in", e.Method.Label())
			out.item("Smart host", fmt.Sprintf("%s (%s)", hostport.Join(e.SmartHost, e.Port), config.TLSStartTLS.Short()))
		case config.ProviderRelay:
			smtpRows(out, cfg.Relay)
		case config.ProviderLocal:
			smtpRows(out, cfg.Local)
		}
		if prov == cfg.Enabled {
			if missing := steps.Missing(prov, cfg); len(missing) > 0 {
				out.item("Incomplete", "missing "+strings.Join(missing, ", ")+"; run pimmail to complete it")
			}
		}
	}

	code = exitOK
	if cfg.Enabled == config.ProviderEntra || cfg.Entra.Mailbox != "" {
		if sbErr != nil {
			out.blank()
			out.row("Token now", "not checked: the sandbox this configuration was made with cannot start: "+sbErr.Error())
			code = exitFailure
		} else {
			code = entraStatus(out, p, run, start.CacheErr, cfg, scenarioNow)
		}
		if cfg.Enabled != config.ProviderEntra {
			code = exitOK // a disabled provider's sign-in does not stop mail
		}
	}
	if w := steps.FromWarningFor(cfg.Enabled, cfg); w != "" {
		out.blank()
		out.line("Warning: " + w)
	}
	if cfg.Enabled == config.ProviderEntra {
		for _, w := range steps.SignInWarnings(cfg, run.CacheWritten(), time.Now()) {
			out.line(wrapText("Warning: "+w, 79))
		}
	}
	mailPathStatus(out, p)
	return code
}

// entraStatus prints the token cache and whether a token can be had now.
func entraStatus(out *lines, path string, run *steps.Run, cacheErr error, cfg config.Config, scenario string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if cfg.Entra.Method.Normal() == config.MethodAppOnly {
		return appOnlyStatus(ctx, out, run, cfg)
	}
	out.blank()
	cachePath := config.CachePath(path)
	switch written := run.CacheWritten(); {
	case cacheErr != nil:
		out.row("Token cache", cachePath+": cannot be used: "+strings.TrimSpace(cacheErr.Error()))
	case written.IsZero():
		out.row("Token cache", cachePath+": none yet (the mailbox has not signed in)")
	default:
		out.row("Token cache", fmt.Sprintf("%s, last written %s: the refresh token was last used then", cachePath, when(written)))
	}
	if acc := run.CacheAccounts(); len(acc) > 0 {
		out.row("Signed in", strings.Join(acc, ", "))
	}
	if cfg.Enabled != config.ProviderEntra {
		out.row("Token now", "not checked ("+config.ProviderEntra.Label()+" is disabled)")
		return exitOK
	}
	ts, err := run.CheckToken(ctx, cfg)
	if err != nil {
		msg := err.Error()
		fix := ""
		if p, ok := diagnose.As(err); ok {
			msg, fix = p.Title+": "+p.Explanation, p.Fix
		}
		out.row("Token now", "no: "+msg)
		if fix != "" {
			out.row("Fix", fix)
		}
		return exitFailure
	}
	out.row("Token now", fmt.Sprintf("yes: an access token for %s, valid until %s", ts.Mailbox, ts.ExpiresOn.Local().Format("2006-01-02 15:04 MST")))
	if note := sandbox.CachedTokenNote(scenario, ts.Cached, ts.ExpiresOn); note != "" {
		out.blank()
		out.line(wrapText(note, 79))
	}
	return exitOK
}

// smtpRows prints a plain SMTP provider's settings.
func smtpRows(out *lines, s config.SMTP) {
	out.item("Server", fmt.Sprintf("%s (%s)", hostport.Join(orNone(s.Host), s.Port), s.TLS.Short()))
	if s.Username != "" {
		out.item("Username", s.Username)
		out.item("Password", setOrNot(s.Password))
	} else {
		out.item("Login", "none (the server trusts this host)")
	}
}

// masked shows a secret as the mask plus its last 4 characters.
func masked(s secret.Secret) string {
	if s.IsZero() {
		return "(not set)"
	}
	return s.Last4()
}

// setOrNot shows only whether a password is set: its last characters,
// unlike those of a long random client secret, would give part of a
// human-chosen password away.
func setOrNot(s secret.Secret) string {
	if s.IsZero() {
		return "(not set)"
	}
	return "set (" + secret.Mask + ")"
}

func orNone(s string) string {
	if s == "" {
		return "(not set)"
	}
	return s
}

// when formats t with how long ago it was.
func when(t time.Time) string {
	ago := time.Since(t)
	var rel string
	switch {
	case ago < time.Minute:
		rel = "just now"
	case ago < time.Hour:
		rel = plural(int(ago.Minutes()), "minute") + " ago"
	case ago < 48*time.Hour:
		rel = plural(int(ago.Hours()), "hour") + " ago"
	default:
		rel = plural(int(ago.Hours()/24), "day") + " ago"
	}
	return t.Local().Format("2006-01-02 15:04 MST") + ", " + rel
}

// plural is "1 minute", "2 minutes".
func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// lines prints aligned rows with the secrets masked.
type lines struct {
	w       io.Writer
	secrets []secret.Secret
}

func (l *lines) line(s string) { fmt.Fprintln(l.w, secret.Redact(s, l.secrets...)) }
func (l *lines) blank()        { fmt.Fprintln(l.w) }
func (l *lines) row(k, v string) {
	if k != "" {
		k += ":"
	}
	l.line(fmt.Sprintf("%-14s %s", k, v))
}
func (l *lines) item(k, v string) {
	l.line(fmt.Sprintf("  %-14s %s", k+":", v))
}
