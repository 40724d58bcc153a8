package steps

import (
	"fmt"
	"time"

	"github.com/pimmail/pimmail/config"
)

// Warning thresholds: the client secret 30 days before it expires, the
// refresh token after 60 of Entra's 90 days unused.
const (
	SecretExpiryWarning = 30 * 24 * time.Hour
	RefreshUnusedWarn   = 60 * 24 * time.Hour
	refreshLapse        = 90 * 24 * time.Hour
)

// SignInWarnings are what `pimmail status` and `pimmail test` warn about
// before an Entra sign-in lapses: the client secret within 30 days of the
// expiry date saved for it (entra.secretExpires), and, for the delegated
// methods, a refresh token unused for 60 days (cacheWritten is when the
// token cache was last written: when it was last used). App-only has no
// refresh token. Nil when there is nothing to say.
func SignInWarnings(c config.Config, cacheWritten, now time.Time) []string {
	var out []string
	e := c.Entra
	if e.SecretExpires != "" {
		if exp, err := time.ParseInLocation(time.DateOnly, e.SecretExpires, time.Local); err == nil {
			left := exp.Sub(now)
			switch {
			case left <= 0:
				out = append(out, fmt.Sprintf("the client secret expired on %s: Entra admin center > App registrations > the app %s > Certificates & secrets > New client secret, paste its Value in step 3 of pimmail, and record the new expiry date", e.SecretExpires, e.ClientID))
			case left <= SecretExpiryWarning:
				out = append(out, fmt.Sprintf("the client secret expires on %s (in %d days): create a new one now (Certificates & secrets > New client secret) and paste its Value in step 3 of pimmail", e.SecretExpires, int(left.Hours()/24)+1))
			}
		}
	}
	if e.Method.Normal() != config.MethodAppOnly && !cacheWritten.IsZero() {
		if unused := now.Sub(cacheWritten); unused >= RefreshUnusedWarn {
			out = append(out, fmt.Sprintf("the mailbox's sign-in has not been used for %d days; Entra ID drops it after 90 days unused (on %s): send a test (pimmail test) to renew it",
				int(unused.Hours()/24), cacheWritten.Add(refreshLapse).Local().Format(time.DateOnly)))
		}
	}
	return out
}
