package steps

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/pimmail/pimmail/auth"
	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/debuglog"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/mailer"
)

// DefaultTimeout bounds each network check when Env.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Run is one wizard (or command) run: the environment and the in-memory
// token cache. It is safe to call its methods from concurrent tea.Cmds.
type Run struct {
	env Env
	// cache is the MSAL token cache. In the wizard it lives in memory only
	// and is written at Save, so quitting before Save leaves the file on
	// disk as it was; with Env.PersistCache it autosaves.
	cache *auth.Cache

	mu sync.Mutex
	// start is what the file on disk was at Open (and after each Save).
	start Start
	// seen is the file's bytes as this run last read or wrote them (nil:
	// there was no file); Save refuses when the file no longer matches.
	seen []byte
}

// Open loads the config at env.ConfigPath (and the token cache beside it)
// and returns the run and where it starts from. It never fails for a
// missing, malformed or too-open config: Start says what happened.
//
// An empty env.ConfigPath means config.DefaultPath(); Env() then returns
// the path actually used.
//
// In sandbox mode (env.Sandbox set) the start config is a sandbox config
// (Config.Sandbox true) whose endpoints (Entra smart host and port, relay,
// local SMTP) are rewritten to the running sandbox's current ones, which
// change every run: the wizard prefills them, and `pimmail test` and
// `pimmail status` use them. The checks then dial exactly what the config
// they are given says, in sandbox mode too. A real configuration found at
// the path is not shown: saving would replace it with a sandbox one, so
// NeedsConsent is set and LoadErr says why.
func Open(env Env) (*Run, Start) {
	r := &Run{env: env}
	var st Start
	if r.env.ConfigPath == "" {
		p, err := config.DefaultPath()
		if err != nil {
			st.LoadErr = err
		}
		r.env.ConfigPath = p
	}
	path := r.env.ConfigPath

	r.seen = readRaw(path)
	cfg, err := config.Load(path)
	switch {
	case path == "":
		cfg = config.Default()
	case err == nil:
		st.Exists = true
	case errors.Is(err, fs.ErrNotExist):
	default:
		// Malformed, too open or unreadable: the file is there but cannot
		// be used, and replacing it needs the admin's word.
		st.LoadErr, st.NeedsConsent = err, true
	}
	if h := env.Sandbox; h != nil {
		if st.Exists && !cfg.Sandbox {
			st.LoadErr = fmt.Errorf("%s holds a real (not sandbox) configuration; saving from the sandbox wizard "+
				"would replace it with sandbox settings (run with --config to practise in another file)", path)
			st.NeedsConsent = true
			cfg = config.Default()
		}
		cfg.Sandbox = true
		sandboxEndpoints(&cfg, h)
	}
	st.Config = cfg
	// The UI shows these with more words after them: end them as
	// sentences, with a command to copy on a line of its own.
	st.LoadErr = asSentence(st.LoadErr)

	if path != "" {
		c, err := auth.LoadCache(config.CachePath(path), env.PersistCache)
		if err != nil {
			st.CacheErr = asSentence(err)
			c = auth.NewMemoryCache()
		}
		r.cache = c
	} else {
		r.cache = auth.NewMemoryCache()
	}
	r.start = st
	debuglog.Printf("steps: open %s: exists=%v loadErr=%v needsConsent=%v cacheErr=%v sandbox=%v",
		path, st.Exists, st.LoadErr, st.NeedsConsent, st.CacheErr, env.Sandbox != nil)
	return r, st
}

// sandboxEndpoints puts the sandbox's current SMTP endpoints into a sandbox
// config: the sandbox listens on new ports each run, so the host:port saved
// last time is stale, and showing the current one is showing the truth.
func sandboxEndpoints(c *config.Config, h *Hints) {
	if h.SmartHost != "" {
		c.Entra.SmartHost, c.Entra.Port = h.SmartHost, h.SmartPort
	}
	if h.RelayHost != "" {
		c.Relay.Host, c.Relay.Port = h.RelayHost, h.RelayPort
	}
	if h.LocalHost != "" {
		c.Local.Host, c.Local.Port = h.LocalHost, h.LocalPort
	}
}

