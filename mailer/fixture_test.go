package mailer

// A small SMTP server for what the sandbox's stand-ins do not offer: a
// relay with AUTH PLAIN/LOGIN (the EOP stand-in has no AUTH, as EOP), a
// server on implicit TLS (port 465 style), and one without STARTTLS. It is
// emersion/go-smtp on 127.0.0.1 with a CA made for the test; pimmail's
// code talks to it over real loopback TCP and TLS like to any server.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
)

// fixtureOptions shape the test server.
type fixtureOptions struct {
	// tls: none (no STARTTLS offered), starttls (offered), implicit.
	tls TLSMode
	// mechs are the AUTH mechanisms offered ("PLAIN", "LOGIN"); none means
	// no AUTH. user and pass are the only accepted credentials.
	mechs      []string
	user, pass string
	// host is the loopback address to listen on: "127.0.0.1" (the
	// default) or "::1".
	host string
}

// fixture is a running test server.
type fixture struct {
	host    string
	port    int
	roots   *x509.CertPool
	mode    TLSMode
	mu      sync.Mutex
	msgs    []fixtureMsg
	authed  []string
	options fixtureOptions
}

// fixtureMsg is one accepted message.
type fixtureMsg struct {
	from string
	to   []string
	data []byte
}

func (f *fixture) server() Server {
	return Server{Host: f.host, Port: f.port, TLS: f.mode, RootCAs: f.roots, Timeout: 10 * time.Second}
}

func (f *fixture) messages() []fixtureMsg {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fixtureMsg(nil), f.msgs...)
}

func startFixture(t testing.TB, o fixtureOptions) *fixture {
	t.Helper()
	leaf, roots := testCertificate(t)
	f := &fixture{host: "127.0.0.1", roots: roots, mode: o.tls, options: o}
	if o.host != "" {
		f.host = o.host
	}
	if f.mode == "" {
		f.mode = NoTLS
	}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(*gosmtp.Conn) (gosmtp.Session, error) {
		return &fixtureSession{f: f}, nil
	}))
	srv.Domain = "fixture.test"
	srv.AllowInsecureAuth = true // a relay on a trusted network may; pimmail decides what it sends
	srv.ErrorLog = discardLog{}
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	tlsConf := &tls.Config{Certificates: []tls.Certificate{leaf}, MinVersion: tls.VersionTLS12}
	ln, err := net.Listen("tcp", net.JoinHostPort(f.host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	switch o.tls {
	case StartTLS:
		srv.TLSConfig = tlsConf
	case ImplicitTLS:
		ln = tls.NewListener(ln, tlsConf)
	}
	f.port = ln.Addr().(*net.TCPAddr).Port
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return f
}

type discardLog struct{}

func (discardLog) Printf(string, ...any) {}
func (discardLog) Println(...any)        {}

// fixtureSession accepts everything once authenticated (when AUTH is on).
type fixtureSession struct {
	f      *fixture
	authed bool
	from   string
	to     []string
}

var errAuthFailed = &gosmtp.SMTPError{Code: 535, EnhancedCode: gosmtp.EnhancedCode{5, 7, 8}, Message: "Error: authentication failed"}

func (s *fixtureSession) check(user, pass string) error {
	if user != s.f.options.user || pass != s.f.options.pass {
		return errAuthFailed
	}
	s.authed = true
	s.f.mu.Lock()
	s.f.authed = append(s.f.authed, user)
	s.f.mu.Unlock()
	return nil
}

func (s *fixtureSession) AuthMechanisms() []string { return s.f.options.mechs }

func (s *fixtureSession) Auth(mech string) (sasl.Server, error) {
	switch mech {
	case "PLAIN":
		return sasl.NewPlainServer(func(_, user, pass string) error { return s.check(user, pass) }), nil
	case "LOGIN":
		return &loginServer{check: s.check}, nil
	}
	return nil, errors.New("unsupported mechanism")
}

func (s *fixtureSession) Mail(from string, _ *gosmtp.MailOptions) error {
	if len(s.f.options.mechs) > 0 && !s.authed {
		return &gosmtp.SMTPError{Code: 530, EnhancedCode: gosmtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	}
	s.from = from
	return nil
}

func (s *fixtureSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *fixtureSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.f.mu.Lock()
	s.f.msgs = append(s.f.msgs, fixtureMsg{from: s.from, to: s.to, data: b})
	s.f.mu.Unlock()
	return nil
}

func (s *fixtureSession) Reset()        { s.from, s.to = "", nil }
func (s *fixtureSession) Logout() error { return nil }

// loginServer is SASL LOGIN as servers do it: "Username:", "Password:".
type loginServer struct {
	step  int
	user  string
	check func(user, pass string) error
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		l.step++
		if len(resp) > 0 {
			l.user = string(resp)
			l.step++
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 1:
		l.step++
		l.user = string(resp)
		return []byte("Password:"), false, nil
	default:
		return nil, true, l.check(l.user, string(resp))
	}
}

// testCertificate makes a CA and a leaf for 127.0.0.1 and localhost.
func testCertificate(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mailer test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "fixture.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}
