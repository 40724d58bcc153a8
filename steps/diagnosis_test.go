package steps_test

// The diagnosis matrix: every failure the sandbox can produce (each named
// scenario, and the directory-driven mistakes an admin makes without one)
// is driven through the product's own entry points, in the wizard's order,
// and must reach the admin at the right step as the right catalogue entry
// with a fix that names the concrete action, the service's own text kept
// for the details view, and no secret anywhere.
//
// Where steps cannot reach a failure (steps always sends as the mailbox, so
// the envelope-sender refusal needs mailer; a test email has one recipient,
// so the daily recipient quota needs mailer; steps refuses a Secret ID and a
// shared tenant endpoint locally, so Entra's own answers to them need auth),
// the row drives the lowest public layer that can, and says why.

import (
	"bufio"
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pimmail/pimmail/auth"
	"github.com/pimmail/pimmail/cloud"
	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/mailer"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/sandbox/sandboxtest"
	"github.com/pimmail/pimmail/secret"
	"github.com/pimmail/pimmail/steps"
)

// stage is where a failure surfaces: a step of the wizard, a later command,
// or (for what steps cannot reach) the lower layer driven instead.
type stage string

const (
	atTenant stage = "CheckTenant"
	atApp    stage = "CheckApp"
	atLogon  stage = "StartLogon"
	atWait   stage = "Logon.Wait"
	atProbe  stage = "Probe"
	atSend   stage = "SendTest"
	// atLater is `pimmail test` after the wizard saved: a new steps.Open
	// with PersistCache (a new process) and SendTest from the saved files.
	atLater stage = "SendTest after Save (pimmail test)"
	// atAuth and atMailer: the row drives that package directly.
	atAuth   stage = "auth"
	atMailer stage = "mailer"
)

// Values the admin may type instead of the sandbox's.
const (
	wrongSecret   = "Xyz8Q~not.the-right_value0123456789abcd"
	relayPassword = "relay-Passw0rd-for-the-matrix"
	unknownTenant = "0badc0de-0000-4000-8000-000000000000"
	unknownClient = "99999999-8888-4777-8666-555555555555"
	otherSender   = "alerts@" + sandbox.DefaultTenantDomain
)

// later is the second life of a run: the wizard saved, the process ended,
// and `pimmail test` runs against a sandbox started again from the same
// state directory (same keys and Entra port, so the saved cache fits).
type later struct {
	// scenario is switched on for the second run only.
	scenario string
	// rotateKeys drops the sandbox's saved signing key (keeping its port),
	// so the saved refresh token no longer verifies: Entra's AADSTS70008
	// "not redeemable here" answer.
	rotateKeys bool
}

// diagCase is one row of the matrix.
type diagCase struct {
	name string
	// scenario is the sandbox scenario ("" for a directory-driven failure).
	scenario string
	// provider is Entra unless set.
	provider config.Provider
	// opts adjusts the sandbox options (directory, approval).
	opts func(*sandbox.Options)
	// env adjusts the environment (CA, endpoints, timeout).
	env func(t *testing.T, env *steps.Env)
	// edit applies what the admin entered differently from the sandbox's values.
	edit func(c *config.Config)
	// okSends is how many test emails succeed before the failing one.
	okSends int
	// beforeSend changes the directory between the sign-in and the test email.
	beforeSend func(sb *sandbox.Sandbox)
	// later: the failure surfaces only in a later `pimmail test`.
	later *later
	// cancelAt cancels the context during that stage (the admin pressing Esc).
	cancelAt stage
	// drive replaces the step pipeline (rows steps cannot reach).
	drive func(t *testing.T, tc *diagCase) outcome

	at   stage
	code diagnose.Code
	// fix lists texts the Fix must contain: the concrete action.
	fix []string
	// raw lists texts Problem.Raw must contain: the service's own words.
	raw []string
	// local marks a refusal made before anything was sent: there is no
	// service text, so Raw may be empty.
	local bool
	// explains lists texts the Explanation must contain.
	explains []string
}

// outcome is where a run stopped and what it had learnt by then.
type outcome struct {
	at  stage
	err error
	// sendNo is the number of the failing test email (1 = the first).
	sendNo int
	// transcript of the failing send, if any.
	transcript []string
	// known are the facts the product knew at that point: placeholders
	// for them must be filled.
	known diagnose.Facts
	// secrets must not appear in anything shown.
	secrets []string
	// also are further problems the same failure must produce identically
	// (e.g. `pimmail status` after `pimmail test`), by where they came from.
	also map[string]error
}

