// Package report holds what pimmail tells machines and support about a
// setup: the JSON schema of `pimmail status --json` and `pimmail test
// --json` (one home for it, versioned by Schema), the configuration with
// its secrets masked, the last test's outcome kept beside the
// configuration, and the connectivity checks of `pimmail report`.
//
// The JSON schema is stable: fields are only ever added. A change that
// renames, removes or changes the meaning of a field raises Schema.
package report

import (
	"time"

	"github.com/pimmail/pimmail/diagnose"
)

// Schema is the version of the JSON documents below.
const Schema = 1

// Status is the document `pimmail status --json` and `pimmail test --json`
// print: one JSON object on standard output. The exit code is the one the
// command has without --json.
type Status struct {
	Schema int `json:"schema"`
	// Command is "status" or "test".
	Command string    `json:"command"`
	Time    time.Time `json:"time"`
	// OK is true when the command would exit 0.
	OK     bool   `json:"ok"`
	Config string `json:"config"`
	// Sandbox is true for a configuration made with pimmail --sandbox.
	Sandbox bool `json:"sandbox"`
	// Provider is the enabled provider, as the configuration file names it:
	// "entra-smtp-client", "smtp-relay", "local-smtp", or "none".
	Provider string `json:"provider"`
	// Mailbox is the Entra mailbox that signs in ("" when none).
	Mailbox string `json:"mailbox"`
	// From is the default From address ("" when not set).
	From string `json:"from"`
	// Missing lists the enabled provider's settings that are not set.
	Missing []string `json:"missing,omitempty"`
	// Token is the Entra sign-in's health; null when Entra is not used.
	Token *Token `json:"token"`
	// LastTest is the last `pimmail test` (for test: the one just made);
	// null when none was recorded.
	LastTest *Test `json:"last_test"`
	// MailPath is the relay, worker and queue; null for `pimmail test`.
	MailPath *MailPath `json:"mail_path,omitempty"`
	// Problem is why OK is false (or what the failed test met); null when OK.
	Problem *Problem `json:"problem"`
}

// Token is the Entra sign-in's health.
type Token struct {
	// Checked is false when no token was asked for (Entra disabled, or the
	// sandbox could not start); OK is then false too.
	Checked bool `json:"checked"`
	// OK is true when an access token can be had now.
	OK bool `json:"ok"`
	// ExpiresAt is the access token's expiry (null when none was had).
	ExpiresAt *time.Time `json:"expires_at"`
	// Cached is true when the token came from the cache without asking Entra.
	Cached bool `json:"cached"`
	// CacheWritten is when the refresh token was last used (the cache file
	// was last written); null when there is no cache.
	CacheWritten *time.Time `json:"cache_written"`
	// Accounts are the mailboxes the token cache holds a sign-in for.
	Accounts []string `json:"accounts"`
	// CacheError says why the token cache file cannot be used, if so.
	CacheError string `json:"cache_error,omitempty"`
	// Claims are the token's non-secret claims (never the token itself).
	Claims *Claims `json:"claims,omitempty"`
}

// Claims are an access token's non-secret claims.
type Claims struct {
	Audience []string  `json:"aud"`
	Scopes   []string  `json:"scp"`
	Roles    []string  `json:"roles,omitempty"`
	UPN      string    `json:"upn"`
	TenantID string    `json:"tid"`
	Expires  time.Time `json:"exp"`
}

// Test is one test email's outcome.
type Test struct {
	At       time.Time `json:"at"`
	OK       bool      `json:"ok"`
	Provider string    `json:"provider"`
	// Server is host:port, TLS mode as dialled.
	Server    string `json:"server"`
	To        string `json:"to,omitempty"`
	Reply     string `json:"reply,omitempty"`
	MessageID string `json:"message_id,omitempty"`
	// DurationMS is how long the test took, in milliseconds.
	DurationMS int64 `json:"duration_ms"`
	// Problem is the diagnosis when the test failed.
	Problem *Problem `json:"problem,omitempty"`
	// Transcript is the SMTP conversation, tokens and passwords masked.
	Transcript []string `json:"transcript,omitempty"`
}

// MailPath is the state of pimmail send / pimmail relay and the queue.
type MailPath struct {
	// Spool is false when nothing was ever queued (the rest is then zero).
	Spool bool `json:"spool"`
	// Queued is how many messages wait; OldestAgeSeconds is the age of
	// the oldest of them (0 when none).
	Queued           int   `json:"queued"`
	OldestAgeSeconds int64 `json:"oldest_age_seconds"`
	// Failed is how many messages failed for good (pimmail queue lists them).
	Failed         int    `json:"failed"`
	RelayListening bool   `json:"relay_listening"`
	RelayAddress   string `json:"relay_address,omitempty"`
	WorkerRunning  bool   `json:"worker_running"`
	// Held is why the worker holds the queue (sign-in, network), if it does.
	Held         *Problem `json:"held,omitempty"`
	LastDelivery *Event   `json:"last_delivery"`
	LastFailure  *Event   `json:"last_failure"`
	// Error is set when the spool exists but cannot be read.
	Error string `json:"error,omitempty"`
}

// Event is one delivery or failure of the mail path.
type Event struct {
	At time.Time `json:"at"`
	ID string    `json:"id"`
	// Text is the server's reply (a delivery) or the diagnosis title (a failure).
	Text    string   `json:"text"`
	Problem *Problem `json:"problem,omitempty"`
}

// Problem is a diagnosis: what happened and what to do.
type Problem struct {
	// Code is the catalogue entry (e.g. "entra.secret-invalid"); empty
	// for a problem without one.
	Code        string `json:"code"`
	Title       string `json:"title"`
	Explanation string `json:"explanation,omitempty"`
	Fix         string `json:"fix,omitempty"`
	// Raw is the service's own text, secrets masked.
	Raw string `json:"raw,omitempty"`
	// TraceID and CorrelationID are what Entra ID gave a failed request.
	TraceID       string `json:"trace_id,omitempty"`
	CorrelationID string `json:"correlation_id,omitempty"`
}

// ProblemOf is the schema's Problem for a diagnosis.
func ProblemOf(p *diagnose.Problem) *Problem {
	if p == nil {
		return nil
	}
	return &Problem{Code: string(p.Code), Title: p.Title, Explanation: p.Explanation, Fix: p.Fix,
		Raw: p.Raw, TraceID: p.TraceID, CorrelationID: p.CorrelationID}
}
