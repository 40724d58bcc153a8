package diagnose

import (
	"net"
	"strings"

	"github.com/pimmail/pimmail/cloud"
)

// Variants: the same failure needs other words depending on where it
// happened. A DNS failure for login.microsoftonline.com is not a typo of the
// admin's (pimmail chose that host, from the cloud); TLS below 1.2 from
// smtp.office365.com is a middlebox downgrading the connection, because
// Exchange Online speaks TLS 1.2; a refused connection to the Local SMTP
// server is a stopped Postfix, not a wrong Exchange Online port. The code
// stays the same (the UI switches on it); only the texts change.

// variant is an alternative wording of code's entry, used when applies
// holds for the facts. Empty fields keep the entry's text.
type variant struct {
	code    Code
	applies func(Facts) bool
	text    Entry
}

// normHost is host as compared: lower case, without a trailing dot.
func normHost(h string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".")
}

func atAuthority(f Facts) bool { return cloud.IsAuthorityHost(f.Host) }
func atExchange(f Facts) bool  { return cloud.IsExchangeHost(f.Host) }
func atLocal(f Facts) bool     { return f.LocalSMTP }

// meantForExchange: the Entra provider's smart host, set to a host that is
// not Exchange Online's (a wrong host is then the first suspect).
func meantForExchange(f Facts) bool { return f.ExchangeOnline && !atExchange(f) }

// inPlain and overTLS tell the TLS mode of the attempt, when known.
func inPlain(f Facts) bool { return f.TLS == "none" }
func overTLS(f Facts) bool { return f.TLS == "starttls" || f.TLS == "implicit" }