// diagnosisCases is the matrix. Every sandbox scenario appears (checked by
// TestDiagnosisMatrix), plus the directory-driven failures.
func diagnosisCases() []diagCase {
	withSendAs := func(o *sandbox.Options) {
		d := sandbox.DefaultDirectory()
		d.Mailboxes[0].SendAs = []string{otherSender}
		o.Directory = &d
	}
	relayAtExchange := func(t *testing.T, env *steps.Env) {
		// smtp.office365.com:587 entered as an SMTP Relay server.
		env.Sandbox.RelayHost, env.Sandbox.RelayPort = env.Sandbox.SmartHost, env.Sandbox.SmartPort
	}
	return append(signInCases(), []diagCase{
		// Tenant and app (the IDs and secret steps).
		{name: "unknown tenant GUID", edit: func(c *config.Config) { c.Entra.TenantID = unknownTenant },
			at: atTenant, code: diagnose.EntraTenantNotFound,
			fix: []string{"Directory (tenant) ID", "Overview"}, raw: []string{"AADSTS90002", unknownTenant}, explains: []string{unknownTenant}},
		{name: "unknown tenant domain", edit: func(c *config.Config) { c.Entra.TenantID = "fabrikam.onmicrosoft.com" },
			at: atTenant, code: diagnose.EntraTenantNotFound,
			fix: []string{"Directory (tenant) ID"}, raw: []string{"AADSTS90002", "fabrikam.onmicrosoft.com"}, explains: []string{"fabrikam.onmicrosoft.com"}},
		{name: "shared endpoint as tenant (refused locally)", edit: func(c *config.Config) { c.Entra.TenantID = "organizations" },
			at: atTenant, code: steps.CodeInvalidInput, local: true, fix: []string{"Directory (tenant) ID"}},
		{name: "unknown client ID", edit: func(c *config.Config) { c.Entra.ClientID = unknownClient },
			at: atApp, code: diagnose.EntraAppNotFound,
			fix: []string{"Application (client) ID"}, raw: []string{"AADSTS700016", unknownClient}, explains: []string{unknownClient}},
		{name: "wrong secret", edit: func(c *config.Config) { c.Entra.ClientSecret = secret.New(wrongSecret) },
			at: atApp, code: diagnose.EntraSecretInvalid,
			fix: []string{"Certificates & secrets", "Value"}, raw: []string{"AADSTS7000215"}},
		{name: "Secret ID pasted as the secret (refused locally)", edit: func(c *config.Config) { c.Entra.ClientSecret = secret.New(sandbox.DefaultSecretID) },
			at: atApp, code: steps.CodeInvalidInput, local: true, fix: []string{"Value"}},
		{name: "Secret ID pasted as the secret (Entra's answer, through auth)", drive: driveAuthCheckApp(sandbox.DefaultSecretID),
			at: atAuth, code: diagnose.EntraSecretInvalid,
			fix: []string{"Certificates & secrets", "not the Secret ID"}, raw: []string{"AADSTS7000215"}, explains: []string{"Secret ID"}},
		{name: "secret-expired", scenario: "secret-expired",
			at: atApp, code: diagnose.EntraSecretExpired,
			fix: []string{"Certificates & secrets", "New client secret"}, raw: []string{"AADSTS7000222"}},
		{name: "no-exchange", scenario: "no-exchange",
			at: atApp, code: diagnose.EntraNoExchange,
			fix: []string{"Licenses and apps", "Directory (tenant) ID"}, raw: []string{"AADSTS500011"}},
		{name: "Entra's certificate not trusted", env: func(t *testing.T, env *steps.Env) { env.RootCAs = x509.NewCertPool() },
			at: atTenant, code: diagnose.TLSCertificate,
			fix: []string{"--sandbox", "SSL_CERT_FILE", "trust store"}, raw: []string{"certificate signed by unknown authority"}},

		// The mailbox sign-in.
		{name: "public-client-disabled", scenario: "public-client-disabled",
			at: atWait, code: diagnose.EntraPublicClientDisabled,
			fix: []string{"Authentication", "Allow public client flows = Yes"}, raw: []string{"AADSTS7000218"}},
		{name: "consent-missing", scenario: "consent-missing",
			at: atWait, code: diagnose.EntraConsentMissing,
			fix: []string{"API permissions", "SMTP.Send", "Grant admin consent"}, raw: []string{"AADSTS65001"}},
		{name: "mfa-required", scenario: "mfa-required",
			at: atWait, code: diagnose.EntraMFARequired,
			fix: []string{"MFA"}, raw: []string{"AADSTS50076"}},
		{name: "conditional-access", scenario: "conditional-access",
			at: atWait, code: diagnose.EntraConditionalAccess,
			fix: []string{"Sign-in logs", "Conditional Access", "Exclude"}, raw: []string{"AADSTS53003"}},
		{name: "declined", scenario: "declined",
			at: atWait, code: diagnose.EntraDeclined,
			fix: []string{"Start the sign-in again"}, raw: []string{"authorization_declined"}},
		{name: "code-expired", scenario: "code-expired",
			at: atWait, code: diagnose.EntraCodeExpired,
			fix: []string{"Start the sign-in again"}, raw: []string{"AADSTS70020", "expired_token"}},
		{name: "token-graph: a Microsoft Graph token at sign-in", scenario: "token-graph",
			at: atWait, code: diagnose.TokenWrongAudience,
			fix: []string{"https://outlook.office.com", "repeat the mailbox sign-in"}, raw: []string{"https://graph.microsoft.com"}},
		{name: "token-no-smtp-send: a token without SMTP.Send at sign-in", scenario: "token-no-smtp-send",
			at: atWait, code: diagnose.TokenWrongScope,
			fix: []string{"SMTP.Send"}, raw: []string{"IMAP.AccessAsUser.All"}},
		{name: "Esc while waiting for the sign-in", opts: func(o *sandbox.Options) { o.ApproveAfter = -1 }, cancelAt: atWait,
			at: atWait, code: diagnose.NetCancelled, fix: []string{"start it again"}, raw: []string{"context canceled"}},

		// The smart host.
		{name: "tls-old", scenario: "tls-old",
			at: atProbe, code: diagnose.TLSTooOld,
			fix: []string{"TLS 1.2"}, raw: []string{"protocol version"}},
		{name: "smart host port closed", env: func(t *testing.T, env *steps.Env) { env.Sandbox.SmartPort = sandboxtest.ClosedPort(t) },
			at: atProbe, code: diagnose.NetRefused,
			fix: []string{"nc -vz 127.0.0.1"}, raw: []string{"connection refused"}},
		{name: "smart host is the relay (no XOAUTH2)", env: func(t *testing.T, env *steps.Env) {
			env.Sandbox.SmartHost, env.Sandbox.SmartPort = env.Sandbox.RelayHost, env.Sandbox.RelayPort
		}, at: atProbe, code: diagnose.NoXOAUTH2,
			fix: []string{"smtp.office365.com", "Set-CASMailbox -Identity " + sandbox.DefaultMailbox}, raw: []string{"AUTH mechanisms offered: none"}},
		{name: "Esc during the smart host probe", cancelAt: atProbe,
			at: atProbe, code: diagnose.NetCancelled, fix: []string{"start it again"}, raw: []string{"context canceled"}},

		// The test email through Exchange Online.
		{name: "smtp-auth-disabled-tenant", scenario: "smtp-auth-disabled-tenant",
			at: atSend, code: diagnose.SMTPAuthDisabledTenant,
			fix: []string{"Set-TransportConfig -SmtpClientAuthenticationDisabled $false"}, raw: []string{"535", "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant."}},
		{name: "SMTP AUTH off for the organisation (directory)", opts: func(o *sandbox.Options) {
			d := sandbox.DefaultDirectory()
			d.Tenants[0].SMTPAuthDisabled = true
			o.Directory = &d
		}, at: atSend, code: diagnose.SMTPAuthDisabledTenant,
			fix: []string{"Set-TransportConfig -SmtpClientAuthenticationDisabled $false"}, raw: []string{"535", "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant."}},
		{name: "smtp-auth-disabled-mailbox", scenario: "smtp-auth-disabled-mailbox",
			at: atSend, code: diagnose.SMTPAuthDisabledMailbox,
			fix: []string{"Set-CASMailbox -Identity " + sandbox.DefaultMailbox + " -SmtpClientAuthenticationDisabled $false"}, raw: []string{"535", "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox."}},
		{name: "SMTP AUTH off for the mailbox (directory)", opts: func(o *sandbox.Options) {
			d := sandbox.DefaultDirectory()
			d.Mailboxes[0].SMTPAuthDisabled = true
			o.Directory = &d
		}, at: atSend, code: diagnose.SMTPAuthDisabledMailbox,
			fix: []string{"Set-CASMailbox -Identity " + sandbox.DefaultMailbox + " -SmtpClientAuthenticationDisabled $false"}, raw: []string{"535", "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox."}},
		{name: "security-defaults", scenario: "security-defaults",
			at: atSend, code: diagnose.SMTPSecurityDefaults,
			fix: []string{"Manage security defaults"}, raw: []string{"535", "5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy."}},
		{name: "smtp-conditional-access", scenario: "smtp-conditional-access",
			at: atSend, code: diagnose.SMTPConditionalAccess,
			fix: []string{"Conditional Access", "Exclude: add " + sandbox.DefaultMailbox}, raw: []string{"535", "5.7.139 Authentication unsuccessful, the request did not meet the criteria"}},
		{name: "send-as-denied (even with a Send As grant)", scenario: "send-as-denied", opts: withSendAs,
			edit: func(c *config.Config) { c.Email.From = otherSender },
			at:   atSend, code: diagnose.SMTPSendAsDenied,
			fix: []string{"Add-RecipientPermission -Identity " + otherSender + " -Trustee " + sandbox.DefaultMailbox + " -AccessRights SendAs"},
			raw: []string{"554", "5.2.252 SendAsDenied; " + sandbox.DefaultMailbox + " not allowed to send as " + otherSender}},
		{name: "From the mailbox may not send as (directory)", edit: func(c *config.Config) { c.Email.From = otherSender },
			at: atSend, code: diagnose.SMTPSendAsDenied,
			fix: []string{"Add-RecipientPermission -Identity " + otherSender + " -Trustee " + sandbox.DefaultMailbox + " -AccessRights SendAs"},
			raw: []string{"554", "5.2.252 SendAsDenied"}},
		{name: "throttled", scenario: "throttled", okSends: 2,
			at: atSend, code: diagnose.SMTPRateLimited,
			fix: []string{"Wait a minute", "30 messages a minute"}, raw: []string{"421", "4.4.2 Message submission rate for this client has exceeded the configured limit"}},
		{name: "concurrency", scenario: "concurrency",
			at: atSend, code: diagnose.SMTPConcurrency,
			fix: []string{"at most 3 connections"}, raw: []string{"432", "4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded"}},
		{name: "mailbox renamed after the sign-in", beforeSend: func(sb *sandbox.Sandbox) {
			sb.UpdateDirectory(func(d *sandbox.Directory) { d.Mailboxes[0].UPN = "pim-renamed@" + sandbox.DefaultTenantDomain })
		}, at: atSend, code: diagnose.SMTPAuthFailed,
			fix: []string{"Repeat the mailbox sign-in as " + sandbox.DefaultMailbox}, raw: []string{"535", "5.7.3 Authentication unsuccessful"}},

		// Later: `pimmail test` after the wizard saved.
		{name: "refresh-revoked", later: &later{scenario: "refresh-revoked"},
			at: atLater, code: diagnose.EntraGrantRevoked,
			fix: []string{"pimmail setup", sandbox.DefaultMailbox}, raw: []string{"AADSTS50173"}},
		{name: "refresh-inactive", later: &later{scenario: "refresh-inactive"},
			at: atLater, code: diagnose.EntraRefreshInactive,
			fix: []string{"pimmail setup", sandbox.DefaultMailbox}, raw: []string{"AADSTS700082"}},
		{name: "refresh token no longer redeemable (signing key rotated)", later: &later{rotateKeys: true},
			at: atLater, code: diagnose.EntraRefreshExpired,
			fix: []string{"pimmail setup", sandbox.DefaultMailbox}, raw: []string{"AADSTS70008"}},
		{name: "token-graph after the sign-in: checked before AUTH (pimmail test)", later: &later{scenario: "token-graph"},
			at: atLater, code: diagnose.TokenWrongAudience,
			fix: []string{"https://outlook.office.com", "repeat the mailbox sign-in"}, raw: []string{"https://graph.microsoft.com", sandbox.DefaultMailbox}},
		{name: "no sign-in on this machine", drive: driveNotSignedIn,
			at: atLater, code: diagnose.CacheSignInAgain,
			fix: []string{"pimmail setup", sandbox.DefaultMailbox}, raw: []string{"no signed-in mailbox"}},

		// SMTP Relay and Local SMTP.
		{name: "relay-not-trusted", scenario: "relay-not-trusted", provider: config.ProviderRelay,
			at: atSend, code: diagnose.RelayTenantAttribution,
			fix: []string{"Mail flow > Connectors", "public IP"}, raw: []string{"550", "5.7.64 TenantAttribution; Relay Access Denied"}},
		{name: "relay with a password (no AUTH offered)", provider: config.ProviderRelay,
			edit: func(c *config.Config) { c.Relay.Username, c.Relay.Password = "pim", secret.New(relayPassword) },
			at:   atProbe, code: diagnose.NoAuth,
			fix: []string{"Clear the username and password"}, raw: []string{"no AUTH"}},
		{name: "smtp.office365.com as a relay without a login", provider: config.ProviderRelay, env: relayAtExchange,
			at: atSend, code: diagnose.SMTPNotAuthenticated,
			fix: []string{"Microsoft Entra ID SMTP Client"}, raw: []string{"530", "5.7.57 Client not authenticated to send mail."}},
		{name: "smtp.office365.com as a relay with a password", provider: config.ProviderRelay, env: relayAtExchange,
			edit: func(c *config.Config) {
				c.Relay.Username, c.Relay.Password = sandbox.DefaultMailbox, secret.New(relayPassword)
			},
			at: atSend, code: diagnose.SMTPBasicAuthDisabled,
			fix: []string{"Microsoft Entra ID SMTP Client"}, raw: []string{"535", "5.7.139 Authentication unsuccessful, basic authentication is disabled."}},
		{name: "basic-auth-retired: smtp.office365.com as a relay with a password", scenario: "basic-auth-retired", provider: config.ProviderRelay, env: relayAtExchange,
			edit: func(c *config.Config) {
				c.Relay.Username, c.Relay.Password = sandbox.DefaultMailbox, secret.New(relayPassword)
			},
			at: atSend, code: diagnose.SMTPBasicAuthRemoved,
			fix: []string{"Microsoft Entra ID SMTP Client"}, raw: []string{"550", "5.7.30 Basic authentication is not supported for Client Submission."}},
		{name: "relay certificate not trusted", provider: config.ProviderRelay,
			env: func(t *testing.T, env *steps.Env) { env.RootCAs = x509.NewCertPool() },
			at:  atProbe, code: diagnose.TLSCertificate,
			fix: []string{"update-ca-certificates"}, raw: []string{"certificate signed by unknown authority"}},
		{name: "implicit TLS on a STARTTLS port", provider: config.ProviderRelay,
			edit: func(c *config.Config) { c.Relay.TLS = config.TLSImplicit },
			at:   atProbe, code: diagnose.TLSHandshake,
			fix: []string{"465 uses implicit TLS"}, raw: []string{"tls: "}},
		// Accepted, then silence: something listens, so it is not a
		// firewall, and `nc -vz` (which would succeed) is not the advice.
		{name: "server accepts but never greets", provider: config.ProviderRelay, env: func(t *testing.T, env *steps.Env) {
			env.Sandbox.RelayHost, env.Sandbox.RelayPort = fakeServer(t, silent)
			env.Timeout = 500 * time.Millisecond
		}, at: atProbe, code: diagnose.SMTPNoGreeting,
			fix: []string{"465", "587", "nc 127.0.0.1"}, explains: []string{"accepted the TCP connection"},
			raw: []string{"connected to 127.0.0.1:", "no SMTP greeting within "}},
		// The connection itself is never made: the server's accept queue is
		// full, so the kernel drops the SYNs, as a firewall does.
		{name: "connection attempt dropped", provider: config.ProviderRelay, env: func(t *testing.T, env *steps.Env) {
			env.Sandbox.RelayHost, env.Sandbox.RelayPort = dropsSYNs(t)
			env.Timeout = 500 * time.Millisecond
		}, at: atProbe, code: diagnose.NetTimeout,
			fix: []string{"nc -vz 127.0.0.1"}, raw: []string{"i/o timeout|deadline exceeded"}},
		{name: "local mail service not running", provider: config.ProviderLocal, env: func(t *testing.T, env *steps.Env) {
			env.Sandbox.LocalPort = sandboxtest.ClosedPort(t)
		}, at: atProbe, code: diagnose.NetRefused,
			fix: []string{"systemctl status postfix", "localhost:25"}, raw: []string{"connection refused"}},
		{name: "server drops the connection", provider: config.ProviderRelay, env: func(t *testing.T, env *steps.Env) {
			env.Sandbox.RelayHost, env.Sandbox.RelayPort = fakeServer(t, hangUp)
		}, at: atProbe, code: diagnose.NetDropped,
			fix: []string{"Send again"}, raw: []string{"EOF"}},
		{name: "local server without STARTTLS", provider: config.ProviderLocal, env: func(t *testing.T, env *steps.Env) {
			env.Sandbox.LocalHost, env.Sandbox.LocalPort = fakeServer(t, noStartTLS)
		}, edit: func(c *config.Config) { c.Local.TLS = config.TLSStartTLS },
			at: atProbe, code: diagnose.NoSTARTTLS,
			fix: []string{"STARTTLS"}, raw: []string{"EHLO"}},

		// What steps cannot reach, through mailer.
		{name: "envelope sender not the mailbox (mailer: steps always sends as the mailbox)", drive: driveEnvelopeMismatch,
			at: atMailer, code: diagnose.SMTPSendAsEnvelope,
			fix: []string{"Add-RecipientPermission -Identity " + otherSender + " -Trustee " + sandbox.DefaultMailbox}, raw: []string{"550", "5.7.60 SMTP; Client does not have permissions to send as this sender"}},
		{name: "10,000 recipients a day (mailer: a test email has one recipient)", drive: driveQuota,
			at: atMailer, code: diagnose.SMTPQuotaExceeded,
			fix: []string{"24 hours"}, raw: []string{"554", "5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException"}},
	}...)
}

