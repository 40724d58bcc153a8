package mailer

import (
	"context"
	"errors"
	"net/textproto"
	"strconv"
	"strings"

	"github.com/wneessen/go-mail"

	"github.com/pimmail/pimmail/diagnose"
)

// classify diagnoses err: the context's end first (a cancelled probe reports
// a closed connection, which is not what happened), then TLS below 1.2,
// then whatever diagnose makes of it. raw, when set, replaces the error
// text as Problem.Raw (already redacted).
func classify(ctx context.Context, err error, f diagnose.Facts, raw string) *diagnose.Problem {
	if ctxErr := ctx.Err(); ctxErr != nil {
		if pr, ok := diagnose.Net(ctxErr, f); ok {
			return pr
		}
	}
	var old errTLSTooOld
	if errors.As(err, &old) {
		return diagnose.New(diagnose.TLSTooOld, f, err.Error(), err)
	}
	pr := diagnose.SMTP(err, f)
	if raw != "" {
		pr.Raw = raw
	}
	return pr
}

// problem diagnoses a failed send.
func (s *sender) problem(ctx context.Context, err error) *diagnose.Problem {
	err = withoutCloseNoise(err)
	raw := redactText(err.Error(), s.tr.creds)
	caps, tlsUp, authSeen, lastErr := s.tr.state()

	if st := s.silentStage(); st != "" && silentAfterConnect(ctx, err) {
		// Connected, then silence: not a firewall (the connection was made).
		return noGreeting(s.facts, st, s.srv.timeout(), err)
	}
	s.facts.Stage = s.tr.command()
	if s.facts.Stage != "" && s.silentStage() == "" && silentAfterConnect(ctx, err) {
		// Greeted, then silence at a command: not a firewall either.
		return stalled(s.facts, s.srv.timeout(), err)
	}
	if ctx.Err() != nil || errors.As(err, new(errTLSTooOld)) {
		return classify(ctx, err, s.facts, raw)
	}
	// go-mail's own refusals are plain errors; the transcript adds the
	// evidence (what the server offered) for the details view.
	switch {
	case s.mode == StartTLS && !tlsUp && caps != nil && !hasCap(caps, "STARTTLS") &&
		strings.Contains(raw, "does not support STARTTLS"):
		return diagnose.New(diagnose.NoSTARTTLS, s.facts, "EHLO capabilities: "+strings.Join(caps, ", "), err)
	case errors.Is(err, errNoPasswordMech):
		return diagnose.New(diagnose.NoAuth, s.facts, offered(caps), err)
	case errors.Is(err, errPasswordInClear):
		return passwordInClear(s.facts, err)
	case s.auth.Kind == AuthXOAUTH2 && !authSeen &&
		(errors.Is(err, mail.ErrXOauth2AuthNotSupported) || strings.Contains(raw, "does not support SMTP AUTH")):
		return diagnose.New(diagnose.NoXOAUTH2, s.facts, offered(caps), err)
	}

	if tp := s.reply(err, lastErr); tp != nil {
		// The reply verbatim comes first: it is what the admin searches
		// for and what support asks for; go-mail's wording (with the text
		// quoted since Go 1.26) follows for context.
		raw = withReply(redactText(strconv.Itoa(tp.Code)+" "+tp.Msg, s.tr.creds), raw)
		return classify(ctx, &replyError{reply: tp, cause: err, raw: raw}, s.facts, raw)
	}
	return classify(ctx, err, s.facts, raw)
}

// reply finds the server's refusal behind err: directly (AUTH, EHLO,
// STARTTLS), recorded by the transcript's error handler (MAIL, RCPT,
// DATA), or, for the reply to the message itself, which go-mail only keeps
// as text inside a SendError, read back from that text.
func (s *sender) reply(err error, lastErr *textproto.Error) *textproto.Error {
	var tp *textproto.Error
	if errors.As(err, &tp) {
		return tp
	}
	var se *mail.SendError
	if !errors.As(err, &se) || se.ErrorCode() == 0 {
		return nil
	}
	if se.Reason == mail.ErrSMTPDataClose {
		return dataCloseReply(se)
	}
	if lastErr != nil && lastErr.Code == se.ErrorCode() {
		return lastErr
	}
	return nil
}

