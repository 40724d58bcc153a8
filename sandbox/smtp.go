package sandbox

// startSMTP starts the Exchange Online submission stand-in, the relay
// stand-in and the local sink, fills their Endpoints and registers closers.
// TODO(helper sandbox-smtp): implement.
func (s *Sandbox) startSMTP() error { return nil }
