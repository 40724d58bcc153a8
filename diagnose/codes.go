package diagnose

// Catalogue codes. Entra codes follow the AADSTS error they stand for; SMTP
// codes the Exchange Online reply; net/tls codes the local failure.
const (
	// Entra ID (token endpoint, device code, OpenID configuration).
	EntraTenantNotFound       Code = "entra.tenant-not-found"       // AADSTS90002
	EntraAppNotFound          Code = "entra.app-not-found"          // AADSTS700016
	EntraSecretInvalid        Code = "entra.secret-invalid"         // AADSTS7000215
	EntraSecretExpired        Code = "entra.secret-expired"         // AADSTS7000222
	EntraPublicClientDisabled Code = "entra.public-client-disabled" // AADSTS7000218
	EntraConsentMissing       Code = "entra.consent-missing"        // AADSTS65001
	EntraMFARequired          Code = "entra.mfa-required"           // AADSTS50076
	EntraMFARegistration      Code = "entra.mfa-registration"       // AADSTS50079
	EntraConditionalAccess    Code = "entra.conditional-access"     // AADSTS53003
	EntraSecurityDefaults     Code = "entra.security-defaults"      // AADSTS530035
	EntraNoExchange           Code = "entra.no-exchange"            // AADSTS500011
	EntraInvalidScope         Code = "entra.invalid-scope"          // AADSTS70011
	EntraScopeNeedsDefault    Code = "entra.scope-needs-default"    // AADSTS1002012
	EntraAuthorizationPending Code = "entra.authorization-pending"  // AADSTS70016
	EntraSlowDown             Code = "entra.slow-down"              // slow_down
	EntraCodeExpired          Code = "entra.device-code-expired"    // expired_token, AADSTS70020/70019
	EntraDeclined             Code = "entra.declined"               // authorization_declined
	EntraRefreshExpired       Code = "entra.refresh-expired"        // AADSTS70008
	EntraRefreshInactive      Code = "entra.refresh-inactive"       // AADSTS700082
	EntraGrantRevoked         Code = "entra.grant-revoked"          // AADSTS50173
	EntraOther                Code = "entra.other"                  // any other Entra error
	TokenWrongScope           Code = "token.wrong-scope"            // access token lacks SMTP.Send
	TokenWrongAudience        Code = "token.wrong-audience"         // access token not for Outlook
	CacheSignInAgain          Code = "cache.sign-in-again"          // token cache missing, corrupt or for another mailbox

	// Exchange Online SMTP replies.
	SMTPAuthFailed          Code = "smtp.auth-failed"           // 535 5.7.3
	SMTPAuthDisabledTenant  Code = "smtp.auth-disabled-tenant"  // 535 5.7.139 ... for the Tenant
	SMTPAuthDisabledMailbox Code = "smtp.auth-disabled-mailbox" // 535 5.7.139 ... for the Mailbox
	SMTPSecurityDefaults    Code = "smtp.security-defaults"     // 535 5.7.139 ... security defaults
	SMTPConditionalAccess   Code = "smtp.conditional-access"    // 535 5.7.139 ... did not meet the criteria
	SMTPNotAuthenticated    Code = "smtp.not-authenticated"     // 530 5.7.57
	SMTPSendAsEnvelope      Code = "smtp.send-as-envelope"      // 550 5.7.60
	SMTPSendAsDenied        Code = "smtp.send-as-denied"        // 554 5.2.252
	SMTPConcurrency         Code = "smtp.concurrency"           // 432 4.3.2
	SMTPRateLimited         Code = "smtp.rate-limited"          // more than 30 messages a minute
	SMTPQuotaExceeded       Code = "smtp.quota-exceeded"        // 10,000 recipients a day
	SMTPTLSVersion          Code = "smtp.tls-version"           // 421 4.7.66
	RelayTenantAttribution  Code = "relay.tenant-attribution"   // 550 5.7.64 TenantAttribution
	RelayDenied             Code = "relay.denied"               // 554 5.7.1 / 550 5.7.1 relay refused
	RelayAuthFailed         Code = "relay.auth-failed"          // 535 from a relay with username/password
	SMTPRejected            Code = "smtp.rejected"              // any other 4xx/5xx reply

	// Local network and TLS.
	NetDNS         Code = "net.dns"          // host name does not resolve
	NetRefused     Code = "net.refused"      // connection refused
	NetTimeout     Code = "net.timeout"      // no answer in time
	NetUnreachable Code = "net.unreachable"  // no route / network down
	NetCancelled   Code = "net.cancelled"    // the user cancelled
	TLSHandshake   Code = "tls.handshake"    // handshake failed
	TLSCertificate Code = "tls.certificate"  // certificate not trusted / wrong name / expired
	TLSTooOld      Code = "tls.too-old"      // negotiated below TLS 1.2
	NoSTARTTLS     Code = "smtp.no-starttls" // server does not offer STARTTLS
	NoXOAUTH2      Code = "smtp.no-xoauth2"  // server does not offer AUTH XOAUTH2
	NoAuth         Code = "smtp.no-auth"     // server offers no AUTH but a username was given
	Unexpected     Code = "unexpected"       // anything the catalogue does not know
)

