// Package sandboxtest starts the loopback stand-ins the tests of several
// packages need: a sandbox whose sign-ins take milliseconds, a port nothing
// listens on, a server that accepts connections and never speaks, and an
// HTTP proxy that records what it is asked and refuses it. Everything is
// on 127.0.0.1 and ends with the test. Only tests import it.
package sandboxtest

import (
	"bufio"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pimmail/pimmail/sandbox"
)

// Fast defaults of Start: the mailbox approves a device code after
// ApproveAfter, and MSAL may poll every PollInterval, so a sign-in takes no
// human time.
const (
	ApproveAfter = 20 * time.Millisecond
	PollInterval = time.Millisecond
)

// Start starts a sandbox with opts, ApproveAfter and PollInterval filled in
// when zero, and closes it when the test ends.
func Start(t testing.TB, opts sandbox.Options) *sandbox.Sandbox {
	t.Helper()
	if opts.ApproveAfter == 0 {
		opts.ApproveAfter = ApproveAfter
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = PollInterval
	}
	sb, err := sandbox.Start(opts)
	if err != nil {
		t.Fatalf("sandbox.Start: %v", err)
	}
	t.Cleanup(func() {
		if err := sb.Close(); err != nil {
			t.Errorf("sandbox Close: %v", err)
		}
	})
	return sb
}

// ClosedPort returns a loopback port nothing listens on.
func ClosedPort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return port
}

// Silent listens on a loopback port, accepts connections and never says
// anything (not an SMTP server, a port waiting for implicit TLS, a proxy
// holding the connection); accepted receives each connection as it is
// accepted. Listener and connections close when the test ends.
func Silent(t testing.TB) (port int, accepted <-chan net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan net.Conn, 16)
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			select {
			case ch <- c:
			default: // nobody watches: the connection still stays open
			}
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return ln.Addr().(*net.TCPAddr).Port, ch
}

// Proxy is an HTTP proxy on loopback that records the first line of each
// request (e.g. "CONNECT login.microsoftonline.com:443 HTTP/1.1") and
// refuses it with 403 Forbidden, so nothing goes further.
type Proxy struct {
	// Addr is where it listens, host:port.
	Addr string
	mu   sync.Mutex
	seen []string
}

// StartProxy starts a Proxy that stops when the test ends.
func StartProxy(t testing.TB) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	p := &Proxy{Addr: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				line, _ := bufio.NewReader(c).ReadString('\n')
				p.mu.Lock()
				p.seen = append(p.seen, strings.TrimSpace(line))
				p.mu.Unlock()
				_, _ = c.Write([]byte("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"))
			}()
		}
	}()
	return p
}

// Seen returns the request lines the proxy received, in order.
func (p *Proxy) Seen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}
