// Package mailer talks SMTP: it probes a smart host (DNS, TCP, greeting,
// EHLO, STARTTLS, TLS version, AUTH mechanisms) and sends one message
// through go-mail, with XOAUTH2 for Exchange Online or plain/no auth for
// the Local SMTP and SMTP Relay providers. It records a redacted transcript
// of each conversation. Every failure is a *diagnose.Problem.
package mailer

import (
	"context"
	"crypto/x509"
	"time"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/secret"
)

// Server is where to connect and how.
type Server struct {
	Host string
	Port int
	// TLS: config.TLSStartTLS (required, TLS 1.2+), config.TLSImplicit, or config.TLSNone.
	TLS config.TLSMode
	// RootCAs replaces the system roots when set (the sandbox's CA).
	RootCAs *x509.CertPool
	// Timeout bounds the dial and each SMTP command; 0 means 30 s.
	Timeout time.Duration
}

// Stage is one timed step of a probe.
type Stage struct {
	Name     string // "dns", "connect", "greeting", "ehlo", "starttls", "ehlo-tls"
	Duration time.Duration
	Detail   string // e.g. the resolved addresses, the banner
	OK       bool
}

// ProbeReport is what a probe saw.
type ProbeReport struct {
	Stages       []Stage
	Banner       string   // the 220 greeting line
	EHLO         []string // capabilities before TLS
	EHLOAfterTLS []string // capabilities after STARTTLS
	StartTLS     bool     // STARTTLS offered
	TLSVersion   string   // "TLS 1.3"
	CertSubject  string
	AuthMechs    []string // after TLS when TLS is used
	XOAUTH2      bool
}

// Probe connects to srv and reports what the server offers without sending
// mail or authenticating. It refuses TLS below 1.2. When wantXOAUTH2 is set a
// server without AUTH XOAUTH2 is a NoXOAUTH2 problem. The report is filled
// as far as the probe got, also on error.
func Probe(ctx context.Context, srv Server, wantXOAUTH2 bool) (ProbeReport, error) {
	panic("unimplemented")
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

// Send delivers msg through srv. With AuthXOAUTH2, TLS is mandatory and 1.2
// at least. The Result carries the transcript also on failure.
func Send(ctx context.Context, srv Server, auth Auth, msg Message) (Result, error) {
	panic("unimplemented")
}
