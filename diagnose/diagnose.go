// Package diagnose turns every failure pimmail can meet (Entra ID errors,
// Exchange Online SMTP replies, DNS, TCP and TLS failures) into a Problem:
// a short title, a plain explanation, and the fix (portal blade and setting,
// or PowerShell cmdlet), keeping the raw text for a details view.
//
// Problems are typed values: callers switch on Problem.Code, never on text.
package diagnose

import "errors"

// Code identifies one entry of the catalogue. Codes are stable strings so
// tests, the UI and support can refer to them.
type Code string

// Problem is a diagnosed failure. It implements error.
type Problem struct {
	// Code is the catalogue entry.
	Code Code
	// Title is a short headline in the admin's words ("The client secret is wrong").
	Title string
	// Explanation says what happened, plainly.
	Explanation string
	// Fix says what to do next: which portal blade and setting, or which cmdlet.
	Fix string
	// Raw is the service's own text (AADSTS description, SMTP reply, Go error),
	// redacted of secrets, for the details view.
	Raw string
	// Err is the underlying error, for errors.Is/As; never shown as is.
	Err error
}

// Error returns the title and explanation; the raw text stays in Raw.
func (p *Problem) Error() string {
	if p.Explanation == "" {
		return p.Title
	}
	return p.Title + ": " + p.Explanation
}

// Unwrap returns the underlying error.
func (p *Problem) Unwrap() error { return p.Err }

// As returns the Problem inside err, if any.
func As(err error) (*Problem, bool) {
	var p *Problem
	if errors.As(err, &p) {
		return p, true
	}
	return nil, false
}

// Facts are what the caller knows about the attempt; the catalogue uses
// them to fill the fix text (e.g. the mailbox in a Set-CASMailbox line).
// Empty fields leave a placeholder such as <mailbox>.
type Facts struct {
	TenantID string
	ClientID string
	Mailbox  string
	From     string
	Host     string
	Port     int
	// Username is the login name when the attempt authenticates with a
	// password (SMTP Relay or Local SMTP, AUTH PLAIN/LOGIN); empty when the
	// mailbox signs in with XOAUTH2 or no AUTH is used. It tells a relay's
	// 535 (wrong username or password) from Exchange refusing a token.
	Username string
}
