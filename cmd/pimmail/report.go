package main

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pimmail/pimmail/cloud"
	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/queue"
	"github.com/pimmail/pimmail/report"
	"github.com/pimmail/pimmail/secfile"
	"github.com/pimmail/pimmail/secret"
)

// reachTimeout bounds each stage of a connectivity check of the report.
const reachTimeout = 10 * time.Second

// cmdReport is `pimmail report`: one file for support, every secret masked.
func cmdReport(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("report", "pimmail report [--output FILE] [--config PATH] [--scenario NAME]",
		"Writes one file to send to support: pimmail's version and build, the OS and\n"+
			"terminal, the configuration with every secret masked, the status, the access\n"+
			"token's claims (never the token), the last failures with their diagnosis and\n"+
			"Entra trace and correlation IDs, the last test's SMTP conversation (masked), and\n"+
			"fresh checks of the sign-in host and the smart host (DNS, TCP, TLS version,\n"+
			"certificate issuer). The file is written with mode 0600; read it before you send it.\n\n"+
			"Exit status: 0 when the report was written, 2 when it could not be.", stdout, stderr)
	path := fs.String("config", "", "configuration file (default "+defaultPathText()+")")
	output := fs.String("output", "", "the report file (default pimmail-report-DATE.txt in the current directory)")
	scenario := fs.String("scenario", "", "with a sandbox configuration: switch one failure on (see pimmail sandbox --list-scenarios)")
	p, cfg, code, ok := commandConfig(fs, args, path, scenario, stderr)
	if !ok {
		return code
	}
	out := *output
	if out == "" {
		out = "pimmail-report-" + time.Now().UTC().Format("20060102-150405") + ".txt"
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	text := buildReport(ctx, p, cfg, *scenario, stderr, productionMask)
	if err := secfile.WriteFile(out, []byte(text)); err != nil {
		fmt.Fprintf(stderr, "pimmail report: cannot write %s: %v\n", out, err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "Support report written to %s (mode 0600). Read it, then send it to support.\n", out)
	return exitOK
}

// masking is how the report hides secrets: the configuration's fields, and
// a last pass over the whole text for every secret pimmail knows of. The
// tests swap it for one that hides nothing, to prove their search finds a
// leak (see report_test.go).
type masking struct {
	config func(config.Config) config.Config
	text   func(text string, secrets []secret.Secret) string
}

// productionMask is the masking every report gets.
var productionMask = masking{config: report.MaskConfig, text: scrub}

// scrub masks the known secrets. (The texts that quote a service, the
// problems' details, went through diagnose.Redact already; running it over
// the whole report would also mangle the harmless "AUTH LOGIN XOAUTH2".)
func scrub(text string, secrets []secret.Secret) string {
	return secret.Redact(text, secrets...)
}

// buildReport writes the report's text. Notes about the sandbox go to notes.
func buildReport(ctx context.Context, p string, cfg config.Config, scenario string, notes io.Writer, m masking) string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	section := func(title string) { w("\n== %s ==\n", title) }

	w("pimmail support report\n")
	w("Written:        %s\n", time.Now().UTC().Format(time.RFC3339))
	w("Secrets are masked: the client secret shows only its last 4 characters, passwords\nonly whether they are set, and no token appears.\n")

	section("Version and build")
	w("Version:        %s\n", version)
	if bi, ok := debug.ReadBuildInfo(); ok {
		w("Go:             %s\n", bi.GoVersion)
		w("Module:         %s %s\n", bi.Main.Path, bi.Main.Version)
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision", "vcs.time", "vcs.modified", "GOOS", "GOARCH", "-race", "CGO_ENABLED":
				w("%-15s %s\n", s.Key+":", s.Value)
			}
		}
		for _, d := range bi.Deps {
			switch d.Path {
			case "github.com/AzureAD/microsoft-authentication-library-for-go", "github.com/wneessen/go-mail",
				"github.com/charmbracelet/bubbletea", "github.com/emersion/go-smtp":
				w("Library:        %s %s\n", d.Path, d.Version)
			}
		}
	}

	section("System and terminal")
	w("OS:             %s/%s%s\n", runtime.GOOS, runtime.GOARCH, osRelease())
	host, _ := os.Hostname()
	w("Host name:      %s\n", host)
	for _, k := range []string{"TERM", "COLORTERM", "TERM_PROGRAM", "LANG", "LC_ALL", "SSH_CONNECTION", "ACCESSIBLE"} {
		if v, ok := os.LookupEnv(k); ok {
			if k == "SSH_CONNECTION" {
				v = "set (an SSH session)"
			}
			w("%-15s %s\n", k+":", v)
		}
	}
	w("Terminal:       stdin %s, stdout %s\n", ttyText(os.Stdin), ttyText(os.Stdout))
	for _, k := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR"} {
		if v, ok := os.LookupEnv(k); ok {
			w("%-15s %s\n", k+":", proxyText(v))
		}
	}
	w("(The checks below connect directly; with a proxy set, MSAL goes through it.)\n")

	section("Configuration")
	mode := ""
	if st, err := os.Stat(p); err == nil {
		mode = fmt.Sprintf(" (mode %04o, saved %s)", st.Mode().Perm(), st.ModTime().UTC().Format(time.RFC3339))
	}
	w("File:           %s%s\n", p, mode)
	w("%s", jsonText(m.config(cfg)))

	// The status, as pimmail status --json has it: token health and claims,
	// last test, mail path, diagnosis.
	run, cfgNow, cacheErr, sbErr, closeSB := openForStatus(p, cfg, scenario, notes)
	defer closeSB()
	doc, _ := statusDoc(p, cfgNow, run, cacheErr, sbErr)
	section("Status (as pimmail status --json)")
	if cacheErr != nil {
		w("Token cache:    cannot be used: %v\n", cacheErr)
	}
	w("%s", jsonText(doc))

	section("Last failures")
	failures := 0
	var ids []string
	failure := func(what string, pr *report.Problem) {
		failures++
		w("- %s\n", what)
		if pr == nil {
			return
		}
		if pr.Code != "" {
			w("    Code:        %s\n", pr.Code)
		}
		w("    Title:       %s\n", pr.Title)
		if pr.Explanation != "" {
			w("    Explanation: %s\n", pr.Explanation)
		}
		if pr.Fix != "" {
			w("    Fix:         %s\n", strings.ReplaceAll(pr.Fix, "\n", "\n                 "))
		}
		if pr.Raw != "" {
			w("    Details:     %s\n", strings.ReplaceAll(pr.Raw, "\n", "\n                 "))
		}
		if pr.TraceID != "" || pr.CorrelationID != "" {
			ids = append(ids, fmt.Sprintf("%s: trace ID %s, correlation ID %s", pr.Title, orDashText(pr.TraceID), orDashText(pr.CorrelationID)))
		}
	}
	if doc.Problem != nil {
		failure("Now (pimmail status):", doc.Problem)
	}
	if t := doc.LastTest; t != nil && !t.OK {
		failure(fmt.Sprintf("Last test, %s, through %s (%s):", t.At.Format(time.RFC3339), t.Provider, t.Server), t.Problem)
	}
	if mp := doc.MailPath; mp != nil {
		if mp.Held != nil {
			failure("The delivery worker holds the queue:", mp.Held)
		}
		if mp.LastFailure != nil {
			failure(fmt.Sprintf("Last failed delivery attempt, %s, message %s:", mp.LastFailure.At.Format(time.RFC3339), mp.LastFailure.ID), mp.LastFailure.Problem)
		}
	}
	failedMessages(p, w, failure)
	if failures == 0 {
		w("None recorded.\n")
	}

	section("Entra trace and correlation IDs")
	if len(ids) == 0 {
		w("None (no failure from Entra ID is recorded).\n")
	}
	for _, id := range ids {
		w("%s\n", id)
	}

	section("Last test's SMTP conversation (tokens and passwords masked)")
	if doc.LastTest == nil || len(doc.LastTest.Transcript) == 0 {
		w("None kept (run pimmail test to record one).\n")
	} else {
		for _, l := range doc.LastTest.Transcript {
			w("  %s\n", l)
		}
	}

	section("Connectivity, checked now")
	var roots *x509.CertPool
	signIn := cloud.Global.AuthorityURL()
	if cl, ok := cloud.ByName(cfgNow.Entra.Cloud); ok {
		signIn = cl.AuthorityURL()
	}
	if run != nil {
		env := run.Env()
		roots = env.RootCAs
		if env.Authority != "" {
			signIn = env.Authority
		}
	}
	var checks []report.Reach
	if h, port, ok := hostPort(signIn, 443); ok && (cfgNow.Enabled == config.ProviderEntra || cfgNow.Entra.TenantID != "") {
		checks = append(checks, report.Check(ctx, "sign-in (Entra ID)", h, port, false, roots, reachTimeout))
	}
	switch cfgNow.Enabled {
	case config.ProviderEntra, config.ProviderNone:
		if cfgNow.Entra.SmartHost != "" {
			checks = append(checks, report.Check(ctx, "smart host (Exchange Online)", cfgNow.Entra.SmartHost, cfgNow.Entra.Port, true, roots, reachTimeout))
		}
	case config.ProviderRelay, config.ProviderLocal:
		s := cfgNow.Relay
		if cfgNow.Enabled == config.ProviderLocal {
			s = cfgNow.Local
		}
		if s.TLS != config.TLSNone {
			checks = append(checks, report.Check(ctx, "smart host ("+cfgNow.Enabled.Label()+")", s.Host, s.Port, s.TLS == config.TLSStartTLS, roots, reachTimeout))
		} else {
			w("%s: %s:%d without TLS: not checked here (pimmail test talks to it)\n", cfgNow.Enabled.Label(), s.Host, s.Port)
		}
	}
	for _, c := range checks {
		w("%s, %s:%d%s:\n", c.Role, c.Host, c.Port, map[bool]string{true: " (STARTTLS)", false: ""}[c.StartTLS])
		switch {
		case c.DNSError != "":
			w("    DNS:  failed: %s\n", c.DNSError)
			continue
		default:
			w("    DNS:  %s\n", strings.Join(c.Addresses, ", "))
		}
		if c.TCPError != "" {
			w("    TCP:  failed after %d ms: %s\n", c.TCPMillis, c.TCPError)
			continue
		}
		w("    TCP:  connected in %d ms\n", c.TCPMillis)
		if c.TLSError != "" {
			w("    TLS:  failed: %s\n", c.TLSError)
		} else {
			w("    TLS:  %s\n", c.TLSVersion)
		}
		if c.Issuer != "" {
			w("    Certificate: %s, issued by %s, valid until %s\n", c.Subject, c.Issuer, c.Expires.UTC().Format("2006-01-02"))
		}
	}
	if run != nil && cfgNow.Sandbox {
		w("(A sandbox configuration: these are the sandbox's stand-ins on 127.0.0.1.)\n")
	}

	secrets := append(cfgNow.Secrets(), cfg.Secrets()...)
	for _, s := range cacheSecrets(config.CachePath(p)) {
		// The token, and the XOAUTH2 line made of it, raw and in base64.
		line := "user=" + cfgNow.Entra.Mailbox + "\x01auth=Bearer " + s + "\x01\x01"
		secrets = append(secrets, secret.New(s), secret.New(line), secret.New(base64.StdEncoding.EncodeToString([]byte(line))))
	}
	return m.text(b.String(), secrets)
}

