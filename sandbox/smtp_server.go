package sandbox

import (
	"bufio"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// The SMTP stand-ins share one small server written on net, bufio and
// crypto/tls rather than emersion/go-smtp: go-smtp v0.25.1 hard-codes its
// greeting ("<domain> ESMTP Service Ready"), the EHLO first line ("Hello
// <client name>"), the order of the EHLO keywords and the STARTTLS reply
// ("Ready to start TLS"), and none of them can be made to read as Exchange
// Online or Postfix do. Each stand-in is a smtpDialect: its wording and its
// policy; the session below does the protocol.

// smtpDialect is what differs between Exchange Online, Exchange Online
// Protection and Postfix: the words, the capabilities and the policy.
type smtpDialect interface {
	// kind is Message.Server: "exchange", "relay" or "local".
	kind() string
	texts() *smtpTexts
	caps() smtpCaps
	// greeting is the whole 220 line sent on connect.
	greeting(now time.Time) string
	// ehlo returns the lines of the 250 answer to EHLO, without codes.
	ehlo(c *session, name string) []string
	// helo returns the text of the 250 answer to HELO.
	helo(c *session, name string) string
	// helloRequired: MAIL before HELO/EHLO is refused (Exchange) or not (Postfix).
	helloRequired() bool
	tlsConfig() *tls.Config
	// auth handles AUTH once the session is greeted and not yet
	// authenticated; it returns false when the connection must close.
	auth(c *session, mech, initial string) bool
	// mail vets MAIL FROM after the generic syntax checks. It returns the
	// reply and whether the sender was accepted; closeConn ends the session
	// after the reply.
	mail(c *session, from string) (reply string, ok, closeConn bool)
	// rcpt vets one RCPT TO after the generic syntax checks.
	rcpt(c *session, to string) (reply string, ok bool)
	// deliver decides on a complete message and, when accepting, keeps it.
	deliver(c *session, data []byte) (reply string, closeConn bool)
	// closed is called once when the session ends.
	closed(c *session)
}

// smtpCaps are the extensions a stand-in advertises; MAIL and RCPT
// parameters of extensions it does not advertise are refused.
type smtpCaps struct {
	size       int64 // SIZE, the largest message accepted
	dsn        bool
	binaryMIME bool
	smtpUTF8   bool
	chunking   bool
	maxRcpts   int // recipients per message
	maxErrors  int // refused commands before the server hangs up
}

// smtpServer is one listening stand-in.
type smtpServer struct {
	s  *Sandbox
	d  smtpDialect
	ln net.Listener
	// timeout is the idle time allowed between commands, in nanoseconds;
	// atomic so a test can shorten it while sessions run.
	timeout atomic.Int64
	// maxConns caps the connections open at once (atomic for tests).
	maxConns atomic.Int64

	mu     sync.Mutex
	closed bool
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
}

// Defaults for every stand-in. Exchange drops idle clients after a few
// minutes; tests shorten smtpServer.timeout to see the reply.
const (
	smtpIdleTimeout  = 5 * time.Minute
	smtpWriteTimeout = time.Minute
	// smtpMaxConns caps a stand-in's open connections, as Exchange caps
	// concurrent connections: idle clients cannot pile up without end.
	smtpMaxConns = 50
)

// listenSMTP starts d on a random port of 127.0.0.1.
func listenSMTP(s *Sandbox, d smtpDialect) (*smtpServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &smtpServer{s: s, d: d, ln: ln, conns: map[net.Conn]struct{}{}}
	srv.timeout.Store(int64(smtpIdleTimeout))
	srv.maxConns.Store(smtpMaxConns)
	srv.wg.Add(1)
	go srv.acceptLoop()
	return srv, nil
}

// idle returns the deadline for the client's next line.
func (srv *smtpServer) idle() time.Time {
	return time.Now().Add(time.Duration(srv.timeout.Load()))
}

// port returns the port the server listens on.
func (srv *smtpServer) port() int { return srv.ln.Addr().(*net.TCPAddr).Port }

func (srv *smtpServer) acceptLoop() {
	defer srv.wg.Done()
	for {
		conn, err := srv.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// A transient accept error (e.g. out of file descriptors):
			// back off briefly instead of spinning.
			time.Sleep(10 * time.Millisecond)
			continue
		}
		ok, full := srv.track(conn)
		if full {
			// Over the cap: the reply a busy server gives, then hang up.
			_ = conn.SetWriteDeadline(time.Now().Add(time.Second))
			_, _ = io.WriteString(conn, srv.tooManyText())
			_ = conn.Close()
			continue
		}
		if !ok {
			_ = conn.Close()
			return
		}
		go func() {
			defer srv.wg.Done()
			defer srv.untrack(conn)
			newSession(srv, conn).serve()
		}()
	}
}

// track registers a connection (and one wait-group count for it) unless
// the server is closing (ok false) or has maxConns open (full).
func (srv *smtpServer) track(conn net.Conn) (ok, full bool) {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.closed {
		return false, false
	}
	if int64(len(srv.conns)) >= srv.maxConns.Load() {
		return false, true
	}
	srv.conns[conn] = struct{}{}
	srv.wg.Add(1)
	return true, false
}

// tooManyText is the reply to a connection over the cap: Exchange
// Online's, or Postfix's for the local sink.
func (srv *smtpServer) tooManyText() string {
	if l, ok := srv.d.(*localDialect); ok {
		return "421 4.7.0 " + l.hostname + " Error: too many connections from 127.0.0.1\r\n"
	}
	return "421 4.3.2 The maximum number of concurrent connections has exceeded a limit, closing transmission channel\r\n"
}

func (srv *smtpServer) untrack(conn net.Conn) {
	srv.mu.Lock()
	delete(srv.conns, conn)
	srv.mu.Unlock()
	_ = conn.Close()
}

// close stops the listener, cuts every open connection and waits until
// all session goroutines have returned.
func (srv *smtpServer) close() error {
	srv.mu.Lock()
	srv.closed = true
	for c := range srv.conns {
		_ = c.Close()
	}
	srv.mu.Unlock()
	err := srv.ln.Close()
	srv.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// newSession wraps an accepted connection.
func newSession(srv *smtpServer, conn net.Conn) *session {
	c := &session{srv: srv, d: srv.d, raw: conn, conn: conn}
	if a, ok := conn.RemoteAddr().(*net.TCPAddr); ok {
		c.remoteIP = a.IP
	}
	c.r = bufio.NewReader(conn)
	c.w = bufio.NewWriter(conn)
	return c
}
