// Package steps is the wizard's sequence without any UI: which steps each
// provider has, how each step's input is cleaned and validated locally, and
// the checks against the real services (through auth and mailer) that run
// before a step may move on. The tui package draws it; the cmd package's
// test and status commands reuse it.
//
// Every check takes a context (the UI cancels it on Esc) and returns a
// *diagnose.Problem (aliased here as Problem) on failure.
package steps

import (
	"crypto/x509"
	"time"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/diagnose"
)

// Problem is a diagnosed failure: title, explanation, fix, raw details.
type Problem = diagnose.Problem

// ID names a step.
type ID string

// The steps. Entra: Provider, IDs, Secret, Logon, SmartHost, Test, Enable.
// SMTP Relay: Provider, Server, Credentials, Test, Enable.
// Local SMTP: Provider, Server, Test, Enable.
const (
	StepProvider    ID = "provider"
	StepIDs         ID = "ids"         // cloud, Directory (tenant) ID, Application (client) ID
	StepSecret      ID = "secret"      // client secret Value
	StepLogon       ID = "logon"       // device-code sign-in of the mailbox
	StepSmartHost   ID = "smarthost"   // Exchange Online host[:port], probed
	StepServer      ID = "server"      // Local/Relay: host, port, TLS mode, probed
	StepCredentials ID = "credentials" // Relay: optional username and password
	StepTest        ID = "test"        // From, display name, recipient; send a test email
	StepEnable      ID = "enable"      // Enabled checkbox and Save
)

// Info describes a step for the UI.
type Info struct {
	ID    ID
	Title string // "Client secret"
	// Help is where to find the value and why it is needed, in the admin's words.
	Help string
}

// Sequence returns the steps for provider p, in order: Entra has seven
// (provider, IDs, secret, mailbox sign-in, smart host, test, enable), SMTP
// Relay five (provider, server, credentials, test, enable), Local SMTP four
// (provider, server, test, enable). For ProviderNone (or an unknown
// provider) it returns only the provider step, as the rest depends on the
// choice made there. Each call returns a fresh slice.
func Sequence(p config.Provider) []Info {
	switch p {
	case config.ProviderEntra:
		return []Info{providerInfo, idsInfo, secretInfo, logonInfo, smartHostInfo, testInfo(p), enableInfo(p)}
	case config.ProviderRelay:
		return []Info{providerInfo, relayServerInfo, credentialsInfo, testInfo(p), enableInfo(p)}
	case config.ProviderLocal:
		return []Info{providerInfo, localServerInfo, testInfo(p), enableInfo(p)}
	}
	return []Info{providerInfo}
}

// Hints are the sandbox's values, shown beside the fields in --sandbox mode
// and used as the sandbox's current endpoints.
type Hints struct {
	TenantID, TenantDomain, ClientID, ClientSecret, SecretID, Mailbox string
	SmartHost                                                         string
	SmartPort                                                         int
	RelayHost                                                         string
	RelayPort                                                         int
	LocalHost                                                         string
	LocalPort                                                         int
	// RelayDomain is an address domain the relay stand-in accepts.
	RelayDomain string
}

// Env is what a run talks to.
type Env struct {
	// ConfigPath is the config file; the token cache lives beside it.
	ConfigPath string
	// Authority overrides the cloud's Entra authority (the sandbox's URL).
	Authority string
	// RootCAs replaces the system roots for HTTPS and SMTP TLS (the sandbox's CA).
	RootCAs *x509.CertPool
	// Sandbox is set when running against the built-in sandbox.
	Sandbox *Hints
	// Timeout bounds each network check; 0 means 30 s.
	Timeout time.Duration
	// PersistCache loads the token cache with autosave, so a silent refresh
	// is written back at once (pimmail test and status). The wizard leaves
	// it false: its cache stays in memory and is written only at Save, so
	// quitting earlier leaves the file as it was.
	PersistCache bool
}

// Start is what a wizard run begins from: the saved config (or defaults)
// and what went wrong reading it.
type Start struct {
	Config config.Config
	// Exists is true when a config file was found and read.
	Exists bool
	// LoadErr says why an existing file could not be used (malformed, too
	// open, unreadable); it is a *Problem-free plain message for the UI.
	LoadErr error
	// NeedsConsent is true when Save would overwrite a file that could not be
	// read: the UI must ask before saving.
	NeedsConsent bool
	// CacheErr says why the token cache beside the config could not be
	// read (corrupt, too open); the run then starts with an empty cache and
	// the mailbox signs in again. Save replaces the file.
	CacheErr error
}
