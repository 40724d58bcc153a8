// Package sandbox is a faithful local stand-in for Microsoft Entra ID and
// Exchange Online SMTP submission (plus an Exchange Online Protection style
// relay and a plain local SMTP sink), on 127.0.0.1 with random ports and a
// CA generated at start-up. pimmail's real code paths (MSAL Go, go-mail)
// run against it unchanged: same endpoints, JSON shapes, AADSTS codes and
// SMTP reply texts as the real services. Tests start one per test; `pimmail
// sandbox` and `pimmail --sandbox` use it for demos and training.
package sandbox

import (
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"sync"
	"time"
)

// Well-known values of the default directory. They are constants so that a
// configuration made against one sandbox run works with the next.
const (
	DefaultTenantID     = "7c1f3b2a-5d4e-4f60-9a8b-2c3d4e5f6a7b"
	DefaultTenantDomain = "contoso-sandbox.onmicrosoft.com"
	DefaultClientID     = "3f2e1d0c-9b8a-4765-8432-10fedcba9876"
	// DefaultClientSecret is the sandbox app's secret Value; printed by
	// `pimmail sandbox` on purpose, it opens nothing outside the sandbox.
	DefaultClientSecret = "Sbx8Q~sandbox.Secret-Value_0123456789abcdEF"
	// DefaultSecretID is that secret's Secret ID, for rehearsing the paste mistake.
	DefaultSecretID = "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d"
	DefaultMailbox  = "pim-notifications@contoso-sandbox.onmicrosoft.com"
	DefaultAppName  = "PIM Mail (sandbox)"
	// RelayDomain is the accepted domain of the relay stand-in.
	RelayDomain = "contoso-sandbox.com"
)

// Secret is one client secret of an app registration.
type Secret struct {
	ID        string // Secret ID (a GUID)
	Value     string
	ExpiresOn time.Time
}

// App is an app registration.
type App struct {
	ClientID string
	Name     string
	TenantID string // home tenant
	Secrets  []Secret
	// PublicClient is Authentication > Allow public client flows.
	PublicClient bool
	// ConsentedScopes are delegated permissions with consent, e.g. "SMTP.Send".
	ConsentedScopes []string
	// AppRoles are application permissions with consent, e.g. "SMTP.SendAsApp".
	AppRoles []string
	// RedirectURIs are Authentication > Web > Redirect URIs. Entra ignores
	// the port of an http://localhost one.
	RedirectURIs []string
}

// Mailbox is a user with an Exchange Online mailbox.
type Mailbox struct {
	UPN      string
	ObjectID string
	TenantID string
	// SMTPAuthDisabled is Set-CASMailbox -SmtpClientAuthenticationDisabled $true.
	SMTPAuthDisabled bool
	// SendAs lists other addresses this mailbox may send as.
	SendAs []string
}

// Tenant is an Entra ID tenant.
type Tenant struct {
	ID      string
	Domains []string // verified domains
	// SMTPAuthDisabled is Set-TransportConfig -SmtpClientAuthenticationDisabled $true.
	SMTPAuthDisabled bool
	// Cloud is the name of the cloud the tenant lives in (package cloud:
	// "global", "usgov", "usdod", "china"); "" means it is found in every
	// cloud's directory, a sandbox convenience.
	Cloud string
}

// Directory is what the sandbox knows: tenants, apps, mailboxes.
type Directory struct {
	Tenants   []Tenant
	Apps      []App
	Mailboxes []Mailbox
	// ServicePrincipals are Exchange Online's registrations of apps
	// (New-ServicePrincipal) and their mailbox permissions, for app-only SMTP.
	ServicePrincipals []ExchangeServicePrincipal
}

// DefaultDirectory is one tenant, one app (public client flows on, SMTP.Send
// consented, one valid secret) and one mailbox with SMTP AUTH on.
func DefaultDirectory() Directory {
	return Directory{
		Tenants: []Tenant{{ID: DefaultTenantID, Domains: []string{DefaultTenantDomain}}},
		Apps: []App{{
			ClientID: DefaultClientID, Name: DefaultAppName, TenantID: DefaultTenantID,
			Secrets:         []Secret{{ID: DefaultSecretID, Value: DefaultClientSecret, ExpiresOn: time.Now().AddDate(2, 0, 0)}},
			PublicClient:    true,
			ConsentedScopes: []string{"SMTP.Send", "offline_access", "openid", "profile"},
			AppRoles:        []string{"SMTP.SendAsApp"},
			RedirectURIs:    []string{"http://localhost"},
		}},
		Mailboxes: []Mailbox{{UPN: DefaultMailbox, ObjectID: "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9", TenantID: DefaultTenantID}},
		// The app is registered in Exchange Online with FullAccess on the
		// mailbox, as the commands pimmail prints set it up.
		ServicePrincipals: []ExchangeServicePrincipal{{
			AppID: DefaultClientID, ObjectID: ServicePrincipalObjectID(DefaultClientID), TenantID: DefaultTenantID,
			FullAccess: []string{DefaultMailbox},
		}},
	}
}

