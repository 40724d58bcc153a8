// Package lineui is the setup wizard without a screen: the same steps, the
// same validation and the same checks as the full-screen wizard (all of
// them in package steps), asked as plain lines. It has two front ends:
// Accessible asks one question a line on a terminal, a screen reader or a
// pipe (pimmail setup --accessible, ACCESSIBLE=1, TERM=dumb), and Scripted
// takes every answer from flags (pimmail setup --non-interactive).
//
// Neither writes an escape sequence: no colour, no cursor movement, no
// alternate screen, no spinner. A check is one line, "Checking the tenant
// ... done", and a problem is its title, explanation and fix as lines.
package lineui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/pimmail/pimmail/cloud"
	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/secret"
	"github.com/pimmail/pimmail/steps"
)

// ErrNotSaved is returned when the run ended without saving: the admin
// chose to quit, or the answers ran out (end of input).
var ErrNotSaved = errors.New("ended without saving")

// UsageError is a scripted setup's bad or missing value: the flag to fix
// and why. Nothing was checked against a service with it.
type UsageError struct {
	Flag string // "tenant" (without the dashes)
	Err  error
}

// Error names the flag and what is wrong with its value.
func (e *UsageError) Error() string {
	p := problemOf(e.Err)
	msg := "--" + e.Flag + ": " + p.Title
	if p.Fix != "" {
		msg += ". " + p.Fix
	}
	return msg
}

// Unwrap returns the validation error.
func (e *UsageError) Unwrap() error { return e.Err }

// CheckError is a check that failed (its diagnosis was written already):
// the service refused, or the setting does not work.
type CheckError struct{ Err error }

// Error is the diagnosis's title.
func (e *CheckError) Error() string { return problemOf(e.Err).Title }

// Unwrap returns the check's error.
func (e *CheckError) Unwrap() error { return e.Err }

// field is one value asked for; key is its flag in the scripted setup.
type field struct {
	key   string
	label string
	help  string
	hint  string // the sandbox's value, in sandbox mode
	// required: the scripted setup must give it (there is no saved value
	// to keep).
	required bool
}

// option is one choice; key is its word in the scripted setup.
type option struct{ key, label string }

// after is what to do when a check failed.
type after int

const (
	tryAgain after = iota
	enableAndSave
	saveSettings
	quit
)

// source answers the questions: a person (Accessible) or flags (Scripted).
type source interface {
	choose(f field, opts []option, cur int) (int, error)
	text(f field, cur string) (string, error)
	// secretValue returns the new secret, or keep when the saved one stays.
	secretValue(f field, saved bool) (v secret.Secret, keep bool, err error)
	// invalid is told that a value failed its local validation (already
	// written); nil asks for it again.
	invalid(f field, err error) error
	// failed is told that a step's check failed (diagnosis written).
	failed(err error, canSaveSettings bool) (after, error)
	// keepSignIn: reuse the saved sign-in of mailbox?
	keepSignIn(mailbox string) (bool, error)
	// signedIn is told who signed in; an error refuses the sign-in.
	signedIn(mailbox string) error
	// pasted returns the address the browser landed on after the
	// authorization-code sign-in (one line), or ErrNotSaved at the end of
	// the input (the localhost listener may still catch it).
	pasted() (string, error)
	// enable: after the test (passed or not), enable and save, save the
	// settings only, or quit.
	enable(p config.Provider, passed bool) (after, error)
	// consent: may a file pimmail could not read be replaced?
	consent(why error) (bool, error)
}

// flow is one run through the steps.
type flow struct {
	ctx    context.Context
	run    *steps.Run
	start  steps.Start
	src    source
	out    io.Writer // progress
	diag   io.Writer // problems
	cfg    config.Config
	p      config.Provider
	hints  *steps.Hints
	passed bool // the test email went through in this run
}