// notProducible are the catalogue codes the matrix cannot produce, and why.
// A new code must be added to the matrix or here, with its reason.
var notProducible = map[diagnose.Code]string{
	diagnose.EntraMFARegistration:      "the sandbox has no MFA-registration scenario (AADSTS50079)",
	diagnose.EntraSecurityDefaults:     "the sandbox has no Entra security-defaults scenario (AADSTS530035); security-defaults is the SMTP 5.7.139 one",
	diagnose.EntraInvalidScope:         "pimmail always asks for the cloud's own SMTP.Send scope; the sandbox answers 70011 only to malformed scopes, and a wrong cloud there is AADSTS500011",
	diagnose.EntraScopeNeedsDefault:    "pimmail's app check always asks for /.default",
	diagnose.EntraAuthorizationPending: "an intermediate poll answer MSAL consumes; it never ends a sign-in",
	diagnose.EntraSlowDown:             "an intermediate poll answer MSAL consumes; it never ends a sign-in",
	diagnose.RelayAuthFailed:           "no stand-in takes a password (Exchange answers basic authentication disabled, EOP offers no AUTH); mailer's go-smtp fixture drives a wrong password (535 5.7.8) with PLAIN and LOGIN",
	diagnose.SMTPSignInRefused:         "every stand-in answers AUTH with a reply that has its own entry; mailer's go-smtp tests (a too-long AUTH line) and diagnose's reply table cover it",
	diagnose.SMTPStalled:               "the stand-ins always answer; mailer's TestSilentAfterGreetingIsStalled drives a server that greets and then stalls at EHLO",
	diagnose.SMTPTLSVersion:            "Exchange's 421 4.7.66 answers a client that negotiated TLS 1.0/1.1; pimmail never offers below 1.2 (tls-old gives TLSTooOld)",
	diagnose.RelayDenied:               "no stand-in answers 5.7.1 relay denied: the relay stand-in answers 5.7.64 TenantAttribution, the local sink takes every recipient",
	diagnose.SMTPRejected:              "catch-all for replies the catalogue has no entry for; every reply the stand-ins send has one",
	diagnose.NetDNS:                    "tests talk only to 127.0.0.1: a failing lookup would ask a DNS server",
	diagnose.NetUnreachable:            "needs a network without a route; loopback always has one",
	diagnose.NetProxy:                  "Go reads HTTPS_PROXY once per process; auth's TestEntraRequestsUseHTTPSProxy drives a proxy's refusal and an unreachable proxy in child processes",
	diagnose.PasswordInClear:           "needs a server that is not this machine (a password to loopback may go in clear)",
	diagnose.EntraOther:                "every Entra answer to what pimmail sends has its own entry; the one the sandbox has without (AADSTS50194, a shared endpoint as tenant) is refused locally by steps and auth",
	diagnose.Unexpected:                "catch-all for errors the catalogue does not know",
}