// failedMessages passes the last 10 messages in the queue's failed/, with
// their diagnosis, to failure.
func failedMessages(p string, w func(string, ...any), failure func(string, *report.Problem)) {
	if _, err := os.Stat(queue.Dir(p)); err != nil {
		return
	}
	sp, err := queue.Open(queue.Dir(p))
	if err != nil {
		w("The queue cannot be read: %v\n", err)
		return
	}
	items, _ := sp.List()
	n := 0
	for i := len(items) - 1; i >= 0 && n < 10; i-- {
		it := items[i]
		if !it.Failed {
			continue
		}
		n++
		pr := queueProblem(it.State.Problem)
		if pr == nil && it.State.LastError != "" {
			pr = &report.Problem{Title: it.State.LastError}
		}
		failure(fmt.Sprintf("Failed message %s (to %d recipients, %d attempts, last %s):", it.ID, len(it.Envelope.To),
			it.State.Attempts, it.State.LastAttempt.UTC().Format(time.RFC3339)), pr)
	}
}

// cacheSecrets are the token values the token cache holds (access and
// refresh tokens), so the report's last pass masks them wherever they
// might appear. The file is only read, with secfile's permission check.
func cacheSecrets(path string) []string {
	b, err := secfile.ReadFile(path)
	if err != nil {
		return nil
	}
	var doc any
	if json.Unmarshal(b, &doc) != nil {
		return nil
	}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if s, ok := e.(string); ok && strings.EqualFold(k, "secret") && s != "" {
					out = append(out, s)
				}
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(doc)
	return out
}

// hostPort is an URL's host and port (def when it has none).
func hostPort(raw string, def int) (string, int, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", 0, false
	}
	h, ps, err := net.SplitHostPort(u.Host)
	if err != nil {
		return u.Host, def, true
	}
	port, err := strconv.Atoi(ps)
	if err != nil {
		return "", 0, false
	}
	return h, port, true
}

// osRelease is the distribution's name on Linux, "" elsewhere.
func osRelease() string {
	b, err := os.ReadFile(filepath.Join("/etc", "os-release"))
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "PRETTY_NAME="); ok {
			return ", " + strings.Trim(v, `"`)
		}
	}
	return ""
}

// ttyText says whether f is a terminal.
func ttyText(f *os.File) string {
	if isTerminal(f) {
		return "a terminal"
	}
	return "not a terminal"
}

func orDashText(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// proxyText shows a proxy setting without the password a URL may carry.
func proxyText(v string) string {
	u, err := url.Parse(v)
	if err != nil || u.Host == "" {
		return v
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
		return strings.Replace(u.String(), "@", ":"+secret.Mask+"@", 1)
	}
	return u.String()
}
