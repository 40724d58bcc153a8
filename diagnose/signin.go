package diagnose

import "strings"

// The catalogue entries for the sign-in methods beside the device code
// (issue 9): the authorization code with paste-back and the app-only
// (client credentials) sign-in, and the device-code blocks that send an
// admin to them. They join the catalogue at init (their codes are in
// codes.go with the others).

var signInEntries = []Entry{
	{EntraDeviceAuthRequired, "The sign-in needs a compliant or registered device",
		"A Conditional Access policy in the tenant{ <tenant>} requires device authentication for <mailbox>, which a device-code sign-in cannot give (AADSTS50097).",
		"Use another sign-in method: press a for \"browser elsewhere, paste back\" (sign in from a compliant device) or p for \"app-only\" (no user sign-in). Or Entra admin center > Protection > Conditional Access > Policies > the policy requiring a compliant device > Exclude: add <mailbox>."},
	{EntraRedirectMismatch, "The sign-in address is not registered for the app",
		"Entra ID refused the sign-in because the redirect URI pimmail sent is not registered for the app{ <clientId>} as a Web redirect URI (AADSTS50011).",
		"Entra admin center > App registrations > {the app with Application (client) ID <clientId>|<your app>} > Authentication > Add a platform > Web > Redirect URIs: add `http://localhost` (Entra ignores the port for localhost), Save, then start the sign-in again."},
	{EntraCodeRedeemed, "That sign-in address was already used",
		"The authorization code in the pasted address has already been redeemed (AADSTS54005): each code works once.",
		"Press r to start a new sign-in, open the new address, sign in as <mailbox> and paste the address the browser lands on."},
	{EntraAuthCodeExpired, "The sign-in took too long",
		"The authorization code in the pasted address has expired (AADSTS70008): a code must be pasted within 10 minutes of signing in.",
		"Press r to start a new sign-in and paste the address soon after the browser lands on it."},
	{EntraPKCEMismatch, "The pasted address belongs to another sign-in",
		"Entra ID refused the code: it was issued for a sign-in pimmail started with another PKCE key (AADSTS501481), e.g. an address from an earlier attempt.",
		"Press r to start a new sign-in and paste the address from that sign-in only."},
	{AuthCodeStateMismatch, "The pasted address is from another sign-in",
		"The state value in the pasted address does not match the sign-in pimmail started, so pimmail did not use its code: it may be from an earlier attempt or from someone else's sign-in.",
		"Open the sign-in address pimmail shows now, sign in as <mailbox>, and paste the address the browser lands on."},
	{AuthCodeRefused, "The sign-in ended with an error",
		"The browser came back without a code: Entra ID answered with an error instead (see the details).",
		"Read the error in the details; when it is access_denied, sign in again and accept. Press r for a new sign-in."},
	{AuthCodeBadPaste, "That is not the address the sign-in came back to",
		"pimmail needs the whole address from the browser's address bar after the sign-in, starting with http://localhost, holding code= and state=.",
		"After signing in, copy the address bar of the page that failed to load (it starts with http://localhost) and paste it here."},
	{AppRoleMissing, "The app has no SMTP.SendAsApp permission",
		"The app-only token for the app{ <clientId>} carries no SMTP.SendAsApp role: the application permission is missing or has no admin consent.",
		"Entra admin center > App registrations > {the app with Application (client) ID <clientId>|<your app>} > API permissions > Add a permission > APIs my organization uses > Office 365 Exchange Online > Application permissions > SMTP.SendAsApp, then Grant admin consent."},
	{AppExchangeSetup, "Exchange Online does not know the app for this mailbox",
		"Exchange Online refused the app-only sign-in for <mailbox> (535 5.7.3): the app's service principal is not registered in Exchange Online, or has no FullAccess permission on the mailbox.",
		"In Exchange Online PowerShell (Connect-ExchangeOnline), run the commands below, then test again."},
}

func init() {
	for _, e := range signInEntries {
		entries = append(entries, e)
		byCode[e.Code] = e
	}
	aadstsCodes[50097] = EntraDeviceAuthRequired
	aadstsCodes[50011] = EntraRedirectMismatch
	aadstsCodes[54005] = EntraCodeRedeemed
	aadstsCodes[501481] = EntraPKCEMismatch
}

// DeviceCodeBlocked reports whether code means the device-code sign-in
// cannot work in this tenant or app as it is, so the other methods should
// be offered: public client flows off (7000218), Conditional Access
// (53003) or device authentication required (50097).
func DeviceCodeBlocked(code Code) bool {
	return code == EntraPublicClientDisabled || code == EntraConditionalAccess || code == EntraDeviceAuthRequired
}

// psQuote quotes s as a PowerShell single-quoted string: nothing inside is
// expanded, a quote is doubled.
func psQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// AppExchangeCommands are the Exchange Online PowerShell commands that let
// app clientID sign in to SMTP as mailbox: register its service principal
// (spID: the oid of its app-only token, the Enterprise application's object
// ID, never the one on App registrations) and give it FullAccess on the
// mailbox; when from is another address, the mailbox also needs Send As on it.
func AppExchangeCommands(clientID, spID, mailbox, from string) []string {
	cmds := []string{
		"New-ServicePrincipal -AppId " + psQuote(clientID) + " -ObjectId " + psQuote(spID) + " -DisplayName 'pimmail SMTP'",
		"Add-MailboxPermission -Identity " + psQuote(mailbox) + " -User " + psQuote(spID) + " -AccessRights FullAccess",
	}
	if from != "" && !strings.EqualFold(from, mailbox) {
		cmds = append(cmds, "Add-RecipientPermission -Identity "+psQuote(from)+" -Trustee "+psQuote(mailbox)+" -AccessRights SendAs -Confirm:$false")
	}
	return cmds
}

// AppExchangeProblem is the AppExchangeSetup problem, the commands with
// real values in its fix, each copyable on its own line.
func AppExchangeProblem(f Facts, clientID, spID, from, raw string, err error) *Problem {
	p := New(AppExchangeSetup, f, raw, err)
	var b strings.Builder
	b.WriteString(p.Fix)
	for _, c := range AppExchangeCommands(clientID, spID, f.Mailbox, from) {
		b.WriteString("\n`" + c + "`")
	}
	p.Fix = b.String()
	return p
}
