package diagnose

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Net classifies a dial/DNS/TLS/timeout/cancel error; ok is false when err
// is none of those. The order matters: cancellation first (the user's
// choice beats whatever the cancellation broke), then DNS (a DNS timeout is
// a DNS problem, not a slow server), TLS (a remote TLS alert arrives as a
// *net.OpError), then the socket errors and timeouts.
func Net(err error, f Facts) (p *Problem, ok bool) {
	if err == nil {
		return nil, false
	}
	f = factsFromAddr(err, f)
	raw := err.Error()
	switch {
	case errors.Is(err, context.Canceled):
		return New(NetCancelled, f, raw, err), true
	}
	if p, ok := proxyProblem(err, f, raw, false); ok {
		return p, true
	}

	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if f.Host == "" {
			f.Host = dnsErr.Name
		}
		p := New(NetDNS, f, raw, err)
		switch {
		case dnsErr.IsNotFound:
			p.addExplanation(" The name does not exist.")
		case noRoute(err, dnsErr):
			// Go's resolver flags this as temporary, but no timing is
			// involved: the DNS server could not even be dialled.
			p.addExplanation(" Even the DNS server" + serverOf(dnsErr) + " could not be reached (network unreachable): " +
				"this server has no network route at all, so this is not a DNS timing problem; its network " +
				"connection or default route is missing.")
		case dnsErr.IsTimeout || dnsErr.IsTemporary:
			p.addExplanation(" The DNS server did not answer in time or failed temporarily.")
		}
		return p, true
	}

	if p, ok := tlsProblem(err, f, raw); ok {
		return p, true
	}

	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return New(NetRefused, f, raw, err), true
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETDOWN), errors.Is(err, syscall.EHOSTDOWN):
		return New(NetUnreachable, f, raw, err), true
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return New(NetTimeout, f, raw, err), true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return New(NetTimeout, f, raw, err), true
	}
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
		return New(NetDropped, f, raw, err), true
	}
	return nil, false
}

// noRoute reports whether a DNS lookup failed because the DNS server could
// not be dialled for want of a route (ENETUNREACH, EHOSTUNREACH). Go's
// resolver keeps only the text of that cause in DNSError.Err, so the text
// is matched when the error chain does not carry the errno.
func noRoute(err error, d *net.DNSError) bool {
	if errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, syscall.EHOSTUNREACH) {
		return true
	}
	return strings.Contains(d.Err, syscall.ENETUNREACH.Error()) || strings.Contains(d.Err, syscall.EHOSTUNREACH.Error())
}

// serverOf names the DNS server asked, for a sentence (" 10.0.0.53").
func serverOf(d *net.DNSError) string {
	if h, _, err := net.SplitHostPort(d.Server); err == nil && h != "" {
		return " " + h
	}
	return ""
}

// tlsProblem recognises certificate failures, TLS version refusals and
// other handshake failures.
func tlsProblem(err error, f Facts, raw string) (*Problem, bool) {
	var (
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		verify    *tls.CertificateVerificationError
	)
	switch {
	case errors.As(err, &hostname):
		p := New(TLSCertificate, f, raw, err)
		p.setExplanation("The certificate " + hostOr(f) + " presented is not for that name" + certNames(hostname.Certificate) +
			". The host name must match a name in the certificate.")
		return p, true
	case errors.As(err, &unknownCA):
		p := New(TLSCertificate, f, raw, err)
		p.setExplanation("The certificate " + hostOr(f) + " presented is signed by an authority this server does not trust" +
			issuer(unknownCA.Cert) + ".")
		return p, true
	case errors.As(err, &invalid):
		p := New(TLSCertificate, f, raw, err)
		if invalid.Reason == x509.Expired {
			p.setExplanation("The certificate " + hostOr(f) + " presented has expired or is not yet valid" + validity(invalid.Cert) +
				" (check also this server's clock).")
		}
		return p, true
	case errors.As(err, &verify):
		return New(TLSCertificate, f, raw, err), true
	}
	if tooOld(raw) {
		return New(TLSTooOld, f, raw, err), true
	}
	var (
		rec   tls.RecordHeaderError
		alert tls.AlertError
		ech   *tls.ECHRejectionError
	)
	if errors.As(err, &rec) {
		p := New(TLSHandshake, f, raw, err)
		p.setExplanation(hostOr(f) + " did not answer with TLS: the port expects plain SMTP (use STARTTLS there) or is not a mail server.")
		return p, true
	}
	if errors.As(err, &alert) || errors.As(err, &ech) {
		return New(TLSHandshake, f, raw, err), true
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "remote error" {
		// A TLS alert from the server: crypto/tls wraps its unexported alert
		// type in a *net.OpError with this Op.
		return New(TLSHandshake, f, raw, err), true
	}
	if strings.Contains(raw, "tls: ") {
		return New(TLSHandshake, f, raw, err), true
	}
	return nil, false
}

// tooOld reports the two texts crypto/tls gives when the server speaks
// only versions below the client's minimum: the server's protocol_version
// alert, or the client's own refusal of the version the server picked.
func tooOld(text string) bool {
	return strings.Contains(text, "protocol version not supported") ||
		strings.Contains(text, "server selected unsupported protocol version") ||
		strings.Contains(text, "offered only unsupported versions")
}

// factsFromAddr fills Host and Port from the error when the caller left
// them empty: the URL of an HTTP call (the Entra endpoint) or the address
// of a dial.
func factsFromAddr(err error, f Facts) Facts {
	if f.Host != "" {
		return f
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil && u.Host != "" {
			f.Host = u.Hostname()
			if f.Port == 0 {
				f.Port, _ = strconv.Atoi(u.Port())
				if f.Port == 0 && u.Scheme == "https" {
					f.Port = 443
				}
			}
			return f
		}
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Addr != nil {
		if h, p, serr := net.SplitHostPort(op.Addr.String()); serr == nil {
			f.Host = h
			if f.Port == 0 {
				f.Port, _ = strconv.Atoi(p)
			}
		}
	}
	return f
}

// hostOr names the server for sentences written outside the catalogue.
func hostOr(f Facts) string {
	if f.Host == "" {
		return "the server"
	}
	return f.Host
}

func certNames(c *x509.Certificate) string {
	if c == nil {
		return ""
	}
	names := c.DNSNames
	if len(names) == 0 && c.Subject.CommonName != "" {
		names = []string{c.Subject.CommonName}
	}
	if len(names) == 0 {
		return ""
	}
	if len(names) > 4 {
		names = append(names[:4:4], "...")
	}
	return " (it names " + strings.Join(names, ", ") + ")"
}

func issuer(c *x509.Certificate) string {
	if c == nil || c.Issuer.String() == "" {
		return ""
	}
	return " (issuer: " + c.Issuer.String() + ")"
}

func validity(c *x509.Certificate) string {
	if c == nil {
		return ""
	}
	return " (valid " + c.NotBefore.UTC().Format(time.DateOnly) + " to " + c.NotAfter.UTC().Format(time.DateOnly) + ")"
}
