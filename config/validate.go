package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/pimmail/pimmail/cloud"
)

// ValueError is a setting whose value this build does not know (a provider,
// cloud or TLS mode), or a number out of range. Key is the setting's path
// in the file, e.g. ["entra", "cloud"].
type ValueError struct {
	Key []string
	Msg string
}

// Error names the setting as it is spelled in the file.
func (e *ValueError) Error() string {
	return fmt.Sprintf("%q %s", strings.Join(e.Key, "."), e.Msg)
}

// Valid reports whether p is one of the known providers or ProviderNone.
func (p Provider) Valid() bool {
	switch p {
	case ProviderNone, ProviderLocal, ProviderRelay, ProviderEntra:
		return true
	}
	return false
}

// Valid reports whether m is one of the known TLS modes.
func (m TLSMode) Valid() bool {
	switch m {
	case TLSNone, TLSStartTLS, TLSImplicit:
		return true
	}
	return false
}

// TLSModes lists the TLS modes in the order the wizard offers them.
var TLSModes = []TLSMode{TLSNone, TLSStartTLS, TLSImplicit}

// Validate checks the values a file may hold but this build cannot use:
// the enabled provider, the cloud, the TLS modes, port ranges and the
// format version. It returns a *ValueError naming the setting. It does not
// check whether a provider is complete (the wizard and steps do that).
func (c Config) Validate() error {
	if c.Version < 0 || c.Version > CurrentVersion {
		return &ValueError{Key: []string{"version"},
			Msg: fmt.Sprintf("is %d, but this pimmail reads version %d; use the pimmail that wrote the file, or run the wizard to write a new one", c.Version, CurrentVersion)}
	}
	if !c.Enabled.Valid() {
		return &ValueError{Key: []string{"enabled"},
			Msg: fmt.Sprintf("is %q, not a provider pimmail knows; use one of %s, or \"\" for none", string(c.Enabled), quoted(providerNames()))}
	}
	if _, ok := cloud.ByName(c.Entra.Cloud); !ok {
		return &ValueError{Key: []string{"entra", "cloud"},
			Msg: fmt.Sprintf("is %q, not a cloud pimmail knows; use one of %s", c.Entra.Cloud, quoted(cloudNames()))}
	}
	for _, s := range []struct {
		key  string
		smtp SMTP
	}{{"smtpRelay", c.Relay}, {"localSmtp", c.Local}} {
		if !s.smtp.TLS.Valid() {
			return &ValueError{Key: []string{s.key, "tls"},
				Msg: fmt.Sprintf("is %q, not a TLS mode pimmail knows; use one of %s", string(s.smtp.TLS), quoted(tlsNames()))}
		}
		if s.smtp.Port < 0 || s.smtp.Port > 65535 {
			return &ValueError{Key: []string{s.key, "port"}, Msg: fmt.Sprintf("is %d; a port is between 1 and 65535", s.smtp.Port)}
		}
	}
	if c.Entra.Port < 0 || c.Entra.Port > 65535 {
		return &ValueError{Key: []string{"entra", "port"}, Msg: fmt.Sprintf("is %d; a port is between 1 and 65535", c.Entra.Port)}
	}
	if c.Entra.SecretExpires != "" {
		if _, err := time.Parse(time.DateOnly, c.Entra.SecretExpires); err != nil {
			return &ValueError{Key: []string{"entra", "secretExpires"},
				Msg: fmt.Sprintf("is %q, not a date; write it as YYYY-MM-DD (the Expires column of Certificates & secrets)", c.Entra.SecretExpires)}
		}
	}
	if !c.Entra.Method.Valid() {
		return &ValueError{Key: []string{"entra", "method"},
			Msg: fmt.Sprintf("is %q, not a sign-in method pimmail knows; use one of %s", string(c.Entra.Method), quoted(methodNames()))}
	}
	return nil
}

// normalize spells the cloud the way the cloud package names it, so that a
// hand-written "Global" or "" is saved back as "global".
func (c *Config) normalize() {
	if cl, ok := cloud.ByName(c.Entra.Cloud); ok {
		c.Entra.Cloud = cl.Name
	}
}

func providerNames() []string {
	var n []string
	for _, p := range Providers {
		n = append(n, string(p))
	}
	return n
}

func cloudNames() []string {
	var n []string
	for _, c := range cloud.All {
		n = append(n, c.Name)
	}
	return n
}

func tlsNames() []string {
	var n []string
	for _, m := range TLSModes {
		n = append(n, string(m))
	}
	return n
}

func quoted(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
