package sandbox

import (
	"crypto/tls"
	"fmt"
	"os"
	"strings"
	"time"
)

// localDialect is the local SMTP sink: what a default Postfix on the PIM
// server answers on localhost:25. It relays everything from localhost
// (mynetworks), offers STARTTLS with the sandbox certificate (as Debian's
// default smtpd_tls_security_level=may does with its snake-oil one) and no
// AUTH, and does not insist on HELO before MAIL (smtpd_helo_required=no).
//
// Source: Postfix's smtpd (src/smtpd/smtpd.c and smtpd_sasl_proto.c,
// 3.10-3.12): the reply texts, the EHLO keyword order, HELP (3.9+), ETRN
// with the default empty fast_flush_domains, the 20-error hard limit; SIZE
// is message_size_limit's default (10240000).
type localDialect struct {
	s        *Sandbox
	hostname string
	tlsConf  *tls.Config
	text     smtpTexts
}

// Postfix defaults.
const (
	postfixMaxSize   = 10240000 // message_size_limit
	postfixMaxRcpts  = 1000     // smtpd_recipient_limit
	postfixMaxErrors = 20       // smtpd_hard_error_limit
)

func newLocalDialect(s *Sandbox) *localDialect {
	h, err := os.Hostname()
	if err != nil || h == "" {
		h = "localhost"
	}
	d := &localDialect{s: s, hostname: h, tlsConf: s.serverTLS.Clone()}
	unsupported := func(p string) string { return "555 5.5.4 Unsupported option: " + p }
	d.text = smtpTexts{
		senderOK:          "250 2.1.0 Ok",
		recipientOK:       "250 2.1.5 Ok",
		startData:         "354 End data with <CR><LF>.<CR><LF>",
		reset:             "250 2.0.0 Ok",
		noop:              "250 2.0.0 Ok",
		quit:              "221 2.0.0 Bye",
		needHello:         "503 5.5.1 Error: send HELO/EHLO first",
		needMail:          "503 5.5.1 Error: need MAIL command",
		needRcpt:          "503 5.5.1 Error: need RCPT command",
		dataNeedsMail:     "503 5.5.1 Error: need RCPT command",
		noRecipients:      "554 5.5.1 Error: no valid recipients",
		nestedMail:        "503 5.5.1 Error: nested MAIL command",
		badSequence:       "503 5.5.1 Error: DATA after BDAT",
		unrecognized:      "500 5.5.2 Error: command not recognized",
		tooLong:           "500 5.5.2 " + h + " Error: command too long",
		syntaxMail:        "501 5.5.4 Syntax: MAIL FROM:<address>",
		syntaxRcpt:        "501 5.5.4 Syntax: RCPT TO:<address>",
		ehloNeedsDomain:   "501 Syntax: EHLO hostname",
		heloNeedsDomain:   "501 Syntax: HELO hostname",
		badSender:         "501 5.1.7 Bad sender address syntax",
		badRecipient:      "501 5.1.3 Bad recipient address syntax",
		badSize:           "501 5.5.4 Bad message size syntax",
		badBody:           unsupported,
		unknownParam:      unsupported,
		sizeExceeded:      "552 5.3.4 Message size exceeds fixed limit",
		tooManyRecipients: "452 4.5.3 Error: too many recipients",
		startTLS:          "220 2.0.0 Ready to start TLS",
		tlsActive:         "554 5.5.1 Error: TLS already active",
		startTLSSyntax:    "501 5.5.4 Syntax: STARTTLS",
		authNotOffered:    "503 5.5.1 Error: authentication not enabled",
		authAlready:       "503 5.5.1 Error: authentication not enabled",
		authCancelled:     "503 5.5.1 Error: authentication not enabled",
		authInTransaction: "503 5.5.1 Error: authentication not enabled",
		bdatSyntax:        "521 5.5.4 Syntax: BDAT count [LAST]",
		bdatReceived:      func(n int64) string { return fmt.Sprintf("250 2.0.0 Ok: %d bytes", n) },
		timeout:           "421 4.4.2 " + h + " Error: timeout exceeded",
		tooManyErrors:     "421 4.7.0 " + h + " Error: too many errors",
		localError:        "451 4.3.0 Error: queue file write error",
		help:              []string{"214 2.0.0 Commands: AUTH BDAT DATA EHLO ETRN HELO MAIL NOOP QUIT RCPT RSET STARTTLS VRFY XCLIENT XFORWARD"},
		vrfy:              func(arg string) string { return "252 2.0.0 " + arg },
		etrn:              postfixETRN,
	}
	return d
}

// postfixETRN answers ETRN as Postfix does when fast_flush_domains is
// empty (the default): no domain may have its queue flushed.
func postfixETRN(c *session, arg string) string {
	domain := strings.TrimLeft(arg, "@#")
	switch {
	case c.tx.active:
		return "503 Error: MAIL transaction in progress"
	case arg == "" || strings.Contains(arg, " "):
		return "500 Syntax: ETRN domain"
	case validateDomain(domain) != nil && !(strings.HasPrefix(domain, "[") && strings.HasSuffix(domain, "]")):
		return "501 Error: invalid parameter syntax"
	}
	return "459 <" + domain + ">: service unavailable"
}

func (d *localDialect) kind() string      { return "local" }
func (d *localDialect) texts() *smtpTexts { return &d.text }
func (d *localDialect) caps() smtpCaps {
	return smtpCaps{size: postfixMaxSize, dsn: true, smtpUTF8: true, chunking: true, maxRcpts: postfixMaxRcpts, maxErrors: postfixMaxErrors}
}
func (d *localDialect) helloRequired() bool    { return false }
func (d *localDialect) tlsConfig() *tls.Config { return d.tlsConf }

func (d *localDialect) greeting(time.Time) string { return "220 " + d.hostname + " ESMTP Postfix" }

func (d *localDialect) ehlo(c *session, _ string) []string {
	lines := []string{d.hostname, "PIPELINING", fmt.Sprintf("SIZE %d", postfixMaxSize), "VRFY", "ETRN"}
	if c.tlsVersion == 0 {
		lines = append(lines, "STARTTLS")
	}
	return append(lines, "ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "SMTPUTF8", "CHUNKING")
}

func (d *localDialect) helo(*session, string) string { return d.hostname }

func (d *localDialect) auth(c *session, _, _ string) bool { return c.fail(d.text.authNotOffered) }

func (d *localDialect) mail(*session, string) (string, bool, bool) {
	return d.text.senderOK, true, false
}

func (d *localDialect) rcpt(*session, string) (string, bool) { return d.text.recipientOK, true }

func (d *localDialect) deliver(c *session, data []byte) (string, bool) {
	err := d.s.keepMessage(Message{
		Server: d.kind(), MailFrom: c.tx.from, RcptTo: append([]string(nil), c.tx.rcpts...),
		Data: data, Received: d.s.now(),
	})
	if err != nil {
		return d.text.localError, false
	}
	// A Postfix short queue ID (enable_long_queue_ids=no): 11 hex digits.
	id := randomHex(5) + "C"
	if c.tx.bdatOn {
		return fmt.Sprintf("250 2.0.0 Ok: %d bytes queued as %s", len(data), id), false
	}
	return "250 2.0.0 Ok: queued as " + id, false
}

func (d *localDialect) closed(*session) {}
