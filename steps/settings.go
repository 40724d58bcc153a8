package steps

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/pimmail/pimmail/auth"
	"github.com/pimmail/pimmail/cloud"
	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/debuglog"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/hostport"
	"github.com/pimmail/pimmail/mailer"
	"github.com/pimmail/pimmail/secfile"
	"github.com/pimmail/pimmail/secret"
)

// Codes of the problems steps itself reports (the rest come from the
// diagnose catalogue through auth and mailer).
const (
	// CodeInvalidInput is a value that fails local validation; the
	// *FieldError is inside (errors.As).
	CodeInvalidInput diagnose.Code = "input.invalid"
	// CodeIncomplete is a config that lacks what its provider needs.
	CodeIncomplete diagnose.Code = "config.incomplete"
	// CodeNeedsConsent is Save refusing to replace a file it could not read
	// without the admin's consent; errors.Is(err, ErrNeedsConsent) holds.
	CodeNeedsConsent diagnose.Code = "config.needs-consent"
	// CodeSaveFailed is a config or token cache that could not be written.
	CodeSaveFailed diagnose.Code = "config.save-failed"
	// CodeChangedSince is Save refusing to replace a configuration that
	// changed on disk after this run read it (another pimmail run saved,
	// or someone edited it): its settings would be lost.
	CodeChangedSince diagnose.Code = "config.changed-since"
)

// ErrNeedsConsent is inside the problem Save returns when the existing file
// could not be read and overwrite was false.
var ErrNeedsConsent = errors.New("the existing configuration could not be read; overwriting it needs consent")

var osHostname = os.Hostname

// inputProblem wraps a local validation failure as a Problem, keeping the
// *FieldError inside for errors.As.
func inputProblem(err error) error {
	var fe *FieldError
	if !errors.As(err, &fe) {
		return err
	}
	return &Problem{Code: CodeInvalidInput, Title: fe.Field + " " + fe.Message,
		Explanation: "pimmail checked the " + fe.Field + " on this machine before asking any service, and it " +
			fe.Message + ".",
		Fix: fe.Hint, Err: fe}
}

// withFacts fills the placeholders the lower layers could not (mailer
// knows the host and the mailbox, not the app's client ID or the tenant),
// so a fix names this setup's values instead of "<clientId>".
func withFacts(err error, p config.Provider, c config.Config) error {
	prob, ok := diagnose.As(err)
	if !ok {
		return err
	}
	f := diagnose.Facts{From: c.Email.From, LocalSMTP: p == config.ProviderLocal}
	if p == config.ProviderEntra {
		f.TenantID, f.ClientID, f.Mailbox = c.Entra.TenantID, c.Entra.ClientID, c.Entra.Mailbox
		f.ExchangeOnline = true
	}
	diagnose.Fill(prob, f)
	return err
}

// notSignedIn is the problem of an Entra config without a signed-in mailbox.
func notSignedIn(c config.Config) error {
	return diagnose.New(diagnose.CacheSignInAgain,
		diagnose.Facts{TenantID: c.Entra.TenantID, ClientID: c.Entra.ClientID},
		"no mailbox has signed in: the configuration names none", nil)
}

// incomplete is the problem of a config that lacks what p needs.
func incomplete(p config.Provider, missing []string) error {
	return &Problem{Code: CodeIncomplete,
		Title:       "The " + p.Label() + " settings are incomplete",
		Explanation: "Missing: " + strings.Join(missing, ", ") + ".",
		Fix:         "Run pimmail (the wizard) and go through the " + p.Label() + " steps again.",
	}
}

// saveProblem explains a failed write of path.
func saveProblem(err error, path string) error {
	if err == nil {
		err = errors.New("no configuration path")
	}
	fix := "Check that the directory exists and belongs to you, and that the disk is not full; then save again."
	expl := sentence(err)
	// A refused place (too open, shared, a link, another user's) explains
	// itself, with a fix that is safe to run as root.
	var fe secfile.Fixable
	if errors.As(err, &fe) {
		expl = fe.Explain()
		fix = strings.TrimRight(fe.Fix(), "\n") + "\nThen save again."
	}
	what := path
	if what == "" {
		what = "the configuration"
	}
	return &Problem{Code: CodeSaveFailed, Title: "Could not save " + what,
		Explanation: expl, Fix: fix, Raw: err.Error(), Err: err}
}