// walk runs the provider's steps in order and saves.
func (f *flow) walk() (steps.SaveSummary, error) {
	f.cfg = f.start.Config
	f.hints = f.run.Env().Sandbox
	if f.hints != nil {
		fmt.Fprintln(f.out, "Sandbox mode: nothing here reaches Microsoft.")
	}
	if f.start.LoadErr != nil {
		fmt.Fprintln(f.out, "Note: "+Plain(f.start.LoadErr.Error()))
	}
	if f.start.CacheErr != nil {
		fmt.Fprintln(f.out, "Note: the saved sign-in cannot be used, the mailbox signs in again: "+Plain(f.start.CacheErr.Error()))
	}
	seq := steps.Sequence(config.ProviderNone)
	for i := 0; i < len(seq); i++ {
		info := seq[i]
		if info.ID == steps.StepProvider {
			fmt.Fprintf(f.out, "\nStep 1: %s\n", info.Title)
		} else {
			fmt.Fprintf(f.out, "\nStep %d of %d: %s\n", i+1, len(seq), info.Title)
		}
		if info.ID == steps.StepEnable {
			return f.save()
		}
		for {
			err := f.step(info.ID)
			if err == nil {
				break
			}
			var ue *UsageError
			if errors.Is(err, ErrNotSaved) || errors.As(err, &ue) {
				return steps.SaveSummary{}, err
			}
			next, aerr := f.src.failed(err, info.ID == steps.StepTest)
			if aerr != nil {
				return steps.SaveSummary{}, aerr
			}
			if next == quit {
				return steps.SaveSummary{}, ErrNotSaved
			}
			if next == saveSettings {
				return f.saveWith(saveSettings)
			}
		}
		if info.ID == steps.StepProvider {
			seq = steps.Sequence(f.p)
			fmt.Fprintf(f.out, "%s: %d steps.\n", f.p.Label(), len(seq))
		}
	}
	return steps.SaveSummary{}, ErrNotSaved
}

// step asks for one step's values and runs its check.
func (f *flow) step(id steps.ID) error {
	switch id {
	case steps.StepProvider:
		return f.provider()
	case steps.StepIDs:
		return f.ids()
	case steps.StepSecret:
		return f.secret()
	case steps.StepLogon:
		return f.logon()
	case steps.StepSmartHost:
		return f.smartHost()
	case steps.StepServer:
		return f.server()
	case steps.StepCredentials:
		return f.credentials()
	case steps.StepTest:
		return f.test()
	}
	return fmt.Errorf("step %q has no line-mode form", id)
}

// check runs one check as a line: "what ... done" or "what ... failed"
// and the diagnosis.
func (f *flow) check(what string, fn func(context.Context) error) error {
	fmt.Fprintf(f.out, "%s ... ", what)
	err := fn(f.ctx)
	if err != nil {
		fmt.Fprintln(f.out, "failed")
		WriteProblem(f.diag, err, f.cfg.Secrets()...)
		return &CheckError{Err: err}
	}
	fmt.Fprintln(f.out, "done")
	return nil
}

// askValid asks for f until validate accepts it (or the source gives up).
func (f *flow) askValid(fl field, cur string, validate func(string) (string, error)) (string, error) {
	for {
		v, err := f.src.text(fl, cur)
		if err != nil {
			return "", err
		}
		got, verr := validate(v)
		if verr == nil {
			return got, nil
		}
		WriteProblem(f.diag, verr, f.cfg.Secrets()...)
		if err := f.src.invalid(fl, verr); err != nil {
			return "", err
		}
	}
}

var providerKeys = map[config.Provider]string{
	config.ProviderLocal: "local", config.ProviderRelay: "relay", config.ProviderEntra: "entra",
}

func (f *flow) provider() error {
	var opts []option
	cur := -1
	for i, p := range config.Providers {
		label := p.Label()
		if p == f.start.Config.Enabled {
			label += " (enabled now)"
			cur = i
		}
		opts = append(opts, option{providerKeys[p], label})
	}
	fl := field{key: "provider", label: "Email provider"}
	if cur < 0 {
		// Nothing enabled: the wizard offers Entra first.
		cur, fl.required = len(config.Providers)-1, true
	}
	i, err := f.src.choose(fl, opts, cur)
	if err != nil {
		return err
	}
	f.p = config.Providers[i]
	return nil
}

