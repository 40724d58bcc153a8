package report_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/report"
	"github.com/pimmail/pimmail/secret"
)

func TestMaskConfigHidesEverySecret(t *testing.T) {
	c := config.Default()
	c.Entra.ClientSecret = secret.New("Abc8Q~report.Secret-Value_0123456789wxyz")
	c.Relay.Password = secret.New("relay-pass-phrase")
	c.Local.Password = secret.New("local-pass-phrase")
	text := report.ConfigJSON(c)
	for _, s := range []string{"Abc8Q~report.Secret-Value_0123456789", "relay-pass-phrase", "local-pass-phrase"} {
		if strings.Contains(text, s) {
			t.Errorf("the masked configuration shows %q:\n%s", s, text)
		}
	}
	// What support may see: which secret (last 4) and that passwords are set.
	for _, want := range []string{`"clientSecret": "` + secret.Mask + `wxyz"`, `"password": "set (` + secret.Mask + `)"`} {
		if !strings.Contains(text, want) {
			t.Errorf("lacks %s:\n%s", want, text)
		}
	}
	if c.Entra.ClientSecret.IsZero() || report.MaskConfig(config.Default()).Relay.Password != "" {
		t.Error("an unset password became set, or the input was changed")
	}
}

func hostPort(t *testing.T, addr string) (string, int) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	var port int
	for _, r := range p {
		port = port*10 + int(r-'0')
	}
	return h, port
}

func TestCheckDirectTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	h, p := hostPort(t, srv.Listener.Addr().String())
	r := report.Check(context.Background(), "sign-in", h, p, false, roots, 5*time.Second)
	if !r.OK() || !strings.HasPrefix(r.TLSVersion, "TLS 1.") || r.Issuer == "" || len(r.Addresses) == 0 {
		t.Fatalf("check: %+v", r)
	}
	// Not trusted: the handshake fails (verification is never off), and
	// the certificate is still named.
	r = report.Check(context.Background(), "sign-in", h, p, false, x509.NewCertPool(), 5*time.Second)
	if r.OK() || r.TLSError == "" || r.Issuer == "" {
		t.Fatalf("an untrusted certificate: %+v", r)
	}
}

func TestCheckStartTLSAndSilence(t *testing.T) {
	srv := httptest.NewUnstartedServer(nil)
	srv.StartTLS() // only for its certificate
	cert := srv.TLS.Certificates[0]
	srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				br := bufio.NewReader(c)
				c.Write([]byte("220 test ESMTP\r\n"))
				br.ReadString('\n')
				c.Write([]byte("250-test\r\n250 STARTTLS\r\n"))
				br.ReadString('\n')
				c.Write([]byte("220 go ahead\r\n"))
				tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}})
				tc.Handshake()
				tc.Close()
			}(c)
		}
	}()
	roots := x509.NewCertPool()
	roots.AddCert(cert.Leaf)
	if cert.Leaf == nil {
		leaf, _ := x509.ParseCertificate(cert.Certificate[0])
		roots.AddCert(leaf)
	}
	h, p := hostPort(t, ln.Addr().String())
	r := report.Check(context.Background(), "smart host", h, p, true, roots, 5*time.Second)
	if !r.OK() || r.Issuer == "" {
		t.Fatalf("STARTTLS check: %+v", r)
	}

	// A server that accepts and says nothing: the check ends at its timeout.
	quiet, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer quiet.Close()
	go func() {
		for {
			c, err := quiet.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	h, p = hostPort(t, quiet.Addr().String())
	began := time.Now()
	r = report.Check(context.Background(), "smart host", h, p, true, roots, 300*time.Millisecond)
	if r.OK() || r.TLSError == "" || time.Since(began) > 10*time.Second {
		t.Fatalf("a silent server: %+v after %v", r, time.Since(began))
	}
}
