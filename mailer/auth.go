package mailer

import (
	"errors"
	"net"
	"strings"

	"github.com/wneessen/go-mail/smtp"
)

// Errors the password authenticator returns before any credential leaves;
// Send turns them into diagnose problems.
var (
	// errNoPasswordMech: the server offers neither PLAIN nor LOGIN (or no
	// AUTH at all) although a username was configured.
	errNoPasswordMech = errors.New("the server offers no AUTH PLAIN or AUTH LOGIN")
	// errPasswordInClear: the connection is not encrypted and the server is
	// not this machine, so the password would cross the network readable.
	errPasswordInClear = errors.New("refusing to send a password over an unencrypted connection to another machine")
)

// passwordAuth is SASL PLAIN or LOGIN, whichever the server offers (PLAIN
// first: one round trip), for relays and local servers. It decides itself
// whether the password may be sent, because go-mail's own check cannot see
// implicit TLS through our greeting tap: only over TLS, or to this machine.
// The SASL exchange itself is go-mail's (smtp.PlainAuth, smtp.LoginAuth).
type passwordAuth struct {
	username, password string
	host               string
	// implicitTLS is set when the connection was TLS from the first byte.
	implicitTLS bool
	// chosen reports the mechanism picked, for the transcript.
	chosen func(mech string)
	inner  smtp.Auth
}

// Start implements smtp.Auth.
func (a *passwordAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS && !a.implicitTLS && !isLoopback(a.host) {
		return "", nil, errPasswordInClear
	}
	switch {
	case containsFold(server.Auth, "PLAIN"):
		a.inner = smtp.PlainAuth("", a.username, a.password, server.Name, true)
		a.chosen("PLAIN")
	case containsFold(server.Auth, "LOGIN"):
		a.inner = smtp.LoginAuth(a.username, a.password, server.Name, true)
		a.chosen("LOGIN")
	default:
		return "", nil, errNoPasswordMech
	}
	return a.inner.Start(server)
}

// Next implements smtp.Auth.
func (a *passwordAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	return a.inner.Next(fromServer, more)
}

// isLoopback reports whether host is this machine (a password to it never
// crosses a network).
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
