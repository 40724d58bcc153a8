package diagnose

// Scripted loopback peers for the tests: a certificate maker, an SMTP
// server that answers the reply under test, and a DNS server that answers
// NXDOMAIN or SERVFAIL. They let the tests produce real go-mail, net, tls
// and x509 error values instead of hand-made look-alikes. Everything
// listens on 127.0.0.1 only.

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// testCert makes a self-signed certificate for names (DNS names, or IPs)
// valid from notBefore to notAfter, and a pool that trusts it.
func testCert(t testing.TB, notBefore, notAfter time.Time, names ...string) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "pimmail test CA " + names[0]},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// validCert is a certificate for 127.0.0.1 and localhost valid now.
func validCert(t testing.TB) (tls.Certificate, *x509.CertPool) {
	return testCert(t, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour), "127.0.0.1", "localhost")
}

// smtpScript is what the scripted SMTP server answers. Empty replies mean
// Exchange Online's success answer for that command.
type smtpScript struct {
	// TLS, when set, makes the server advertise STARTTLS and upgrade with it.
	TLS *tls.Config
	// NoAuth leaves AUTH out of the EHLO answer; NoXOAUTH2 offers only LOGIN.
	NoAuth, NoXOAUTH2 bool
	// Greeting replaces the 220 greeting (e.g. a 421 refusal).
	Greeting                  string
	Auth, Mail, Rcpt, DataEnd string
	Silent                    bool // accept and never answer
	// SilentAt stops answering at this command; DropAt closes the
	// connection when it arrives.
	SilentAt, DropAt string
	authLines        []string
	mu               sync.Mutex
}

// serveSMTP starts the scripted server and returns its port.
func serveSMTP(t testing.TB, s *smtpScript) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.conversation(c)
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

func (s *smtpScript) conversation(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	if s.Silent {
		_, _ = bufio.NewReader(c).ReadString('\n') // hold the connection open, answer nothing
		time.Sleep(10 * time.Second)
		return
	}
	r := bufio.NewReader(c)
	w := func(lines ...string) {
		_, _ = c.Write([]byte(strings.Join(lines, "\r\n") + "\r\n"))
	}
	or := func(reply, def string) string {
		if reply != "" {
			return reply
		}
		return def
	}
	if s.Greeting != "" {
		w(s.Greeting)
		return
	}
	w("220 PH0PR07CA0001.outlook.office365.com Microsoft ESMTP MAIL Service ready at " + time.Now().UTC().Format(time.RFC1123Z))
	secure := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		if s.DropAt != "" && verb == s.DropAt {
			return
		}
		if s.SilentAt != "" && verb == s.SilentAt {
			time.Sleep(10 * time.Second)
			return
		}
		switch verb {
		case "EHLO", "HELO":
			lines := []string{"250-PH0PR07CA0001.outlook.office365.com Hello [127.0.0.1]", "250-SIZE 157286400",
				"250-PIPELINING", "250-DSN", "250-ENHANCEDSTATUSCODES"}
			if s.TLS != nil && !secure {
				lines = append(lines, "250-STARTTLS")
			}
			if !s.NoAuth && (secure || s.TLS == nil) {
				if s.NoXOAUTH2 {
					lines = append(lines, "250-AUTH LOGIN")
				} else {
					lines = append(lines, "250-AUTH LOGIN XOAUTH2")
				}
			}
			lines = append(lines, "250-8BITMIME", "250-BINARYMIME", "250-CHUNKING", "250 SMTPUTF8")
			w(lines...)
		case "STARTTLS":
			if s.TLS == nil {
				w("500 5.3.3 Unrecognized command 'STARTTLS'")
				continue
			}
			w("220 2.0.0 SMTP server ready")
			tc := tls.Server(c, s.TLS)
			if err := tc.Handshake(); err != nil {
				return
			}
			c, r, secure = tc, bufio.NewReader(tc), true
		case "AUTH":
			s.mu.Lock()
			s.authLines = append(s.authLines, line)
			s.mu.Unlock()
			w(or(s.Auth, "235 2.7.0 Authentication successful"))
		case "MAIL":
			w(or(s.Mail, "250 2.1.0 Sender OK"))
		case "RCPT":
			w(or(s.Rcpt, "250 2.1.5 Recipient OK"))
		case "DATA":
			w("354 Start mail input; end with <CRLF>.<CRLF>")
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
			}
			w(or(s.DataEnd, "250 2.0.0 OK <message-id> [Hostname=PH0PR07MB0001.namprd07.prod.outlook.com]"))
		case "RSET":
			w("250 2.0.0 Resetting")
		case "NOOP":
			w("250 2.0.0 OK")
		case "QUIT":
			w("221 2.0.0 Service closing transmission channel")
			return
		default:
			w("500 5.3.3 Unrecognized command")
		}
	}
}

// dnsServer answers every query with rcode (3 = NXDOMAIN, 2 = SERVFAIL)
// on a loopback UDP port, and returns a resolver that asks only it. The Go
// resolver then produces its real *net.DNSError without any query leaving
// this machine.
func dnsServer(t testing.TB, rcode byte) *net.Resolver {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, addr, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if n < 12 {
				continue
			}
			q := buf[:n]
			// Echo ID and question; QR=1, opcode 0, RD copied, RA=1, rcode.
			resp := make([]byte, 0, n)
			resp = append(resp, q[0], q[1], 0x80|(q[2]&0x01), 0x80|rcode)
			resp = binary.BigEndian.AppendUint16(resp, binary.BigEndian.Uint16(q[4:6])) // QDCOUNT
			resp = append(resp, 0, 0, 0, 0, 0, 0)                                       // AN, NS, AR = 0
			resp = append(resp, q[12:]...)
			// Drop any EDNS OPT record the question carried in ARCOUNT:
			// we reported ARCOUNT 0, so strip it from the echoed question.
			if ar := binary.BigEndian.Uint16(q[10:12]); ar > 0 {
				resp = resp[:12+questionLen(q[12:])]
			}
			_, _ = pc.WriteTo(resp, addr)
		}
	}()
	addr := pc.LocalAddr().String()
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", addr)
		},
	}
}

// questionLen is the length of the first question (name + type + class).
func questionLen(b []byte) int {
	i := 0
	for i < len(b) && b[i] != 0 {
		i += int(b[i]) + 1
	}
	return min(i+1+4, len(b))
}
