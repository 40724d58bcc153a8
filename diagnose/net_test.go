package diagnose

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pimmail/pimmail/sandbox/sandboxtest"
)

// tlsListener serves TLS with cfg and completes handshakes, then closes.
func tlsListener(t testing.TB, cfg *tls.Config) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
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
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				_ = c.(*tls.Conn).Handshake()
				_, _ = io.Copy(io.Discard, c)
			}()
		}
	}()
	return ln.Addr().String()
}

func ctxTimeout(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestNetRealErrors(t *testing.T) {
	cert, pool := validCert(t)
	expired, expiredPool := testCert(t, time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour), "127.0.0.1")
	goodTLS := tlsListener(t, &tls.Config{Certificates: []tls.Certificate{cert}})
	expiredTLS := tlsListener(t, &tls.Config{Certificates: []tls.Certificate{expired}})
	oldTLS := tlsListener(t, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11})
	plainSMTP := serveSMTP(t, &smtpScript{})
	silentPort, _ := sandboxtest.Silent(t)
	silent := "127.0.0.1:" + strconv.Itoa(silentPort)
	nx := dnsServer(t, 3)
	servfail := dnsServer(t, 2)

	tests := []struct {
		name    string
		produce func() error
		want    Code
		explain string // part of the explanation
	}{
		{"refused", func() error {
			_, err := (&net.Dialer{}).DialContext(ctxTimeout(t), "tcp", "127.0.0.1:"+strconv.Itoa(sandboxtest.ClosedPort(t)))
			return err
		}, NetRefused, "nothing is listening"},
		{"read timeout", func() error {
			c, err := net.Dial("tcp", silent)
			if err != nil {
				return err
			}
			defer c.Close()
			_ = c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
			_, err = c.Read(make([]byte, 1))
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("expected a deadline error, got %v", err)
			}
			return err
		}, NetTimeout, "did not answer"},
		{"context deadline while dialling", func() error {
			ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
			defer cancel()
			_, err := (&net.Dialer{}).DialContext(ctx, "tcp", silent)
			return err
		}, NetTimeout, "did not answer"},
		{"cancelled", func() error {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			_, err := (&net.Dialer{}).DialContext(ctx, "tcp", silent)
			return err
		}, NetCancelled, "cancelled"},
		{"dns not found (.invalid, loopback DNS)", func() error {
			_, err := nx.LookupHost(ctxTimeout(t), "pimmail-test.invalid")
			return err
		}, NetDNS, "does not exist"},
		{"dns not found while dialling", func() error {
			_, err := (&net.Dialer{Resolver: nx}).DialContext(ctxTimeout(t), "tcp", "smtp.pimmail-test.invalid:587")
			return err
		}, NetDNS, "does not exist"},
		{"dns server failure", func() error {
			_, err := servfail.LookupHost(ctxTimeout(t), "pimmail-test.invalid")
			return err
		}, NetDNS, "temporarily"},
		{"untrusted certificate", func() error {
			_, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", goodTLS, &tls.Config{ServerName: "localhost"})
			return err
		}, TLSCertificate, "authority this server does not trust"},
		{"certificate for another name", func() error {
			_, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", goodTLS, &tls.Config{RootCAs: pool, ServerName: "smtp.office365.com"})
			return err
		}, TLSCertificate, "not for that name (it names localhost)"},
		{"expired certificate", func() error {
			_, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", expiredTLS, &tls.Config{RootCAs: expiredPool, ServerName: "127.0.0.1"})
			return err
		}, TLSCertificate, "has expired"},
		{"server speaks only TLS 1.0/1.1", func() error {
			_, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", oldTLS, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12})
			return err
		}, TLSTooOld, "TLS 1.0 or 1.1"},
		{"implicit TLS to a plain SMTP port", func() error {
			_, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", "127.0.0.1:"+strconv.Itoa(plainSMTP), &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
			return err
		}, TLSHandshake, "did not answer with TLS"},
		{"network unreachable (as net.Dialer reports it)", func() error {
			return &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.ParseIP("192.0.2.1"), Port: 587},
				Err: os.NewSyscallError("connect", syscall.ENETUNREACH)}
		}, NetUnreachable, "no route"},
		{"https call to a closed port (as MSAL wraps it)", func() error {
			_, err := (&http.Client{Timeout: 5 * time.Second}).Get("https://127.0.0.1:" + strconv.Itoa(sandboxtest.ClosedPort(t)) + "/common/v2.0/.well-known/openid-configuration")
			return fmt.Errorf("server response error:\n %w", err)
		}, NetRefused, "127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.produce()
			if err == nil {
				t.Fatal("no error produced")
			}
			p, ok := Net(err, Facts{})
			if !ok {
				t.Fatalf("Net did not recognise %T: %v", err, err)
			}
			if p.Code != tt.want {
				t.Fatalf("code = %s, want %s (err %T: %v)", p.Code, tt.want, err, err)
			}
			if !strings.Contains(p.Explanation, tt.explain) {
				t.Errorf("explanation %q lacks %q", p.Explanation, tt.explain)
			}
			if p.Raw != err.Error() {
				t.Errorf("raw = %q, want the error text %q", p.Raw, err.Error())
			}
			if !errors.Is(p, err) {
				t.Errorf("problem does not wrap the error")
			}
			// The same error through the Entra and SMTP entry points.
			if q := Entra(err, Facts{}); q.Code != tt.want {
				t.Errorf("Entra: code = %s, want %s", q.Code, tt.want)
			}
			if q := SMTP(err, Facts{}); q.Code != tt.want {
				t.Errorf("SMTP: code = %s, want %s", q.Code, tt.want)
			}
		})
	}
}

