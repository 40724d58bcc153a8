// Package relay is `pimmail relay`: an SMTP listener for the programs on
// this server (or on the networks the admin allows) that can only send
// with SMTP. It accepts a message, checks it against Exchange Online's
// limits, writes it durably into the queue and only then answers 250; the
// queue's delivery worker carries it on through the enabled provider.
//
// It is never an open relay: a client outside the allowed networks is
// refused at connect (554), and a listen address other than loopback needs
// an explicit allow list (CheckListen). AUTH (PLAIN, LOGIN) with a local
// username and password is offered only over TLS or to clients on this
// server, so that no password crosses a network in clear.
package relay

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-sasl"
	smtp "github.com/emersion/go-smtp"

	"github.com/pimmail/pimmail/queue"
)

// Options configure a Relay.
type Options struct {
	// Listen is host:port to listen on, e.g. 127.0.0.1:2525.
	Listen string
	// Allow are the client networks that may connect; empty means
	// Loopback. Connections from elsewhere are refused with 554.
	Allow []netip.Prefix
	// Local are the client networks counted as this server: they may use
	// AUTH without TLS. Empty means Loopback.
	Local []netip.Prefix
	// Spool receives the accepted messages.
	Spool *queue.Spool
	// Notify, when set, is called after each message is queued (the
	// delivery worker's Notify).
	Notify func()
	// UsersPath is the local users file (see SetPassword); "" or a missing
	// or empty file: no AUTH offered.
	UsersPath string
	// RequireAuth refuses MAIL from a client that has not authenticated.
	RequireAuth bool
	// KeepSender queues messages to go out with the client's envelope
	// sender and From unchanged (queue.Envelope.KeepSender).
	KeepSender bool
	// TLSConfig, when set, offers STARTTLS with it.
	TLSConfig *tls.Config
	// Hostname is the name in the greeting; default os.Hostname().
	Hostname string
	// Logger receives the structured log; default slog.Default().
	Logger *slog.Logger
	// MaxConns bounds simultaneous connections (default 100); more are
	// answered 421 and closed.
	MaxConns int
	// ReadTimeout bounds each read from a client (default 5 minutes, as
	// RFC 5321 suggests for the server's wait for a command).
	ReadTimeout time.Duration
}

// Relay is a running SMTP listener.
type Relay struct {
	o     Options
	log   *slog.Logger
	ln    net.Listener
	srv   *smtp.Server
	allow []netip.Prefix
	local []netip.Prefix

	defaults atomic.Pointer[defaults] // headers added when missing; SetDefaults
	hold     atomic.Pointer[string]   // why new mail is refused now (SetHold); nil or "" accepts

	mu    sync.Mutex
	conns map[*trackedConn]struct{}
	// accepted counts queued messages (for tests and the log).
	accepted atomic.Int64
}

// Reply texts a user may look for.
const (
	textTooBig       = "Message size exceeds fixed maximum message size"
	textTooManyRcpts = "Too many recipients"
	textNoSpace      = "Insufficient system storage: the relay's disk is full; nothing was queued, try again later"
)