// atLoopback reports whether the host is this machine's own loopback
// address (localhost, 127.0.0.0/8, ::1): no route there means the loopback
// interface is down, not a missing default route.
func atLoopback(f Facts) bool {
	h := strings.Trim(normHost(f.Host), "[]")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// reachAuthority is the fix for every failure to reach an Entra sign-in host.
const reachAuthority = "Allow outbound HTTPS (TCP 443) from this server to <host> in the firewall (and in the proxy, if one is in the way), " +
	"and make sure this server's DNS resolves it; test with `curl -sI https://<host>/`, which must print an HTTP status line. " +
	"If this network reaches the internet only through a proxy, set HTTPS_PROXY before running pimmail, for example " +
	"`export HTTPS_PROXY=http://proxy.contoso.com:3128`. pimmail then sends its Entra ID requests through it."

// variants, first match wins.
var variants = []variant{
	{NetDNS, atAuthority, Entry{
		Title: "Microsoft's sign-in service cannot be looked up",
		Explanation: "This server could not look up <host>, the Microsoft Entra ID sign-in service of the chosen cloud, in DNS. " +
			"pimmail needs it to check the app and to sign the mailbox in; the name comes with the cloud, so it is not mistyped: " +
			"this server's DNS cannot resolve internet names, or it may reach the internet only through a proxy.",
		Fix: reachAuthority + " Check the name servers in /etc/resolv.conf; `getent hosts <host>` tests the lookup.",
	}},
	{NetRefused, atAuthority, Entry{
		Title: "Microsoft's sign-in service refused the connection",
		Explanation: "The HTTPS connection to <host>, the Microsoft Entra ID sign-in service pimmail needs to check the app " +
			"and sign the mailbox in, was refused: usually a firewall or proxy on the way rejects outbound HTTPS.",
		Fix: reachAuthority,
	}},
	{NetTimeout, atAuthority, Entry{
		Title: "Microsoft's sign-in service does not answer",
		Explanation: "<host>, the Microsoft Entra ID sign-in service pimmail needs to check the app and sign the mailbox in, " +
			"did not answer in time: a firewall silently dropping outbound HTTPS, or a proxy this network requires but pimmail " +
			"was not told about, is the usual cause.",
		Fix: reachAuthority,
	}},
	{NetUnreachable, atAuthority, Entry{
		Title: "Microsoft's sign-in service cannot be reached",
		Explanation: "This server has no route to <host>, the Microsoft Entra ID sign-in service pimmail needs to check the app " +
			"and sign the mailbox in (network or host unreachable).",
		Fix: reachAuthority,
	}},
	{NetUnreachable, atLoopback, Entry{
		Title: "The loopback interface is down",
		Explanation: "This server has no route to {<host>|localhost}, its own loopback address (network unreachable): the " +
			"loopback interface lo is down, or pimmail runs in a network namespace without it. This is not a matter of the " +
			"default route, a firewall or a proxy: the connection never leaves this machine.",
		Fix: "Bring the loopback interface up, as root: `ip link set lo up`. Then check that it carries 127.0.0.1 with " +
			"`ip addr show lo`, and test the connection with `nc -vz <host> <port>`.",
	}},
	{NoAuth, inPlain, Entry{
		Explanation: "<host>:<port> offers no AUTH method pimmail can use with the username given (it advertised no AUTH PLAIN " +
			"or LOGIN). The TLS mode is none, and many servers offer AUTH only after STARTTLS.",
		Fix: "Choose TLS mode STARTTLS so the server offers AUTH over the encrypted connection; or clear the username and " +
			"password if the server trusts this server's IP address; or ask its admin which login it accepts.",
	}},
	{NoAuth, overTLS, Entry{
		Explanation: "<host>:<port> offers no AUTH method pimmail can use with the username given, even over the encrypted " +
			"connection (it advertised no AUTH PLAIN or LOGIN): it does not take a username and password on this port.",
		Fix: "Clear the username and password if the server trusts this server's IP address (for Exchange Online Protection, " +
			"an inbound connector with this server's public IP); otherwise ask the server's admin to allow authenticated " +
			"submission (AUTH PLAIN or LOGIN over TLS), or which port offers it (often 587).",
	}},
	{TLSTooOld, meantForExchange, Entry{
		Explanation: "The smart host should be Exchange Online, which speaks TLS 1.2 and newer, yet {<host>|the server} offered only " +
			"TLS 1.0 or 1.1. Either {<host>|it} is not Exchange Online (an on-premises Exchange or an old relay), or a TLS-inspecting " +
			"proxy or firewall between this server and Microsoft intercepts and downgrades the connection. pimmail requires " +
			"TLS 1.2 or newer, as Exchange Online does.",
		Fix: "Check the smart host first: for Exchange Online it is smtp.office365.com:587 (press esc to go back to the smart host step). " +
			"If that is what is set, ask the network admin to exempt it from TLS inspection, or to make the inspecting device offer " +
			"TLS 1.2 or newer; check from this server with `openssl s_client -connect smtp.office365.com:587 -starttls smtp -tls1_2`.",
	}},
	{TLSTooOld, atExchange, Entry{
		Explanation: "<host> is Exchange Online, which speaks TLS 1.2 and newer, yet only TLS 1.0 or 1.1 was offered: something " +
			"between this server and Exchange Online, usually a TLS-inspecting proxy or firewall, intercepts the connection " +
			"and downgrades it. pimmail requires TLS 1.2 or newer, as Exchange Online does.",
		Fix: "Ask the network admin to exempt <host>:<port> from TLS inspection, or to make the inspecting device offer " +
			"TLS 1.2 or newer. Check from this server with `openssl s_client -connect <host>:<port> -starttls smtp -tls1_2`. " +
			"A certificate not issued by Microsoft's authorities, or a refused handshake, shows the interception.",
	}},
	{NetRefused, atLocal, Entry{
		Explanation: "Nothing is listening on {<host> port <port>|that address}: the local mail service (Postfix, Exim, Sendmail) is not " +
			"running, or it listens on another address or port.",
		Fix: "Check the mail service on that machine: `systemctl status postfix` (or your MTA, e.g. exim4 or sendmail), " +
			"start it with `systemctl start postfix`, and check that it listens on localhost:25 with `ss -ltn 'sport = :25'`. " +
			"If it listens on another port, enter that port.",
	}},
	{NoSTARTTLS, atLocal, Entry{
		Fix: "Choose TLS mode none for a mail service on this machine (the connection does not leave it), or turn STARTTLS on " +
			"in the service; for Postfix, with a certificate: `postconf -e smtpd_tls_security_level=may`, then `systemctl reload postfix`.",
	}},
}

// variantOf returns e with the texts of the first variant that applies to f.
func variantOf(e Entry, f Facts) Entry {
	for _, v := range variants {
		if v.code != e.Code || !v.applies(f) {
			continue
		}
		if v.text.Title != "" {
			e.Title = v.text.Title
		}
		if v.text.Explanation != "" {
			e.Explanation = v.text.Explanation
		}
		if v.text.Fix != "" {
			e.Fix = v.text.Fix
		}
		return e
	}
	return e
}