// Env returns the run's environment.
func (r *Run) Env() Env { return r.env }

// timeout is the bound of one network check.
func (r *Run) timeout() time.Duration {
	if r.env.Timeout > 0 {
		return r.env.Timeout
	}
	return DefaultTimeout
}

// withTimeout layers the check's time limit on the caller's context, which
// the UI cancels on Esc.
func (r *Run) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.timeout())
}

// CheckTenant resolves the tenant's OpenID configuration; returns the tenant GUID.
func (r *Run) CheckTenant(ctx context.Context, e config.Entra) (string, error) {
	s, err := r.settings(e, false, false)
	if err != nil {
		return "", err
	}
	ctx, cancel := r.withTimeout(ctx)
	defer cancel()
	began := time.Now()
	info, err := auth.CheckTenant(ctx, s)
	debuglog.Printf("steps: check tenant %s: %v (%v)", s.TenantID, codeOf(err), time.Since(began))
	if err != nil {
		return "", err
	}
	return info.TenantID, nil
}

// CheckApp verifies client ID + secret with a client-credentials request.
func (r *Run) CheckApp(ctx context.Context, e config.Entra) error {
	s, err := r.settings(e, true, true)
	if err != nil {
		return err
	}
	ctx, cancel := r.withTimeout(ctx)
	defer cancel()
	began := time.Now()
	_, err = auth.CheckApp(ctx, s)
	debuglog.Printf("steps: check app %s in %s: %v (%v)", s.ClientID, s.TenantID, codeOf(err), time.Since(began))
	return err
}

// Logon is a started device-code sign-in.
type Logon struct {
	UserCode        string
	VerificationURL string
	Message         string
	ExpiresOn       time.Time
	// Issued is when the code arrived, by this machine's clock: a countdown
	// to ExpiresOn starts from it, so the UI needs no clock of its own.
	Issued time.Time
	wait   func(context.Context) (SignedIn, error)
}

// Wait blocks until the mailbox signs in, declines, the code expires or ctx ends.
func (l Logon) Wait(ctx context.Context) (SignedIn, error) {
	if l.wait == nil {
		return SignedIn{}, diagnose.New(diagnose.Unexpected, diagnose.Facts{}, "Wait on a Logon StartLogon did not return", nil)
	}
	return l.wait(ctx)
}

// SignedIn is the result of a device-code sign-in.
type SignedIn struct {
	Mailbox   string
	Scopes    []string
	Audience  string
	ExpiresOn time.Time
}

// StartLogon starts the device-code sign-in of the mailbox. The request
// for the code is bounded by the check timeout; Wait is bounded by the
// code's own expiry (plus the timeout, for Entra's final answer), because
// a person on another device may take the full 15 minutes.
func (r *Run) StartLogon(ctx context.Context, e config.Entra) (Logon, error) {
	s, err := r.settings(e, true, false)
	if err != nil {
		return Logon{}, err
	}
	sctx, cancel := r.withTimeout(ctx)
	defer cancel()
	d, err := auth.StartDeviceLogon(sctx, s)
	debuglog.Printf("steps: start device logon for %s: %v", s.ClientID, codeOf(err))
	if err != nil {
		return Logon{}, err
	}
	grace := r.timeout()
	return Logon{
		UserCode:        d.UserCode,
		VerificationURL: d.VerificationURL,
		Message:         d.Message,
		ExpiresOn:       d.ExpiresOn,
		Issued:          time.Now(),
		wait: func(ctx context.Context) (SignedIn, error) {
			if !d.ExpiresOn.IsZero() {
				var cancel context.CancelFunc
				ctx, cancel = context.WithDeadline(ctx, d.ExpiresOn.Add(grace))
				defer cancel()
			}
			a, err := d.Wait(ctx)
			debuglog.Printf("steps: device logon ended: %q %v", a.Username, codeOf(err))
			if err != nil {
				return SignedIn{}, err
			}
			return SignedIn{Mailbox: a.Username, Scopes: a.Scopes, Audience: a.Audience, ExpiresOn: a.ExpiresOn}, nil
		},
	}, nil
}