func (f *flow) ids() error {
	var opts []option
	cur := 0
	for i, c := range cloud.All {
		opts = append(opts, option{c.Name, c.Label})
		if strings.EqualFold(c.Name, f.cfg.Entra.Cloud) {
			cur = i
		}
	}
	i, err := f.src.choose(field{key: "cloud", label: "Cloud"}, opts, cur)
	if err != nil {
		return err
	}
	f.cfg.Entra.Cloud = cloud.All[i].Name
	var hTenant, hClient string
	if f.hints != nil {
		hTenant, hClient = f.hints.TenantID+" (or "+f.hints.TenantDomain+")", f.hints.ClientID
	}
	if f.cfg.Entra.TenantID, err = f.askValid(field{key: "tenant", label: steps.FieldTenant,
		help: "App registrations > your app > Overview; a verified domain works too.", hint: hTenant},
		f.cfg.Entra.TenantID, steps.ValidateTenant); err != nil {
		return err
	}
	if f.cfg.Entra.ClientID, err = f.askValid(field{key: "client", label: steps.FieldClientID,
		help: "App registrations > your app > Overview (not the Object ID).", hint: hClient},
		f.cfg.Entra.ClientID, steps.ValidateClientID); err != nil {
		return err
	}
	e := f.cfg.Entra
	return f.check("Checking the tenant", func(ctx context.Context) error {
		_, err := f.run.CheckTenant(ctx, e)
		return err
	})
}

func (f *flow) secret() error {
	var hint string
	if f.hints != nil {
		hint = f.hints.ClientSecret
	}
	fl := field{key: "client-secret", label: "Client secret Value",
		help: "Certificates & secrets > Client secrets: the Value column, not the Secret ID.", hint: hint}
	for {
		v, keep, err := f.src.secretValue(fl, !f.cfg.Entra.ClientSecret.IsZero())
		if err != nil {
			return err
		}
		if keep {
			break
		}
		clean, verr := steps.ValidateSecret(v.Reveal())
		if verr == nil {
			f.cfg.Entra.ClientSecret = secret.New(clean)
			break
		}
		WriteProblem(f.diag, verr, f.cfg.Secrets()...)
		if err := f.src.invalid(fl, verr); err != nil {
			return err
		}
	}
	e := f.cfg.Entra
	return f.check("Checking the app and its secret with Entra ID", func(ctx context.Context) error {
		return f.run.CheckApp(ctx, e)
	})
}

var methodKeys = map[config.SignInMethod]string{
	config.MethodDeviceCode: "device", config.MethodAuthCode: "authcode", config.MethodAppOnly: "app",
}

// method asks how the mailbox signs in.
func (f *flow) method() error {
	var opts []option
	cur := 0
	for i, m := range config.SignInMethods {
		opts = append(opts, option{methodKeys[m], m.Label()})
		if m == f.cfg.Entra.Method.Normal() {
			cur = i
		}
	}
	i, err := f.src.choose(field{key: "sign-in", label: "Sign-in method"}, opts, cur)
	if err != nil {
		return err
	}
	f.cfg.Entra.Method = config.SignInMethods[i]
	return nil
}

