package mailer

import (
	"context"
	"strings"

	"github.com/wneessen/go-mail"

	"github.com/pimmail/pimmail/diagnose"
)

// SignIn connects to srv, signs in with auth (EHLO, STARTTLS, AUTH) and
// says QUIT, sending no mail: it proves the server accepts the credential,
// e.g. that Exchange Online knows an app-only sign-in's service principal
// and its mailbox permission. The Result's Transcript is filled also on
// failure; its Reply is the AUTH answer's success ("235 ...") or empty.
func SignIn(ctx context.Context, srv Server, auth Auth) (Result, error) {
	s := newSender(srv, auth)
	res, err := s.signIn(ctx)
	res.Transcript = s.tr.snapshot()
	return res, err
}

func (s *sender) signIn(ctx context.Context) (Result, error) {
	var res Result
	client, err := mail.NewClient(s.srv.Host, s.options()...)
	if err != nil {
		return res, diagnose.New(diagnose.Unexpected, s.facts, redactText(err.Error(), s.tr.creds), err)
	}
	client.ErrorHandlerRegistry.SetDefaultHandler(s.tr)
	defer s.closeConn()
	defer s.watch(ctx)()
	if err := client.DialWithContext(ctx); err != nil {
		return res, s.problem(ctx, err)
	}
	// QUIT; the sign-in is proven whatever QUIT answers.
	_ = client.Close()
	for _, l := range s.tr.snapshot() {
		if r, ok := strings.CutPrefix(l, "S: 235"); ok {
			res.Reply = "235" + r
		}
	}
	return res, nil
}