// replyError is a send failure with the server's reply found: diagnose
// reads the reply through errors.As, and the go-mail error stays reachable.
type replyError struct {
	reply *textproto.Error
	cause error
	raw   string
}

func (e *replyError) Error() string   { return e.raw }
func (e *replyError) Unwrap() []error { return []error{e.reply, e.cause} }

// dataCloseReply reads the server's reply to the message back out of a
// SendError("closing SMTP DATA writer: 554 5.2.252 ..., affected message
// ID: <...>"); go-mail keeps no typed copy of it.
func dataCloseReply(se *mail.SendError) *textproto.Error {
	text, ok := strings.CutPrefix(se.Error(), se.Reason.String()+": ")
	if !ok {
		return nil
	}
	if id := se.MessageID(); id != "" {
		text = strings.TrimSuffix(text, ", affected message ID: "+id)
	}
	if len(text) < 3 {
		return nil
	}
	code, err := strconv.Atoi(text[:3])
	if err != nil || code != se.ErrorCode() {
		return nil
	}
	msg := strings.TrimPrefix(text[3:], " ")
	// textproto.Error quotes its text (%q) since Go 1.26.
	if unq, err := strconv.Unquote(msg); err == nil {
		msg = unq
	}
	return &textproto.Error{Code: code, Msg: msg}
}

// offered says which AUTH mechanisms the server listed, for Problem.Raw.
func offered(caps []string) string {
	if m := authMechs(caps); len(m) > 0 {
		return "AUTH mechanisms offered: " + strings.Join(m, " ")
	}
	return "the server offers no AUTH"
}

// passwordInClear is the refusal to send a password unencrypted to another
// machine.
func passwordInClear(f diagnose.Facts, err error) *diagnose.Problem {
	return diagnose.New(diagnose.PasswordInClear, f, errPasswordInClear.Error(), err)
}

// badAddress is a From, envelope or To address go-mail cannot use; nothing
// was sent.
func badAddress(f diagnose.Facts, raw string, err error) *diagnose.Problem {
	p := diagnose.New(diagnose.Unexpected, f, raw, err)
	p.Title = "An email address is not valid"
	p.Explanation = "pimmail could not use an address of the message (the details say which); nothing was sent."
	p.Fix = "Correct the default From address in the global email settings, or the recipient address, and send again."
	return p
}

// withoutCloseNoise drops what go-mail joins to a failed send when closing
// the connection afterwards fails too ("failed to close connection: ...
// broken pipe"): the server closing first is a consequence, not the news,
// and it would end the details the admin reads.
func withoutCloseNoise(err error) error {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return err
	}
	var kept []error
	for _, e := range j.Unwrap() {
		if e != nil && !strings.HasPrefix(e.Error(), "failed to close connection") {
			kept = append(kept, e)
		}
	}
	switch len(kept) {
	case 0:
		return err
	case 1:
		return kept[0]
	}
	return errors.Join(kept...)
}

// withReply is the server's reply verbatim followed by the lines of the
// error text that say more than the reply again (go-mail quotes it, Go's
// textproto repeats it): the admin reads the reply once.
func withReply(reply, errText string) string {
	norm := func(s string) string {
		return strings.Join(strings.Fields(strings.NewReplacer(`"`, "", `\"`, "").Replace(s)), " ")
	}
	r := norm(reply)
	out := []string{reply}
	for _, l := range strings.Split(errText, "\n") {
		n := norm(l)
		if n == "" || strings.Contains(r, n) || strings.Contains(n, r) && len(n)-len(r) < 40 {
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}