// TestDiagnosisMatrix runs every row in parallel, each against its own sandbox.
func TestDiagnosisMatrix(t *testing.T) {
	cases := diagnosisCases()
	var inMatrix []string
	for _, tc := range cases {
		if tc.scenario != "" {
			inMatrix = append(inMatrix, tc.scenario)
		}
		if tc.later != nil && tc.later.scenario != "" {
			inMatrix = append(inMatrix, tc.later.scenario)
		}
	}
	for _, sc := range sandbox.Scenarios {
		if !slices.Contains(inMatrix, sc.Name) {
			t.Errorf("sandbox scenario %q (%s) has no row in the diagnosis matrix", sc.Name, sc.Summary)
		}
	}
	for i := range cases {
		tc := &cases[i]
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			drive := tc.drive
			if drive == nil {
				drive = drivePipeline
			}
			checkOutcome(t, tc, drive(t, tc))
		})
	}
}

// TestDiagnosisMatrixCoversCatalogue: every catalogue code is produced by a
// row of the matrix or explained in notProducible, never both, so a new
// code cannot go untested silently.
func TestDiagnosisMatrixCoversCatalogue(t *testing.T) {
	produced := map[diagnose.Code][]string{}
	for _, tc := range diagnosisCases() {
		produced[tc.code] = append(produced[tc.code], tc.name)
	}
	known := map[diagnose.Code]bool{}
	for _, e := range diagnose.Catalogue() {
		known[e.Code] = true
		rows, why := produced[e.Code], notProducible[e.Code]
		switch {
		case len(rows) == 0 && why == "":
			t.Errorf("catalogue code %s is neither produced by the diagnosis matrix nor listed in notProducible", e.Code)
		case len(rows) > 0 && why != "":
			t.Errorf("catalogue code %s is produced by %q but listed in notProducible (%s): drop it from the list", e.Code, rows, why)
		}
	}
	for code := range notProducible {
		if !known[code] {
			t.Errorf("notProducible lists %s, which is not in the catalogue", code)
		}
	}
	// steps' own codes (local refusals) are not in the catalogue.
	for _, c := range []diagnose.Code{steps.CodeInvalidInput, steps.CodeIncomplete, steps.CodeNeedsConsent, steps.CodeSaveFailed} {
		known[c] = true
	}
	for code, rows := range produced {
		if !known[code] {
			t.Errorf("rows %q expect %s, which is not in the catalogue", rows, code)
		}
	}
}

