package diagnose

import (
	"unicode/utf8"
)

// signInAgain is the shared instruction for every "the saved sign-in is no
// longer good" entry, so the wording stays the same everywhere.
const signInAgain = "Run `pimmail setup` and repeat the mailbox sign-in step, signing in as <mailbox>; " +
	"sending resumes with the new sign-in."

// entries is the catalogue. Wording rules: Title is a headline in the
// admin's words; Explanation says what happened and why; Fix names the
// portal blade and setting or the PowerShell cmdlet, with placeholders for
// what New fills from Facts.
var entries = []Entry{
	// Entra ID.
	{EntraTenantNotFound, "The tenant was not found",
		"Microsoft Entra ID {found no tenant '<tenant>'|found no such tenant} in the chosen cloud (AADSTS90002). The Directory (tenant) ID or domain is mistyped, or the tenant lives in another cloud (US Government, China).",
		"Microsoft Entra admin center > App registrations > {the app with Application (client) ID <clientId>|<your app>} > Overview: copy the Directory (tenant) ID (a GUID) and paste it here; a verified domain such as contoso.com also works. If the tenant is a US Government or China (21Vianet) tenant, choose that cloud."},
	{EntraAppNotFound, "The application (client) ID was not found",
		"Entra ID {found no app registration with client ID <clientId>|found no such app registration} in the tenant{ <tenant>} (AADSTS700016). The ID is mistyped, or the app is registered in a different tenant.",
		"Entra admin center > App registrations > All applications > {the app with Application (client) ID <clientId>|<your app>} > Overview: copy the Application (client) ID, and the Directory (tenant) ID from the same page, so both come from the app's home tenant."},
	{EntraSecretInvalid, "The client secret is wrong",
		"Entra ID refused the client secret{ for app <clientId>} (AADSTS7000215). Most often the Secret ID was pasted instead of the secret's Value, or the value was cut short when copying.",
		"Entra admin center > App registrations > {the app with Application (client) ID <clientId>|<your app>} > Certificates & secrets > Client secrets: copy the Value column, not the Secret ID. The Value is shown only right after the secret is created; if it is hidden, choose New client secret and copy its Value at once."},
	{EntraSecretExpired, "The client secret has expired",
		"The client secret{ of app <clientId>} is past its expiry date, so Entra ID no longer accepts it (AADSTS7000222).",
		"Entra admin center > App registrations > {the app with Application (client) ID <clientId>|<your app>} > Certificates & secrets > New client secret, then copy the Value column (shown only once), not the Secret ID, and paste it here. Note the new expiry date so the secret is renewed before it lapses."},
	{EntraPublicClientDisabled, "Public client flows are turned off for the app",
		"The mailbox signs in with a device code, which needs the app to allow public client flows. The app{ <clientId>} does not, so Entra ID asked for a client secret instead (AADSTS7000218).",
		"Entra admin center > App registrations > {the app with Application (client) ID <clientId>|<your app>} > Authentication > Advanced settings > Allow public client flows = Yes, then Save and start the sign-in again."},
	{EntraConsentMissing, "SMTP.Send has not been consented",
		"Nobody has granted the app{ <clientId>} the delegated SMTP.Send permission, and the mailbox user may not consent alone (AADSTS65001).",
		"Entra admin center > App registrations > {the app with Application (client) ID <clientId>|<your app>} > API permissions > Add a permission > Microsoft Graph > Delegated permissions > SMTP.Send (it grants Exchange Online's scope https://outlook.office.com/SMTP.Send), then Grant admin consent for your organisation (needs a Global, Application or Cloud Application Administrator). Then start the sign-in again."},
	{EntraMFARequired, "Multi-factor sign-in is required",
		"The mailbox's sign-in needs multi-factor authentication, which was not completed (AADSTS50076).",
		"Start the sign-in again and complete the MFA prompt (authenticator app, text message or call) in the browser on the other device, signing in as <mailbox>."},
	{EntraMFARegistration, "The mailbox must register for multi-factor sign-in",
		"The account{ <mailbox>} must set up multi-factor authentication before it may sign in (AADSTS50079).",
		"Sign in once as <mailbox> at https://aka.ms/mysecurityinfo and register security info (authenticator app or phone), then start the sign-in again."},
	{EntraConditionalAccess, "A Conditional Access policy blocks the sign-in",
		"A Conditional Access policy in the tenant{ <tenant>} refused to issue a token for <mailbox> (AADSTS53003, BlockedByConditionalAccess).",
		"Entra admin center > Monitoring & health > Sign-in logs > the failed sign-in of <mailbox> > Conditional Access tab shows which policy blocked it; then Entra admin center > Protection > Conditional Access > Policies > that policy > Users (or Target resources) > Exclude: add <mailbox> or the app{ <clientId>}."},
	{EntraSecurityDefaults, "Security defaults block the sign-in",
		"The tenant's security defaults refused to issue a token for <mailbox> (AADSTS530035, BlockedBySecurityDefaults).",
		"Entra admin center > Identity > Overview > Properties > Manage security defaults: set Security defaults to Disabled, and protect sign-ins with Conditional Access policies instead (which can exclude <mailbox>). Security defaults themselves allow no exclusions."},
	{EntraNoExchange, "The tenant has no Exchange Online",
		"Entra ID found no Exchange Online (Outlook) service in the tenant{ <tenant>}, so it cannot issue a token for sending mail (AADSTS500011).",
		"Use the tenant that holds the mailbox's Exchange Online licence: Microsoft 365 admin center > Users > Active users > <mailbox> > Licenses and apps shows it. Enter that tenant's Directory (tenant) ID, and check the cloud (Global, US Government, China) matches."},
	{EntraInvalidScope, "The requested permission is not valid here",
		"Entra ID did not accept the SMTP.Send scope pimmail asked for (AADSTS70011); usually the chosen cloud does not match the tenant.",
		"Choose the tenant's cloud: Global uses https://outlook.office.com/SMTP.Send, US Government (GCC High, DoD) https://outlook.office365.us/SMTP.Send, China (21Vianet) https://partner.outlook.cn/SMTP.Send. If the cloud is right, send the details to support."},
	{EntraScopeNeedsDefault, "App-only sign-in needs the /.default scope",
		"A client-credentials (app-only) request must ask for the resource's /.default scope, not SMTP.SendAsApp (AADSTS1002012).",
		"This is a pimmail problem: send the details to support. App-only sending uses https://outlook.office365.com/.default with the application permission Office 365 Exchange Online > Application permissions > SMTP.SendAsApp and Grant admin consent."},
	{EntraAuthorizationPending, "Waiting for the sign-in",
		"Nobody has finished signing in with the code on the other device yet.",
		"Open the verification page on any device, enter the code, and sign in as <mailbox>; pimmail keeps waiting until the code expires."},
	{EntraSlowDown, "Entra ID asked to check less often",
		"Entra ID asked pimmail to poll for the sign-in more slowly.",
		"Nothing to do: pimmail waits 5 seconds longer between checks and carries on."},
	{EntraCodeExpired, "The sign-in code has expired",
		"The device code was not used within its lifetime, so Entra ID no longer accepts it (expired_token).",
		"Start the sign-in again to get a new code, and enter it at the verification page before it expires (the wizard counts down the time left)."},
	{EntraDeclined, "The sign-in was declined",
		"The person signing in on the other device chose not to allow it (authorization_declined).",
		"Start the sign-in again, sign in as <mailbox> and accept the permission request. If nobody on your side declined, someone else used the code: do not share it."},
	{EntraRefreshExpired, "The mailbox must sign in again",
		"The saved sign-in (refresh token) of <mailbox> has expired or is no longer accepted (AADSTS70008, invalid_grant).",
		signInAgain},
	{EntraRefreshInactive, "The saved sign-in expired after 90 days unused",
		"The saved sign-in of <mailbox> was not used for 90 days, so Entra ID let it expire (AADSTS700082).",
		signInAgain + " Sending regularly keeps the sign-in alive, for example a scheduled `pimmail test`."},
	{EntraGrantRevoked, "The saved sign-in was revoked",
		"Entra ID revoked the saved sign-in of <mailbox> (AADSTS50173), usually because its password was changed or reset, or an admin revoked its sessions.",
		signInAgain},
	{EntraOther, "Microsoft Entra ID refused the request",
		"Entra ID answered with an error pimmail has no entry for; the details show its own text and AADSTS code.",
		"Look the AADSTS code from the details up at https://login.microsoftonline.com/error. The Trace ID and Correlation ID in the details identify the request for Microsoft support."},
	{TokenWrongScope, "The token does not allow sending mail",
		"The access token issued for <mailbox> does not include SMTP.Send, so Exchange Online would refuse it (535 5.7.3).",
		"Entra admin center > App registrations > {the app with Application (client) ID <clientId>|<your app>} > API permissions > Add a permission > Microsoft Graph > Delegated permissions > SMTP.Send, then Grant admin consent, then repeat the mailbox sign-in."},
	{TokenWrongAudience, "The token is not for Exchange Online",
		"The access token is for another service (for example Microsoft Graph), not Exchange Online (Outlook); Exchange refuses such tokens with 535 5.7.3.",
		"Check that the chosen cloud matches the tenant (a Global tenant's SMTP tokens are for https://outlook.office.com), then repeat the mailbox sign-in. If it persists, send the details to support."},
	{CacheSignInAgain, "The mailbox must sign in again",
		"The saved sign-in is missing, damaged, or belongs to another mailbox or app, so pimmail cannot get a token for <mailbox> without a new sign-in.",
		signInAgain},

	// Exchange Online SMTP replies.
	{SMTPAuthFailed, "The server refused the sign-in token",
		"{<host>|The server} answered the sign-in (AUTH XOAUTH2) with 535: it did not accept the token for <mailbox> (Exchange Online: 535 5.7.3 Authentication unsuccessful). Usually the account that signed in is not <mailbox> (the address pimmail authenticates as), or the token is for another resource or lacks SMTP.Send; for app-only sending the service principal or its mailbox permission is missing. The message was not offered.",
		"Repeat the mailbox sign-in as <mailbox> itself, and check the token's scope shows SMTP.Send. For app-only sending (SMTP.SendAsApp), in Exchange Online PowerShell: `New-ServicePrincipal -AppId <clientId> -ObjectId <enterprise app object id>` and `Add-MailboxPermission -Identity <mailbox> -User <service principal> -AccessRights FullAccess`."},
	{SMTPSignInRefused, "The server refused the sign-in",
		"{<host>|The server} answered the sign-in (AUTH) with an error, so the message was never offered; the details show its reply. A reply about line length means the server limits command lines and the sign-in did not fit on one.",
		"Read the server's reply in the details: a reply starting with 4 is temporary (try again later), one starting with 5 is permanent. For Exchange Online use smtp.office365.com port 587; for another server, give its reply to the server's admin."},
	{SMTPStalled, "The server greeted, then stopped answering",
		"{<host>|The server} on {port <port>|that port} sent its greeting, so the connection is not blocked by a firewall, but then did not answer pimmail's next command in time (the details name it). Usually a proxy or intrusion-prevention system that inspects SMTP holds the conversation (often at EHLO or STARTTLS), or the mail server is overloaded.",
		"Try again in a few minutes. If it persists, test by hand: `openssl s_client -connect <host>:<port> -starttls smtp -crlf`, then type `EHLO test`. A mail server answers at once; if it hangs there too, ask the network admin whether a proxy or IPS intercepts SMTP to <host>; otherwise give the details to the server's admin."},
	{SMTPBasicAuthDisabled, "Exchange Online no longer accepts passwords for SMTP",
		"Exchange Online answered 535 5.7.139: basic authentication (a username and password) is disabled for SMTP AUTH in this tenant. Microsoft is retiring it: disabled by default from the end of December 2026, and removed later.",
		"Move this system's mail to the Microsoft Entra ID SMTP Client provider (OAuth, SMTP AUTH XOAUTH2 as the mailbox): run `pimmail setup` and choose it. Turning basic authentication back on for the tenant only delays the move."},
	{SMTPBasicAuthRemoved, "Exchange Online has removed password sign-in for SMTP",
		"Exchange Online answered 550 5.7.30 Basic authentication is not supported for Client Submission: a username and password can no longer sign in to smtp.office365.com at all.",
		"Move this system's mail to the Microsoft Entra ID SMTP Client provider (OAuth, SMTP AUTH XOAUTH2 as the mailbox): run `pimmail setup` and choose it."},
	{SMTPAuthDisabledTenant, "SMTP AUTH is turned off for the organisation",
		"Exchange Online answered 535 5.7.139: authenticated SMTP (SMTP AUTH) is disabled for the whole tenant, so no mailbox may send through smtp.office365.com.",
		"Allow SMTP AUTH for this mailbox only, the least change: a mailbox's own setting overrides the organisation's. In Exchange Online PowerShell (Connect-ExchangeOnline): `Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $false`. Or allow it for the whole organisation: `Set-TransportConfig -SmtpClientAuthenticationDisabled $false`. To see the organisation's setting: `Get-TransportConfig | fl SmtpClientAuthenticationDisabled`. The change can take up to an hour."},
	{SMTPAuthDisabledMailbox, "SMTP AUTH is turned off for the mailbox",
		"Exchange Online answered 535 5.7.139: authenticated SMTP (SMTP AUTH) is disabled for the mailbox{ <mailbox>}.",
		"In Exchange Online PowerShell: `Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $false` (`$null` instead makes it follow the organisation setting), or Microsoft 365 admin center > Users > Active users > <mailbox> > Mail > Manage email apps > tick Authenticated SMTP > Save changes. The change can take up to an hour."},
	{SMTPSecurityDefaults, "Security defaults block SMTP sending",
		"Exchange Online answered 535 5.7.139: the tenant's security defaults lock <mailbox> out of authenticated SMTP.",
		"Entra admin center > Identity > Overview > Properties > Manage security defaults: set Security defaults to Disabled, and protect sign-ins with Conditional Access policies instead."},
	{SMTPConditionalAccess, "A Conditional Access policy blocks SMTP sending",
		"Exchange Online answered 535 5.7.139: the sign-in of <mailbox> did not meet a Conditional Access policy's criteria.",
		"Entra admin center > Monitoring & health > Sign-in logs > <mailbox> > Conditional Access tab shows the policy; then Protection > Conditional Access > Policies > that policy > Users > Exclude: add <mailbox>."},
	{SMTPNotAuthenticated, "The server wants a sign-in before sending",
		"The server refused the message because the connection is not signed in (Exchange Online: 530 5.7.57 Client not authenticated): the message was offered (MAIL FROM) before signing in, or without TLS.",
		"For Exchange Online use port 587 with STARTTLS and XOAUTH2 as <mailbox> (the Microsoft Entra ID SMTP Client provider). For a relay, choose TLS mode STARTTLS and give a username and password, or have its admin allow this server's IP address."},
	{SMTPSendAsEnvelope, "The sender address is not the mailbox",
		"Exchange Online answered 550 5.7.60: the envelope sender{ <from>} is not the signed-in mailbox{ <mailbox>}, and the mailbox has no permission to send as it.",
		"Use <mailbox> as the From address, or grant Send As in Exchange Online PowerShell: `Add-RecipientPermission -Identity <from> -Trustee <mailbox> -AccessRights SendAs` (takes effect within an hour)."},
	{SMTPSendAsDenied, "The mailbox may not send as this From address",
		"Exchange Online answered 554 5.2.252 SendAsDenied: <mailbox> is not allowed to send as <from>.",
		"Use <mailbox> as the From address, or grant Send As in Exchange Online PowerShell: `Add-RecipientPermission -Identity <from> -Trustee <mailbox> -AccessRights SendAs` (or Exchange admin center > Recipients > Mailboxes > <from> > Delegation > Send as > add <mailbox>). It takes effect within an hour."},
	{SMTPConcurrency, "Too many connections at once",
		"Exchange Online allows at most 3 simultaneous SMTP connections per mailbox; this was one too many (432 4.3.2 sender thread limit exceeded).",
		"Send on at most 3 connections at once: stop other programs sending as <mailbox> at the same time, or wait a moment and send again."},
	{SMTPRateLimited, "Sending too fast",
		"The server refused the message because <mailbox> is sending faster than allowed; Exchange Online accepts at most 30 messages a minute per mailbox.",
		"Wait a minute and send again; keep bulk sending under 30 messages a minute for <mailbox>."},
	{SMTPQuotaExceeded, "The daily sending limit is reached",
		"The mailbox{ <mailbox>} has sent to more than the allowed recipients in 24 hours (Exchange Online: 10,000 recipients a day), so Exchange refuses more for now.",
		"Wait until 24 hours have passed since the burst and send again; spread large mailings out, or send them through a service meant for bulk mail."},
	{SMTPTLSVersion, "The server demands TLS 1.2 or newer",
		"Exchange Online answered 421 4.7.66: it no longer accepts TLS 1.0 or 1.1.",
		"Use TLS 1.2 or newer. pimmail itself always asks for TLS 1.2+; if a TLS-inspecting proxy or firewall between this server and {<host>|Exchange Online} downgrades the connection, have it exempt {<host>:<port>|that connection}."},
	{RelayTenantAttribution, "Exchange Online does not trust this server to relay",
		"The relay{ <host>} answered 550 5.7.64 TenantAttribution; Relay Access Denied: no inbound connector in your Microsoft 365 organisation matches this server's public IP address (or certificate), so Exchange Online Protection will not relay its mail.",
		"Exchange admin center > Mail flow > Connectors > Add a connector: From = Your organization's email server, To = Office 365; identify the server 'By verifying that the IP address of the sending server matches one of these IP addresses' and enter this server's public IP. Or authenticate instead: use the Microsoft Entra ID SMTP Client provider."},
	{RelayDenied, "The relay refused to pass the mail on",
		"The server{ <host>} answered that it does not relay for this server (Relay access denied / Unable to relay): the recipient is outside its own domains and it does not trust this sender's IP address or login.",
		"Have the relay's admin allow this server's IP address to relay (Postfix: mynetworks; Exchange: a receive connector allowing anonymous relay from this IP), or give a username and password the relay accepts, or send only to the relay's own (accepted) domains."},
	{RelayAuthFailed, "The server refused the username or password",
		"The server{ <host>} answered 535: the username or password is wrong, or the account may not send through it.",
		"Check the username and password with the relay's admin (many relays want the full email address as username). For smtp.office365.com, password (basic) authentication is being retired: use the Microsoft Entra ID SMTP Client provider instead."},
	{SMTPRejected, "The mail server refused the message",
		"The server{ <host>} answered with an error pimmail has no entry for; the details show its reply.",
		"Read the server's reply in the details: a reply starting with 4 is temporary (send again later), one starting with 5 is permanent. Give the reply to the mail server's admin."},

	// Local network and TLS.
	{NetDNS, "The host name does not resolve",
		"The name{ <host>} could not be looked up in DNS: it is mistyped, or this server's DNS is not reachable.",
		"Check the spelling of {<host>|the host name} (Exchange Online: smtp.office365.com); test with `nslookup <host>` or `getent hosts <host>`, check the name servers in /etc/resolv.conf, and that the firewall lets DNS (port 53) out."},
	{NetRefused, "The connection was refused",
		"{<host>|The server} answered that nothing is listening on {port <port>|that port}, or a firewall rejected the connection.",
		"Check the port (Exchange Online: 587 with STARTTLS; relays usually 25 or 587) and that the mail service on <host> is running; test with `nc -vz <host> <port>`."},
	{NetTimeout, "No answer in time",
		"{<host>|The server} did not answer on {port <port>|that port} in time. A firewall or proxy silently dropping the outbound connection is the usual cause; hosting providers often block outbound SMTP (ports 587 and 25).",
		"Test from this server with `nc -vz <host> <port>`; if it hangs, ask the network or hosting admin to allow outbound connections to <host>:<port>. For Exchange Online the test is `nc -vz smtp.office365.com 587`."},
	{NetUnreachable, "The network cannot reach the server",
		"This server has no route to {<host>|the mail server} (network unreachable or host unreachable).",
		"Check this server's network connection, default route and any outbound proxy or firewall rules for {<host>|the mail server}; test with `nc -vz <host> <port>`."},
	{NetProxy, "The HTTPS proxy did not let the connection through",
		"The HTTPS proxy this server is set to use (HTTPS_PROXY) did not connect pimmail to {<host>|the server}.",
		"Check the proxy's address with `echo $HTTPS_PROXY` (form http://proxy.contoso.com:3128, with user:password@ if it needs a login), and ask the proxy's admin to allow HTTPS (CONNECT to port 443) to {<host>|Microsoft's sign-in service}; `curl -sI https://<host>/` goes through the same proxy and shows its answer. If the host should be reached directly, add it to NO_PROXY."},
	{NetCancelled, "Cancelled",
		"The operation was cancelled (Esc was pressed, or the program is stopping).",
		"Nothing to fix; start it again when ready."},
	{NetDropped, "The server closed the connection",
		"{<host>|The server} closed or reset the connection in the middle of the conversation, before answering.",
		"Send again; if it keeps happening, check for a firewall or TLS-inspecting proxy on the way to {<host>:<port>|the mail server}, and the mail server's own logs."},
	{SMTPNoGreeting, "The server accepted the connection but never greeted",
		"{<host>|The server} accepted the TCP connection on {port <port>|that port} but never sent the SMTP greeting (the \"220 ...\" line a mail server sends first), so the connection is not blocked: something answers there, but not as a mail server. Usually the port belongs to another service, or it expects implicit TLS (465) while pimmail waits for a plain greeting (587 and 25 start in plain text), or a proxy or intrusion-prevention system accepts the connection and holds it.",
		"Check the port and TLS mode: Exchange Online takes 587 with STARTTLS; 465 needs implicit TLS; relays usually take 25 or 587. A mail server prints its 220 greeting at once; see what answers there with `nc <host> <port>`, or test STARTTLS with `openssl s_client -connect <host>:<port> -starttls smtp` (for port 465, leave out -starttls smtp). If a mail server runs there and still says nothing, ask the network admin whether a proxy or IPS intercepts SMTP to <host>."},
	{TLSHandshake, "The secure connection (TLS) could not be set up",
		"The TLS handshake with <host>:<port> failed. Often the TLS mode does not match the port (implicit TLS on a STARTTLS port, or the reverse), or a proxy interferes.",
		"Match the TLS mode to the port: 587 and 25 use STARTTLS, 465 uses implicit TLS. Check for a TLS-inspecting proxy or firewall on the way to {<host>|the mail server}."},
	{TLSCertificate, "The server's certificate is not trusted",
		"The certificate <host> presented could not be verified: it is not signed by a trusted authority, is for another name, or has expired.",
		"Use the server's real name as host (the certificate must match {<host>|the name entered}). For pimmail's sandbox, run pimmail with --sandbox, which trusts the sandbox's CA. For a server with a private CA, or behind a TLS-inspecting proxy, add that CA to this server's trust store (Debian/Ubuntu: copy it to /usr/local/share/ca-certificates/ and run `update-ca-certificates`; RHEL: /etc/pki/ca-trust/source/anchors/ and `update-ca-trust`), or point SSL_CERT_FILE at a PEM file holding it together with the usual roots; that file replaces the system's list: `export SSL_CERT_FILE=/etc/pimmail/roots.pem`. TLS checking is never switched off."},
	{TLSTooOld, "The server offers only old TLS versions",
		"<host> offers only TLS 1.0 or 1.1; pimmail requires TLS 1.2 or newer, as Exchange Online does.",
		"Have the mail server's admin turn on TLS 1.2 or newer: on Exchange Server, enable TLS 1.2 in SCHANNEL; on Postfix: `postconf -e 'smtpd_tls_protocols=>=TLSv1.2'`. If the server already offers TLS 1.2, a TLS-inspecting proxy or firewall between may be downgrading the connection: run `openssl s_client -connect <host>:<port> -starttls smtp` here and on another network, and compare."},
	{NoSTARTTLS, "The server does not offer STARTTLS",
		"<host>:<port> did not advertise STARTTLS after EHLO, so the connection cannot be encrypted there.",
		"For Exchange Online use smtp.office365.com port 587. For a relay, enable STARTTLS on it, use port 465 with implicit TLS, or (on a trusted internal network only) choose TLS mode none."},
	{NoXOAUTH2, "The server does not offer XOAUTH2 sign-in",
		"<host>:<port> did not advertise AUTH XOAUTH2 after STARTTLS: it is not Exchange Online's submission endpoint, or SMTP AUTH is turned off.",
		"Use the cloud's smart host on port 587 (Global: smtp.office365.com). If that is already the host, turn SMTP AUTH on for the mailbox: `Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $false`, or for the whole organisation: `Set-TransportConfig -SmtpClientAuthenticationDisabled $false`."},
	{NoAuth, "The server does not accept a username and password",
		"<host>:<port> offers no AUTH method pimmail can use with the username given (it advertised no AUTH PLAIN or LOGIN, perhaps not before STARTTLS).",
		"Clear the username and password if the server trusts this server's IP address; otherwise, if the TLS mode is none, choose STARTTLS (many servers offer AUTH only after it), or ask its admin which login it accepts."},
	{PasswordInClear, "The password would be sent unencrypted",
		"The TLS mode for <host>:<port> is none, so the username and password would cross the network readable by anyone on the way; pimmail did not send them.",
		"Choose TLS mode STARTTLS (usually port 587 or 25) or implicit TLS (port 465) for this server, or clear the username and password if the server trusts this server's IP address."},
	{Unexpected, "Something unexpected went wrong",
		"pimmail met an error it has no entry for; the details show the original text.",
		"Try again; if it persists, send the details to support."},
}

