// Package config holds pimmail's saved settings: all three providers'
// settings, the global email settings, and which provider is enabled (only
// one at a time). The file is human-readable JSON, 0600 in a 0700
// directory, written atomically; the MSAL token cache lives beside it.
package config

import (
	"github.com/pimmail/pimmail/secret"
)

// Provider names an email provider.
type Provider string

// The three providers a PIM system offers. Only one is enabled at a time.
const (
	ProviderNone  Provider = ""
	ProviderLocal Provider = "local-smtp"
	ProviderRelay Provider = "smtp-relay"
	ProviderEntra Provider = "entra-smtp-client"
)

// Providers lists the providers in the order the wizard shows them.
var Providers = []Provider{ProviderLocal, ProviderRelay, ProviderEntra}

// Label is the provider's name as the PIM system shows it.
func (p Provider) Label() string {
	switch p {
	case ProviderLocal:
		return "Local SMTP"
	case ProviderRelay:
		return "SMTP Relay"
	case ProviderEntra:
		return "Microsoft Entra ID SMTP Client"
	}
	return "none"
}

// TLSMode is how a plain SMTP provider secures its connection.
type TLSMode string

// TLS modes for the Local SMTP and SMTP Relay providers. The Entra provider
// always uses STARTTLS with TLS 1.2 or later.
const (
	TLSNone     TLSMode = "none"
	TLSStartTLS TLSMode = "starttls" // STARTTLS required
	TLSImplicit TLSMode = "implicit" // TLS from the first byte (port 465)
)

// The wordings of a TLS mode, each for its place.

// Label is how the test email names the TLS mode the message went with.
func (m TLSMode) Label() string {
	switch m {
	case TLSNone:
		return "None (plain SMTP)"
	case TLSStartTLS:
		return "STARTTLS (required)"
	case TLSImplicit:
		return "Implicit TLS (SMTPS, usually port 465)"
	}
	return string(m)
}

// Choice is how the wizard offers the TLS mode, and names it when the
// server answered with it (an unknown mode reads as none: it is not
// offered).
func (m TLSMode) Choice() string {
	switch m {
	case TLSStartTLS:
		return "STARTTLS (required)"
	case TLSImplicit:
		return "Implicit TLS (usually port 465)"
	}
	return "None (plain text)"
}

// Short names the TLS mode in a few words, after host:port in the
// commands' output.
func (m TLSMode) Short() string {
	switch m {
	case TLSNone:
		return "no TLS"
	case TLSStartTLS:
		return "STARTTLS required"
	case TLSImplicit:
		return "implicit TLS"
	}
	return string(m)
}

// Config is the whole saved configuration.
type Config struct {
	// Version of the file format.
	Version int `json:"version"`
	// Enabled is the provider mail goes out through; empty when none.
	Enabled Provider `json:"enabled"`
	// Sandbox marks a configuration made against the built-in sandbox
	// (pimmail --sandbox): commands then start the sandbox in-process and
	// send through it instead of Microsoft's services.
	Sandbox bool `json:"sandbox,omitempty"`
	// Email holds the settings shared by all providers.
	Email Email `json:"email"`
	// Entra is the Microsoft Entra ID SMTP Client provider.
	Entra Entra `json:"entra"`
	// Relay is the SMTP Relay provider.
	Relay SMTP `json:"smtpRelay"`
	// Local is the Local SMTP provider.
	Local SMTP `json:"localSmtp"`
}

// Email holds the global email settings.
type Email struct {
	// From is the default From address. With the Entra provider it must be
	// the mailbox or an address the mailbox may send as.
	From string `json:"from"`
	// DisplayName is the mailbox alias shown as the sender's name.
	DisplayName string `json:"displayName,omitempty"`
}

// Entra is the Microsoft Entra ID SMTP Client provider's settings.
type Entra struct {
	Cloud    string `json:"cloud"`
	TenantID string `json:"tenantId"`
	ClientID string `json:"clientId"`
	// ClientSecret is the secret's Value (not its Secret ID).
	ClientSecret secret.Secret `json:"clientSecret"`
	// Mailbox is the signed-in mailbox (UPN) mail is sent as.
	Mailbox   string `json:"mailbox"`
	SmartHost string `json:"smartHost"`
	Port      int    `json:"port"`

	// Method is how the mailbox gets its token (method.go); empty is the
	// device code.
	Method SignInMethod `json:"method,omitempty"`
	// SecretExpires is the client secret's expiry date (YYYY-MM-DD, the
	// portal's Expires column), when known: status and test warn before it.
	SecretExpires string `json:"secretExpires,omitempty"`
}

// SMTP is a plain SMTP provider's settings (Local SMTP, SMTP Relay).
type SMTP struct {
	Host     string        `json:"host"`
	Port     int           `json:"port"`
	TLS      TLSMode       `json:"tls"`
	Username string        `json:"username,omitempty"`
	Password secret.Secret `json:"password,omitempty"`
}

// Default returns a configuration with the defaults a new user sees.
func Default() Config {
	return Config{
		Version: 1,
		Entra:   Entra{Cloud: "global", SmartHost: "smtp.office365.com", Port: 587},
		Relay:   SMTP{Port: 25, TLS: TLSStartTLS},
		Local:   SMTP{Host: "localhost", Port: 25, TLS: TLSNone},
	}
}

// Secrets are the configuration's secrets: everything printed or logged
// about it is masked with them.
func (c Config) Secrets() []secret.Secret {
	return []secret.Secret{c.Entra.ClientSecret, c.Relay.Password, c.Local.Password}
}
