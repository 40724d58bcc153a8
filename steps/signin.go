package steps

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/pimmail/pimmail/auth"
	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/debuglog"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/secret"
)

// authMethod is the saved sign-in method as auth names it.
func authMethod(m config.SignInMethod) auth.Method {
	switch m.Normal() {
	case config.MethodAuthCode:
		return auth.MethodAuthCode
	case config.MethodAppOnly:
		return auth.MethodAppOnly
	}
	return auth.MethodDeviceCode
}

// AuthCodeLogon is a started authorization-code sign-in: show URL, then
// RedeemAuthCode the address the browser landed on (pasted), or Caught's.
type AuthCodeLogon struct {
	URL         string
	RedirectURI string
	// Listening is true when pimmail listens on RedirectURI's port of
	// localhost: a browser tunnelled with ssh -L needs no paste.
	Listening bool
	Issued    time.Time
	l         *auth.AuthCodeLogon
}

// StartAuthCode starts the authorization-code sign-in of the mailbox for
// e's app (confidential client: the secret is needed), returning to
// http://localhost:redirectPort (0: auth.DefaultRedirectPort).
func (r *Run) StartAuthCode(ctx context.Context, e config.Entra, redirectPort int) (AuthCodeLogon, error) {
	e.Method = config.MethodAuthCode
	s, err := r.settings(e, true, true)
	if err != nil {
		return AuthCodeLogon{}, err
	}
	redirect := ""
	if redirectPort > 0 {
		redirect = "http://localhost:" + strconv.Itoa(redirectPort)
	}
	sctx, cancel := r.withTimeout(ctx)
	defer cancel()
	// The listener outlives this call (it waits for the browser) until Close.
	l, err := auth.StartAuthCodeLogon(sctx, s, redirect)
	debuglog.Printf("steps: start authorization-code sign-in for %s: %v", s.ClientID, codeOf(err))
	if err != nil {
		return AuthCodeLogon{}, err
	}
	return AuthCodeLogon{URL: l.URL, RedirectURI: l.RedirectURI, Listening: l.Listening, Issued: time.Now(), l: l}, nil
}

// Caught waits for the browser's redirect to reach pimmail's listener.
func (a AuthCodeLogon) Caught(ctx context.Context) (string, error) {
	if a.l == nil {
		return "", context.Canceled
	}
	return a.l.Caught(ctx)
}

// Close stops listening for the redirect.
func (a AuthCodeLogon) Close() {
	if a.l != nil {
		a.l.Close()
	}
}

// RedeemAuthCode checks the pasted address (state, host, code or error=)
// and redeems its code: the mailbox is then signed in, its refresh token
// in the token cache. The pasted text is cleaned by auth.ParseRedirect
// (wrapping white space inside it too).
func (r *Run) RedeemAuthCode(ctx context.Context, a AuthCodeLogon, pasted string) (SignedIn, error) {
	if a.l == nil {
		return SignedIn{}, diagnose.New(diagnose.Unexpected, diagnose.Facts{}, "RedeemAuthCode on a sign-in StartAuthCode did not return", nil)
	}
	ctx, cancel := r.withTimeout(ctx)
	defer cancel()
	acct, err := a.l.Redeem(ctx, pasted)
	debuglog.Printf("steps: authorization-code sign-in ended: %q %v", acct.Username, codeOf(err))
	if err != nil {
		return SignedIn{}, err
	}
	return SignedIn{Mailbox: acct.Username, Scopes: acct.Scopes, Audience: acct.Audience, ExpiresOn: acct.ExpiresOn}, nil
}

// AppOnlyResult is what the app-only check learned.
type AppOnlyResult struct {
	Mailbox string
	// ServicePrincipalID is the oid of the app-only token: the Enterprise
	// application's object ID that New-ServicePrincipal needs.
	ServicePrincipalID string
	Roles              []string
	ExpiresOn          time.Time
	// Commands register the app in Exchange Online for the mailbox, with
	// real values (Exchange Online PowerShell).
	Commands []string
	// Reply is the smart host's answer to AUTH (235 ...) once verified.
	Reply      string
	Transcript []string
}

// CheckAppOnly gets an app-only token for c's app (roles must hold
// SMTP.SendAsApp), works out the Exchange Online commands for c's mailbox
// and proves them by signing in to the smart host (AUTH and QUIT, no
// mail). A 535 there is the AppExchangeSetup problem with the commands.
// The result is filled as far as the check got, also on failure.
func (r *Run) CheckAppOnly(ctx context.Context, c config.Config) (AppOnlyResult, error) {
	c.Entra.Method = config.MethodAppOnly
	mbx, err := ValidateEmail(c.Entra.Mailbox)
	if err != nil {
		return AppOnlyResult{}, inputProblem(err)
	}
	c.Entra.Mailbox = mbx
	s, err := r.settings(c.Entra, true, true)
	if err != nil {
		return AppOnlyResult{}, err
	}
	srv, err := r.server(config.ProviderEntra, c)
	if err != nil {
		return AppOnlyResult{}, err
	}
	ctx, cancel := r.withTimeout(ctx)
	defer cancel()
	info, tok, err := auth.AppOnlySignIn(ctx, s)
	debuglog.Printf("steps: app-only token for %s: roles %v %v", s.ClientID, info.Roles, codeOf(err))
	res := AppOnlyResult{Mailbox: mbx, ServicePrincipalID: info.ServicePrincipalID, Roles: info.Roles, ExpiresOn: info.ExpiresOn}
	if err != nil {
		return res, withFacts(err, config.ProviderEntra, c)
	}
	res.Commands = diagnose.AppExchangeCommands(s.ClientID, info.ServicePrincipalID, mbx, c.Email.From)
	rep, err := mailerSignIn(ctx, srv, mbx, tok.Value)
	res.Reply, res.Transcript = rep.Reply, rep.Transcript
	return res, withFacts(appOnlyRefusal(err, c, tok.Value), config.ProviderEntra, c)
}

// appOnlyRefusal turns Exchange's 535 5.7.3 to an app-only token into the
// AppExchangeSetup problem with the commands that fix it: for an app-only
// token it means the service principal is not registered or lacks the
// mailbox permission. Other errors, and other methods, pass unchanged.
func appOnlyRefusal(err error, c config.Config, token secret.Secret) error {
	if c.Entra.Method.Normal() != config.MethodAppOnly {
		return err
	}
	p, ok := diagnose.As(err)
	if !ok || (p.Code != diagnose.SMTPAuthFailed && p.Code != diagnose.SMTPSignInRefused) ||
		!strings.Contains(p.Raw, "5.7.3") && !strings.Contains(p.Raw, "4.2.0") {
		return err
	}
	claims, cerr := auth.ParseClaims(token.Reveal())
	if cerr != nil || claims.ObjectID == "" {
		return err
	}
	f := diagnose.Facts{TenantID: c.Entra.TenantID, ClientID: c.Entra.ClientID, Mailbox: c.Entra.Mailbox, From: c.Email.From}
	q := diagnose.AppExchangeProblem(f, c.Entra.ClientID, claims.ObjectID, c.Email.From, p.Raw, p.Err)
	q.TraceID, q.CorrelationID = p.TraceID, p.CorrelationID
	return q
}
