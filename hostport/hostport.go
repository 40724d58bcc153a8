// Package hostport is the one place that writes a host and a port as one
// address: "smtp.office365.com:587", "192.0.2.1:25", "[2001:db8::1]:25".
// Writing host + ":" + port instead breaks on an IPv6 literal ("::1:25",
// which a dialer refuses with "too many colons in address").
package hostport

import (
	"net"
	"strconv"
	"strings"
)

// Join returns host and port as one address, with an IPv6 literal in
// brackets, as dialers and the wizard's host[:port] field read it. A host
// already in brackets is not bracketed twice.
func Join(host string, port int) string {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	return net.JoinHostPort(host, strconv.Itoa(port))
}
