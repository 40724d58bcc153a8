package steps

import (
	"context"
	"time"

	"github.com/pimmail/pimmail/config"
)

// TODO(helper): implement; keep the exported contract.

// Run is one wizard (or command) run: the environment and the in-memory
// token cache. It is safe to call its methods from concurrent tea.Cmds.
type Run struct {
	env Env
}

// Open loads the config at env.ConfigPath (and the token cache beside it)
// and returns the run and where it starts from. It never fails for a
// missing, malformed or too-open config: Start says what happened.
func Open(env Env) (*Run, Start) { panic("unimplemented") }

// Env returns the run's environment.
func (r *Run) Env() Env { return r.env }

// CheckTenant resolves the tenant's OpenID configuration; returns the tenant GUID.
func (r *Run) CheckTenant(ctx context.Context, e config.Entra) (string, error) {
	panic("unimplemented")
}

// CheckApp verifies client ID + secret with a client-credentials request.
func (r *Run) CheckApp(ctx context.Context, e config.Entra) error { panic("unimplemented") }

// Logon is a started device-code sign-in.
type Logon struct {
	UserCode        string
	VerificationURL string
	Message         string
	ExpiresOn       time.Time
	wait            func(context.Context) (SignedIn, error)
}

// Wait blocks until the mailbox signs in, declines, the code expires or ctx ends.
func (l Logon) Wait(ctx context.Context) (SignedIn, error) { return l.wait(ctx) }

// SignedIn is the result of a device-code sign-in.
type SignedIn struct {
	Mailbox   string
	Scopes    []string
	Audience  string
	ExpiresOn time.Time
}

// StartLogon starts the device-code sign-in of the mailbox.
func (r *Run) StartLogon(ctx context.Context, e config.Entra) (Logon, error) {
	panic("unimplemented")
}

// Stage is one timed stage of a probe, for display.
type Stage struct {
	Name     string
	Detail   string
	Duration time.Duration
	OK       bool
}

// ProbeResult is what the smart host / server probe saw.
type ProbeResult struct {
	Host        string
	Port        int
	Banner      string
	TLSVersion  string
	CertSubject string
	StartTLS    bool
	AuthMechs   []string
	XOAUTH2     bool
	Stages      []Stage
}

// Probe checks provider p's server as configured in c (for Entra: TLS 1.2+
// and AUTH XOAUTH2 offered; for Relay/Local: the chosen TLS mode works).
func (r *Run) Probe(ctx context.Context, p config.Provider, c config.Config) (ProbeResult, error) {
	panic("unimplemented")
}

// TestResult is the outcome of a test email.
type TestResult struct {
	To         string
	Reply      string
	MessageID  string
	Transcript []string
}

// SendTest sends a test email through provider p as configured in c. The
// result carries the redacted transcript also on failure.
func (r *Run) SendTest(ctx context.Context, p config.Provider, c config.Config, to string) (TestResult, error) {
	panic("unimplemented")
}

// FromWarning returns a warning (empty when none) when, with the Entra
// provider, the From address is not the signed-in mailbox: what Exchange
// will answer (SendAsDenied) and how to grant Send As.
func FromWarning(c config.Config) string { panic("unimplemented") }

// SaveSummary says what Save wrote.
type SaveSummary struct {
	ConfigPath string
	CachePath  string // empty when the provider needs no token cache
	Provider   config.Provider
	Disabled   []config.Provider // providers that were enabled before and are now off
	Mailbox    string
}

// Save enables provider p in c (disabling the others, keeping their
// settings), writes the config and, for Entra, the token cache. overwrite
// must be true when Start.NeedsConsent was set.
func (r *Run) Save(c config.Config, p config.Provider, overwrite bool) (SaveSummary, error) {
	panic("unimplemented")
}
