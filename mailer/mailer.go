// Package mailer talks SMTP: it probes a smart host (DNS, TCP, greeting,
// EHLO, STARTTLS, TLS version, AUTH mechanisms) and sends one message
// through go-mail, with XOAUTH2 for Exchange Online or plain/no auth for
// the Local SMTP and SMTP Relay providers. It records a redacted transcript
// of each conversation. Every failure is a *diagnose.Problem.
package mailer

import (
	"crypto/x509"
	"time"

	"github.com/pimmail/pimmail/secret"
)

// Server is where to connect and how.
type Server struct {
	Host string
	Port int
	// TLS: StartTLS (required, TLS 1.2+; the zero value), ImplicitTLS, or NoTLS.
	TLS TLSMode
	// RootCAs replaces the system roots when set (the sandbox's CA).
	RootCAs *x509.CertPool
	// Timeout bounds the dial and each read and write of the conversation
	// (so each SMTP command); 0 means DefaultTimeout (30 s).
	Timeout time.Duration
}

// Stage is one timed step of a probe.
type Stage struct {
	Name     string // "dns", "connect", "tls", "greeting", "ehlo", "starttls", "ehlo-tls", "quit"
	Duration time.Duration
	Detail   string // e.g. the resolved addresses, the banner
	OK       bool
	// Silent is set on a failed stage that ended because the server sent
	// nothing in time (no greeting, no answer to the TLS handshake); Detail
	// then says so in words ("nothing within 30s") rather than as the
	// read error the timeout left.
	Silent bool
}

// ProbeReport is what a probe saw.
type ProbeReport struct {
	Stages       []Stage
	Banner       string   // the 220 greeting line
	EHLO         []string // capabilities before TLS
	EHLOAfterTLS []string // capabilities over TLS: after STARTTLS, or the only EHLO with implicit TLS
	StartTLS     bool     // STARTTLS offered
	TLSVersion   string   // "TLS 1.3"
	CertSubject  string
	AuthMechs    []string // after TLS when TLS is used
	XOAUTH2      bool
	// Transcript is the conversation as "C: "/"S: " lines and "-- " notes
	// (added for support; a probe sends no credentials).
	Transcript []string
}

// AuthKind is how to authenticate.
type AuthKind int

// Authentication kinds.
const (
	AuthNone AuthKind = iota
	// AuthXOAUTH2 is SASL XOAUTH2 with a bearer token (Exchange Online).
	AuthXOAUTH2
	// AuthPassword is LOGIN or PLAIN, whichever the server offers (relays).
	AuthPassword
)

// Auth is the credential to send with.
type Auth struct {
	Kind     AuthKind
	Username string
	// Secret is the access token (XOAUTH2) or the password.
	Secret secret.Secret
}

// Message is one email.
type Message struct {
	From     string
	FromName string
	To       []string
	Subject  string
	Body     string
	// EnvelopeFrom is the MAIL FROM address (where bounces go). Empty means
	// the signed-in mailbox with AuthXOAUTH2 (mail goes out as the mailbox,
	// so a From the mailbox may not use is Exchange's SendAsDenied after
	// DATA), and From otherwise. (Added to the contract by the mailer.)
	EnvelopeFrom string
}

// Result is the outcome of Send.
type Result struct {
	// Reply is the server's final reply to the message, e.g.
	// "250 2.0.0 OK <id> [Hostname=...]".
	Reply string
	// MessageID is the Message-ID header sent.
	MessageID string
	// Transcript is the SMTP conversation, the AUTH exchange, token and
	// password replaced by a marker.
	Transcript []string
}
