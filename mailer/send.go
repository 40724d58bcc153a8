package mailer

import (
	"context"
	"crypto/tls"
	"net"
	"sync"

	"github.com/wneessen/go-mail"

	"github.com/pimmail/pimmail/diagnose"
)

// Send delivers msg through srv. With AuthXOAUTH2, TLS is mandatory and 1.2
// at least (STARTTLS when srv.TLS is none). The Result carries the
// transcript also on failure.
//
// go-mail does the work (DialAndSendWithContext). pimmail adds around it:
// its own dialer, so that every read and write has srv's timeout and ctx's
// cancellation closes the connection at once; a greeting tap and go-mail's
// logger and reply error handler, which together record the transcript; and
// a password authenticator that picks PLAIN or LOGIN from what the server
// offers and never sends a password in clear to another machine.
func Send(ctx context.Context, srv Server, auth Auth, msg Message) (Result, error) {
	s := newSender(srv, auth)
	res, err := s.send(ctx, msg)
	res.Transcript = s.tr.snapshot()
	return res, err
}

// sender is one Send in progress.
type sender struct {
	srv   Server
	auth  Auth
	mode  TLSMode
	facts diagnose.Facts
	tr    *transcript

	mu  sync.Mutex
	raw net.Conn // the TCP connection once dialled
	// waiting is what the connection waits for from the server after the
	// TCP connect: "tls" (the implicit TLS handshake) or "greeting".
	waiting string
	tap     *greetingTap
}

func newSender(srv Server, auth Auth) *sender {
	if auth.Kind == AuthPassword && auth.Username == "" && auth.Secret.IsZero() {
		auth.Kind = AuthNone
	}
	s := &sender{
		srv:   srv,
		auth:  auth,
		mode:  srv.mode(),
		facts: diagnose.Facts{Host: srv.Host, Port: srv.port()},
		tr:    &transcript{creds: newCredentials(auth)},
	}
	switch auth.Kind {
	case AuthXOAUTH2:
		if s.mode == NoTLS {
			s.mode = StartTLS
		}
		s.facts.Mailbox = auth.Username
		s.facts.OAuth = true
	case AuthPassword:
		s.facts.Username = auth.Username
	}
	s.facts.TLS = string(s.mode)
	return s
}

func (s *sender) send(ctx context.Context, msg Message) (Result, error) {
	s.facts.From = msg.From
	var res Result

	if msg.EnvelopeFrom == "" && s.auth.Kind == AuthXOAUTH2 {
		msg.EnvelopeFrom = s.auth.Username
	}
	m, err := buildMessage(msg)
	if err != nil {
		return res, badAddress(s.facts, redactText(err.Error(), s.tr.creds), err)
	}
	res.MessageID = m.GetMessageID()
	s.tr.finalReply = func() string { return finalReply(m) }

	client, err := mail.NewClient(s.srv.Host, s.options()...)
	if err != nil {
		return res, diagnose.New(diagnose.Unexpected, s.facts, redactText(err.Error(), s.tr.creds), err)
	}
	client.ErrorHandlerRegistry.SetDefaultHandler(s.tr)

	defer s.closeConn()
	defer s.watch(ctx)()
	err = client.DialAndSendWithContext(ctx, m)
	s.tr.closeData("")
	if m.IsDelivered() {
		res.Reply = finalReply(m)
	}
	if err != nil && !m.IsDelivered() {
		return res, s.problem(ctx, err)
	}
	// A failure after the message was accepted (RSET or QUIT) does not undo
	// the delivery: the server has taken responsibility for the message.
	return res, nil
}

// options are the go-mail client options for this send.
func (s *sender) options() []mail.Option {
	timeout := s.srv.timeout()
	opts := []mail.Option{
		mail.WithPort(s.srv.port()),
		mail.WithTimeout(timeout),
		mail.WithHELO(heloName()),
		mail.WithTLSConfig(tlsConfig(s.srv, s.tr.tlsEstablished)),
		mail.WithDialContextFunc(s.dial),
		mail.WithDebugLog(),
		mail.WithLogger(s.tr),
	}
	switch s.mode {
	case ImplicitTLS:
		opts = append(opts, mail.WithSSL())
	case NoTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if o := authOption(s.auth, s.srv.Host, s.mode, s.tr); o != nil {
		opts = append(opts, o)
	}
	return opts
}

// dial is go-mail's DialContextFunc: TCP with srv's timeout, per-operation
// deadlines, close on ctx's end (go-mail's own context covers the dial
// only), the implicit TLS handshake, and the greeting tap.
func (s *sender) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	timeout := s.srv.timeout()
	d := net.Dialer{Timeout: timeout}
	// go-mail writes host:port itself, which an IPv6 literal breaks: the
	// address is the one srv gives, whatever go-mail passes.
	addr = s.srv.Addr()
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		s.tr.note("connecting to %s failed: %v", addr, err)
		return nil, err
	}
	s.tr.note("connected to %s from %s", c.RemoteAddr(), c.LocalAddr())
	s.mu.Lock()
	s.raw = c
	s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		// Cancelled while dialling: watch may have run before raw was set.
		_ = c.Close()
		return nil, err
	}
	var conn net.Conn = &deadlineConn{Conn: c, timeout: timeout}
	if s.mode == ImplicitTLS {
		s.setWaiting("tls", nil)
		tc := tls.Client(conn, tlsConfig(s.srv, s.tr.tlsEstablished))
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = c.Close()
			return nil, err
		}
		conn = tc
	}
	tap := &greetingTap{Conn: conn}
	s.setWaiting("greeting", tap)
	s.tr.setTap(tap)
	return tap, nil
}

// setWaiting records what the new connection waits for.
func (s *sender) setWaiting(what string, tap *greetingTap) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waiting, s.tap = what, tap
}

// silentStage returns "tls" or "greeting" when the connection was made
// but the server has not yet answered the handshake or completed its
// greeting; "" otherwise.
func (s *sender) silentStage() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.waiting == "tls":
		return "tls"
	case s.waiting == "greeting" && s.tap != nil && !s.tap.complete():
		return "greeting"
	}
	return ""
}

// closeConn closes the TCP connection; go-mail leaves it open when the
// conversation fails before the message stage.
func (s *sender) closeConn() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.raw != nil {
		_ = s.raw.Close()
	}
}

// watch closes the connection when ctx ends.
func (s *sender) watch(ctx context.Context) func() bool {
	return context.AfterFunc(ctx, s.closeConn)
}
