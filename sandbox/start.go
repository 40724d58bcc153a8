package sandbox

// TODO(helpers): implement Start/Close/Approve; keep signatures.

// Start starts the Entra ID stand-in (HTTPS), the Exchange Online SMTP
// submission stand-in, the relay stand-in and the local SMTP sink on
// 127.0.0.1 with random ports. An unknown scenario is an error.
func Start(opts Options) (*Sandbox, error) { panic("unimplemented") }

// Close stops all stand-ins and waits for them.
func (s *Sandbox) Close() error { panic("unimplemented") }

// Approve approves (or, with approve=false, declines) the pending device
// code with this user code, as the person on the other device would on the
// verification page. upn chooses the mailbox signing in ("" = the first).
func (s *Sandbox) Approve(userCode, upn string, approve bool) error { panic("unimplemented") }
