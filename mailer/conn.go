package mailer

import (
	"context"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/pimmail/pimmail/hostport"
)

// DefaultTimeout bounds the dial and every read and write when
// Server.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// timeout returns srv's per-operation timeout.
func (srv Server) timeout() time.Duration {
	if srv.Timeout > 0 {
		return srv.Timeout
	}
	return DefaultTimeout
}

// mode returns srv's TLS mode (see TLSMode for the zero value).
func (srv Server) mode() TLSMode { return srv.TLS.orDefault() }

// Addr is srv's address as dialled: host and port, an IPv6 literal in
// brackets. Probe and Send dial it (go-mail's own "host:port" would break
// on an IPv6 literal).
func (srv Server) Addr() string { return hostport.Join(srv.Host, srv.port()) }

// port returns srv's port, or the usual port for its TLS mode when zero.
func (srv Server) port() int {
	if srv.Port > 0 {
		return srv.Port
	}
	return srv.mode().DefaultPort()
}

// deadlineConn gives every single Read and Write its own deadline, so a
// server that stops answering mid-conversation is noticed after one timeout
// rather than after the whole conversation's budget. It sits below TLS, so
// the deadlines also cover the handshake and go-mail's STARTTLS.
type deadlineConn struct {
	net.Conn
	timeout time.Duration
}

func (c *deadlineConn) Read(b []byte) (int, error) {
	if err := c.Conn.SetReadDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, err
	}
	return c.Conn.Read(b)
}

func (c *deadlineConn) Write(b []byte) (int, error) {
	if err := c.Conn.SetWriteDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, err
	}
	return c.Conn.Write(b)
}

// greetingTap records the plaintext bytes read until the server's greeting
// is complete. go-mail reads the 220 greeting before any logger is attached,
// so this is how the Send transcript gets its first line.
type greetingTap struct {
	net.Conn
	mu   sync.Mutex
	buf  []byte
	done bool
}

// maxGreeting caps what the tap keeps; a longer greeting is cut.
const maxGreeting = 4096

func (t *greetingTap) Read(b []byte) (int, error) {
	n, err := t.Conn.Read(b)
	t.mu.Lock()
	if !t.done && n > 0 {
		t.buf = append(t.buf, b[:n]...)
		if replyComplete(t.buf) || len(t.buf) >= maxGreeting {
			t.done = true
		}
	}
	t.mu.Unlock()
	return n, err
}

// complete reports whether the whole greeting has been read.
func (t *greetingTap) complete() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.done
}

// greeting returns the greeting lines read so far (without CRLF).
func (t *greetingTap) greeting() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return splitLines(string(t.buf))
}

// replyComplete reports whether b ends with the last line of an SMTP reply
// ("NNN text" or "NNN" followed by CRLF).
func replyComplete(b []byte) bool {
	s := string(b)
	if !strings.HasSuffix(s, "\n") {
		return false
	}
	lines := splitLines(s)
	if len(lines) == 0 {
		return false
	}
	last := lines[len(lines)-1]
	return len(last) == 3 || (len(last) > 3 && last[3] == ' ')
}

// splitLines splits on LF, dropping CRs and a trailing empty line.
func splitLines(s string) []string {
	s = strings.TrimRight(s, "\r\n")
	if s == "" {
		return nil
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, "\r")
	}
	return lines
}

// closeOnCancel closes c as soon as ctx ends, so a blocked read or write
// (and with it go-mail or the probe) returns at once. Call the returned
// function to stop watching.
func closeOnCancel(ctx context.Context, c net.Conn) (stop func() bool) {
	return context.AfterFunc(ctx, func() { _ = c.Close() })
}

// heloName is the name pimmail introduces itself with in EHLO: the host
// name, as go-mail would use, or "localhost" when it is not a usable name.
func heloName() string {
	h, err := os.Hostname()
	if err != nil || h == "" || strings.ContainsAny(h, " \r\n\t") {
		return "localhost"
	}
	return h
}
