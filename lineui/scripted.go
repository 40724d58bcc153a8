package lineui

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/secret"
	"github.com/pimmail/pimmail/steps"
)

// Scripted are the answers of a scripted setup (pimmail setup
// --non-interactive). A value not given keeps the saved one, so running
// the same command again changes nothing.
type Scripted struct {
	// Values are the flags given, by name without dashes ("tenant",
	// "relay-port"); see Flags.
	Values map[string]string
	// ClientSecret and RelayPassword are the secrets given (from a file or
	// the environment, never a flag); nil keeps the saved one.
	ClientSecret, RelayPassword *secret.Secret
	// Enable enables the provider once its test email went through;
	// without it the settings are saved and nothing is enabled.
	Enable bool
	// In is where the authorization-code sign-in reads the address the
	// browser landed on (one line); nil: only the localhost listener.
	In io.Reader
	// Overwrite allows replacing a configuration pimmail could not read (a
	// copy of it is kept).
	Overwrite bool
}

// Flags are the value flags a scripted setup takes, with their help.
var Flags = []struct{ Name, Help string }{
	{"provider", "entra, relay or local (default: the one enabled now)"},
	{"cloud", "global, usgov, usdod or china"},
	{"tenant", "Directory (tenant) ID or a verified domain"},
	{"client", "Application (client) ID"},
	{"sign-in", "how the mailbox signs in: device (device code), authcode (browser elsewhere, paste the address back) or app (app-only, SMTP.SendAsApp; needs --mailbox)"},
	{"mailbox", "the mailbox that must sign in (a sign-in as another one fails)"},
	{"smart-host", "Exchange Online host[:port] (default: the cloud's, port 587)"},
	{"relay-host", "SMTP Relay server host[:port]"},
	{"relay-port", "SMTP Relay port"},
	{"relay-tls", "SMTP Relay TLS mode: none, starttls or implicit"},
	{"relay-username", "SMTP Relay username (- for none); its password from --relay-password-file or PIMMAIL_RELAY_PASSWORD"},
	{"local-host", "Local SMTP server host[:port]"},
	{"local-port", "Local SMTP port"},
	{"local-tls", "Local SMTP TLS mode: none or starttls"},
	{"from", "From address (with Entra, - for the mailbox)"},
	{"display-name", "the sender's display name (- for none)"},
	{"test-to", "recipient of the test email (default: the mailbox, or the From address)"},
}

// RunScripted walks the wizard's steps with the answers in s: progress on
// out, the device code and every diagnosis on errOut. It returns a
// *UsageError for a missing or invalid value (nothing checked), a
// *CheckError when a check failed (nothing saved), or ErrNotSaved.
func RunScripted(ctx context.Context, run *steps.Run, start steps.Start, s Scripted, out, errOut io.Writer) (steps.SaveSummary, error) {
	w, e := plainWriter{out}, plainWriter{errOut}
	f := &flow{ctx: ctx, run: run, start: start, src: &scripted{s: s}, out: w, diag: e}
	return f.walk()
}

// scripted answers from flags.
type scripted struct{ s Scripted }

func required(f field, hint string) error {
	return &UsageError{Flag: f.key, Err: &steps.FieldError{Field: f.label, Message: "is not set", Hint: hint}}
}

// flagProvider is the provider whose settings a flag holds; flags not
// named here are for every provider.
func flagProvider(name string) config.Provider {
	switch {
	case strings.HasPrefix(name, "relay-"):
		return config.ProviderRelay
	case strings.HasPrefix(name, "local-"):
		return config.ProviderLocal
	case name == "cloud", name == "tenant", name == "client", name == "sign-in", name == "mailbox", name == "smart-host":
		return config.ProviderEntra
	}
	return config.ProviderNone
}