// Options configure a sandbox. The zero value is a working default sandbox.
type Options struct {
	// Directory; zero means DefaultDirectory().
	Directory *Directory
	// Scenario switches one failure on (see Scenarios); "" is the happy path.
	Scenario string
	// Cloud is the name of the cloud the sandbox plays (package cloud); ""
	// plays every cloud, each request as the cloud it addresses. With a
	// cloud, the default directory's tenant lives there (and nowhere else),
	// the Exchange stand-in greets as that cloud's Exchange Online and
	// accepts only its tokens.
	Cloud string
	// ApproveAfter is how long "the mailbox on the other device" takes to
	// approve a device code automatically; 0 means 1.8 s (just before MSAL
	// Go polls at about 2 s, so a sign-in takes 2 s); negative means never
	// (approve by hand on the verification page, or via Approve).
	ApproveAfter time.Duration
	// PollInterval is the device-code interval handed out; 0 means 5 s as
	// Entra does. Entra never answers slow_down, and neither does the sandbox.
	PollInterval time.Duration
	// DeviceCodeLifetime; 0 means 900 s.
	DeviceCodeLifetime time.Duration
	// AccessTokenLifetime; 0 means Entra's: random, 60 to 90 minutes.
	AccessTokenLifetime time.Duration
	// StateDir, when set, keeps the CA and signing keys across runs (so a
	// saved token cache stays valid) and receives accepted mail as .eml files
	// in StateDir/mail. Empty means ephemeral keys and mail kept in memory only.
	StateDir string
	// Now is the clock; nil means time.Now. Lets tests expire tokens.
	Now func() time.Time
}

// Sandbox is a running stand-in. Close it when done.
type Sandbox struct {
	opts Options
	now  func() time.Time

	// CA and keys.
	caCert     *x509.Certificate
	caPEM      []byte
	serverTLS  *tls.Config // leaf for 127.0.0.1/localhost, TLS 1.2 minimum
	signingKey *rsa.PrivateKey
	keyID      string

	mu  sync.Mutex
	dir Directory
	// messages accepted by any SMTP stand-in, in order.
	messages []Message
	// keepMax caps messages (0: maxKeptMessages); tests lower it.
	keepMax int

	// filled by Start: see Endpoints.
	endpoints Endpoints
	closers   []func() error
}

// Endpoints are where the stand-ins listen.
type Endpoints struct {
	// Authority is the Entra stand-in's base URL, https://127.0.0.1:PORT;
	// the tenant authority is Authority + "/" + tenant.
	Authority string
	// SMTPHost and SMTPPort: the Exchange Online submission stand-in (STARTTLS, XOAUTH2).
	SMTPHost string
	SMTPPort int
	// RelayHost and RelayPort: the Exchange Online Protection relay stand-in (no AUTH).
	RelayHost string
	RelayPort int
	// LocalHost and LocalPort: the local SMTP sink, like a default Postfix (STARTTLS offered, no AUTH).
	LocalHost string
	LocalPort int
}

// Message is a message one of the SMTP stand-ins accepted.
type Message struct {
	Server   string // "exchange", "relay", "local"
	MailFrom string
	RcptTo   []string
	Data     []byte // the full RFC 5322 message
	AuthUser string // the XOAUTH2 user, if any
	Received time.Time
}

// Endpoints returns where the stand-ins listen.
func (s *Sandbox) Endpoints() Endpoints { return s.endpoints }

// CAPEM returns the sandbox CA certificate in PEM form.
func (s *Sandbox) CAPEM() []byte { return append([]byte(nil), s.caPEM...) }

// RootCAs returns a pool holding only the sandbox CA, for our clients.
func (s *Sandbox) RootCAs() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(s.caCert)
	return p
}

// Messages returns a copy of the messages accepted so far: the most
// recent maxKeptMessages of them (all of them are in StateDir/mail).
func (s *Sandbox) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// UpdateDirectory lets a test or the CLI change the directory while running
// (e.g. turn SMTP AUTH off for the mailbox).
func (s *Sandbox) UpdateDirectory(f func(d *Directory)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.dir)
}
