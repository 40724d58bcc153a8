// Package diagnose turns every failure pimmail can meet (Entra ID errors,
// Exchange Online SMTP replies, DNS, TCP and TLS failures) into a Problem:
// a short title, a plain explanation, and the fix (portal blade and setting,
// or PowerShell cmdlet), keeping the raw text for a details view.
//
// Problems are typed values: callers switch on Problem.Code, never on text.
//
// The classification entry points live in files by concept:
//   - catalogue.go: the catalogue (Catalogue, New) and placeholder filling,
//   - variants.go:  other wordings of an entry by where the failure happened,
//   - redact.go:    defensive redaction of raw texts,
//   - entra.go:     Entra ID / MSAL errors (Entra),
//   - smtp.go:      SMTP replies and go-mail errors (SMTP, Reply),
//   - net.go:       DNS, TCP, TLS, timeout and cancellation (Net).
package diagnose

import "errors"

// Code identifies one entry of the catalogue. Codes are stable strings so
// tests, the UI and support can refer to them.
type Code string

// Entry is one catalogue entry, before facts are filled in. Title,
// Explanation and Fix may hold the placeholders <mailbox>, <from>,
// <clientId>, <tenant>, <host> and <port>, which New fills from Facts.
type Entry struct {
	Code        Code
	Title       string
	Explanation string
	Fix         string
}

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
	// TraceID and CorrelationID are the IDs Microsoft Entra ID gave the
	// failed request (empty for other problems). They are not secrets:
	// Microsoft support asks for them, and the debug log records them.
	TraceID, CorrelationID string

	// The catalogue entry the texts were rendered from (nil for a Problem
	// built by hand), the facts they were rendered with, a replacement
	// explanation and a sentence added to it by the classifier, and the
	// texts as rendered: Fill renders again with more facts, but only the
	// texts nobody has changed since.
	tmpl     *Entry
	facts    Facts
	explain  string
	extra    string
	rendered [3]string
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
// them to fill its texts (e.g. the mailbox in a Set-CASMailbox line). An
// empty field reads as natural words ("the mailbox") in titles,
// explanations and the prose of fixes, and stays a placeholder such as
// <mailbox> inside a command, where the admin must type the value.
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
	// LocalSMTP is set when the server is the Local SMTP provider's (the
	// machine's own mail service, Postfix or the like): its fixes then
	// name the local service instead of Exchange Online's ports.
	LocalSMTP bool
	// ExchangeOnline is set when the server is meant to be Exchange
	// Online (the smart host of the Microsoft Entra ID SMTP Client
	// provider), whatever host was typed: a failure there is first a wrong
	// host or something in between, not the server's own settings.
	ExchangeOnline bool
	// TLS is the connection's TLS mode as dialled: "none", "starttls" or
	// "implicit" (config.TLSMode's values), empty when unknown. Advice that
	// depends on it (turn STARTTLS on) is given only when it applies.
	TLS string
	// OAuth is set when the attempt signs in with SASL XOAUTH2 (a bearer
	// token): any 535 then means the token was refused, never a password.
	OAuth bool
	// Stage is the SMTP command the failing reply answered ("AUTH",
	// "EHLO", "STARTTLS", "MAIL", ...), when known: a failure at AUTH is
	// the sign-in refused, not the message.
	Stage string
}
