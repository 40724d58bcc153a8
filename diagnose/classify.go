package diagnose

// The classification entry points live in files by concept:
//   - catalogue.go: the catalogue (Catalogue, New) and placeholder filling,
//   - redact.go:    defensive redaction of raw texts,
//   - entra.go:     Entra ID / MSAL errors (Entra),
//   - smtp.go:      SMTP replies and go-mail errors (SMTP, Reply),
//   - net.go:       DNS, TCP, TLS, timeout and cancellation (Net).

// Entry is one catalogue entry, before facts are filled in. Title,
// Explanation and Fix may hold the placeholders <mailbox>, <from>,
// <clientId>, <tenant>, <host> and <port>, which New fills from Facts.
type Entry struct {
	Code        Code
	Title       string
	Explanation string
	Fix         string
}
