package relay

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// Loopback are the client networks of programs on this server: the relay
// accepts them on every listen address, and lets them use AUTH without TLS.
var Loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// Widest prefixes an --allow entry may have. A wider network is the
// internet, not "our application servers": with it the relay would be an
// open relay in all but name.
const (
	minBits4 = 8
	minBits6 = 16
)

// ParseAllow parses the --allow list: comma-separated networks in CIDR
// notation (10.1.2.0/24, 2001:db8::/48) or single addresses (10.1.2.3).
func ParseAllow(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		var p netip.Prefix
		if strings.Contains(f, "/") {
			pp, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("--allow %q is not a network: write it as 10.1.2.0/24 or a single address as 10.1.2.3", f)
			}
			p = pp.Masked()
		} else {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("--allow %q is not an address: write a network as 10.1.2.0/24 or a single address as 10.1.2.3", f)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		if (p.Addr().Is4() && p.Bits() < minBits4) || (p.Addr().Is6() && p.Bits() < minBits6) {
			return nil, fmt.Errorf("--allow %s is too wide: it would let most of the internet send mail as your mailbox (an open relay). "+
				"Name the networks of the servers that send through this relay, e.g. --allow 10.1.2.0/24", p)
		}
		out = append(out, p)
	}
	return out, nil
}

// allowed reports whether addr is in one of the networks.
func allowed(nets []netip.Prefix, addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, p := range nets {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// remoteAddr is the client's address of a connection.
func remoteAddr(c net.Conn) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(c.RemoteAddr().String())
	if err != nil {
		return netip.Addr{}, false
	}
	return ap.Addr().Unmap(), true
}

// CheckListen refuses a listen address that is not loopback when no client
// networks besides loopback are allowed: a relay reachable from other hosts
// must say who may use it.
func CheckListen(listen string, allow []netip.Prefix) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("--listen %q is not host:port (e.g. 127.0.0.1:2525): %v", listen, err)
	}
	if isLoopbackHost(host) {
		return nil
	}
	if len(allow) == 0 {
		return fmt.Errorf("--listen %s is reachable from other hosts, and pimmail relay is never an open relay: "+
			"name the client networks allowed to send with --allow (e.g. --allow 10.1.2.0/24), "+
			"or listen on loopback only (--listen 127.0.0.1:2525)", listen)
	}
	return nil
}

// isLoopbackHost reports whether a listen host is a loopback address or
// localhost (which resolves to loopback only).
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}