func TestNetFillsHostFromError(t *testing.T) {
	port := sandboxtest.ClosedPort(t)
	_, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
	p, ok := Net(err, Facts{})
	if !ok || !strings.Contains(p.Fix, "nc -vz 127.0.0.1 "+strconv.Itoa(port)) {
		t.Fatalf("fix does not name the dialled address: %+v", p)
	}
	// The caller's facts win over the error's address.
	p, _ = Net(err, Facts{Host: "relay.contoso.com", Port: 25})
	if !strings.Contains(p.Fix, "nc -vz relay.contoso.com 25") {
		t.Fatalf("fix ignores the facts: %s", p.Fix)
	}
}

func TestNetIgnoresOtherErrors(t *testing.T) {
	for _, err := range []error{nil, errors.New("boom"), fmt.Errorf("wrapped: %w", errors.New("x"))} {
		if p, ok := Net(err, Facts{}); ok || p != nil {
			t.Errorf("Net(%v) = %v, %v; want nil, false", err, p, ok)
		}
	}
}

// With no network at all, a lookup fails while dialling the DNS server
// ("network is unreachable"); Go's resolver flags that as temporary, yet it
// is no DNS timing problem: the server has no route at all. The Entra
// variant keeps its fix (HTTPS 443, curl, HTTPS_PROXY). No route to the
// loopback address is the loopback interface being down.
func TestNoRouteExplained(t *testing.T) {
	unreachable := func(ip string, port int, errno syscall.Errno) error {
		return &net.OpError{Op: "dial", Net: "udp", Addr: &net.UDPAddr{IP: net.ParseIP(ip), Port: port},
			Err: os.NewSyscallError("connect", errno)}
	}
	// lookup runs Go's real resolver with a dialler that fails as an
	// unplugged server's does, so the *net.DNSError is the real one.
	lookup := func(host string, errno syscall.Errno) error {
		r := &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
			return nil, unreachable("10.255.255.53", 53, errno)
		}}
		_, err := r.LookupHost(context.Background(), host)
		return err
	}
	tests := []struct {
		name     string
		err      error
		facts    Facts
		code     Code
		want     []string
		wantNot  []string
		fixWants []string
	}{
		{"entra lookup, network unreachable", lookup("login.microsoftonline.com", syscall.ENETUNREACH), Facts{}, NetDNS,
			[]string{"no network route at all", "not a DNS timing problem", "10.255.255.53"},
			[]string{"did not answer in time"},
			[]string{"TCP 443", "curl -sI https://login.microsoftonline.com/", "HTTPS_PROXY"}},
		{"smtp lookup, host unreachable", lookup("smtp.office365.com", syscall.EHOSTUNREACH), Facts{}, NetDNS,
			[]string{"no network route at all"}, []string{"did not answer in time"}, nil},
		{"local smtp, loopback down", unreachable("127.0.0.1", 25, syscall.ENETUNREACH), Facts{Host: "localhost", Port: 25, LocalSMTP: true}, NetUnreachable,
			[]string{"loopback interface lo is down", "not a matter of the default route"}, nil,
			[]string{"ip link set lo up", "nc -vz localhost 25"}},
		{"loopback address from the error", unreachable("127.0.0.1", 2525, syscall.ENETUNREACH), Facts{}, NetUnreachable,
			[]string{"no route to 127.0.0.1, its own loopback address"}, nil, []string{"ip link set lo up"}},
		{"remote relay unreachable stays generic", unreachable("192.0.2.1", 25, syscall.ENETUNREACH), Facts{}, NetUnreachable,
			[]string{"no route to 192.0.2.1"}, []string{"loopback"}, []string{"default route"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ok := Net(tt.err, tt.facts)
			if !ok || p.Code != tt.code {
				t.Fatalf("Net = %+v, %v; want %s", p, ok, tt.code)
			}
			for _, w := range tt.want {
				if !strings.Contains(p.Explanation, w) {
					t.Errorf("explanation %q lacks %q", p.Explanation, w)
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(p.Explanation, w) {
					t.Errorf("explanation %q has %q", p.Explanation, w)
				}
			}
			for _, w := range tt.fixWants {
				if !strings.Contains(p.Fix, w) {
					t.Errorf("fix %q lacks %q", p.Fix, w)
				}
			}
		})
	}
}