// checkOutcome asserts the row's expectations on where the run stopped.
func checkOutcome(t *testing.T, tc *diagCase, o outcome) {
	t.Helper()
	if o.err == nil {
		t.Fatalf("no failure anywhere; want %s at %s", tc.code, tc.at)
	}
	p, ok := diagnose.As(o.err)
	if !ok {
		t.Fatalf("%s failed with %v (%T), not a *diagnose.Problem; want %s at %s", o.at, o.err, o.err, tc.code, tc.at)
	}
	if o.at != tc.at {
		t.Fatalf("failure at %s (%s: %s), want it at %s", o.at, p.Code, p.Error(), tc.at)
	}
	if want := tc.okSends + 1; tc.at == atSend && o.sendNo != want {
		t.Errorf("test email #%d failed, want #%d", o.sendNo, want)
	}
	if p.Code != tc.code {
		t.Fatalf("diagnosed %s, want %s\n%s\nraw: %s", p.Code, tc.code, p.Error(), p.Raw)
	}
	if p.Title == "" || p.Explanation == "" || p.Fix == "" {
		t.Errorf("%s: title %q, explanation %q, fix %q: none may be empty", p.Code, p.Title, p.Explanation, p.Fix)
	}
	for _, want := range tc.fix {
		if !strings.Contains(p.Fix, want) {
			t.Errorf("%s: fix lacks %q:\n%s", p.Code, want, p.Fix)
		}
	}
	for _, want := range tc.explains {
		if !strings.Contains(p.Explanation, want) {
			t.Errorf("%s: explanation lacks %q:\n%s", p.Code, want, p.Explanation)
		}
	}
	if len(tc.raw) == 0 && !tc.local {
		t.Errorf("row has no expected raw text: the details view must carry the service's own words")
	}
	for _, want := range tc.raw {
		// "a|b": either text will do (e.g. which of two deadlines fired first).
		if !slices.ContainsFunc(strings.Split(want, "|"), func(w string) bool { return strings.Contains(p.Raw, w) }) {
			t.Errorf("%s: raw lacks %q:\n%s", p.Code, want, p.Raw)
		}
	}
	t.Logf("%s at %s\n  title: %s\n  explanation: %s\n  fix: %s\n  raw: %s", p.Code, o.at, p.Title, p.Explanation, p.Fix, p.Raw)
	// Placeholders for what was known at that point must be filled.
	k := o.known
	for _, ph := range []struct{ name, value string }{
		{"<mailbox>", k.Mailbox}, {"<from>", k.From}, {"<clientId>", k.ClientID},
		{"<tenant>", k.TenantID}, {"<host>", k.Host}, {"<port>", portText(k.Port)},
	} {
		if ph.value == "" {
			continue
		}
		for _, f := range []struct{ what, text string }{{"title", p.Title}, {"explanation", p.Explanation}, {"fix", p.Fix}} {
			if strings.Contains(f.text, ph.name) {
				t.Errorf("%s: %s leaves %s unfilled although it is known (%s):\n%s", p.Code, f.what, ph.name, ph.value, f.text)
			}
		}
	}
	// No secret anywhere the admin or support sees.
	shown := strings.Join([]string{p.Error(), p.Title, p.Explanation, p.Fix, p.Raw, strings.Join(o.transcript, "\n")}, "\n")
	noSecretIn(t, string(p.Code)+" problem and transcript", shown, o.secrets...)
	for from, err := range o.also {
		q, ok := diagnose.As(err)
		if !ok || q.Code != p.Code || q.Fix != p.Fix {
			t.Errorf("%s answers %v, not the same diagnosis (%s)", from, err, p.Code)
			continue
		}
		noSecretIn(t, from, q.Error()+"\n"+q.Raw, o.secrets...)
	}
}

