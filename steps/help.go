package steps

import (
	"strings"

	"github.com/pimmail/pimmail/cloud"
	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/hostport"
)

// The steps' titles and help texts: where each value is copied from and
// why it is needed, in the words of the Entra admin center and the
// Exchange admin center, because that is what the admin has open beside
// the wizard.

var providerInfo = Info{
	ID:    StepProvider,
	Title: "Email provider",
	Help: "Choose how this PIM system sends email. Only one provider is enabled at a time: " +
		"enabling one disables the others, but their settings are kept, so switching back is one step.\n" +
		"- Microsoft Entra ID SMTP Client sends through Exchange Online as one dedicated mailbox, " +
		"signed in with OAuth (SMTP AUTH XOAUTH2); no mailbox password is stored.\n" +
		"- SMTP Relay hands mail to an internal relay, or to Exchange Online Protection " +
		"(<domain>.mail.protection.outlook.com, port 25) which trusts this server's IP address through a connector.\n" +
		"- Local SMTP hands mail to this server's own mail service (usually localhost:25).",
}

var idsInfo = Info{
	ID:    StepIDs,
	Title: "Tenant and application IDs",
	Help: "Copy both IDs from the Microsoft Entra admin center: App registrations > your app > Overview.\n" +
		"- Directory (tenant) ID: a GUID (a verified domain such as contoso.onmicrosoft.com works too).\n" +
		"- Application (client) ID: a GUID (not the Object ID shown below it).\n" +
		"Choose the cloud your tenant lives in: " + cloudList() + ".\n" +
		"The app needs API permissions > Add a permission > Microsoft Graph > Delegated permissions > SMTP.Send, " +
		"with Grant admin consent, and Authentication > Advanced settings > Allow public client flows = Yes " +
		"(the mailbox signs in with a device code).",
}

var secretInfo = Info{
	ID:    StepSecret,
	Title: "Client secret",
	Help: "In the same app registration open Certificates & secrets > Client secrets and copy the Value " +
		"of a current secret, not the Secret ID next to it (a GUID). The Value is shown in full only right " +
		"after the secret is created; if it is hidden now, choose New client secret and copy its Value at once. " +
		"pimmail checks tenant, client ID and secret together (a client-credentials request) before the " +
		"mailbox signs in, so a wrong, expired or mistyped secret shows up now rather than at the first email. " +
		"The secret is kept only in the config file (mode 0600) and is shown masked; you can reveal its last " +
		"4 characters to compare with the portal. Note the secret's expiry date: create a new one before it.",
}

var logonInfo = Info{
	ID:    StepLogon,
	Title: "Mailbox sign-in",
	Help: "On any device with a browser, open the address shown, enter the code, and sign in as the mailbox " +
		"pimmail will send as (not as your admin account, unless that is the mailbox). pimmail sends as one " +
		"dedicated mailbox, for example pim-notifications@contoso.com, signed in once with this device code, " +
		"so this server needs no browser. The code expires after the time shown (Entra ID gives 15 minutes); " +
		"ask for a fresh one at any time. The sign-in grants SMTP.Send only. pimmail keeps the refresh token in the token cache beside " +
		"the config file (mode 0600) and gets new access tokens with it silently; it lapses after 90 days " +
		"unused or when the mailbox's password is reset, and then the mailbox signs in again here.",
}

var smartHostInfo = Info{
	ID:    StepSmartHost,
	Title: "Smart host",
	Help: "Keep your cloud's default: " + smartHostList() + ". Exchange Online takes authenticated " +
		"submission there on port 587 with STARTTLS and TLS 1.2 or later. pimmail connects, " +
		"checks the TLS version and that the server offers AUTH XOAUTH2; nothing is sent yet. " +
		"<domain>.mail.protection.outlook.com on port 25 is Exchange Online Protection's relay endpoint, " +
		"not a submission host: choose the SMTP Relay provider for it.",
}

var relayServerInfo = Info{
	ID:    StepServer,
	Title: "Relay server",
	Help: "Enter the relay that takes mail from this server without a mailbox sign-in: an internal relay " +
		"(Postfix, an Exchange Server receive connector), or Exchange Online Protection at " +
		"<domain>.mail.protection.outlook.com port 25. That host is your domain's MX record (Microsoft 365 " +
		"admin center > Settings > Domains > your domain > DNS records). Exchange Online Protection accepts mail from this server only " +
		"through an inbound connector that trusts it: Exchange admin center > Mail flow > Connectors > Add a " +
		"connector, from \"Your organization's email server\" to \"Office 365\", identified by this server's " +
		"public IP address (or by a TLS certificate whose name is one of your accepted domains). Without it " +
		"the relay answers 550 5.7.64 TenantAttribution; Relay Access Denied; other relays say \"Relay access " +
		"denied\" or \"Unable to relay\" when they do not trust this server. TLS: STARTTLS required " +
		"(recommended; ports 25 and 587), implicit TLS (port 465), or none (only inside a trusted network). " +
		"pimmail connects and checks the TLS mode works; nothing is sent yet.",
}