func (f *flow) logon() error {
	if err := f.method(); err != nil {
		return err
	}
	switch f.cfg.Entra.Method.Normal() {
	case config.MethodAppOnly:
		return f.appMailbox()
	case config.MethodAuthCode:
		return f.authCodeLogon()
	}
	if f.keptSignIn() {
		return nil
	}
	f.cfg.Entra.Mailbox = ""
	var code steps.Logon
	e := f.cfg.Entra
	if err := f.check("Asking Entra ID for a sign-in code", func(ctx context.Context) error {
		var err error
		code, err = f.run.StartLogon(ctx, e)
		return err
	}); err != nil {
		return err
	}
	mbx := "the mailbox PIM mail is sent as"
	if f.hints != nil {
		mbx += " (sandbox: " + f.hints.Mailbox + ")"
	}
	fmt.Fprintln(f.diag, "First copy your one-time code: "+Plain(code.UserCode))
	fmt.Fprintln(f.diag, "Then open this address on any device: "+Plain(code.VerificationURL))
	fmt.Fprintln(f.diag, "and sign in as "+mbx+".")
	if !code.ExpiresOn.IsZero() {
		fmt.Fprintf(f.diag, "The code expires at %s (in %d minutes).\n", code.ExpiresOn.Local().Format("15:04"),
			int(time.Until(code.ExpiresOn).Round(time.Minute).Minutes()))
	}
	var who steps.SignedIn
	if err := f.check("Waiting for the mailbox to sign in", func(ctx context.Context) error {
		var err error
		who, err = code.Wait(ctx)
		return err
	}); err != nil {
		return err
	}
	return f.signedIn(who.Mailbox)
}

// keptSignIn offers the saved sign-in of the same mailbox and method and
// checks it; true when it still works.
func (f *flow) keptSignIn() bool {
	saved := f.start.Config.Entra
	if !steps.SavedSignInUsable(saved, f.cfg.Entra) || f.cfg.Entra.Mailbox != saved.Mailbox {
		return false
	}
	if keep, err := f.src.keepSignIn(saved.Mailbox); err != nil || !keep {
		return false
	}
	c := f.cfg
	err := f.check("Checking the saved sign-in of "+saved.Mailbox, func(ctx context.Context) error {
		_, err := f.run.CheckToken(ctx, c)
		return err
	})
	if err == nil {
		fmt.Fprintln(f.out, "Signed in as "+saved.Mailbox+" (the saved sign-in).")
		return true
	}
	fmt.Fprintln(f.out, "The saved sign-in cannot be used: the mailbox signs in again.")
	return false
}

// signedIn records who signed in, unless the source refuses them.
func (f *flow) signedIn(mailbox string) error {
	fmt.Fprintln(f.out, "Signed in as "+Plain(mailbox)+".")
	if err := f.src.signedIn(mailbox); err != nil {
		WriteProblem(f.diag, err)
		return &CheckError{Err: err}
	}
	f.cfg.Entra.Mailbox = mailbox
	return nil
}

// appMailbox asks for the mailbox an app-only token sends as: nobody
// signs in, so nothing else names it. The check runs once the smart host
// is known (smartHost).
func (f *flow) appMailbox() error {
	var hint string
	if f.hints != nil {
		hint = f.hints.Mailbox
	}
	cur := f.cfg.Entra.Mailbox
	fl := field{key: "mailbox", label: "Mailbox", help: "The mailbox PIM mail is sent as (the app sends as it with SMTP.SendAsApp).", hint: hint}
	if cur == "" {
		fl.required = true
	}
	v, err := f.askValid(fl, cur, steps.ValidateEmail)
	if err != nil {
		return err
	}
	if v == "" {
		return required(fl, "Give --mailbox ADDRESS")
	}
	f.cfg.Entra.Mailbox = v
	return nil
}

// checkAppOnly gets an app-only token and signs in to the smart host
// with it; a refusal names the Exchange Online commands that fix it.
func (f *flow) checkAppOnly() error {
	c := f.cfg
	var res steps.AppOnlyResult
	err := f.check("Checking the app-only token and Exchange Online AUTH as "+c.Entra.Mailbox, func(ctx context.Context) error {
		var err error
		res, err = f.run.CheckAppOnly(ctx, c)
		return err
	})
	if err == nil {
		fmt.Fprintln(f.out, "The app sends as "+Plain(res.Mailbox)+" (roles "+Plain(strings.Join(res.Roles, " "))+"): "+Plain(res.Reply))
	}
	return err
}

// authCodeWait is how long the authorization-code sign-in waits for the
// address the browser landed on.
const authCodeWait = 15 * time.Minute