// Stage is one timed stage of a probe, for display.
type Stage struct {
	Name     string
	Detail   string
	Duration time.Duration
	OK       bool
	// Silent: the stage failed because the server sent nothing in time;
	// Detail says so in words (see mailer.Stage).
	Silent bool
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
// For a relay with a username it also needs the server to offer AUTH. The
// result is filled as far as the probe got, also on failure; Host and Port
// are what was dialled: c's, defaults filled in (in sandbox mode too; Open
// put the sandbox's current endpoints into the config it started from).
func (r *Run) Probe(ctx context.Context, p config.Provider, c config.Config) (ProbeResult, error) {
	srv, err := r.server(p, c)
	if err != nil {
		return ProbeResult{}, err
	}
	ctx, cancel := r.withTimeout(ctx)
	defer cancel()
	began := time.Now()
	rep, err := mailer.Probe(ctx, srv, p == config.ProviderEntra)
	debuglog.Printf("steps: probe %s %s tls=%s: %v (%v)", p, srv.Addr(), srv.TLS, codeOf(err), time.Since(began))
	res := ProbeResult{
		Host: srv.Host, Port: srv.Port, Banner: rep.Banner, TLSVersion: rep.TLSVersion,
		CertSubject: rep.CertSubject, StartTLS: rep.StartTLS, AuthMechs: rep.AuthMechs, XOAUTH2: rep.XOAUTH2,
	}
	for _, s := range rep.Stages {
		res.Stages = append(res.Stages, Stage{Name: s.Name, Detail: s.Detail, Duration: s.Duration, OK: s.OK, Silent: s.Silent})
	}
	if err == nil && p == config.ProviderRelay && c.Relay.Username != "" && len(rep.AuthMechs) == 0 {
		err = diagnose.New(diagnose.NoAuth, diagnose.Facts{Host: srv.Host, Port: srv.Port, TLS: string(srv.TLS)},
			fmt.Sprintf("EHLO from %s advertised no AUTH mechanism", srv.Addr()), nil)
	}
	return res, withFacts(err, p, c)
}

// TestResult is the outcome of a test email.
type TestResult struct {
	To         string
	Reply      string
	MessageID  string
	Transcript []string
	// Note is what the admin should know about a success, empty when
	// nothing: with Local SMTP, the server's "queued" means the local mail
	// service took the message, not that it was delivered, and where to
	// look when it does not arrive.
	Note string
	// Token is, with Entra, the access token the message was sent with:
	// its expiry, and whether it came from the cache without asking Entra
	// ID (see TokenStatus.Cached). Zero for the other providers, and when
	// no token was had.
	Token TokenStatus
	// OwnDomainOnly is set, with SMTP Relay, when the test went to the
	// relay's own domain: it proves only that the relay takes inbound mail
	// for it, not that it relays to external recipients (a relay that does
	// not trust this server refuses those with 550 5.7.64). The wizard's
	// Enable step and pimmail test then show OwnDomainCaution.
	OwnDomainOnly bool
}

// OwnDomainCaution is the warning shown with an enabled (or enabling)
// relay whose passing test went only to its own domain; the UI adds how
// to send one to an external address ("(esc)", "--to").
const OwnDomainCaution = "The test went to your own domain only: mail to external recipients is not proven."

// LocalQueuedNote is TestResult.Note for Local SMTP.
const LocalQueuedNote = "The local mail service accepted the message (queued); that is not delivery yet: it " +
	"forwards the message by its own configuration. If the message does not arrive, check the local mail log: " +
	"/var/log/mail.log (or /var/log/maillog), or `journalctl -u postfix`, and the queue with `mailq`."

// RelayOwnDomainNote is TestResult.Note for SMTP Relay when the recipient
// is in the relay's own domain: any mail server takes mail for its own
// domains, so that success does not show that it relays for this server.
const RelayOwnDomainNote = "This proves the relay accepts mail for your own domain; send a test to an " +
	"external address to prove it relays for this server."

// ownDomain reports whether the recipient to is in a domain the relay
// surely accepts anyway: the From's, or in sandbox mode the relay
// stand-in's accepted domain.
func (r *Run) ownDomain(to, from string) bool {
	d := domainOf(to)
	if d == "" {
		return false
	}
	if d == domainOf(from) {
		return true
	}
	return r.env.Sandbox != nil && strings.EqualFold(d, r.env.Sandbox.RelayDomain)
}

// domainOf is the domain of an address, in lower case ("" when none).
func domainOf(addr string) string {
	i := strings.LastIndex(addr, "@")
	if i < 0 {
		return ""
	}
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(addr[i+1:]), ">"))
}