// New checks the options and starts listening (not yet serving: Serve).
func New(o Options) (*Relay, error) {
	if o.Spool == nil {
		return nil, errors.New("relay: no spool")
	}
	if len(o.Allow) == 0 {
		o.Allow = Loopback
	}
	if len(o.Local) == 0 {
		o.Local = Loopback
	}
	nonLoop := []netip.Prefix{}
	for _, p := range o.Allow {
		if !p.Addr().IsLoopback() {
			nonLoop = append(nonLoop, p)
		}
	}
	if err := CheckListen(o.Listen, nonLoop); err != nil {
		return nil, err
	}
	if o.Hostname == "" {
		o.Hostname, _ = os.Hostname()
		if o.Hostname == "" {
			o.Hostname = "localhost"
		}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxConns <= 0 {
		o.MaxConns = 100
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = 5 * time.Minute
	}
	if o.RequireAuth {
		u, err := LoadUsers(o.UsersPath)
		if err != nil {
			return nil, err
		}
		if len(u) == 0 {
			return nil, errors.New("--require-auth needs a relay user: set one with pimmail relay passwd USER")
		}
	}
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", o.Listen, err)
	}
	r := &Relay{o: o, log: o.Logger, allow: o.Allow, local: o.Local, conns: map[*trackedConn]struct{}{}}
	r.defaults.Store(&defaults{Domain: o.Hostname})
	r.ln = &guardListener{Listener: ln, r: r}

	s := smtp.NewServer(smtp.BackendFunc(r.newSession))
	s.Domain = o.Hostname
	s.MaxMessageBytes = queue.MaxMessageBytes
	// The recipients limit is the session's (its reply names the limit as
	// RFC 5321 does); go-smtp's would answer with its own text.
	s.MaxRecipients = 0
	// Long lines are passed on; this bounds a command line and one text line.
	s.MaxLineLength = 64 << 10
	s.ReadTimeout = o.ReadTimeout
	s.WriteTimeout = time.Minute
	s.TLSConfig = o.TLSConfig
	// AUTH is offered per connection (AuthMechanisms): over TLS, or to a
	// client on this server. go-smtp's own check is per server only.
	s.AllowInsecureAuth = true
	s.ErrorLog = slogLogger{r.log}
	r.srv = s
	return r, nil
}

// Addr is the address the relay listens on.
func (r *Relay) Addr() net.Addr { return r.ln.Addr() }

// Accepted is the number of messages queued since New.
func (r *Relay) Accepted() int64 { return r.accepted.Load() }

// SetDefaults sets the From field added to a message that has none and
// whose envelope has no sender: the display name and address (the
// configuration's default From), and the domain of generated Message-IDs
// when no address gives one. Safe while serving (a reload).
func (r *Relay) SetDefaults(name, from string) {
	r.defaults.Store(&defaults{Name: name, From: from, Domain: r.o.Hostname})
}

// SetHold makes the relay answer MAIL with 451 4.3.5 and reason (the
// configuration cannot deliver: a mail loop, no provider), until it is
// called with "". Safe while serving (a reload).
func (r *Relay) SetHold(reason string) { r.hold.Store(&reason) }