func portText(p int) string {
	if p == 0 {
		return ""
	}
	return strconv.Itoa(p)
}

// startFor starts the row's sandbox: approval and polling tiny, so nothing
// waits for a person or for Entra's 5-second interval.
func startFor(t *testing.T, scenario, stateDir string, tweak func(*sandbox.Options)) *sandbox.Sandbox {
	t.Helper()
	o := sandbox.Options{
		Scenario:     scenario,
		StateDir:     stateDir,
		ApproveAfter: time.Millisecond,
		PollInterval: 10 * time.Millisecond,
	}
	if stateDir != "" {
		// Below MSAL's 5-minute margin: every later Token call refreshes.
		o.AccessTokenLifetime = 2 * time.Minute
	}
	if tweak != nil {
		tweak(&o)
	}
	sb, err := sandbox.Start(o)
	if err != nil {
		t.Fatalf("sandbox.Start: %v", err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	return sb
}

// drivePipeline runs the wizard's steps for the row's provider, in order,
// stopping at the first failure; for a `later` row it then saves and runs
// `pimmail test` in a new process against a restarted sandbox.
func drivePipeline(t *testing.T, tc *diagCase) outcome {
	path := configPath(t)
	stateDir := ""
	first := tc.scenario
	if tc.later != nil {
		stateDir = filepath.Join(t.TempDir(), "sandbox-state")
		first = ""
	}
	sb := startFor(t, first, stateDir, tc.opts)
	env := sandboxEnv(sb, path)
	if tc.env != nil {
		tc.env(t, &env)
	}
	run, start := steps.Open(env)
	c := start.Config
	h := env.Sandbox
	c.Entra.TenantID, c.Entra.ClientID, c.Entra.ClientSecret = h.TenantID, h.ClientID, secret.New(h.ClientSecret)
	if tc.provider != config.ProviderEntra && tc.provider != "" {
		c.Email.From = "pim@" + sandbox.RelayDomain
	}
	if tc.edit != nil {
		tc.edit(&c)
	}
	o := outcome{secrets: []string{h.ClientSecret, wrongSecret, relayPassword, c.Relay.Password.Reveal()}}
	ctxAt := func(s stage) context.Context {
		c := ctx(t)
		if tc.cancelAt != s {
			return c
		}
		cc, cancel := context.WithCancel(c)
		if s == atWait {
			// Mid-poll: the logon is under way when Esc comes.
			time.AfterFunc(100*time.Millisecond, cancel)
		} else {
			cancel()
		}
		t.Cleanup(cancel)
		return cc
	}
	fail := func(at stage, err error) outcome {
		o.at, o.err = at, err
		return o
	}

	switch tc.provider {
	case config.ProviderRelay, config.ProviderLocal:
		o.known = diagnose.Facts{Host: "127.0.0.1", From: c.Email.From}
		pr, err := run.Probe(ctxAt(atProbe), tc.provider, c)
		o.known.Port = pr.Port
		if err != nil {
			return fail(atProbe, err)
		}
		tr, err := run.SendTest(ctxAt(atSend), tc.provider, c, "someone@example.com")
		o.sendNo, o.transcript = 1, tr.Transcript
		if err != nil {
			return fail(atSend, err)
		}
		return o
	}

	o.known.TenantID = c.Entra.TenantID
	if _, err := run.CheckTenant(ctxAt(atTenant), c.Entra); err != nil {
		return fail(atTenant, err)
	}
	o.known.ClientID = c.Entra.ClientID
	if err := run.CheckApp(ctxAt(atApp), c.Entra); err != nil {
		return fail(atApp, err)
	}
	lg, err := run.StartLogon(ctxAt(atLogon), c.Entra)
	if err != nil {
		return fail(atLogon, err)
	}
	in, err := lg.Wait(ctxAt(atWait))
	if err != nil {
		return fail(atWait, err)
	}
	c.Entra.Mailbox = in.Mailbox
	o.known.Mailbox = in.Mailbox
	o.known.Host = "127.0.0.1"
	pr, err := run.Probe(ctxAt(atProbe), config.ProviderEntra, c)
	o.known.Port = pr.Port
	if err != nil {
		return fail(atProbe, err)
	}
	if tc.beforeSend != nil {
		tc.beforeSend(sb)
	}
	o.known.From = c.Email.From
	for i := range tc.okSends + 1 {
		tr, err := run.SendTest(ctxAt(atSend), config.ProviderEntra, c, "")
		o.sendNo, o.transcript = i+1, tr.Transcript
		if err != nil {
			return fail(atSend, err)
		}
	}
	if tc.later == nil {
		return o
	}

	// The wizard saves; the process ends; the sandbox restarts (same state
	// directory, so same port and, unless rotated, same keys).
	sum, err := run.Save(c, config.ProviderEntra, false)
	if err != nil {
		t.Fatalf("Save: %v", err)
	}
	o.secrets = append(o.secrets, cacheSecrets(t, sum.CachePath)...)
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
	if tc.later.rotateKeys {
		keys := filepath.Join(stateDir, "keys.json")
		if err := os.Remove(keys); err != nil {
			t.Fatalf("rotating the sandbox's signing key: %v", err)
		}
	}
	sb2 := startFor(t, tc.later.scenario, stateDir, tc.opts)
	if sb2.Endpoints().Authority != sb.Endpoints().Authority {
		t.Fatalf("the restarted sandbox moved from %s to %s: the saved sign-in cannot match", sb.Endpoints().Authority, sb2.Endpoints().Authority)
	}
	env2 := sandboxEnv(sb2, path)
	env2.PersistCache = true
	run2, start2 := steps.Open(env2)
	if start2.CacheErr != nil || start2.LoadErr != nil || !start2.Exists {
		t.Fatalf("pimmail test start = %+v", start2)
	}
	saved := start2.Config
	o.known = diagnose.Facts{TenantID: saved.Entra.TenantID, ClientID: saved.Entra.ClientID, Mailbox: saved.Entra.Mailbox}
	tr, err := run2.SendTest(ctx(t), config.ProviderEntra, saved, "")
	o.sendNo, o.transcript = 1, tr.Transcript
	if err != nil {
		_, serr := run2.CheckToken(ctx(t), saved)
		o.also = map[string]error{"CheckToken (pimmail status)": serr}
		return fail(atLater, err)
	}
	return o
}

// driveNotSignedIn: a saved Entra configuration names a mailbox but this
// machine holds no sign-in for it (the token cache was not copied along).
func driveNotSignedIn(t *testing.T, tc *diagCase) outcome {
	sb := startFor(t, "", "", nil)
	env := sandboxEnv(sb, configPath(t))
	env.PersistCache = true
	run, start := steps.Open(env)
	c := start.Config
	c.Entra.TenantID, c.Entra.ClientID, c.Entra.ClientSecret = sandbox.DefaultTenantID, sandbox.DefaultClientID, secret.New(sandbox.DefaultClientSecret)
	c.Entra.Mailbox = sandbox.DefaultMailbox
	o := outcome{secrets: []string{sandbox.DefaultClientSecret},
		known: diagnose.Facts{TenantID: c.Entra.TenantID, ClientID: c.Entra.ClientID, Mailbox: c.Entra.Mailbox}}
	tr, err := run.SendTest(ctx(t), config.ProviderEntra, c, "")
	o.at, o.err, o.sendNo, o.transcript = atLater, err, 1, tr.Transcript
	_, serr := run.CheckToken(ctx(t), c)
	o.also = map[string]error{"CheckToken (pimmail status)": serr}
	return o
}

// authSettings are the sandbox app's settings for driving auth directly.
func authSettings(sb *sandbox.Sandbox, c *auth.Cache) auth.Settings {
	return auth.Settings{Cloud: cloud.Global, TenantID: sandbox.DefaultTenantID, ClientID: sandbox.DefaultClientID,
		ClientSecret: secret.New(sandbox.DefaultClientSecret), Authority: sb.Endpoints().Authority, RootCAs: sb.RootCAs(), Cache: c}
}

// driveAuthCheckApp runs auth.CheckApp with what steps would refuse locally,
// to show what Entra itself answers (an admin may bypass steps' checks by
// editing the config file; pimmail test then meets Entra's answer).
func driveAuthCheckApp(value string) func(*testing.T, *diagCase) outcome {
	return func(t *testing.T, tc *diagCase) outcome {
		sb := startFor(t, "", "", nil)
		s := authSettings(sb, nil)
		s.ClientSecret = secret.New(value)
		_, err := auth.CheckApp(ctx(t), s)
		return outcome{at: atAuth, err: err, secrets: []string{sandbox.DefaultClientSecret},
			known: diagnose.Facts{TenantID: s.TenantID, ClientID: s.ClientID}}
	}
}

// mailboxToken signs the mailbox in through auth (device code) and returns
// an access token, for rows that drive mailer directly.
func mailboxToken(t *testing.T, sb *sandbox.Sandbox) secret.Secret {
	t.Helper()
	s := authSettings(sb, auth.NewMemoryCache())
	d, err := auth.StartDeviceLogon(ctx(t), s)
	if err != nil {
		t.Fatalf("StartDeviceLogon: %v", err)
	}
	if _, err := d.Wait(ctx(t)); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	tok, err := auth.Token(ctx(t), s, sandbox.DefaultMailbox)
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	return tok.Value
}

// exchangeAt is the Exchange stand-in as a mailer.Server.
func exchangeAt(sb *sandbox.Sandbox) mailer.Server {
	ep := sb.Endpoints()
	return mailer.Server{Host: ep.SMTPHost, Port: ep.SMTPPort, TLS: mailer.StartTLS, RootCAs: sb.RootCAs(), Timeout: 20 * time.Second}
}

// driveEnvelopeMismatch: MAIL FROM another address than the mailbox.
// steps.SendTest cannot produce it: mailer uses the mailbox as envelope
// sender with XOAUTH2, so a foreign From is refused after DATA (5.2.252).
func driveEnvelopeMismatch(t *testing.T, tc *diagCase) outcome {
	sb := startFor(t, "", "", nil)
	tok := mailboxToken(t, sb)
	srv := exchangeAt(sb)
	msg := mailer.Message{From: otherSender, EnvelopeFrom: otherSender, To: []string{sandbox.DefaultMailbox},
		Subject: "envelope mismatch", Body: "x"}
	res, err := mailer.Send(ctx(t), srv, mailer.Auth{Kind: mailer.AuthXOAUTH2, Username: sandbox.DefaultMailbox, Secret: tok}, msg)
	return outcome{at: atMailer, err: err, transcript: res.Transcript, secrets: []string{tok.Reveal(), sandbox.DefaultClientSecret},
		known: diagnose.Facts{Mailbox: sandbox.DefaultMailbox, From: otherSender, Host: srv.Host, Port: srv.Port}}
}

// driveQuota sends to 10,000 recipients (20 messages of 500, Exchange's
// per-message maximum), then one more message: over the daily quota.
// steps.SendTest sends to one recipient, so this needs mailer.
func driveQuota(t *testing.T, tc *diagCase) outcome {
	sb := startFor(t, "", "", nil)
	tok := mailboxToken(t, sb)
	srv := exchangeAt(sb)
	a := mailer.Auth{Kind: mailer.AuthXOAUTH2, Username: sandbox.DefaultMailbox, Secret: tok}
	const perMessage, perDay = 500, 10000
	rcpts := make([]string, perMessage)
	for i := range rcpts {
		rcpts[i] = fmt.Sprintf("r%03d@%s", i, sandbox.RelayDomain)
	}
	msg := mailer.Message{From: sandbox.DefaultMailbox, To: rcpts, Subject: "bulk", Body: "x"}
	o := outcome{at: atMailer, secrets: []string{tok.Reveal(), sandbox.DefaultClientSecret},
		known: diagnose.Facts{Mailbox: sandbox.DefaultMailbox, From: sandbox.DefaultMailbox, Host: srv.Host, Port: srv.Port}}
	for i := range perDay/perMessage + 1 {
		res, err := mailer.Send(ctx(t), srv, a, msg)
		if err != nil {
			if i != perDay/perMessage {
				t.Errorf("message %d (%d recipients so far) refused; the quota is %d a day", i+1, i*perMessage, perDay)
			}
			o.err, o.transcript = err, res.Transcript
			return o
		}
	}
	return o
}

// cacheSecrets returns the token values in a saved MSAL cache file, so
// the row can check none of them shows.
func cacheSecrets(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("token cache %s: %v", path, err)
	}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && strings.EqualFold(k, "secret") && len(s) > 16 {
					out = append(out, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	if len(out) == 0 {
		t.Fatalf("token cache %s holds no token", path)
	}
	return out
}

// fakeBehaviour is what a scripted loopback server does with a connection,
// for network failures no stand-in produces.
type fakeBehaviour func(c net.Conn)

// silent accepts and never says anything: not an SMTP server, a port that
// waits for implicit TLS, or a proxy holding the connection.
func silent(c net.Conn) { _, _ = c.Read(make([]byte, 1)) }

// hangUp closes the connection at once, before the greeting.
func hangUp(c net.Conn) {}

// noStartTLS is a plain SMTP server that does not offer STARTTLS.
func noStartTLS(c net.Conn) {
	w := bufio.NewWriter(c)
	r := bufio.NewReader(c)
	say := func(s string) { _, _ = w.WriteString(s + "\r\n"); _ = w.Flush() }
	say("220 mail.contoso.example ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		switch cmd := strings.ToUpper(strings.Fields(line + " x")[0]); cmd {
		case "EHLO":
			say("250-mail.contoso.example")
			say("250-PIPELINING")
			say("250 8BITMIME")
		case "QUIT":
			say("221 2.0.0 Bye")
			return
		default:
			say("502 5.5.2 Error: command not recognized")
		}
	}
}

// fakeServer serves b on a loopback port until the test ends.
func fakeServer(t *testing.T, b fakeBehaviour) (string, int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				b(c)
			}()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return "127.0.0.1", ln.Addr().(*net.TCPAddr).Port
}
