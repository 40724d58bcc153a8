package auth

import (
	"context"
	"errors"
	"net"
	"net/url"

	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"

	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/secret"
)

// entraProblem turns a failure from MSAL (an Entra answer, a network or TLS
// failure, a cancelled context) into a *diagnose.Problem. Never call MSAL's
// CallErr.Verbose: it prints the request, client secret included.
func entraProblem(err error, s Settings, mailbox string) error {
	return scrub(diagnose.Entra(err, facts(s, mailbox)), s)
}

// cacheProblem is "sign the mailbox in again", with raw saying why.
func cacheProblem(s Settings, mailbox, raw string, err error) error {
	return scrub(diagnose.New(diagnose.CacheSignInAgain, facts(s, mailbox), raw, err), s)
}

// inputProblem is a problem with code for a setting that cannot even be
// sent (empty, or not a tenant); raw says what was wrong with it.
func inputProblem(code diagnose.Code, s Settings, raw string) error {
	p := diagnose.New(code, facts(s, ""), raw, nil)
	// The catalogue's explanation quotes Entra's answer; here Entra was
	// never asked, so say what pimmail itself found instead.
	p.Explanation = "pimmail did not send this to Microsoft Entra ID: " + raw + "."
	return scrub(p, s)
}

// scrub removes the client secret from every text of p, should a service
// or library ever echo it. Tokens never reach an error path: MSAL keeps
// them out of its error texts and we never put them into one.
func scrub(p *diagnose.Problem, s Settings) *diagnose.Problem {
	if p == nil {
		return nil
	}
	secs := []secret.Secret{s.ClientSecret}
	p.Title = secret.Redact(p.Title, secs...)
	p.Explanation = secret.Redact(p.Explanation, secs...)
	p.Fix = secret.Redact(p.Fix, secs...)
	p.Raw = secret.Redact(p.Raw, secs...)
	return p
}

// fromServiceOrNetwork reports whether err came from talking to Entra (an
// HTTP answer MSAL turned into a CallErr) or from the network, TLS, or the
// context, as opposed to MSAL finding nothing usable in the token cache.
func fromServiceOrNetwork(err error) bool {
	var ce msalerrors.CallErr
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ue) || errors.As(err, &ne) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