// authCodeLogon runs the authorization-code sign-in: the address goes to
// diag, the address the browser landed on comes from the source (pasted)
// or from pimmail's localhost listener, whichever first.
func (f *flow) authCodeLogon() error {
	if f.keptSignIn() {
		return nil
	}
	f.cfg.Entra.Mailbox = ""
	var a steps.AuthCodeLogon
	e := f.cfg.Entra
	if err := f.check("Preparing the sign-in address", func(ctx context.Context) error {
		var err error
		a, err = f.run.StartAuthCode(ctx, e, 0)
		return err
	}); err != nil {
		return err
	}
	defer a.Close()
	mbx := "the mailbox PIM mail is sent as"
	if f.hints != nil {
		mbx += " (sandbox: " + f.hints.Mailbox + ")"
	}
	fmt.Fprintln(f.diag, "Open this address in a browser on any device and sign in as "+mbx+":")
	fmt.Fprintln(f.diag, Plain(a.URL))
	fmt.Fprintln(f.diag, "The browser then lands on "+Plain(a.RedirectURI)+" (a page that may not load): paste that whole address here as one line.")
	var who steps.SignedIn
	if err := f.check("Waiting for the address the browser landed on", func(ctx context.Context) error {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		got := make(chan string, 2)
		// Only a scripted run races the listener against its input: a
		// person's line mode would lose their next answer to the read.
		_, race := f.src.(*scripted)
		if race && a.Listening {
			go func() {
				if u, err := a.Caught(ctx); err == nil {
					got <- u
				}
			}()
		}
		go func() {
			if u, err := f.src.pasted(); err == nil && strings.TrimSpace(u) != "" {
				got <- u
			} else if !race || !a.Listening {
				got <- ""
			}
		}()
		// Like a device code, the wait ends: a scripted run with nothing
		// pasted must not hang forever on the listener.
		limit := time.NewTimer(authCodeWait)
		defer limit.Stop()
		var u string
		select {
		case u = <-got:
		case <-limit.C:
		case <-ctx.Done():
			return ctx.Err()
		}
		if u == "" {
			return &steps.FieldError{Field: "Redirect address", Message: "was not given",
				Hint: "Sign in within 15 minutes and paste the address the browser landed on (it starts with " + a.RedirectURI + ") as one line on standard input, or tunnel the browser's port to pimmail (ssh -L " + strings.TrimPrefix(a.RedirectURI, "http://localhost:") + ":localhost:" + strings.TrimPrefix(a.RedirectURI, "http://localhost:") + ")"}
		}
		var err error
		who, err = f.run.RedeemAuthCode(ctx, a, u)
		return err
	}); err != nil {
		return err
	}
	return f.signedIn(who.Mailbox)
}

// hostPort is host:port as typed and shown.
func hostPort(h string, p int) string { return net.JoinHostPort(h, strconv.Itoa(p)) }

func (f *flow) smartHost() error {
	cl, _ := cloud.ByName(f.cfg.Entra.Cloud)
	cur := hostPort(cl.SmartHost, cl.SmartPort)
	if f.cfg.Entra.SmartHost != "" {
		port := f.cfg.Entra.Port
		if port == 0 {
			port = cl.SmartPort
		}
		cur = hostPort(f.cfg.Entra.SmartHost, port)
		// Another cloud's smart host, never changed: this cloud's.
		for _, other := range cloud.All {
			if f.hints == nil && cur == hostPort(other.SmartHost, other.SmartPort) {
				cur = hostPort(cl.SmartHost, cl.SmartPort)
			}
		}
	}
	v, err := f.askValid(field{key: "smart-host", label: steps.FieldSmartHost, help: "host[:port]; port 587 when left out."}, cur,
		func(s string) (string, error) {
			h, p, err := steps.ValidateHostPort(s, cl.SmartPort)
			if err != nil {
				return "", err
			}
			f.cfg.Entra.SmartHost, f.cfg.Entra.Port = h, p
			return hostPort(h, p), nil
		})
	if err != nil {
		return err
	}
	if err := f.probe("Connecting to " + v); err != nil {
		return err
	}
	if f.cfg.Entra.Method.Normal() == config.MethodAppOnly {
		return f.checkAppOnly()
	}
	return nil
}