// Codes added by the diagnosis helper.
const (
	// NetDropped: the server closed or reset the connection mid-conversation
	// (EOF, connection reset, broken pipe); go-mail reports these inside a
	// SendError whose cause cannot be unwrapped, so they are told by text.
	NetDropped Code = "net.dropped"
	// PasswordInClear: pimmail refused to send a username and password over
	// a connection without TLS to another machine.
	PasswordInClear Code = "smtp.password-in-clear"
	// SMTPNoGreeting: the server accepted the TCP connection but never sent
	// its SMTP greeting (or never answered the implicit TLS handshake): not
	// an SMTP server on that port, the wrong port or TLS mode (465 implicit
	// TLS vs 587 STARTTLS), or a proxy or IPS holding the connection. Not a
	// firewall dropping packets: the connection was made.
	SMTPNoGreeting Code = "smtp.no-greeting"
	// NetProxy: the HTTPS proxy from HTTPS_PROXY cannot be reached, or it
	// refused to connect pimmail to the Entra ID sign-in host.
	NetProxy Code = "net.proxy"
)

// Codes for the stage a failure came at and for Basic authentication's
// retirement.
const (
	// SMTPSignInRefused: the server answered the sign-in (AUTH) with an
	// error that is no known token or password refusal (a line-length
	// limit, a syntax error, a temporary failure): the sign-in failed, the
	// message was never offered.
	SMTPSignInRefused Code = "smtp.sign-in-refused"
	// SMTPStalled: the server greeted and then stopped answering (at EHLO,
	// STARTTLS or later); the connection was made, so no firewall.
	SMTPStalled Code = "smtp.stalled"
	// SMTPBasicAuthDisabled: 535 5.7.139 ... basic authentication is
	// disabled: Exchange Online refuses a password AUTH.
	SMTPBasicAuthDisabled Code = "smtp.basic-auth-disabled"
	// SMTPBasicAuthRemoved: 550 5.7.30 Basic authentication is not
	// supported for Client Submission.
	SMTPBasicAuthRemoved Code = "smtp.basic-auth-removed"
)

// Codes for the sign-in methods beside the device code: the authorization
// code with paste-back, the app-only sign-in, and device code blocked.
const (
	EntraDeviceAuthRequired Code = "entra.device-auth-required" // AADSTS50097
	EntraRedirectMismatch   Code = "entra.redirect-mismatch"    // AADSTS50011
	EntraCodeRedeemed       Code = "entra.code-redeemed"        // AADSTS54005
	EntraAuthCodeExpired    Code = "entra.auth-code-expired"    // AADSTS70008 on an authorization code
	EntraPKCEMismatch       Code = "entra.pkce-mismatch"        // AADSTS501481
	AuthCodeStateMismatch   Code = "authcode.state-mismatch"    // the pasted address is from another sign-in
	AuthCodeRefused         Code = "authcode.refused"           // the pasted address holds error= instead of a code
	AuthCodeBadPaste        Code = "authcode.bad-paste"         // no code in what was pasted, or not the redirect address
	AppRoleMissing          Code = "app.role-missing"           // the app-only token lacks SMTP.SendAsApp
	AppExchangeSetup        Code = "app.exchange-setup"         // 535 5.7.3 for an app-only token
)
