package diagnose

// TODO(helper): implement; keep the exported contract.

// Entry is one catalogue entry, before facts are filled in.
type Entry struct {
	Code        Code
	Title       string
	Explanation string
	Fix         string
}

// Catalogue returns every entry, for table tests and documentation.
func Catalogue() []Entry { panic("unimplemented") }

// New builds the Problem for code, filling placeholders from f; raw is the
// service's text for the details view (redact secrets before passing it).
func New(code Code, f Facts, raw string, err error) *Problem { panic("unimplemented") }

// Entra classifies an error from MSAL Go (token, device code, OpenID
// configuration requests): it reads Entra's error JSON (error, error_codes,
// error_description) out of the error, or recognises network/TLS failures
// and context cancellation/timeout. Never returns nil for a non-nil err.
func Entra(err error, f Facts) *Problem { panic("unimplemented") }

// SMTP classifies an error from go-mail or an SMTP conversation: the
// server's reply (code, enhanced status, text), or a network/TLS failure,
// or context cancellation/timeout. Never returns nil for a non-nil err.
func SMTP(err error, f Facts) *Problem { panic("unimplemented") }

// Reply classifies one SMTP reply (e.g. 535, "5.7.139 Authentication
// unsuccessful, SmtpClientAuthentication is disabled for the Mailbox...");
// nil for a 2xx/3xx reply.
func Reply(code int, text string, f Facts) *Problem { panic("unimplemented") }

// Net classifies a dial/DNS/TLS/timeout/cancel error; ok is false when err
// is none of those.
func Net(err error, f Facts) (p *Problem, ok bool) { panic("unimplemented") }
