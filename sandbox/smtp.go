package sandbox

import "sync"

// smtpState is what the running SMTP stand-ins of a sandbox are. It lives
// in a registry keyed by the Sandbox, as entraState does, because the
// shared Sandbox struct (sandbox.go) is not the SMTP stand-ins' file.
type smtpState struct {
	exchange *exchangeDialect
	servers  []*smtpServer // exchange, relay, local
}

// smtpStates maps *Sandbox to its *smtpState while the stand-ins run.
var smtpStates sync.Map

// smtp returns the running stand-ins' state, nil when not started or closed.
func (s *Sandbox) smtp() *smtpState {
	v, ok := smtpStates.Load(s)
	if !ok {
		return nil
	}
	return v.(*smtpState)
}

// startSMTP starts the Exchange Online submission stand-in, the relay
// stand-in and the local sink, fills their Endpoints and registers their
// closers (each stops its listener, cuts open connections and waits for
// their goroutines). It needs the keys loaded (s.serverTLS). On error the
// servers already started are stopped again.
func (s *Sandbox) startSMTP() error {
	ex := newExchangeDialect(s)
	dialects := []smtpDialect{ex, newRelayDialect(s), newLocalDialect(s)}
	st := &smtpState{exchange: ex}
	for _, d := range dialects {
		srv, err := listenSMTP(s, d)
		if err != nil {
			for _, started := range st.servers {
				_ = started.close()
			}
			return err
		}
		st.servers = append(st.servers, srv)
	}
	s.endpoints.SMTPHost, s.endpoints.SMTPPort = "127.0.0.1", st.servers[0].port()
	s.endpoints.RelayHost, s.endpoints.RelayPort = "127.0.0.1", st.servers[1].port()
	s.endpoints.LocalHost, s.endpoints.LocalPort = "127.0.0.1", st.servers[2].port()
	smtpStates.Store(s, st)
	s.closers = append(s.closers, func() error {
		smtpStates.Delete(s)
		return nil
	})
	for _, srv := range st.servers {
		s.closers = append(s.closers, srv.close)
	}
	return nil
}