// probe checks the provider's server and says what it found.
func (f *flow) probe(what string) error {
	c, p := f.cfg, f.p
	var res steps.ProbeResult
	err := f.check(what, func(ctx context.Context) error {
		var err error
		res, err = f.run.Probe(ctx, p, c)
		return err
	})
	if err == nil {
		line := Plain(hostPort(res.Host, res.Port)) + " answers"
		if res.TLSVersion != "" {
			line += " with " + Plain(res.TLSVersion)
		} else {
			line += " in plain text (no TLS)"
		}
		if len(res.AuthMechs) > 0 {
			line += "; AUTH " + Plain(strings.Join(res.AuthMechs, " "))
		}
		fmt.Fprintln(f.out, line+".")
	}
	return err
}

// smtpOf is the plain SMTP provider's settings in c.
func (f *flow) smtp() *config.SMTP {
	if f.p == config.ProviderRelay {
		return &f.cfg.Relay
	}
	return &f.cfg.Local
}

func (f *flow) server() error {
	sm := f.smtp()
	prefix := "local-"
	var hHost string
	if f.p == config.ProviderRelay {
		prefix = "relay-"
		if f.hints != nil {
			hHost = hostPort(f.hints.RelayHost, f.hints.RelayPort)
		}
	} else if f.hints != nil {
		hHost = hostPort(f.hints.LocalHost, f.hints.LocalPort)
	}
	def := smtpDefault(f.p)
	var err error
	sm.Host, err = f.askValid(field{key: prefix + "host", label: "Server", help: "host name or IP address, optionally with :port", hint: hHost},
		sm.Host, func(s string) (string, error) {
			port := sm.Port
			if port == 0 {
				port = def.Port
			}
			h, p, err := steps.ValidateHostPort(s, port)
			if err != nil {
				return "", err
			}
			sm.Port = p // host:port in the host field: that port wins
			return h, nil
		})
	if err != nil {
		return err
	}
	if _, err = f.askValid(field{key: prefix + "port", label: "Port", help: "25, or 587; 465 for implicit TLS"},
		strconv.Itoa(sm.Port), func(s string) (string, error) {
			p, err := steps.ValidatePort(s)
			if err == nil {
				sm.Port = p
			}
			return s, err
		}); err != nil {
		return err
	}
	modes := steps.TLSModes(f.p)
	var opts []option
	cur := 0
	for i, m := range modes {
		opts = append(opts, option{string(m), m.Choice()})
		if m == sm.TLS {
			cur = i
		}
	}
	i, err := f.src.choose(field{key: prefix + "tls", label: "TLS"}, opts, cur)
	if err != nil {
		return err
	}
	sm.TLS = modes[i]
	return f.probe("Connecting to " + hostPort(sm.Host, sm.Port))
}

// smtpDefault is a new configuration's settings for provider p's server.
func smtpDefault(p config.Provider) config.SMTP {
	if p == config.ProviderRelay {
		return config.Default().Relay
	}
	return config.Default().Local
}

func (f *flow) credentials() error {
	sm := f.smtp()
	fl := field{key: "relay-username", label: "Username (optional)", help: "only when the relay wants a login; type - for none"}
	for {
		user, err := f.src.text(fl, sm.Username)
		if err != nil {
			return err
		}
		if user = strings.TrimSpace(user); user == "-" {
			user = ""
		}
		pass := sm.Password
		if user == "" {
			pass = ""
		} else {
			v, keep, err := f.src.secretValue(field{key: "relay-password", label: "Password"}, !sm.Password.IsZero() && user == sm.Username)
			if err != nil {
				return err
			}
			if !keep {
				pass = v
			}
		}
		if verr := steps.CheckCredentials(user, pass); verr != nil {
			WriteProblem(f.diag, verr)
			if err := f.src.invalid(fl, verr); err != nil {
				return err
			}
			continue
		}
		sm.Username, sm.Password = user, pass
		break
	}
	if sm.Username == "" {
		return nil
	}
	return f.probe("Checking that " + hostPort(sm.Host, sm.Port) + " offers AUTH")
}

