package mailer

import (
	"context"
	"errors"
	"io"
	"net/textproto"
	"strings"

	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/pimmail/pimmail/diagnose"
)

// Session is one SMTP connection that carries several messages, for the
// delivery worker: connect, EHLO, STARTTLS, EHLO, AUTH once, then per
// message MAIL, RCPT..., DATA and the message's bytes unchanged, and QUIT at
// the end; no NOOP or RSET between messages. The connection, TLS, AUTH
// (the same smtp.Auth as Send) and transcript are Send's; go-mail's smtp
// client carries the transactions, because go-mail's Msg would re-encode a
// message that must go out as it was handed in.
//
// A Session is used by one goroutine at a time.
type Session struct {
	s    *sender
	sc   *smtp.Client
	stop func() bool
	sent int
}

// OpenSession connects to srv and authenticates with a. The error is a
// *diagnose.Problem; ReplyCode tells a refusal's code.
func OpenSession(ctx context.Context, srv Server, a Auth) (*Session, error) {
	s := newSender(srv, a)
	client, err := mail.NewClient(srv.Host, append(s.options(), mail.WithoutNoop())...)
	if err != nil {
		return nil, diagnose.New(diagnose.Unexpected, s.facts, redactText(err.Error(), s.tr.creds), err)
	}
	client.ErrorHandlerRegistry.SetDefaultHandler(s.tr)
	stop := s.watch(ctx)
	sc, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		stop()
		p := s.problem(ctx, err)
		s.closeConn()
		return &Session{s: s}, p
	}
	return &Session{s: s, sc: sc, stop: stop}, nil
}

// Send sends one message: MAIL FROM from, RCPT TO each of to, DATA with msg
// as it is (CRLF line ends expected; dot-stuffing is done here). reply is
// the server's answer to the message ("250 2.0.0 OK ..."). After an error
// the session must be closed: the transaction is in an unknown state.
func (ss *Session) Send(ctx context.Context, from string, to []string, msg io.Reader) (reply string, err error) {
	if ss.sc == nil {
		return "", errors.New("the SMTP session is closed")
	}
	s := ss.s
	s.facts.From = from
	if err := ss.sc.Mail(from); err != nil {
		return "", s.problem(ctx, err)
	}
	for _, r := range to {
		if err := ss.sc.Rcpt(r); err != nil {
			return "", s.problem(ctx, err)
		}
	}
	w, err := ss.sc.Data()
	if err != nil {
		return "", s.problem(ctx, err)
	}
	if _, err := io.Copy(w, msg); err != nil {
		return "", s.problem(ctx, err)
	}
	err = w.Close()
	var tp *textproto.Error
	if errors.As(err, &tp) {
		s.tr.closeData(wireReply(tp.Code, tp.Msg))
		return "", s.problem(ctx, &replyError{reply: tp, cause: err, raw: redactText(wireReply(tp.Code, tp.Msg), s.tr.creds)})
	}
	if err != nil {
		s.tr.closeData("")
		return "", s.problem(ctx, err)
	}
	resp := ""
	if dc, ok := w.(*smtp.DataCloser); ok {
		resp = dc.ServerResponse()
	}
	reply = wireReply(250, resp)
	s.tr.closeData(reply)
	ss.sent++
	return reply, nil
}

// Close ends the session with QUIT (when the connection is still usable)
// and closes the connection.
func (ss *Session) Close() {
	if ss.sc != nil {
		_ = ss.sc.Quit()
		ss.sc = nil
	}
	if ss.stop != nil {
		ss.stop()
	}
	ss.s.closeConn()
}

// Transcript is the session's conversation so far, secrets masked.
func (ss *Session) Transcript() []string { return ss.s.tr.snapshot() }

// ReplyCode returns the SMTP reply code behind err (e.g. 421, 550), 0 when
// err is no server reply (a network fault, a local refusal).
func ReplyCode(err error) int {
	var tp *textproto.Error
	if errors.As(err, &tp) {
		return tp.Code
	}
	var se *mail.SendError
	if errors.As(err, &se) {
		return se.ErrorCode()
	}
	if p, ok := diagnose.As(err); ok && len(p.Raw) >= 3 {
		// A problem made from a reply keeps it first in Raw.
		code := 0
		for _, c := range p.Raw[:3] {
			if c < '0' || c > '9' {
				return 0
			}
			code = code*10 + int(c-'0')
		}
		if strings.HasPrefix(p.Raw[3:], " ") || strings.HasPrefix(p.Raw[3:], "-") || len(p.Raw) == 3 {
			return code
		}
	}
	return 0
}
