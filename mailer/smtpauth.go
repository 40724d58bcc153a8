package mailer

import (
	"encoding/base64"
	"strings"
	"unicode"

	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// maxCommandLine is the longest command line a client may send, CRLF
// included (RFC 5321 4.5.3.1.4). RFC 4954 section 4: an AUTH command whose
// initial response would make it longer MUST NOT carry the response; the
// client sends the response on its own line after the server's 334.
const maxCommandLine = 512

// smtpAuth is the one place a sender picks its SASL authenticator: every
// conversation that authenticates (a test email, a queued delivery, a
// multi-message session) builds it here, so all of them send XOAUTH2 in
// the form RFC 4954 requires and record it the same way. Nil for AuthNone.
func smtpAuth(a Auth, host string, mode TLSMode, tr *transcript) smtp.Auth {
	switch a.Kind {
	case AuthXOAUTH2:
		return &xoauth2Auth{user: a.Username, token: a.Secret.Reveal(), tr: tr}
	case AuthPassword:
		return &passwordAuth{
			username:    a.Username,
			password:    a.Secret.Reveal(),
			host:        host,
			implicitTLS: mode == ImplicitTLS,
			chosen:      tr.setAuthMech,
		}
	}
	return nil
}

// authOption is smtpAuth as a go-mail client option (nil for AuthNone).
func authOption(a Auth, host string, mode TLSMode, tr *transcript) mail.Option {
	if sa := smtpAuth(a, host, mode, tr); sa != nil {
		return mail.WithSMTPAuthCustom(sa)
	}
	return nil
}

// xoauth2Auth is SASL XOAUTH2 (the format Exchange Online documents):
// the initial response base64("user=" mailbox ^A "auth=Bearer " token ^A ^A)
// goes on the AUTH line only when that line fits in maxCommandLine;
// otherwise the client sends "AUTH XOAUTH2", waits for an empty 334, and
// sends the response on its own line. Real Entra tokens (1.5 to 3 KB) make
// the one-line form 2 to 4 KB long, which standards-strict servers refuse
// ("500 5.5.2 line too long"). go-mail's own XOAUTH2 always uses one line.
//
// On a refused token a server may answer with a 334 error challenge
// (base64 JSON, {"status":"401",...}); the client answers with an empty
// line and the server then sends its 535. The challenge is noted in the
// transcript, because go-mail hides every reply of an AUTH exchange.
type xoauth2Auth struct {
	user, token string
	tr          *transcript
	// twoStep: the response waits for the server's first 334; sent: it
	// has gone (a 334 after that is the error challenge).
	twoStep, sent bool
}

// errorChallengeMax bounds how much of a server's error challenge is noted.
const errorChallengeMax = 300

// Start implements smtp.Auth.
func (a *xoauth2Auth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !containsFold(server.Auth, "XOAUTH2") {
		// go-mail does not check what a custom authenticator needs.
		return "", nil, mail.ErrXOauth2AuthNotSupported
	}
	// Each Start begins a new exchange: a session that signs in again
	// (a new connection) reuses the authenticator.
	resp := a.response()
	a.sent = false
	a.twoStep = !fitsOnAuthLine("XOAUTH2", resp)
	a.tr.setAuthForm("XOAUTH2", !a.twoStep)
	if a.twoStep {
		return "XOAUTH2", nil, nil
	}
	a.sent = true
	return "XOAUTH2", resp, nil
}

// Next implements smtp.Auth.
func (a *xoauth2Auth) Next(fromServer []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	if !a.sent {
		a.sent = true
		return a.response(), nil
	}
	// The error challenge: note it, answer with an empty line (non-nil,
	// so go-mail sends the line), and the server's verdict follows.
	a.tr.note("the server refused the token with an XOAUTH2 error challenge: %s; answering with an empty line",
		printable(string(fromServer), errorChallengeMax))
	return []byte{}, nil
}

func (a *xoauth2Auth) response() []byte {
	return []byte(xoauth2Payload(a.user, a.token))
}

// fitsOnAuthLine reports whether "AUTH <mech> <base64(resp)>" CRLF is at
// most maxCommandLine octets.
func fitsOnAuthLine(mech string, resp []byte) bool {
	n := len("AUTH ") + len(mech) + 1 + base64.StdEncoding.EncodedLen(len(resp)) + len("\r\n")
	return n <= maxCommandLine
}

// printable shortens s to max bytes and replaces control characters, so a
// server's text cannot garble a transcript.
func printable(s string, max int) string {
	if len(s) > max {
		s = s[:max] + "..."
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// setAuthForm records the SASL mechanism chosen, before its AUTH line, and
// whether that line carries the initial response (false: the response
// follows on a line of its own after the server's 334).
func (t *transcript) setAuthForm(mech string, initial bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.authMech = mech
	t.authNoInitial = !initial
}
