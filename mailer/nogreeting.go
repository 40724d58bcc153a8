package mailer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/hostport"
)

// A server that accepts the TCP connection and then says nothing is not a
// firewall dropping packets (the connection was made; `nc -vz` succeeds):
// it is no SMTP server, or one that waits for the client to start TLS
// (port 465 while pimmail expects a greeting), or a proxy holding the
// connection. Probe and Send report it as diagnose.SMTPNoGreeting when the
// wait for the greeting (or for the implicit TLS handshake's answer) ends
// in a timeout, either the per-read one or the check's own deadline.

// silentAfterConnect reports whether err, met while waiting for the
// server's first words, is a timeout rather than the user cancelling or
// the server closing the connection.
func silentAfterConnect(ctx context.Context, err error) bool {
	if errors.Is(ctx.Err(), context.Canceled) {
		return false
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		// The check's deadline closed the connection under the read.
		return true
	}
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// noGreeting is the problem of a server silent after the connection.
// stage is "greeting" or "tls" (the implicit TLS handshake).
func noGreeting(f diagnose.Facts, stage string, timeout time.Duration, err error) *diagnose.Problem {
	what := "SMTP greeting"
	if stage == "tls" {
		what = "an answer to the TLS handshake (implicit TLS)"
	}
	raw := fmt.Sprintf("connected to %s, then no %s within %s: %v", hostport.Join(f.Host, f.Port), what, timeout, err)
	return diagnose.New(diagnose.SMTPNoGreeting, f, raw, err)
}

// stalled is the problem of a server that greeted and then did not answer
// the command f.Stage in time.
func stalled(f diagnose.Facts, timeout time.Duration, err error) *diagnose.Problem {
	what := f.Stage
	if what == "HELO" {
		// go-mail tries HELO after EHLO got no answer.
		f.Stage, what = "EHLO", "EHLO (nor to HELO after it)"
	}
	raw := fmt.Sprintf("connected to %s:%d, greeted, then no answer to %s within %s: %v", f.Host, f.Port, what, timeout, err)
	return diagnose.New(diagnose.SMTPStalled, f, raw, err)
}

// command is the verb of the last command sent ("EHLO", "AUTH", "MAIL"),
// "" before the first.
func (t *transcript) command() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lastCmd
}