// Missing lists the settings provider p needs that c lacks, by the names
// the wizard shows; nil when c is complete for p. With Entra the From
// address may be empty (mail then goes out as the mailbox); the other
// providers need one.
func Missing(p config.Provider, c config.Config) []string {
	var m []string
	need := func(empty bool, name string) {
		if empty {
			m = append(m, name)
		}
	}
	switch p {
	case config.ProviderEntra:
		need(c.Entra.TenantID == "", FieldTenant)
		need(c.Entra.ClientID == "", FieldClientID)
		need(c.Entra.ClientSecret.IsZero(), FieldSecret)
		need(c.Entra.Mailbox == "", "Mailbox (device-code sign-in)")
	case config.ProviderRelay:
		need(c.Relay.Host == "", "Relay server")
		need(c.Email.From == "", "From address")
	case config.ProviderLocal:
		need(c.Local.Host == "", "Local SMTP server")
		need(c.Email.From == "", "From address")
	}
	return m
}

// settings builds auth.Settings from the draft Entra settings and the
// environment (sandbox authority and CA), validating what the request needs.
func (r *Run) settings(e config.Entra, needClient, needSecret bool) (auth.Settings, error) {
	cl, ok := cloud.ByName(e.Cloud)
	if !ok {
		var names []string
		for _, c := range cloud.All {
			names = append(names, c.Name)
		}
		return auth.Settings{}, inputProblem(&FieldError{Field: "Cloud", Message: fmt.Sprintf("%q is not a cloud pimmail knows", e.Cloud),
			Hint: "Choose one of: " + strings.Join(names, ", ") + "."})
	}
	tenant, err := ValidateTenant(e.TenantID)
	if err != nil {
		return auth.Settings{}, inputProblem(err)
	}
	s := auth.Settings{Cloud: cl, TenantID: tenant, ClientSecret: e.ClientSecret,
		Authority: r.env.Authority, RootCAs: r.env.RootCAs, Cache: r.cache, Method: authMethod(e.Method)}
	if needClient {
		if s.ClientID, err = ValidateClientID(e.ClientID); err != nil {
			return auth.Settings{}, inputProblem(err)
		}
	}
	if needSecret {
		v, err := ValidateSecret(e.ClientSecret.Reveal())
		if err != nil {
			return auth.Settings{}, inputProblem(err)
		}
		s.ClientSecret = secret.New(v)
	}
	return s, nil
}

// server builds the mailer.Server for provider p from c: exactly the host
// and port c names (defaults filled in), in sandbox mode too, so what the
// admin typed is what is checked. (Open rewrites a sandbox config's
// endpoints to the running sandbox's, whose ports change every run.)
func (r *Run) server(p config.Provider, c config.Config) (mailer.Server, error) {
	var host string
	var port int
	var mode config.TLSMode
	switch p {
	case config.ProviderEntra:
		cl, ok := cloud.ByName(c.Entra.Cloud)
		if !ok {
			cl = cloud.Global
		}
		host, port, mode = c.Entra.SmartHost, c.Entra.Port, config.TLSStartTLS
		if strings.TrimSpace(host) == "" {
			host = cl.SmartHost
		}
		if port == 0 {
			port = cl.SmartPort
		}
	case config.ProviderRelay:
		host, port, mode = c.Relay.Host, c.Relay.Port, c.Relay.TLS
		if mode == "" {
			mode = config.TLSStartTLS
		}
	case config.ProviderLocal:
		host, port, mode = c.Local.Host, c.Local.Port, c.Local.TLS
		if mode == "" {
			mode = config.TLSNone
		}
	default:
		return mailer.Server{}, &Problem{Code: CodeIncomplete, Title: "No provider chosen",
			Explanation: "There is no server to talk to before a provider is chosen.", Fix: "Choose a provider in the first step."}
	}
	if !mode.Valid() {
		return mailer.Server{}, inputProblem(&FieldError{Field: "TLS mode", Message: fmt.Sprintf("%q is not a TLS mode pimmail knows", string(mode)),
			Hint: "Choose none, STARTTLS or implicit TLS."})
	}
	if strings.TrimSpace(host) == "" {
		return mailer.Server{}, inputProblem(&FieldError{Field: FieldHost, Message: "is empty", Hint: hintHost})
	}
	if port == 0 {
		port = tlsOf(mode).DefaultPort()
	}
	h, pt, err := ValidateHostPort(hostport.Join(strings.TrimSpace(host), port), 0)
	if err != nil {
		return mailer.Server{}, inputProblem(err)
	}
	return mailer.Server{Host: h, Port: pt, TLS: tlsOf(mode), RootCAs: r.env.RootCAs, Timeout: r.timeout()}, nil
}