// SendTest sends a test email through provider p as configured in c. The
// result carries the redacted transcript also on failure.
//
// An empty to sends to the default recipient: the mailbox itself with
// Entra, the From address otherwise. The From is c.Email.From, or the
// mailbox with Entra when it is empty. With Entra the access token comes
// from the token cache (refreshed silently when expired).
func (r *Run) SendTest(ctx context.Context, p config.Provider, c config.Config, to string) (TestResult, error) {
	srv, err := r.server(p, c)
	if err != nil {
		return TestResult{}, err
	}
	from, err := senderOf(p, c)
	if err != nil {
		return TestResult{}, err
	}
	if CleanPaste(to) == "" {
		to = from
		if p == config.ProviderEntra {
			to = c.Entra.Mailbox
		}
	}
	if to, err = ValidateEmail(to); err != nil {
		return TestResult{}, inputProblem(err)
	}
	ctx, cancel := r.withTimeout(ctx)
	defer cancel()

	var a mailer.Auth
	var token TokenStatus
	switch p {
	case config.ProviderEntra:
		s, err := r.settings(c.Entra, true, false)
		if err != nil {
			return TestResult{To: to}, err
		}
		tok, err := auth.Token(ctx, s, c.Entra.Mailbox)
		if err != nil {
			debuglog.Printf("steps: token for %s: %v", c.Entra.Mailbox, codeOf(err))
			return TestResult{To: to}, err
		}
		a = mailer.Auth{Kind: mailer.AuthXOAUTH2, Username: c.Entra.Mailbox, Secret: tok.Value}
		token = TokenStatus{Mailbox: tok.Username, ExpiresOn: tok.ExpiresOn, Cached: !tok.Refreshed, Claims: tok.Claims}
	case config.ProviderRelay:
		if c.Relay.Username != "" {
			a = mailer.Auth{Kind: mailer.AuthPassword, Username: c.Relay.Username, Secret: c.Relay.Password}
		}
	case config.ProviderLocal:
		if c.Local.Username != "" {
			a = mailer.Auth{Kind: mailer.AuthPassword, Username: c.Local.Username, Secret: c.Local.Password}
		}
	}
	now := time.Now()
	msg := mailer.Message{
		From:     from,
		FromName: c.Email.DisplayName,
		To:       []string{to},
		Subject:  "pimmail test message (" + p.Label() + ")",
		Body:     testBody(p, c, srv, from, to, r.env.Sandbox != nil && c.Sandbox, now),
	}
	began := time.Now()
	res, err := mailer.Send(ctx, srv, a, msg)
	err = appOnlyRefusal(err, c, a.Secret)
	debuglog.Printf("steps: send test via %s %s to %s: reply %q %v (%v)", p, srv.Addr(), to, res.Reply, codeOf(err), time.Since(began))
	tr := TestResult{To: to, Reply: res.Reply, MessageID: res.MessageID, Transcript: res.Transcript, Token: token}
	switch {
	case err != nil:
	case p == config.ProviderLocal:
		tr.Note = LocalQueuedNote
	case p == config.ProviderRelay && r.ownDomain(to, from):
		tr.Note, tr.OwnDomainOnly = RelayOwnDomainNote, true
	}
	return tr, withFacts(err, p, c)
}

