package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/steps"
)

// appOnlyStatus is entraStatus for the app-only sign-in: there is no token
// cache and no refresh token; a fresh app token is asked for, its roles
// shown, and the smart host's AUTH proves the Exchange Online side.
func appOnlyStatus(ctx context.Context, out *lines, run *steps.Run, cfg config.Config) int {
	out.blank()
	out.row("Token cache", "none: app-only keeps no refresh token; only the client secret's expiry ends it")
	if cfg.Enabled != config.ProviderEntra {
		out.row("Token now", "not checked ("+config.ProviderEntra.Label()+" is disabled)")
		return exitOK
	}
	res, err := run.CheckAppOnly(ctx, cfg)
	if len(res.Roles) > 0 {
		out.row("Roles", strings.Join(res.Roles, ", "))
	}
	if err != nil {
		msg, fix := err.Error(), ""
		if p, ok := diagnose.As(err); ok {
			msg, fix = p.Title+": "+p.Explanation, p.Fix
		}
		out.row("Token now", "no: "+msg)
		if fix != "" {
			out.row("Fix", fix)
		}
		return exitFailure
	}
	out.row("Token now", fmt.Sprintf("yes: an app-only token for service principal %s, valid until %s",
		res.ServicePrincipalID, res.ExpiresOn.Local().Format("2006-01-02 15:04 MST")))
	out.row("Exchange", fmt.Sprintf("the smart host accepted the app for %s (%s)", res.Mailbox, res.Reply))
	return exitOK
}

// signInWarnings prints, before a test email with the Entra provider,
// what will make its sign-in lapse soon (steps.SignInWarnings).
func signInWarnings(w io.Writer, prov config.Provider, cfg config.Config, run *steps.Run) {
	if prov != config.ProviderEntra {
		return
	}
	for _, s := range steps.SignInWarnings(cfg, run.CacheWritten(), time.Now()) {
		fmt.Fprintln(w, "Warning: "+s)
	}
}