func (f *flow) test() error {
	help := "the address PIM mail is sent from"
	if f.p == config.ProviderEntra {
		help += "; - for the mailbox " + f.cfg.Entra.Mailbox
	}
	from, err := f.askValid(field{key: "from", label: "From address", help: help}, f.cfg.Email.From,
		func(s string) (string, error) {
			if s = strings.TrimSpace(s); f.p == config.ProviderEntra && (s == "-" || s == "") {
				return "", nil
			}
			v, err := steps.ValidateEmail(s)
			var fe *steps.FieldError
			if errors.As(err, &fe) {
				fe.Field = "From address"
			}
			return v, err
		})
	if err != nil {
		return err
	}
	f.cfg.Email.From = from
	name, err := f.src.text(field{key: "display-name", label: "Display name", help: "the sender's name; - for none"}, f.cfg.Email.DisplayName)
	if err != nil {
		return err
	}
	if name = strings.TrimSpace(name); name == "-" {
		name = ""
	}
	f.cfg.Email.DisplayName = name
	def := from
	if f.p == config.ProviderEntra {
		def = f.cfg.Entra.Mailbox
	}
	to, err := f.askValid(field{key: "test-to", label: "Send the test email to"}, def, steps.ValidateEmail)
	if err != nil {
		return err
	}
	if w := steps.FromWarningFor(f.p, f.cfg); w != "" {
		fmt.Fprintln(f.out, "Warning: "+Plain(w))
	}
	var res steps.TestResult
	c, p := f.cfg, f.p
	f.passed = false
	if err := f.check("Sending a test email to "+to+" through "+p.Label(), func(ctx context.Context) error {
		var err error
		res, err = f.run.SendTest(ctx, p, c, to)
		return err
	}); err != nil {
		return err
	}
	f.passed = true
	fmt.Fprintln(f.out, "Test email sent to "+Plain(res.To)+". Server reply: "+Plain(secret.Redact(res.Reply, c.Secrets()...)))
	if res.Note != "" {
		fmt.Fprintln(f.out, "Note: "+Plain(res.Note))
	}
	if res.OwnDomainOnly {
		fmt.Fprintln(f.out, "Warning: "+steps.OwnDomainCaution+" Send a test to an external address before relying on it.")
	}
	return nil
}

// save asks whether to enable and saves.
func (f *flow) save() (steps.SaveSummary, error) {
	next, err := f.src.enable(f.p, f.passed)
	if err != nil {
		return steps.SaveSummary{}, err
	}
	if next == quit {
		return steps.SaveSummary{}, ErrNotSaved
	}
	return f.saveWith(next)
}

// saveWith saves: enabling the provider (only after a passing test) or the
// settings only.
func (f *flow) saveWith(how after) (steps.SaveSummary, error) {
	overwrite := false
	if f.start.NeedsConsent {
		ok, err := f.src.consent(f.start.LoadErr)
		if err != nil {
			return steps.SaveSummary{}, err
		}
		if !ok {
			return steps.SaveSummary{}, ErrNotSaved
		}
		overwrite = true
	}
	var sum steps.SaveSummary
	what := "Saving"
	if how == enableAndSave && f.passed {
		what = "Enabling " + f.p.Label() + " and saving"
	}
	err := f.check(what, func(context.Context) error {
		var err error
		if how == enableAndSave && f.passed {
			sum, err = f.run.Save(f.cfg, f.p, overwrite)
		} else {
			sum, err = f.run.SaveSettings(f.cfg, overwrite)
		}
		return err
	})
	return sum, err
}
