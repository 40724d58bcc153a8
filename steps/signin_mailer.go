package steps

import (
	"context"

	"github.com/pimmail/pimmail/mailer"
	"github.com/pimmail/pimmail/secret"
)

// mailerSignIn signs in to the smart host with XOAUTH2 and quits.
func mailerSignIn(ctx context.Context, srv mailer.Server, mailbox string, token secret.Secret) (mailer.Result, error) {
	return mailer.SignIn(ctx, srv, mailer.Auth{Kind: mailer.AuthXOAUTH2, Username: mailbox, Secret: token})
}