// senderOf is the From of a test email for p, checked.
func senderOf(p config.Provider, c config.Config) (string, error) {
	from := c.Email.From
	if CleanPaste(from) == "" && p == config.ProviderEntra {
		from = c.Entra.Mailbox
	}
	if CleanPaste(from) == "" {
		if p == config.ProviderEntra {
			return "", notSignedIn(c)
		}
		return "", inputProblem(&FieldError{Field: "From address", Message: "is empty",
			Hint: "Enter the address PIM mail is sent from, in a domain the server accepts mail for."})
	}
	v, err := ValidateEmail(from)
	if err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			fe.Field = "From address"
		}
		return "", inputProblem(err)
	}
	return v, nil
}

// testBody says who sent the test and how, so the person reading it knows
// which setup worked. It holds no secret.
func testBody(p config.Provider, c config.Config, srv mailer.Server, from, to string, sandbox bool, now time.Time) string {
	b := "This is a test message from pimmail, the PIM email setup tool.\r\n" +
		"If you can read it, PIM email through this provider works.\r\n\r\n" +
		"Provider:  " + p.Label() + "\r\n" +
		fmt.Sprintf("Server:    %s (%s)\r\n", srv.Addr(), config.TLSMode(srv.TLS).Label())
	if p == config.ProviderEntra {
		b += "Mailbox:   " + c.Entra.Mailbox + " (signed in with OAuth, SMTP AUTH XOAUTH2)\r\n"
	}
	b += "From:      " + from + "\r\n" +
		"To:        " + to + "\r\n" +
		"Sent at:   " + now.Format(time.RFC1123Z) + "\r\n"
	if h := hostname(); h != "" {
		b += "Sent from: " + h + "\r\n"
	}
	if sandbox {
		b += "\r\nSent to pimmail's built-in sandbox, not to Microsoft's services.\r\n"
	}
	return b
}

// FromWarning returns a warning (empty when none) when, with the Entra
// provider, the From address is not the signed-in mailbox: what Exchange
// will answer (SendAsDenied) and how to grant Send As. It looks only at
// c.Email.From and c.Entra.Mailbox; call it for the Entra provider (or use
// FromWarningFor, which knows the other providers need no such warning).
func FromWarning(c config.Config) string {
	from, mbx := CleanPaste(c.Email.From), c.Entra.Mailbox
	if from == "" || mbx == "" || strings.EqualFold(from, mbx) {
		return ""
	}
	// The command is marked with backticks, as in the catalogue: the
	// wizard draws it on lines of its own and the copy key copies it.
	return fmt.Sprintf("The From address %s is not the signed-in mailbox %s. Exchange Online will refuse "+
		"the message with 554 5.2.252 SendAsDenied unless %s may send as %s. Grant it in Exchange Online "+
		"PowerShell: `Add-RecipientPermission -Identity %s -Trustee %s -AccessRights SendAs`. "+
		"It takes effect within an hour. Or use %s as the From address.",
		from, mbx, mbx, from, from, mbx, mbx)
}

// FromWarningFor is FromWarning for provider p: only Exchange Online, as
// the Entra provider, restricts the From to the mailbox and its Send As
// addresses, so for the other providers it is always empty.
func FromWarningFor(p config.Provider, c config.Config) string {
	if p != config.ProviderEntra {
		return ""
	}
	return FromWarning(c)
}

func providerLabels() string {
	var s string
	for i, p := range config.Providers {
		if i > 0 {
			s += ", "
		}
		s += p.Label()
	}
	return s
}

// hostname names this machine in the test body; empty when unknown.
var hostname = func() string {
	h, _ := osHostname()
	return h
}

// readRaw is the file at path byte for byte, nil when there is none (or
// it cannot be read: Load says why).
func readRaw(path string) []byte {
	if path == "" {
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	if b == nil {
		b = []byte{}
	}
	return b
}