// Serve answers connections until Shutdown; it returns nil after Shutdown.
func (r *Relay) Serve() error {
	r.log.Info("relay listening", "listen", r.ln.Addr().String(), "allow", prefixesText(r.allow),
		"starttls", r.o.TLSConfig != nil, "require_auth", r.o.RequireAuth)
	err := r.srv.Serve(r.ln)
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting connections, lets every transaction in flight
// (MAIL to the reply after DATA) finish, closes the idle sessions with 421
// and returns when all are gone. When ctx ends first, it cuts the rest
// (their messages were not acknowledged, so nothing is lost) and returns
// ctx's error.
func (r *Relay) Shutdown(ctx context.Context) error {
	// No new connection from here on, before any session is told to go.
	_ = r.ln.Close()
	done := make(chan error, 1)
	go func() { done <- r.srv.Shutdown(context.Background()) }()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		r.closeIdle()
		select {
		case err := <-done:
			if errors.Is(err, net.ErrClosed) {
				err = nil
			}
			return err
		case <-ctx.Done():
			_ = r.srv.Close()
			<-done
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// closeIdle ends the connections that are not inside a transaction.
func (r *Relay) closeIdle() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for tc := range r.conns {
		if tc.busy.Load() {
			continue
		}
		if !tc.told.Swap(true) {
			if s := tc.sess.Load(); s != nil {
				// The session waits for a command; go-smtp is not writing.
				_, _ = fmt.Fprintf(s.c.Conn(), "421 4.3.2 %s Service shutting down, try again later\r\n", r.o.Hostname)
			}
		}
		// Wakes go-smtp's blocked read: it ends the connection.
		_ = tc.SetReadDeadline(time.Now())
	}
}

// guardListener refuses clients outside the allowed networks, and more
// than MaxConns at once, before go-smtp greets them.
type guardListener struct {
	net.Listener
	r *Relay
}

func (l *guardListener) Accept() (net.Conn, error) {
	r := l.r
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr, ok := remoteAddr(c)
		if !ok || !allowed(r.allow, addr) {
			r.log.Warn("connection refused: client not in the allowed networks (--allow)", "client", c.RemoteAddr().String())
			go refuse(c, fmt.Sprintf("554 5.7.1 %s pimmail relay: %s may not send mail through this server", r.o.Hostname, addr))
			continue
		}
		r.mu.Lock()
		n := len(r.conns)
		r.mu.Unlock()
		if n >= r.o.MaxConns {
			r.log.Warn("connection refused: too many connections", "client", c.RemoteAddr().String(), "max", r.o.MaxConns)
			go refuse(c, "421 4.7.0 "+r.o.Hostname+" Too many connections, try again later")
			continue
		}
		tc := &trackedConn{Conn: c, r: r}
		r.mu.Lock()
		r.conns[tc] = struct{}{}
		r.mu.Unlock()
		return tc, nil
	}
}

// refuse answers line and closes c.
func refuse(c net.Conn, line string) {
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	_, _ = io.WriteString(c, line+"\r\n")
	_ = c.Close()
}

// trackedConn is a client connection the relay knows about, so that
// Shutdown can tell idle sessions from transactions in flight.
type trackedConn struct {
	net.Conn
	r    *Relay
	busy atomic.Bool // inside a transaction: MAIL .. reply to DATA or RSET
	told atomic.Bool // 421 sent at shutdown
	sess atomic.Pointer[session]
	once sync.Once
	// closeAfterWrite closes the connection after the next write (the
	// reply that ends the session).
	closeAfterWrite atomic.Bool
}

func (tc *trackedConn) Write(p []byte) (int, error) {
	n, err := tc.Conn.Write(p)
	if tc.closeAfterWrite.Load() {
		_ = tc.Conn.Close()
	}
	return n, err
}

func (tc *trackedConn) Close() error {
	tc.once.Do(func() {
		tc.r.mu.Lock()
		delete(tc.r.conns, tc)
		tc.r.mu.Unlock()
	})
	return tc.Conn.Close()
}

// trackedOf finds the trackedConn under a go-smtp connection (under TLS
// after STARTTLS).
func trackedOf(c net.Conn) *trackedConn {
	for {
		switch v := c.(type) {
		case *trackedConn:
			return v
		case *tls.Conn:
			c = v.NetConn()
		default:
			return nil
		}
	}
}

// session is one SMTP session (from EHLO; a new one after STARTTLS).
type session struct {
	r      *Relay
	c      *smtp.Conn
	tc     *trackedConn
	client string // ip:port
	local  bool   // a client on this server
	user   string // authenticated local user
	// authFails counts failed logins in this session.
	authFails int
	from      string
	to        []string
	log       *slog.Logger
}

func (r *Relay) newSession(c *smtp.Conn) (smtp.Session, error) {
	s := &session{r: r, c: c, tc: trackedOf(c.Conn()), client: c.Conn().RemoteAddr().String()}
	if a, ok := remoteAddr(c.Conn()); ok {
		s.local = allowed(r.local, a)
	}
	s.log = r.log.With("client", s.client)
	if s.tc != nil {
		s.tc.sess.Store(s)
	}
	return s, nil
}

func (s *session) setBusy(b bool) {
	if s.tc != nil {
		s.tc.busy.Store(b)
	}
}

// tlsOn reports whether the session runs under TLS.
func (s *session) tlsOn() bool {
	_, ok := s.c.TLSConnectionState()
	return ok
}

// authAllowed: AUTH only over TLS or from this server, so that no
// password crosses a network in clear.
func (s *session) authAllowed() bool { return s.tlsOn() || s.local }

// AuthMechanisms implements smtp.AuthSession: PLAIN and LOGIN when there
// are users and AUTH is allowed on this connection; none otherwise (EHLO
// then shows no AUTH).
func (s *session) AuthMechanisms() []string {
	if !s.authAllowed() || s.r.o.UsersPath == "" {
		return nil
	}
	u, err := LoadUsers(s.r.o.UsersPath)
	if err != nil {
		s.log.Error("relay users file unusable; AUTH not offered", "err", err)
		return nil
	}
	if len(u) == 0 {
		return nil
	}
	return []string{sasl.Plain, sasl.Login}
}

var errEncryptionRequired = &smtp.SMTPError{Code: 538, EnhancedCode: smtp.EnhancedCode{5, 7, 11},
	Message: "Encryption required: use STARTTLS before AUTH"}

// maxAuthFailures ends a session after that many failed logins: guessing
// then costs a connection per three tries, on top of a second each.
const maxAuthFailures = 3

var errTooManyAuthFailures = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0},
	Message: "Too many failed logins; closing the connection"}

