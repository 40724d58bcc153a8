package report

import (
	"encoding/json"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/secret"
)

// MaskConfig is c with every secret replaced by what `pimmail status`
// shows of it: the client secret as the mask and its last 4 characters
// (enough to tell which of the app's secrets it is, as the portal shows
// them), a password only as set or not (its last characters would give part
// of a chosen password away).
func MaskConfig(c config.Config) config.Config {
	if !c.Entra.ClientSecret.IsZero() {
		c.Entra.ClientSecret = secret.New(c.Entra.ClientSecret.Last4())
	}
	for _, s := range []*config.SMTP{&c.Relay, &c.Local} {
		if !s.Password.IsZero() {
			s.Password = secret.New("set (" + secret.Mask + ")")
		}
	}
	return c
}

// ConfigJSON is the masked configuration as indented JSON, the way it
// looks in the file.
func ConfigJSON(c config.Config) string {
	b, err := json.MarshalIndent(MaskConfig(c), "", "  ")
	if err != nil {
		return "(cannot be shown: " + err.Error() + ")"
	}
	return string(b)
}
