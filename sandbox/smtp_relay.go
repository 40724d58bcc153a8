package sandbox

import (
	"crypto/tls"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// relayDialect is the SMTP relay stand-in: Exchange Online Protection's
// inbound endpoint (<domain>.mail.protection.outlook.com:25) as an SMTP
// relay for a server trusted by an IP-based connector. No AUTH. Mail for
// the tenant's accepted domains is taken from anyone; mail for other
// domains only from a trusted client IP. 127.0.0.1 is trusted, as if a
// connector listed the PIM server's IP, unless the scenario
// relay-not-trusted is on.
//
// Sources: greeting and EHLO keywords (SIZE 49283072 included) from a 2025
// telnet session to *.mail.protection.outlook.com quoted in a public
// script's README; "550 5.7.64 TenantAttribution; Relay Access Denied
// [<server>]" from a real EOP non-delivery report and Microsoft's "Fix
// email delivery issues for error code 550 5.7.64"; the acceptance format
// "250 2.6.0 <id> [InternalId=..., Hostname=...] Queued mail for delivery"
// from Exchange's SmtpResponse.QueuedMailForDelivery; other replies are
// Exchange's (EOP runs Exchange), see exchangeTexts.
type relayDialect struct {
	s       *Sandbox
	host    string // e.g. "CH1PEPF0000A34B"
	region  string
	tlsConf *tls.Config
	text    smtpTexts
}

// eopMaxSize is the SIZE Exchange Online Protection advertises.
const eopMaxSize = 49283072

func newRelayDialect(s *Sandbox) *relayDialect {
	d := &relayDialect{
		s:       s,
		host:    fmt.Sprintf("CH%dPEPF0000%04X", rand.IntN(9)+1, rand.IntN(0x10000)),
		region:  fmt.Sprintf("namprd%02d", rand.IntN(20)+1),
		tlsConf: s.serverTLS.Clone(),
		text:    exchangeTexts(),
	}
	return d
}

func (d *relayDialect) kind() string      { return "relay" }
func (d *relayDialect) texts() *smtpTexts { return &d.text }
func (d *relayDialect) caps() smtpCaps {
	return smtpCaps{size: eopMaxSize, dsn: true, binaryMIME: true, smtpUTF8: true, chunking: true, maxRcpts: 500, maxErrors: exoMaxErrors}
}
func (d *relayDialect) helloRequired() bool    { return true }
func (d *relayDialect) tlsConfig() *tls.Config { return d.tlsConf }

func (d *relayDialect) fqdn() string         { return d.host + ".mail.protection.outlook.com" }
func (d *relayDialect) internalName() string { return d.host + "." + d.region + ".prod.outlook.com" }

func (d *relayDialect) greeting(now time.Time) string {
	return "220 " + d.fqdn() + " Microsoft ESMTP MAIL Service ready at " + rfc5322Date(now)
}

func (d *relayDialect) ehlo(c *session, _ string) []string {
	lines := []string{d.fqdn() + " Hello [" + c.remoteIP.String() + "]",
		fmt.Sprintf("SIZE %d", eopMaxSize), "PIPELINING", "DSN", "ENHANCEDSTATUSCODES"}
	if c.tlsVersion == 0 {
		lines = append(lines, "STARTTLS")
	}
	return append(lines, "8BITMIME", "BINARYMIME", "CHUNKING", "SMTPUTF8")
}

func (d *relayDialect) helo(c *session, _ string) string {
	return d.fqdn() + " Hello [" + c.remoteIP.String() + "]"
}

// auth: EOP offers no AUTH; Exchange answers any mechanism it does not offer so.
func (d *relayDialect) auth(c *session, _, _ string) bool { return c.fail(d.text.authNotOffered) }

func (d *relayDialect) mail(*session, string) (string, bool, bool) {
	return d.text.senderOK, true, false
}

func (d *relayDialect) rcpt(c *session, to string) (string, bool) {
	if d.acceptedDomain(addressDomain(to)) || d.trusted(c) {
		return d.text.recipientOK, true
	}
	return "550 5.7.64 TenantAttribution; Relay Access Denied [" + d.internalName() + "]", false
}

// trusted reports whether the client may relay to outside domains: it
// connects from loopback (standing in for the PIM server's IP listed in a
// connector) and the relay-not-trusted scenario is off.
func (d *relayDialect) trusted(c *session) bool {
	return c.remoteIP.IsLoopback() && d.s.opts.Scenario != "relay-not-trusted"
}

// acceptedDomain reports whether domain is RelayDomain or a tenant's domain.
func (d *relayDialect) acceptedDomain(domain string) bool {
	if strings.EqualFold(domain, RelayDomain) {
		return true
	}
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	for _, t := range d.s.dir.Tenants {
		for _, td := range t.Domains {
			if strings.EqualFold(domain, td) {
				return true
			}
		}
	}
	return false
}

func (d *relayDialect) deliver(c *session, data []byte) (string, bool) {
	now := d.s.now()
	id := messageID(messageHeader(data), d.internalName())
	err := d.s.keepMessage(Message{
		Server: d.kind(), MailFrom: c.tx.from, RcptTo: append([]string(nil), c.tx.rcpts...),
		Data: data, Received: now,
	})
	if err != nil {
		return d.text.localError, false
	}
	internalID := rand.Int64N(9e13) + 1e13
	return fmt.Sprintf("250 2.6.0 %s [InternalId=%d, Hostname=%s] Queued mail for delivery", id, internalID, d.internalName()), false
}

func (d *relayDialect) closed(*session) {}