// byCode indexes entries for New.
var byCode = func() map[Code]Entry {
	m := make(map[Code]Entry, len(entries))
	for _, e := range entries {
		m[e.Code] = e
	}
	return m
}()

// Catalogue returns every entry, for table tests and documentation. The
// slice is a copy; changing it does not change the catalogue.
func Catalogue() []Entry {
	out := make([]Entry, len(entries))
	copy(out, entries)
	return out
}

// New builds the Problem for code, filling placeholders from f (see
// render.go: unknown facts read as natural words, except inside commands);
// raw is the service's text for the details view. Callers redact known
// secrets first; New also masks anything that looks like a token, an
// XOAUTH2 or AUTH PLAIN/LOGIN line, or a client_secret/password field. An
// unknown code gives the Unexpected entry but keeps the code, so nothing
// is lost. Some entries read differently for some facts (variants.go):
// an Entra sign-in host, an Exchange Online host, a Local SMTP server.
func New(code Code, f Facts, raw string, err error) *Problem {
	e, ok := byCode[code]
	if !ok {
		e = byCode[Unexpected]
	}
	p := &Problem{Code: code, Raw: truncate(Redact(raw), maxRaw), Err: redactedErr(err), tmpl: &e, facts: f}
	p.render()
	return p
}

// redactedError keeps the underlying error reachable for errors.Is/As while
// its own text is redacted: MSAL quotes a reply it could not decode in its
// error text, tokens included, and Problem.Err must not carry that to
// whoever prints it.
type redactedError struct {
	text string
	err  error
}

