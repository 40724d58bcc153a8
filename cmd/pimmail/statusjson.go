package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/debuglog"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/queue"
	"github.com/pimmail/pimmail/report"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/secret"
	"github.com/pimmail/pimmail/steps"
)

// The JSON of pimmail status --json and pimmail test --json: the schema
// is report.Status; this file fills it.

// statusDoc is pimmail status as a report.Status, with the exit code
// status has. run is nil when the sandbox could not start (sbErr).
func statusDoc(p string, cfg config.Config, run *steps.Run, cacheErr, sbErr error) (report.Status, int) {
	doc := report.Status{Schema: report.Schema, Command: "status", Time: time.Now().UTC(), Config: p,
		Sandbox: cfg.Sandbox, Provider: providerName(cfg.Enabled), Mailbox: cfg.Entra.Mailbox, From: cfg.Email.From,
		Missing: steps.Missing(cfg.Enabled, cfg)}
	if cfg.Enabled == config.ProviderNone {
		doc.Missing = nil
	}
	code := exitOK
	if cfg.Enabled == config.ProviderEntra || cfg.Entra.Mailbox != "" {
		tok := &report.Token{Accounts: []string{}}
		doc.Token = tok
		switch {
		case sbErr != nil:
			doc.Problem = &report.Problem{Code: "sandbox.unavailable", Title: "The sandbox this configuration was made with cannot start",
				Raw: sbErr.Error(), Fix: "Stop other pimmail sandbox processes for this configuration, or run pimmail --sandbox again."}
			code = exitFailure
		default:
			if w := run.CacheWritten(); !w.IsZero() {
				tok.CacheWritten = &w
			}
			if acc := run.CacheAccounts(); len(acc) > 0 {
				tok.Accounts = acc
			}
			if cfg.Enabled == config.ProviderEntra {
				ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
				ts, err := run.CheckToken(ctx, cfg)
				stop()
				tok.Checked = true
				if err != nil {
					doc.Problem = problemOf(err, cfg.Secrets())
					code = exitFailure
				} else {
					tok.OK, tok.Cached = true, ts.Cached
					exp := ts.ExpiresOn.UTC()
					tok.ExpiresAt = &exp
					tok.Claims = claimsOf(ts)
				}
			}
		}
		if cfg.Enabled != config.ProviderEntra {
			code = exitOK
		}
	}
	if t, ok := report.LoadLastTest(p); ok {
		doc.LastTest = &t
	}
	doc.MailPath = mailPathDoc(p)
	if cacheErr != nil && doc.Token != nil {
		doc.Token.CacheError = cacheErr.Error()
	}
	doc.OK = code == exitOK
	return doc, code
}

// claimsOf is the schema's view of the token's non-secret claims.
func claimsOf(ts steps.TokenStatus) *report.Claims {
	c := ts.Claims
	if len(c.Audiences) == 0 && len(c.Scopes) == 0 && c.UPN == "" {
		return nil
	}
	return &report.Claims{Audience: c.Audiences, Scopes: c.Scopes, Roles: c.Roles, UPN: c.UPN, TenantID: c.TenantID, Expires: c.ExpiresAt.UTC()}
}

// providerName is the provider as the schema names it.
func providerName(p config.Provider) string {
	if p == config.ProviderNone {
		return "none"
	}
	return string(p)
}

// problemOf is err as the schema's Problem, secrets masked.
func problemOf(err error, secrets []secret.Secret) *report.Problem {
	p, ok := diagnose.As(err)
	var rp *report.Problem
	if ok {
		rp = report.ProblemOf(p)
	} else {
		var fe *steps.FieldError
		if errors.As(err, &fe) {
			rp = &report.Problem{Title: fe.Field + " " + fe.Message, Fix: fe.Hint}
		} else {
			rp = &report.Problem{Title: "Something unexpected went wrong", Raw: diagnose.Redact(err.Error()),
				Fix: "Try again; if it persists, send the details to support."}
		}
	}
	r := func(s string) string { return secret.Redact(s, secrets...) }
	rp.Title, rp.Explanation, rp.Fix, rp.Raw = r(rp.Title), r(rp.Explanation), r(rp.Fix), r(diagnose.Redact(rp.Raw))
	return rp
}

// queueProblem is a stored diagnosis as the schema's Problem.
func queueProblem(d *queue.Diagnosis) *report.Problem {
	if d == nil {
		return nil
	}
	return &report.Problem{Title: d.Title, Explanation: d.Explanation, Fix: d.Fix, Raw: d.Raw}
}