var errAuthFailed = &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8},
	Message: "Authentication credentials invalid (a pimmail relay user: pimmail relay passwd USER)"}

// Auth implements smtp.AuthSession.
func (s *session) Auth(mech string) (sasl.Server, error) {
	if !s.authAllowed() {
		return nil, errEncryptionRequired
	}
	if len(s.AuthMechanisms()) == 0 {
		return nil, smtp.ErrAuthUnsupported
	}
	check := func(user, pass string) error {
		u, err := LoadUsers(s.r.o.UsersPath)
		if err != nil || !u.Check(user, pass) {
			s.authFails++
			s.log.Warn("authentication failed", "user", user, "failures", s.authFails)
			time.Sleep(time.Second) // slows down guessing
			if s.authFails >= maxAuthFailures {
				// The connection closes once this reply is written.
				if s.tc != nil {
					s.tc.closeAfterWrite.Store(true)
				}
				return errTooManyAuthFailures
			}
			return errAuthFailed
		}
		s.user = user
		s.log = s.log.With("user", user)
		s.log.Info("authenticated")
		return nil
	}
	switch strings.ToUpper(mech) {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, user, pass string) error {
			if identity != "" && identity != user {
				return errAuthFailed
			}
			return check(user, pass)
		}), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

// loginServer is the server side of the (obsolete but common) LOGIN
// mechanism: "Username:", then "Password:".
type loginServer struct {
	check func(user, pass string) error
	user  string
	step  int
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		l.step = 1
		if resp == nil {
			return []byte("Username:"), false, nil
		}
		// Initial response: the username.
		l.user = string(resp)
		l.step = 2
		return []byte("Password:"), false, nil
	case 1:
		l.user = string(resp)
		l.step = 2
		return []byte("Password:"), false, nil
	case 2:
		l.step = 3
		return nil, true, l.check(l.user, string(resp))
	}
	return nil, true, errors.New("unexpected response")
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.r.o.RequireAuth && s.user == "" {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	}
	if h := s.r.hold.Load(); h != nil && *h != "" {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 5},
			Message: "System not accepting mail now, try again later: " + *h}
	}
	if from != "" && !validAddress(from) {
		return &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 1, 7}, Message: "Bad sender address syntax: <" + from + "> needs user@domain"}
	}
	s.from, s.to = from, nil
	s.setBusy(true)
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if len(s.to) >= queue.MaxRecipients {
		return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 5, 3},
			Message: fmt.Sprintf("%s (Exchange Online takes at most %d in one message): send the rest in another message", textTooManyRcpts, queue.MaxRecipients)}
	}
	if !validAddress(to) {
		return &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 1, 3}, Message: "Bad recipient address syntax: <" + to + "> needs user@domain"}
	}
	s.to = append(s.to, to)
	return nil
}