func (e *redactedError) Error() string { return e.text }
func (e *redactedError) Unwrap() error { return e.err }

// redactedErr wraps err only when its text holds something to redact.
func redactedErr(err error) error {
	if err == nil {
		return nil
	}
	if text := err.Error(); Redact(text) != text {
		return &redactedError{text: Redact(text), err: err}
	}
	return err
}

// render (re)writes p's texts from its entry and facts.
func (p *Problem) render() {
	e := variantOf(*p.tmpl, p.facts)
	if p.explain != "" {
		e.Explanation = p.explain
	}
	e.Explanation += p.extra
	p.Title, p.Explanation, p.Fix = renderEntry(e, p.facts)
	p.rendered = [3]string{p.Title, p.Explanation, p.Fix}
}

// setExplanation replaces the entry's explanation for p, e.g. with what a
// certificate failure says exactly.
func (p *Problem) setExplanation(text string) {
	p.explain = text
	p.render()
}

// addExplanation appends a sentence (with its leading space) to p's
// explanation.
func (p *Problem) addExplanation(text string) {
	p.extra += text
	p.render()
}

// Fill adds the facts a higher layer knows (e.g. steps knows the client ID
// when mailer reports a refused token) and renders p's texts again, so
// their placeholders and natural words name this setup's values. Facts
// already known are not replaced. A text the caller changed after New is
// not rendered again; only placeholders still in it are filled (natural
// words for unknown facts in the title and explanation). Fill on a nil
// Problem does nothing.
func Fill(p *Problem, f Facts) {
	if p == nil {
		return
	}
	if p.tmpl == nil {
		p.Title = renderProse(p.Title, f, false)
		p.Explanation = renderProse(p.Explanation, f, false)
		p.Fix = renderFix(p.Fix, f, false)
		return
	}
	cur := [3]string{p.Title, p.Explanation, p.Fix}
	old := p.rendered
	p.facts = mergeFacts(p.facts, f)
	p.render()
	next := [3]string{p.Title, p.Explanation, p.Fix}
	for i := range cur {
		if cur[i] != old[i] {
			// Changed by the caller since: keep it, filling what is left.
			if i == 2 {
				next[i] = renderFix(cur[i], p.facts, false)
			} else {
				next[i] = renderProse(cur[i], p.facts, false)
			}
		}
	}
	// p.rendered stays the entry's rendering, so a changed text stays
	// recognisable as changed at the next Fill.
	p.Title, p.Explanation, p.Fix = next[0], next[1], next[2]
}

// maxRaw bounds Raw: the details view shows a reply or an error, not a
// whole HTML error page a proxy might send.
const maxRaw = 8 << 10

// truncate cuts s to at most n bytes on a UTF-8 boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "\n... (truncated)"
}
