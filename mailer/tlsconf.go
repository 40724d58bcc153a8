package mailer

import (
	"crypto/tls"
	"fmt"
)

// TLSMode is how a connection to a server is secured. The zero value means
// StartTLS, the safe choice, so that a half-filled Server never talks in
// clear by accident.
type TLSMode string

// The TLS modes. The values are the words of the configuration file and of
// diagnose.Facts.TLS.
const (
	StartTLS    TLSMode = "starttls" // STARTTLS required, TLS 1.2 or later
	ImplicitTLS TLSMode = "implicit" // TLS from the first byte (SMTPS)
	NoTLS       TLSMode = "none"     // plain text, only inside a trusted network
)

// orDefault is m, or StartTLS for the zero value.
func (m TLSMode) orDefault() TLSMode {
	if m == "" {
		return StartTLS
	}
	return m
}

// DefaultPort is the usual port of a server secured with m: 465 for
// implicit TLS, else 25 (a relay or the local mail service; Exchange
// Online's submission port 587 comes with its host, from the cloud).
func (m TLSMode) DefaultPort() int {
	if m.orDefault() == ImplicitTLS {
		return 465
	}
	return 25
}

// tlsConfig is the one TLS configuration for Probe and Send: TLS 1.2 at
// least, certificates verified against srv's roots (the system's when nil)
// for the host name dialled. Verification is never switched off.
// onHandshake, when set, sees the connection state of every handshake.
func tlsConfig(srv Server, onHandshake func(tls.ConnectionState)) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		RootCAs:    srv.RootCAs,
		ServerName: srv.Host,
		VerifyConnection: func(cs tls.ConnectionState) error {
			// MinVersion already refuses older versions; this keeps the
			// promise even if the configuration is ever changed.
			if cs.Version < tls.VersionTLS12 {
				return errTLSTooOld{version: cs.Version}
			}
			if onHandshake != nil {
				onHandshake(cs)
			}
			return nil
		},
	}
}

// errTLSTooOld is a handshake that settled below TLS 1.2.
type errTLSTooOld struct{ version uint16 }

func (e errTLSTooOld) Error() string {
	return fmt.Sprintf("the server negotiated %s; TLS 1.2 or later is required", tls.VersionName(e.version))
}

// describeTLS says which version and cipher suite a handshake settled on and
// whose certificate the server showed.
func describeTLS(cs tls.ConnectionState) string {
	s := tls.VersionName(cs.Version) + ", " + tls.CipherSuiteName(cs.CipherSuite)
	if subj := certSubject(cs); subj != "" {
		s += ", certificate " + subj
		if len(cs.PeerCertificates) > 0 {
			s += " issued by " + cs.PeerCertificates[0].Issuer.String()
		}
	}
	return s
}

// certSubject is the subject of the server's leaf certificate.
func certSubject(cs tls.ConnectionState) string {
	if len(cs.PeerCertificates) == 0 {
		return ""
	}
	return cs.PeerCertificates[0].Subject.String()
}
