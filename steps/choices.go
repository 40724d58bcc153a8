package steps

import (
	"strings"

	"github.com/pimmail/pimmail/cloud"
	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/secret"
)

// TLSModes are the TLS modes provider p's server step offers, in the order
// they are offered: SMTP Relay none, STARTTLS and implicit TLS; Local SMTP
// none and STARTTLS (a local mail service does not listen for implicit
// TLS). Nil for Entra, which always uses STARTTLS.
func TLSModes(p config.Provider) []config.TLSMode {
	switch p {
	case config.ProviderRelay:
		return []config.TLSMode{config.TLSNone, config.TLSStartTLS, config.TLSImplicit}
	case config.ProviderLocal:
		return []config.TLSMode{config.TLSNone, config.TLSStartTLS}
	}
	return nil
}

// SignInIdentity is what a mailbox sign-in belongs to: the cloud, tenant
// and app. A sign-in saved for another identity cannot be reused.
func SignInIdentity(e config.Entra) string {
	c, _ := cloud.ByName(e.Cloud)
	return c.Name + "|" + strings.ToLower(e.TenantID) + "|" + strings.ToLower(e.ClientID)
}

// SavedSignInUsable reports whether the saved Entra settings' sign-in may
// be offered for the settings as they are now: it names a mailbox and is
// for the same cloud, tenant and app.
func SavedSignInUsable(saved, now config.Entra) bool {
	return saved.Mailbox != "" && SignInIdentity(saved) == SignInIdentity(now)
}

// CheckCredentials checks that an SMTP username and password come together:
// a password needs its username, and a username its password. It returns
// the *FieldError of the field to fix, or nil.
func CheckCredentials(user string, pass secret.Secret) error {
	if _, err := ValidateUsername(user); err != nil {
		return err
	}
	if user == "" && !pass.IsZero() {
		return &FieldError{Field: "Username", Message: "is missing", Hint: "A password needs the username it belongs to."}
	}
	if user != "" && pass.IsZero() {
		return &FieldError{Field: "Password", Message: "is missing", Hint: "Type the password for " + user + ", or clear the username."}
	}
	return nil
}
