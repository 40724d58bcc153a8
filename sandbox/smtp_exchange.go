package sandbox

import (
	"crypto/tls"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// exchangeDialect is the Exchange Online client-submission stand-in
// (smtp.office365.com:587): STARTTLS, then AUTH XOAUTH2 checked for real.
//
// Sources of the wording (quoted byte for byte):
//   - greeting, both EHLO answers, "220 2.0.0 SMTP server ready", 535 5.7.3,
//     the 5.7.139 family, 530 5.7.57 (the short, current form), 550 5.7.60,
//     the start of 554 5.2.252, 432 4.3.2 and 421 4.7.66:
//     ../shared/reference/microsoft-entra-exchange.md;
//   - the rest of 554 5.2.252: a real 2025 Exchange Online reply quoted in a
//     public CodeIgniter log ("...with message [BeginDiagnosticData]Cannot
//     submit message. <diagnostics>"), closed as other STOREDRV replies are
//     ("[EndDiagnosticData] [Hostname=<mailbox server>]");
//   - "250 2.0.0 OK <message-id> [Hostname=...]": real Exchange Online
//     acceptances in public nodemailer and msmtp logs;
//   - 554 5.2.0 ...SubmissionQuotaExceededException: Microsoft's
//     SupportArticles-docs ("smtp-submission-improvements") for the code, and
//     Microsoft's Messaging Protection troubleshooting wiki for the whole text;
//   - 421 4.4.2 "Message submission rate ...": Exchange's own
//     SmtpResponse.MessageRateLimitExceeded (Exchange Online documents only a
//     delay past 30 a minute; the stand-in refuses so the limit can be seen);
//   - every protocol reply (Sender OK, Resetting, Send hello first, CHUNK
//     received OK, ...): Exchange's SmtpResponse table
//     (Microsoft.Exchange.Data.Transport.Smtp).
type exchangeDialect struct {
	s       *Sandbox
	host    string // front end, e.g. "SN7PR04CA0123"
	region  string // e.g. "namprd04"
	mbxHost string // mailbox server named in [Hostname=...]
	tlsConf *tls.Config
	limits  *mailboxLimits
	seq     atomic.Uint64 // orders authenticated sessions
	text    smtpTexts
}

// exoMaxSize is the SIZE Exchange Online advertises (150 MB, the
// organisation's ceiling).
const exoMaxSize = 157286400

// exoMaxSendSize is a mailbox's default MaxSendSize (35 MB): a larger
// message passes MAIL FROM's SIZE check and is refused after its data with
// 552 5.3.4.
const exoMaxSendSize = 35 << 20

// exoMaxErrors is how many refused commands Exchange takes before "421
// 4.7.0 Too many errors on this connection" (the stand-in's choice: the
// real threshold is not published for Exchange Online).
const exoMaxErrors = 10

func newExchangeDialect(s *Sandbox) *exchangeDialect {
	n := rand.IntN(20) + 1
	d := &exchangeDialect{
		s:       s,
		host:    fmt.Sprintf("SN7PR%02dCA%04d", n, rand.IntN(10000)),
		region:  fmt.Sprintf("namprd%02d", n),
		tlsConf: s.serverTLS.Clone(),
		limits:  newMailboxLimits(),
	}
	d.mbxHost = fmt.Sprintf("SN7PR%02dMB%04d.%s.prod.outlook.com", n, rand.IntN(10000), d.region)
	// The limits count across restarts, as Exchange's count across sessions.
	seedLimits(d.limits, s.opts.StateDir, s.now())
	if s.opts.Scenario == "tls-old" {
		// An out-of-date smart host: TLS 1.0 and 1.1 only, so a client
		// insisting on TLS 1.2 (pimmail) cannot negotiate at all.
		d.tlsConf.MinVersion = tls.VersionTLS10
		d.tlsConf.MaxVersion = tls.VersionTLS11
	}
	d.text = exchangeTexts()
	return d
}

// exchangeTexts are Exchange's protocol replies (SmtpResponse table); the
// relay stand-in, being Exchange too, shares them.
func exchangeTexts() smtpTexts {
	return smtpTexts{
		senderOK:          "250 2.1.0 Sender OK",
		recipientOK:       "250 2.1.5 Recipient OK",
		startData:         "354 Start mail input; end with <CRLF>.<CRLF>",
		reset:             "250 2.0.0 Resetting",
		noop:              "250 2.0.0 OK",
		quit:              "221 2.0.0 Service closing transmission channel",
		needHello:         "503 5.5.2 Send hello first",
		needMail:          "503 5.5.2 Need mail command",
		needRcpt:          "503 5.5.2 Need rcpt command",
		noRecipients:      "503 5.5.2 Need rcpt command",
		nestedMail:        "503 5.5.2 Sender already specified",
		badSequence:       "503 5.5.1 Bad sequence of commands",
		unrecognized:      "500 5.3.3 Unrecognized command",
		tooLong:           "500 5.5.2 Command too long",
		syntaxMail:        "501 5.5.4 Invalid arguments",
		syntaxRcpt:        "501 5.5.4 Invalid arguments",
		ehloNeedsDomain:   "501 5.0.0 EHLO requires domain address",
		heloNeedsDomain:   "501 5.0.0 HELO requires domain address",
		badSender:         "501 5.1.7 Invalid address",
		badRecipient:      "501 5.1.3 Invalid address",
		badSize:           "501 5.5.4 Invalid arguments",
		badBody:           func(string) string { return "501 5.5.4 Unsupported BODY type" },
		unknownParam:      func(string) string { return "501 5.5.4 Unrecognized parameter" },
		dataNeedsMail:     "503 5.5.2 Need mail command",
		sizeExceeded:      "552 5.3.4 Message size exceeds fixed maximum message size",
		tooManyRecipients: "452 4.5.3 Too many recipients",
		startTLS:          "220 2.0.0 SMTP server ready",
		tlsActive:         "503 5.5.2 Only one STARTTLS command can be issued per session",
		startTLSSyntax:    "501 5.5.4 Invalid arguments",
		authNotOffered:    "504 5.7.4 Unrecognized authentication type",
		authAlready:       "503 5.5.2 Auth command already specified",
		authCancelled:     "501 5.5.4 Authentication cancelled",
		authInTransaction: "503 5.5.1 Bad sequence of commands",
		bdatSyntax:        "501 5.5.4 Invalid arguments",
		bdatReceived: func(n int64) string {
			return fmt.Sprintf("250 2.6.0 CHUNK received OK, %d octets", n)
		},
		timeout:       "451 4.7.0 Timeout waiting for client input",
		tooManyErrors: "421 4.7.0 Too many errors on this connection, closing transmission channel",
		localError:    "451 4.3.2 System not accepting network messages",
		help: []string{
			"This server supports the following commands:",
			"HELO EHLO STARTTLS RCPT DATA RSET MAIL QUIT HELP AUTH BDAT",
		},
		vrfy: func(string) string { return "252 2.1.5 Cannot VRFY user" },
	}
}

// Policy replies of Exchange Online submission.
const (
	exoAuthOK               = "235 2.7.0 Authentication successful"
	exoAuthDisabledTenant   = "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information."
	exoAuthDisabledMailbox  = "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information."
	exoSecurityDefaults     = "535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy."
	exoConditionalAccess    = "535 5.7.139 Authentication unsuccessful, the request did not meet the criteria to be authenticated successfully. Contact your administrator."
	exoNotAuthenticated     = "530 5.7.57 Client not authenticated to send mail."
	exoSendAsEnvelope       = "550 5.7.60 SMTP; Client does not have permissions to send as this sender"
	exoThreadLimit          = "432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded"
	exoRateLimited          = "421 4.4.2 Message submission rate for this client has exceeded the configured limit"
	exoQuotaExceeded        = "554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Failed to process message due to a permanent exception with message The message can't be submitted because the sender's submission quota was exceeded."
	exoTLSTooOld            = "421 4.7.66 TLS 1.0 and 1.1 are not supported. Please upgrade/update your client to support TLS 1.2. Visit https://aka.ms/smtp_auth_tls."
	exoSendAsDiagnosticData = "Cannot submit message. 1.84300:0A000000, 1.84300:0E000000, 1.84300:32000000, 1.73948:00000000, 1.108572:00000000, 0.117068:0B000000, 1.79180:0A000000, 1.79180:0E000000, 1.79180:32000000, 1.79180:FA000000"
)

func (d *exchangeDialect) kind() string      { return "exchange" }
func (d *exchangeDialect) texts() *smtpTexts { return &d.text }
func (d *exchangeDialect) caps() smtpCaps {
	return smtpCaps{size: exoMaxSize, dsn: true, binaryMIME: true, smtpUTF8: true, chunking: true, maxRcpts: 500, maxErrors: exoMaxErrors}
}
func (d *exchangeDialect) helloRequired() bool    { return true }
func (d *exchangeDialect) tlsConfig() *tls.Config { return d.tlsConf }

// fqdn is the name the front end greets with.
func (d *exchangeDialect) fqdn() string { return d.host + "." + d.s.playedCloud().ExchangeDomain }

// internalName is the name Exchange puts in brackets after refusals.
func (d *exchangeDialect) internalName() string { return d.host + "." + d.region + ".prod.outlook.com" }

func (d *exchangeDialect) greeting(now time.Time) string {
	return "220 " + d.fqdn() + " Microsoft ESMTP MAIL Service ready at " + rfc5322Date(now)
}

// rfc5322Date is the date as Exchange writes it in its banner, in UTC
// without a leading zero on the day: "Sun, 9 Mar 2025 19:25:28 +0000".
func rfc5322Date(t time.Time) string { return t.UTC().Format("Mon, 2 Jan 2006 15:04:05 -0700") }

func (d *exchangeDialect) ehlo(c *session, _ string) []string {
	lines := []string{d.fqdn() + " Hello [" + c.remoteIP.String() + "]",
		fmt.Sprintf("SIZE %d", exoMaxSize), "PIPELINING", "DSN", "ENHANCEDSTATUSCODES"}
	if c.tlsVersion == 0 {
		lines = append(lines, "STARTTLS")
	} else {
		lines = append(lines, "AUTH LOGIN XOAUTH2")
	}
	return append(lines, "8BITMIME", "BINARYMIME", "CHUNKING", "SMTPUTF8")
}

func (d *exchangeDialect) helo(c *session, _ string) string {
	return d.fqdn() + " Hello [" + c.remoteIP.String() + "]"
}