var credentialsInfo = Info{
	ID:    StepCredentials,
	Title: "Relay credentials",
	Help: "Optional: leave username and password empty when the relay trusts this server by its IP address " +
		"or a connector (Exchange Online Protection on port 25 never takes a username). Fill them in only when " +
		"your relay requires SMTP AUTH; then use STARTTLS or implicit TLS so the password does not cross the " +
		"network in clear text. The password is kept only in the config file (mode 0600) and shown masked.",
}

var localServerInfo = Info{
	ID:    StepServer,
	Title: "Local SMTP server",
	Help: "The mail service on this server (Postfix, Sendmail, Exim) or on a host next to it, usually " +
		"localhost port 25 without TLS; it forwards mail onwards by its own configuration. Choose STARTTLS " +
		"only when the server offers it. pimmail connects and checks what the server offers; nothing is sent yet.",
}

// testInfo depends on the provider: who may be the sender differs.
func testInfo(p config.Provider) Info {
	common := "Set the global email settings shared by all providers: the From address and the display name " +
		"(mailbox alias) recipients see. Then send a test email; the recipient is any address you can read. "
	var specific string
	switch p {
	case config.ProviderEntra:
		specific = "The From address defaults to the signed-in mailbox, and the test goes to the mailbox itself " +
			"unless you name another recipient. Exchange Online sends only as the mailbox or as an address " +
			"the mailbox has Send As permission on; any other From gets 554 5.2.252 SendAsDenied. A mailbox " +
			"may send 30 messages a minute and to 10,000 recipients a day."
	case config.ProviderRelay:
		specific = "The From address is required: a relay accepts only senders from domains it serves " +
			"(Exchange Online Protection: your accepted domains), and refuses the rest. Send the test to an " +
			"EXTERNAL recipient, outside your own domains: a relay accepts mail for its own domains from anyone, " +
			"so only a message it passes on to another organisation proves that it trusts this server (the " +
			"connector or IP address) to relay."
	case config.ProviderLocal:
		specific = "The From address is required; use an address of your own domain, so receiving " +
			"servers do not treat the mail as spoofed. The local mail service answers \"queued\" as soon as it " +
			"has taken the message; that is not delivery. If the test does not arrive, check the local mail log " +
			"(/var/log/mail.log, or `journalctl -u postfix`)."
	default:
		specific = "The From address is required; use an address of your own domain, so receiving " +
			"servers do not treat the mail as spoofed."
	}
	return Info{ID: StepTest, Title: "Test email", Help: common + specific}
}

// enableInfo depends on the provider: only Entra has a token cache.
func enableInfo(p config.Provider) Info {
	help := "Tick Enabled to make " + p.Label() + " the provider mail goes out through. It can be ticked " +
		"only after a test email went out in this run, so a broken setup is never switched on. Saving " +
		"disables the other providers (their settings are kept) and writes the config file with mode 0600 " +
		"(a directory pimmail creates for it gets mode 0700). If the previous file could not be read, its " +
		"settings cannot carry over: pimmail keeps a copy of it beside the new one. Nothing is written before " +
		"this step: quitting earlier, Ctrl+C or a lost SSH session leaves the previous configuration untouched."
	if p == config.ProviderEntra {
		help += " The token cache with the mailbox's sign-in is saved beside it. Afterwards, tell your " +
			"organisation that PIM mail now comes from the mailbox."
	}
	return Info{ID: StepEnable, Title: "Enable and save", Help: help}
}

// cloudList names the clouds the way the IDs step offers them.
func cloudList() string {
	var parts []string
	for i, c := range cloud.All {
		s := c.Label
		if i == 0 {
			s += " unless your organisation uses a national cloud"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// smartHostList names each cloud's smart host, from the cloud package.
func smartHostList() string {
	seen := map[string]bool{}
	var parts []string
	for _, c := range cloud.All {
		h := hostport.Join(c.SmartHost, c.SmartPort)
		if seen[h] {
			continue
		}
		seen[h] = true
		var names []string
		for _, d := range cloud.All {
			if d.SmartHost == c.SmartHost {
				names = append(names, d.Label)
			}
		}
		parts = append(parts, h+" ("+strings.Join(names, ", ")+")")
	}
	return strings.Join(parts, ", ")
}