// validAddress: a mailbox as Exchange Online takes it, user@domain.
func validAddress(a string) bool {
	at := strings.LastIndexByte(a, '@')
	return at > 0 && at < len(a)-1 && !strings.ContainsAny(a, " \t\r\n<>")
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (s *session) Data(r io.Reader) error {
	defer s.setBusy(false)
	began := time.Now()
	in := &countReader{r: r}
	def := *s.r.defaults.Load()
	if s.from != "" {
		// As Postfix and pimmail send: a missing From is the envelope sender.
		def.From = s.from
	}
	if i := strings.LastIndexByte(def.From, '@'); i >= 0 {
		def.Domain = def.From[i+1:]
	}
	cl := newCleaner(in, def)
	source := "relay " + s.client
	if s.user != "" {
		source += " user " + s.user
	}
	env := queue.Envelope{From: s.from, To: append([]string(nil), s.to...), Source: source, KeepSender: s.r.o.KeepSender}
	id, err := s.r.o.Spool.Enqueue(env, cl)
	if err != nil {
		return s.refusal(err, in.n)
	}
	s.r.accepted.Add(1)
	if s.r.o.Notify != nil {
		s.r.o.Notify()
	}
	s.log.Info("message queued", "id", id, "from", s.from, "recipients", len(s.to), "bytes", in.n,
		"bare_lf", cl.BareLF, "separator_added", cl.NoSeparator, "took", time.Since(began).Round(time.Microsecond).String())
	// go-smtp answers a Data error with its code and text: a 2xx here is
	// the acknowledgement, naming the queue ID as Postfix does.
	return &smtp.SMTPError{Code: 250, EnhancedCode: smtp.EnhancedCode{2, 0, 0}, Message: "OK: queued as " + id}
}

// refusal turns an Enqueue error into the reply, and logs it.
func (s *session) refusal(err error, n int64) error {
	var ce *contentError
	var reply *smtp.SMTPError
	switch {
	case errors.As(err, &ce):
		reply = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: ce.msg}
	case errors.Is(err, smtp.ErrDataTooLarge), errors.Is(err, queue.ErrTooBig):
		reply = &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4},
			Message: fmt.Sprintf("%s (%d bytes, as Exchange Online)", textTooBig, queue.MaxMessageBytes)}
	case errors.Is(err, queue.ErrNoSpace):
		reply = &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1}, Message: textNoSpace}
	case errors.Is(err, smtp.ErrTooLongLine):
		reply = &smtp.SMTPError{Code: 500, EnhancedCode: smtp.EnhancedCode{5, 4, 0}, Message: "Line too long (over 64 KiB); nothing was queued"}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed), isTimeout(err):
		s.log.Warn("message not queued: the client went away during DATA", "bytes", n, "err", err.Error())
		return err
	default:
		reply = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
			Message: "Local error: the message could not be queued; nothing was queued, try again later"}
	}
	lvl := slog.LevelWarn
	if reply.Code/100 == 4 && reply.Code != 452 {
		lvl = slog.LevelError
	}
	s.log.Log(context.Background(), lvl, "message refused", "reply", fmt.Sprintf("%d %d.%d.%d %s", reply.Code,
		reply.EnhancedCode[0], reply.EnhancedCode[1], reply.EnhancedCode[2], reply.Message),
		"from", s.from, "recipients", len(s.to), "bytes", n, "err", err.Error())
	return reply
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (s *session) Reset() {
	s.from, s.to = "", nil
	s.setBusy(false)
}

func (s *session) Logout() error {
	s.setBusy(false)
	if s.tc != nil {
		s.tc.sess.CompareAndSwap(s, nil)
	}
	return nil
}

// slogLogger routes go-smtp's error log into the structured log.
type slogLogger struct{ l *slog.Logger }

// A client that drops its connection (a port probe, a reset) is routine
// for a service: Info, not Warn.
// A panic in a session is an Error.
func (g slogLogger) Printf(format string, v ...any) { g.log(fmt.Sprintf(format, v...)) }
func (g slogLogger) Println(v ...any)               { g.log(fmt.Sprintln(v...)) }

func (g slogLogger) log(msg string) {
	msg = "smtp: " + strings.TrimSpace(msg)
	if strings.Contains(msg, "panic") {
		g.l.Error(msg)
		return
	}
	g.l.Info(msg)
}

func prefixesText(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}