// otherProviders refuses a flag for another provider than p: it would be
// neither checked nor saved.
func (sc *scripted) otherProviders(p config.Provider) error {
	for _, f := range Flags {
		if _, ok := sc.s.Values[f.Name]; ok {
			if fp := flagProvider(f.Name); fp != config.ProviderNone && fp != p {
				return &UsageError{Flag: f.Name, Err: &steps.FieldError{Field: "--" + f.Name, Message: "is a setting of " + fp.Label(),
					Hint: "This run sets up " + p.Label() + " and would neither check nor save it: leave it out, or run once for each provider"}}
			}
		}
	}
	return nil
}

func (sc *scripted) choose(f field, opts []option, cur int) (int, error) {
	i, err := sc.pick(f, opts, cur)
	if err == nil && f.key == "provider" {
		err = sc.otherProviders(config.Providers[i])
	}
	return i, err
}

func (sc *scripted) pick(f field, opts []option, cur int) (int, error) {
	v, ok := sc.s.Values[f.key]
	var keys []string
	for i, o := range opts {
		if ok && strings.EqualFold(strings.TrimSpace(v), o.key) {
			return i, nil
		}
		keys = append(keys, o.key)
	}
	if !ok && cur >= 0 && !f.required {
		return cur, nil
	}
	if !ok {
		return 0, required(f, "Give --"+f.key+" "+strings.Join(keys, "|"))
	}
	return 0, &UsageError{Flag: f.key, Err: &steps.FieldError{Field: f.label, Message: fmt.Sprintf("%q is not one of the choices", v),
		Hint: "Use one of: " + strings.Join(keys, ", ")}}
}

func (sc *scripted) text(f field, cur string) (string, error) {
	if v, ok := sc.s.Values[f.key]; ok {
		return v, nil
	}
	return cur, nil
}

func (sc *scripted) secretValue(f field, saved bool) (secret.Secret, bool, error) {
	v, env := sc.s.ClientSecret, "PIMMAIL_CLIENT_SECRET"
	if f.key == "relay-password" {
		v, env = sc.s.RelayPassword, "PIMMAIL_RELAY_PASSWORD"
	}
	if v != nil {
		return *v, false, nil
	}
	if saved {
		return "", true, nil
	}
	return "", false, required(f, "Give it in a file (--"+f.key+"-file FILE, or - for standard input) or in the environment variable "+env+"; never as a flag")
}

func (sc *scripted) invalid(f field, err error) error { return &UsageError{Flag: f.key, Err: err} }

func (sc *scripted) failed(err error, _ bool) (after, error) { return quit, err }

func (sc *scripted) keepSignIn(mailbox string) (bool, error) {
	want := strings.TrimSpace(sc.s.Values["mailbox"])
	return want == "" || strings.EqualFold(want, mailbox), nil
}

func (sc *scripted) signedIn(mailbox string) error {
	want := strings.TrimSpace(sc.s.Values["mailbox"])
	if want == "" || strings.EqualFold(want, mailbox) {
		return nil
	}
	return &diagnose.Problem{Code: diagnose.Unexpected, Title: "Signed in as " + mailbox + ", not as " + want,
		Explanation: "--mailbox says mail goes out as " + want + ", but the sign-in on the device was as " + mailbox + ".",
		Fix:         "Run the command again and sign in as " + want + " (sign out of " + mailbox + " in the browser first, or use a private window), or change --mailbox."}
}

func (sc *scripted) pasted() (string, error) {
	if sc.s.In == nil {
		return "", ErrNotSaved
	}
	line, err := bufio.NewReader(sc.s.In).ReadString('\n')
	if err != nil && line == "" {
		return "", ErrNotSaved
	}
	return strings.TrimSpace(line), nil
}

func (sc *scripted) enable(config.Provider, bool) (after, error) {
	if sc.s.Enable {
		return enableAndSave, nil
	}
	return saveSettings, nil
}

func (sc *scripted) consent(why error) (bool, error) {
	if sc.s.Overwrite {
		return true, nil
	}
	return false, &UsageError{Flag: "overwrite", Err: &steps.FieldError{Field: "The configuration", Message: "cannot be read",
		Hint: Plain(fmt.Sprint(why)) + " Give --overwrite to replace it (pimmail keeps a copy of it beside the new one)"}}
}
