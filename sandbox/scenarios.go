package sandbox

import (
	"fmt"
	"time"
)

// Scenario is a named failure a sandbox can switch on, so a test or a
// support engineer can rehearse what a customer meets.
type Scenario struct {
	Name string
	// Summary is the one line `pimmail sandbox --list-scenarios` prints.
	Summary string
}

// Scenarios lists every scenario the sandbox knows. The helper implementing
// the stand-ins keeps this list and the behaviour in step.
var Scenarios = []Scenario{
	{"secret-expired", "the app's only client secret has expired (AADSTS7000222)"},
	{"public-client-disabled", "Allow public client flows is No: device-code polling fails (AADSTS7000218)"},
	{"consent-missing", "SMTP.Send has no admin consent (AADSTS65001)"},
	{"mfa-required", "the mailbox's sign-in needs MFA the device flow did not satisfy (AADSTS50076)"},
	{"conditional-access", "a Conditional Access policy blocks the sign-in (AADSTS53003)"},
	{"no-exchange", "the tenant has no Exchange Online (AADSTS500011)"},
	{"declined", "the person at the other device declines the sign-in (authorization_declined)"},
	{"code-expired", "the device code expires before anyone signs in (expired_token, AADSTS70020)"},
	{"refresh-revoked", "the refresh token was revoked, e.g. after a password reset (AADSTS50173)"},
	{"refresh-inactive", "the refresh token expired after 90 days unused (AADSTS700082)"},
	{"smtp-auth-disabled-tenant", "SMTP AUTH is off for the organisation (535 5.7.139 ... for the Tenant)"},
	{"smtp-auth-disabled-mailbox", "SMTP AUTH is off for the mailbox (535 5.7.139 ... for the Mailbox)"},
	{"security-defaults", "security defaults block SMTP AUTH (535 5.7.139 ... security defaults policy)"},
	{"smtp-conditional-access", "Conditional Access blocks SMTP AUTH (535 5.7.139 ... did not meet the criteria)"},
	{"send-as-denied", "the mailbox may not send as any other address: a From other than the mailbox gets 554 5.2.252 SendAsDenied"},
	{"throttled", "the submission stand-in allows 2 messages a minute instead of 30, to show the rate-limit reply"},
	{"concurrency", "behaves as if three other connections of the mailbox were already sending: every submission gets 432 4.3.2 sender thread limit exceeded"},
	{"tls-old", "the SMTP stand-in speaks only TLS 1.0/1.1 (pimmail refuses; Exchange answers 421 4.7.66)"},
	{"token-graph", "Entra issues a Microsoft Graph token (aud https://graph.microsoft.com) where an Exchange Online one was asked for: pimmail's claim check refuses it, Exchange would answer 535 5.7.3"},
	{"token-no-smtp-send", "Entra issues an Exchange Online token without SMTP.Send: pimmail's claim check refuses it"},
	{"basic-auth-retired", "Basic authentication is removed: a password AUTH to the submission stand-in gets 550 5.7.30 (without the scenario: 535 5.7.139 basic authentication is disabled)"},
	{"device-code-blocked", "a Conditional Access policy blocks the device code flow (Authentication flows): the device-code sign-in ends in AADSTS53003; the other methods work"},
	{"device-auth-required", "a Conditional Access policy requires a compliant device: the device-code sign-in ends in AADSTS50097"},
	{"authcode-redirect-missing", "the app has no http://localhost Web redirect URI: the authorization-code sign-in meets AADSTS50011"},
	{"app-permission-missing", "SMTP.SendAsApp has no admin consent: app-only tokens carry no roles"},
	{"app-not-registered-in-exchange", "the app's service principal is not registered in Exchange Online (New-ServicePrincipal): app-only AUTH gets 535 5.7.3"},
	{"app-no-mailbox-permission", "the service principal has no FullAccess on the mailbox (Add-MailboxPermission): app-only AUTH gets 535 5.7.3"},
	{"relay-not-trusted", "the relay stand-in does not trust this server's IP (550 5.7.64 TenantAttribution)"},
}

// CachedTokenNote explains, when scenario makes the saved sign-in fail
// (refresh-revoked, refresh-inactive) but the access token came from the
// token cache (cached) still valid until expiresOn, why nothing fails yet
// and when it will: Entra ID is asked only to renew the token, and
// Exchange Online keeps accepting an issued token until it expires, as
// after a real password reset. "" when there is nothing to explain.
func CachedTokenNote(scenario string, cached bool, expiresOn time.Time) string {
	if scenario != "refresh-revoked" && scenario != "refresh-inactive" || !cached || expiresOn.IsZero() {
		return ""
	}
	return fmt.Sprintf("Note: scenario %s: the failure shows once the saved access token expires at %s "+
		"(pimmail renews it from 5 minutes before). Until then Exchange Online keeps accepting the token "+
		"already issued, as after a real password reset.", scenario, expiresOn.Local().Format("2006-01-02 15:04 MST"))
}
