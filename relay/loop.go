package relay

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"time"
)

// Server is where the enabled provider sends: what the relay must not be.
type Server struct {
	Host     string
	Port     int
	Provider string // its label, for the message
}

// CheckLoop refuses to listen on the enabled provider's own server: every
// message the relay queued would be delivered back to it, forever (a mail
// loop). The provider's host is resolved (bounded by ctx); a name that
// does not resolve cannot be this server.
func CheckLoop(ctx context.Context, listen string, prov Server) error {
	if prov.Host == "" || prov.Port == 0 {
		return nil
	}
	lhost, lport, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("--listen %q is not host:port: %v", listen, err)
	}
	lp, err := net.LookupPort("tcp", lport)
	if err != nil || lp != prov.Port {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	provIPs, err := resolve(ctx, prov.Host)
	if err != nil {
		return nil
	}
	var listenIPs []netip.Addr
	unspecified := lhost == ""
	if !unspecified {
		listenIPs, err = resolve(ctx, lhost)
		if err != nil {
			return nil
		}
		for _, a := range listenIPs {
			if a.IsUnspecified() {
				unspecified = true
			}
		}
	}
	if unspecified {
		// Listening on every address: any address of this host is us.
		listenIPs = localAddrs()
	}
	for _, p := range provIPs {
		for _, l := range listenIPs {
			if p == l {
				return &LoopError{Listen: listen, Prov: prov}
			}
		}
	}
	return nil
}

// LoopError is a listen address that is the provider's server.
type LoopError struct {
	Listen string
	Prov   Server
}

func (e *LoopError) Error() string {
	other := "127.0.0.1:2525"
	if e.Prov.Port == 2525 {
		other = "127.0.0.1:2526"
	}
	return fmt.Sprintf("pimmail relay would listen on %s, which is the server the enabled provider (%s) sends to "+
		"(%s): every message would come back to the relay and never leave (a mail loop). "+
		"Either give the relay another address (pimmail relay --listen %s), or run pimmail (the setup wizard) "+
		"and point the %s provider at the mail server that really delivers.",
		e.Listen, e.Prov.Provider, net.JoinHostPort(e.Prov.Host, strconv.Itoa(e.Prov.Port)), other, e.Prov.Provider)
}

func resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a.Unmap()}, nil
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	for i := range ips {
		ips[i] = ips[i].Unmap()
	}
	return ips, err
}

// localAddrs are this host's addresses (loopback included).
func localAddrs() []netip.Addr {
	out := []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.IPv6Loopback()}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			out = append(out, p.Addr().Unmap())
		}
	}
	return out
}
