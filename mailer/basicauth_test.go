package mailer

import (
	"strings"
	"testing"

	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/sandbox/sandboxtest"
	"github.com/pimmail/pimmail/secret"
)

// A username and password sent to Exchange Online (the SMTP Relay
// provider pointed at smtp.office365.com, say) meets Basic authentication's
// retirement; pimmail says so and names the way out, not "check the
// password".
func TestPasswordToExchangeIsBasicAuthRetired(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		want     diagnose.Code
	}{
		{"", diagnose.SMTPBasicAuthDisabled},
		{"basic-auth-retired", diagnose.SMTPBasicAuthRemoved},
	} {
		sb := sandboxtest.Start(t, sandbox.Options{Scenario: tc.scenario})
		a := Auth{Kind: AuthPassword, Username: sandbox.DefaultMailbox, Secret: secret.New("Winter2026!")}
		res, err := Send(testCtx(t), exchangeServer(sb), a, testMessage("password"))
		p := wantCode(t, err, tc.want)
		if !containsAll(p.Fix, "Microsoft Entra ID SMTP Client") {
			t.Errorf("%s: fix %q does not name the Entra ID provider", tc.want, p.Fix)
		}
		noSecretIn(t, sandbox.DefaultMailbox, "Winter2026!", res.Transcript...)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}