// mailPathDoc is status's mail-path section as the schema's MailPath.
func mailPathDoc(configPath string) *report.MailPath {
	mp := &report.MailPath{}
	if _, err := os.Stat(queue.Dir(configPath)); errors.Is(err, fs.ErrNotExist) {
		return mp
	}
	mp.Spool = true
	sp, err := queue.Open(queue.Dir(configPath))
	if err != nil {
		mp.Error = err.Error()
		return mp
	}
	if rs, ok := sp.ReadRelayState(); ok && rs.PID > 0 && processAlive(rs.PID) {
		mp.RelayListening, mp.RelayAddress = true, rs.Listen
	}
	mp.WorkerRunning, _ = sp.WorkerRunning()
	items, _ := sp.List()
	var oldest time.Time
	for _, it := range items {
		if it.Failed {
			mp.Failed++
			continue
		}
		mp.Queued++
		if oldest.IsZero() || it.Envelope.Received.Before(oldest) {
			oldest = it.Envelope.Received
		}
	}
	if mp.Queued > 0 {
		mp.OldestAgeSeconds = int64(time.Since(oldest).Seconds())
	}
	ws, wsErr := sp.ReadWorkerStatus()
	if wsErr == nil && ws.Held != nil && (mp.WorkerRunning || mp.Queued > 0) {
		mp.Held = queueProblem(ws.Held)
	}
	if ds, _ := sp.Deliveries(); len(ds) > 0 {
		last := ds[len(ds)-1]
		mp.LastDelivery = &report.Event{At: last.At.UTC(), ID: last.ID, Text: last.Reply}
	}
	if wsErr == nil && ws.LastFailure != nil {
		mp.LastFailure = &report.Event{At: ws.LastFailureAt.UTC(), ID: ws.LastFailureID, Text: ws.LastFailure.Title,
			Problem: queueProblem(ws.LastFailure)}
	}
	return mp
}

// printJSON writes doc as indented JSON with the secrets masked once more
// (a reply or a raw text may quote one).
func printJSON(w io.Writer, doc any, secrets []secret.Secret) {
	io.WriteString(w, secret.Redact(jsonText(doc), secrets...))
}

// statusJSON is pimmail status --json: what status checks, as one JSON
// object on stdout; notes about the sandbox go to stderr.
func statusJSON(p string, cfg config.Config, scenario string, stdout, stderr io.Writer) int {
	run, cfg, cacheErr, sbErr, closeSB := openForStatus(p, cfg, scenario, stderr)
	defer closeSB()
	doc, code := statusDoc(p, cfg, run, cacheErr, sbErr)
	printJSON(stdout, doc, cfg.Secrets())
	return code
}

// openForStatus opens the run status checks with, as cmdStatus does: a
// sandbox configuration through its sandbox, at its current endpoints.
// closeSB stops a sandbox started here.
func openForStatus(p string, cfg config.Config, scenario string, notes io.Writer) (run *steps.Run, _ config.Config, cacheErr, sbErr error, closeSB func()) {
	closeSB = func() {}
	env := steps.Env{ConfigPath: p}
	if cfg.Sandbox {
		var sb *sandbox.Running
		if env, sb, sbErr = commandSandbox(p, scenario, notes); sbErr != nil {
			return nil, cfg, nil, sbErr, closeSB
		}
		closeSB = sb.Close
	}
	env.Timeout = statusTimeout
	env.PersistCache = true
	run, start := steps.Open(env)
	if start.LoadErr == nil {
		cfg = start.Config
	}
	return run, cfg, start.CacheErr, nil, closeSB
}

// recordTest keeps the test's outcome beside the configuration (status
// shows it as last_test) and returns pimmail test --json's document.
func recordTest(p string, cfg config.Config, prov config.Provider, server string, res steps.TestResult, err error, took time.Duration) report.Status {
	secrets := cfg.Secrets()
	t := report.Test{At: time.Now().UTC(), OK: err == nil, Provider: providerName(prov), Server: server, To: res.To,
		Reply: secret.Redact(res.Reply, secrets...), MessageID: res.MessageID, DurationMS: took.Milliseconds()}
	if err != nil {
		t.Problem = problemOf(err, secrets)
	}
	for _, l := range res.Transcript {
		// mailer masked the credentials already; the secrets once more.
		t.Transcript = append(t.Transcript, secret.Redact(strings.TrimRight(l, "\r\n"), secrets...))
	}
	if werr := report.SaveLastTest(p, t); werr != nil {
		debuglog.Printf("cmd: cannot record the last test: %v", werr)
	}
	doc := report.Status{Schema: report.Schema, Command: "test", Time: t.At, OK: t.OK, Config: p, Sandbox: cfg.Sandbox,
		Provider: providerName(prov), Mailbox: cfg.Entra.Mailbox, From: cfg.Email.From, LastTest: &t, Problem: t.Problem}
	if prov == config.ProviderEntra {
		tok := &report.Token{Checked: true, OK: !res.Token.ExpiresOn.IsZero(), Cached: res.Token.Cached, Accounts: []string{}}
		if tok.OK {
			exp := res.Token.ExpiresOn.UTC()
			tok.ExpiresAt = &exp
			tok.Claims = claimsOf(res.Token)
		}
		doc.Token = tok
	}
	return doc
}

// jsonText is v as indented JSON ending in a newline, with <, > and &
// as they are (a Message-ID's angle brackets stay readable).
func jsonText(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return `{"schema":1,"ok":false}` + "\n"
	}
	return b.String()
}
