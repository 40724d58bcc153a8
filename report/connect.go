package report

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Reach is one fresh connectivity check of `pimmail report`: name
// resolution, the TCP connection, and the TLS handshake (direct, or after
// SMTP STARTTLS) with the certificate verified as pimmail verifies it.
type Reach struct {
	// What the host is for: "sign-in" or "smart host".
	Role string `json:"role"`
	Host string `json:"host"`
	Port int    `json:"port"`
	// StartTLS: TLS was started inside SMTP (port 587), not at connect.
	StartTLS bool `json:"starttls"`
	// Addresses the name resolved to.
	Addresses []string `json:"addresses,omitempty"`
	DNSError  string   `json:"dns_error,omitempty"`
	TCPMillis int64    `json:"tcp_ms"`
	TCPError  string   `json:"tcp_error,omitempty"`
	// TLSVersion is the version agreed ("TLS 1.3").
	TLSVersion string `json:"tls_version,omitempty"`
	// Issuer and Subject are of the server's certificate; Expires its end.
	Issuer   string    `json:"issuer,omitempty"`
	Subject  string    `json:"subject,omitempty"`
	Expires  time.Time `json:"expires,omitzero"`
	TLSError string    `json:"tls_error,omitempty"`
}

// OK reports whether every stage passed.
func (r Reach) OK() bool {
	return r.DNSError == "" && r.TCPError == "" && r.TLSError == "" && r.TLSVersion != ""
}

// Check resolves host, connects to port and shakes hands with TLS 1.2 or
// newer, verifying the certificate against roots (nil: the system's), each
// stage within timeout and all of them cancelled with ctx. With startTLS
// it reads the SMTP greeting and asks for STARTTLS first. It never fails:
// what went wrong is in the stage's error field.
func Check(ctx context.Context, role, host string, port int, startTLS bool, roots *x509.CertPool, timeout time.Duration) Reach {
	r := Reach{Role: role, Host: host, Port: port, StartTLS: startTLS}
	if host == "" {
		r.DNSError = "no host is configured"
		return r
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	addrs, err := net.DefaultResolver.LookupHost(dctx, host)
	cancel()
	if err != nil {
		r.DNSError = err.Error()
		return r
	}
	r.Addresses = addrs

	began := time.Now()
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(cctx, "tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	r.TCPMillis = time.Since(began).Milliseconds()
	if err != nil {
		r.TCPError = err.Error()
		return r
	}
	defer conn.Close()
	// The context's deadline bounds the SMTP exchange and the handshake;
	// cancelling ctx closes the connection.
	if dl, ok := cctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(cctx, func() { conn.Close() })
	defer stop()

	if startTLS {
		if err := smtpStartTLS(conn); err != nil {
			r.TLSError = "STARTTLS: " + err.Error()
			return r
		}
	}
	tc := tls.Client(conn, &tls.Config{ServerName: host, RootCAs: roots, MinVersion: tls.VersionTLS12})
	err = tc.HandshakeContext(cctx)
	var certs []*x509.Certificate
	if err == nil {
		st := tc.ConnectionState()
		r.TLSVersion = tls.VersionName(st.Version)
		certs = st.PeerCertificates
	} else {
		r.TLSError = err.Error()
		// A certificate that does not verify is still worth naming:
		// whose it is tells support whether a proxy replaced it.
		var ve *tls.CertificateVerificationError
		if errors.As(err, &ve) {
			certs = ve.UnverifiedCertificates
		}
	}
	if len(certs) > 0 {
		r.Issuer = certs[0].Issuer.String()
		r.Subject = certs[0].Subject.String()
		r.Expires = certs[0].NotAfter
	}
	return r
}

// smtpStartTLS reads the greeting, says EHLO and asks for STARTTLS.
func smtpStartTLS(conn net.Conn) error {
	br := bufio.NewReader(conn)
	if _, err := readReply(br, "220"); err != nil {
		return fmt.Errorf("greeting: %w", err)
	}
	if _, err := fmt.Fprintf(conn, "EHLO pimmail-report\r\n"); err != nil {
		return err
	}
	if _, err := readReply(br, "250"); err != nil {
		return fmt.Errorf("EHLO: %w", err)
	}
	if _, err := fmt.Fprintf(conn, "STARTTLS\r\n"); err != nil {
		return err
	}
	if _, err := readReply(br, "220"); err != nil {
		return err
	}
	if br.Buffered() > 0 {
		return errors.New("the server sent data before the TLS handshake")
	}
	return nil
}

// readReply reads one (multi-line) SMTP reply and wants code.
func readReply(br *bufio.Reader, code string) (string, error) {
	var all []string
	for len(all) < 100 {
		line, err := br.ReadString('\n')
		if err != nil {
			return "", err
		}
		line = strings.TrimRight(line, "\r\n")
		all = append(all, line)
		if len(line) < 4 || line[3] != '-' {
			if !strings.HasPrefix(line, code) {
				return "", fmt.Errorf("the server answered %q", strings.Join(all, " / "))
			}
			return strings.Join(all, "\n"), nil
		}
	}
	return "", errors.New("the reply has more than 100 lines")
}