// tlsOf is the mailer's TLS mode for a configured one (a valid one: the
// words are the same).
func tlsOf(m config.TLSMode) mailer.TLSMode {
	switch m {
	case config.TLSNone:
		return mailer.NoTLS
	case config.TLSImplicit:
		return mailer.ImplicitTLS
	}
	return mailer.StartTLS
}

// codeOf names an outcome for the debug log without any text that could
// carry a secret: the problem code, or the error's type. A problem from
// Entra ID adds its trace and correlation IDs (not secrets), which
// Microsoft support asks for.
func codeOf(err error) string {
	if err == nil {
		return "ok"
	}
	if p, ok := diagnose.As(err); ok {
		s := string(p.Code)
		if p.TraceID != "" || p.CorrelationID != "" {
			s += fmt.Sprintf(" (Entra trace ID %s, correlation ID %s)", orDash(p.TraceID), orDash(p.CorrelationID))
		}
		return s
	}
	return fmt.Sprintf("%T", err)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// TokenStatus is what CheckToken learned about the saved sign-in.
type TokenStatus struct {
	Mailbox   string
	ExpiresOn time.Time
	// Cached is true when the access token came from the token cache,
	// still valid, without asking Entra ID: a revoked or expired sign-in
	// (refresh token) shows only once that access token expires, at
	// ExpiresOn, since Exchange Online accepts an issued token until then.
	Cached bool
	// Claims are the access token's non-secret claims (never the token).
	Claims auth.Claims
}

// CheckToken tries to get an access token for c's mailbox from the token
// cache (refreshing silently when needed), as `pimmail status` does to say
// whether mail can go out now. The token itself is not returned.
func (r *Run) CheckToken(ctx context.Context, c config.Config) (TokenStatus, error) {
	if c.Entra.Mailbox == "" {
		return TokenStatus{}, notSignedIn(c)
	}
	s, err := r.settings(c.Entra, true, false)
	if err != nil {
		return TokenStatus{}, err
	}
	ctx, cancel := r.withTimeout(ctx)
	defer cancel()
	tok, err := auth.Token(ctx, s, c.Entra.Mailbox)
	debuglog.Printf("steps: check token for %s: %v", c.Entra.Mailbox, codeOf(err))
	if err != nil {
		return TokenStatus{}, err
	}
	return TokenStatus{Mailbox: tok.Username, ExpiresOn: tok.ExpiresOn, Cached: !tok.Refreshed, Claims: tok.Claims}, nil
}

// CacheAccounts lists the mailboxes the token cache holds a sign-in for.
func (r *Run) CacheAccounts() []string { return r.cache.Accounts() }

// CacheWritten is when the token cache file was last written (at load: its
// modification time), which is when the refresh token was last used; zero
// when there is no cache file.
func (r *Run) CacheWritten() time.Time { return r.cache.LastWritten() }
