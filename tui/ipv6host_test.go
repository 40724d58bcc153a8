package tui

import (
	"testing"

	"github.com/pimmail/pimmail/steps"
)

// TestServerFieldsTakeIPv6: an IPv6 literal in the host field, bare or in
// brackets, with or without a port, with the port field empty (the usual
// port) or filled, reads as one host and port; the host is kept without
// brackets, and the address shown has them.
func TestServerFieldsTakeIPv6(t *testing.T) {
	m, _ := openModel(t, nil, nil)
	m = relayTo(t, m, steps.StepServer)
	for _, tt := range []struct {
		host, port string
		wantPort   int
	}{
		{"::1", "2525", 2525},
		{"::1", "", 25},
		{"[::1]", "", 25},
		{"[::1]", "587", 587},
		{"[::1]:2525", "", 2525},
		{"[::1]:25", "", 25},
		{"[::1]:2525", "25", 2525},
		{"relay.contoso.com", "", 25},
	} {
		s := m.relaySrv()
		s.form = s.form.setValue(srvHost, tt.host).setValue(srvPort, tt.port)
		sm, errs := s.settings()
		for _, err := range errs {
			if err != nil {
				t.Errorf("host %q port %q: refused: %v", tt.host, tt.port, err)
			}
		}
		wantHost := "::1"
		if tt.host == "relay.contoso.com" {
			wantHost = tt.host
		}
		if sm.Host != wantHost || sm.Port != tt.wantPort {
			t.Errorf("host %q port %q: got %s port %d, want %s port %d", tt.host, tt.port, sm.Host, sm.Port, wantHost, tt.wantPort)
		}
	}
	if got := hostPort("::1", 25); got != "[::1]:25" {
		t.Errorf("hostPort = %q", got)
	}
}
