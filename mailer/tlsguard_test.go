package mailer

import (
	"crypto/tls"
	"errors"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pimmail/pimmail/diagnose"
)

// oldTLSServer speaks only TLS 1.0 and 1.1 (implicit TLS) and records the
// versions each ClientHello offers.
type oldTLSServer struct {
	port   int
	mu     sync.Mutex
	offers [][]uint16
}

func (s *oldTLSServer) seen() [][]uint16 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.offers)
}

func startOldTLSServer(t *testing.T) *oldTLSServer {
	t.Helper()
	leaf, _ := testCertificate(t)
	s := &oldTLSServer{}
	conf := &tls.Config{
		Certificates: []tls.Certificate{leaf},
		MinVersion:   tls.VersionTLS10, MaxVersion: tls.VersionTLS11,
		GetConfigForClient: func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
			s.mu.Lock()
			s.offers = append(s.offers, slices.Clone(hello.SupportedVersions))
			s.mu.Unlock()
			return nil, nil
		},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.port = ln.Addr().(*net.TCPAddr).Port
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				tc := tls.Server(c, conf)
				_ = tc.SetDeadline(time.Now().Add(5 * time.Second))
				if tc.Handshake() == nil {
					_, _ = tc.Write([]byte("220 old.example ESMTP\r\n"))
					_, _ = tc.Read(make([]byte, 512))
				}
			}()
		}
	}()
	t.Cleanup(func() { _ = ln.Close() })
	return s
}

// TestNeverOffersBelowTLS12: against a server that speaks only TLS 1.0
// and 1.1, every ClientHello pimmail sends (probe and send) offers TLS 1.2
// and later only, and the failure is told as the server's old TLS.
func TestNeverOffersBelowTLS12(t *testing.T) {
	s := startOldTLSServer(t)
	srv := Server{Host: "127.0.0.1", Port: s.port, TLS: ImplicitTLS, Timeout: 5 * time.Second}
	_, err := Probe(testCtx(t), srv, false)
	wantCode(t, err, diagnose.TLSTooOld)
	_, err = Send(testCtx(t), srv, Auth{}, testMessage("old tls"))
	wantCode(t, err, diagnose.TLSTooOld)
	offers := s.seen()
	if len(offers) != 2 {
		t.Fatalf("the server saw %d ClientHellos, want 2", len(offers))
	}
	for i, vs := range offers {
		if len(vs) == 0 {
			t.Errorf("ClientHello %d lists no versions", i+1)
		}
		for _, v := range vs {
			if v < tls.VersionTLS12 {
				t.Errorf("ClientHello %d offers %s", i+1, tls.VersionName(v))
			}
		}
	}
}

// The post-handshake check on its own: a connection state below TLS 1.2
// is refused, whatever MinVersion let through; 1.2 and 1.3 pass and are
// reported to the transcript.
func TestPostHandshakeVersionCheck(t *testing.T) {
	var reported []uint16
	conf := tlsConfig(Server{Host: "127.0.0.1"}, func(cs tls.ConnectionState) { reported = append(reported, cs.Version) })
	for _, v := range []uint16{tls.VersionSSL30, tls.VersionTLS10, tls.VersionTLS11} {
		err := conf.VerifyConnection(tls.ConnectionState{Version: v})
		var old errTLSTooOld
		if !errors.As(err, &old) || old.version != v {
			t.Errorf("%s: VerifyConnection = %v, want errTLSTooOld", tls.VersionName(v), err)
		}
	}
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		if err := conf.VerifyConnection(tls.ConnectionState{Version: v}); err != nil {
			t.Errorf("%s: VerifyConnection = %v", tls.VersionName(v), err)
		}
	}
	if !slices.Equal(reported, []uint16{tls.VersionTLS12, tls.VersionTLS13}) {
		t.Errorf("reported %v, want only the accepted handshakes", reported)
	}
	if conf.MinVersion != tls.VersionTLS12 || conf.InsecureSkipVerify {
		t.Errorf("MinVersion %x InsecureSkipVerify %v", conf.MinVersion, conf.InsecureSkipVerify)
	}
}
