package mailer

import (
	"context"
	"crypto/x509"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/sandbox/sandboxtest"
)

// stageNames lists the names of the stages, and fails the test unless all
// but the last failed one are OK.
func stageNames(t *testing.T, rep ProbeReport) []string {
	t.Helper()
	var names []string
	for i, st := range rep.Stages {
		names = append(names, st.Name)
		if !st.OK && i != len(rep.Stages)-1 {
			t.Errorf("stage %s failed but is not the last: %+v", st.Name, rep.Stages)
		}
	}
	return names
}

func TestProbeExchangeStandIn(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{})
	rep, err := Probe(testCtx(t), exchangeServer(sb), true)
	if err != nil {
		t.Fatalf("Probe: %v", err)
	}
	if !strings.HasPrefix(rep.Banner, "220 ") || !strings.Contains(rep.Banner, "Microsoft ESMTP MAIL Service ready at") {
		t.Errorf("banner = %q", rep.Banner)
	}
	if !rep.StartTLS || !slices.Contains(rep.EHLO, "STARTTLS") {
		t.Errorf("STARTTLS not seen before TLS: %v %q", rep.StartTLS, rep.EHLO)
	}
	if rep.TLSVersion != "TLS 1.3" && rep.TLSVersion != "TLS 1.2" {
		t.Errorf("TLS version = %q", rep.TLSVersion)
	}
	if !strings.Contains(rep.CertSubject, "CN=localhost") {
		t.Errorf("certificate subject = %q", rep.CertSubject)
	}
	if !rep.XOAUTH2 || !slices.Equal(rep.AuthMechs, []string{"LOGIN", "XOAUTH2"}) {
		t.Errorf("AUTH: XOAUTH2 %v, mechanisms %q", rep.XOAUTH2, rep.AuthMechs)
	}
	if slices.Contains(rep.EHLOAfterTLS, "STARTTLS") || !slices.Contains(rep.EHLOAfterTLS, "AUTH LOGIN XOAUTH2") {
		t.Errorf("EHLO after TLS = %q", rep.EHLOAfterTLS)
	}
	want := []string{"dns", "connect", "greeting", "ehlo", "starttls", "ehlo-tls", "quit"}
	if got := stageNames(t, rep); !slices.Equal(got, want) {
		t.Errorf("stages = %q, want %q", got, want)
	}
	for _, st := range rep.Stages {
		if !st.OK {
			t.Errorf("stage %s not OK: %s", st.Name, st.Detail)
		}
	}
	if rep.Stages[2].Detail != rep.Banner {
		t.Errorf("greeting stage detail = %q, want the banner", rep.Stages[2].Detail)
	}
	if !slices.Contains(rep.Transcript, "C: STARTTLS") || !slices.Contains(rep.Transcript, "S: 221 2.0.0 Service closing transmission channel") {
		t.Errorf("transcript = %q", rep.Transcript)
	}
	if rep.Transcript[0] != "S: "+rep.Banner {
		t.Errorf("transcript starts with %q, want the banner", rep.Transcript[0])
	}
}

func TestProbeRelayAndLocalSink(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{})
	tests := []struct {
		name       string
		srv        Server
		wantTLS    bool
		wantBanner string
	}{
		{"relay STARTTLS", relayServer(sb, StartTLS), true, "Microsoft ESMTP MAIL Service ready at"},
		{"relay plain", relayServer(sb, NoTLS), false, "Microsoft ESMTP MAIL Service ready at"},
		{"local plain", localServer(sb, NoTLS), false, "ESMTP Postfix"},
		{"local STARTTLS", localServer(sb, StartTLS), true, "ESMTP Postfix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Probe(testCtx(t), tt.srv, false)
			if err != nil {
				t.Fatalf("Probe: %v", err)
			}
			if !strings.HasPrefix(rep.Banner, "220 ") || !strings.Contains(rep.Banner, tt.wantBanner) {
				t.Errorf("banner = %q", rep.Banner)
			}
			if !rep.StartTLS {
				t.Errorf("STARTTLS offered but not reported")
			}
			if got := rep.TLSVersion != ""; got != tt.wantTLS {
				t.Errorf("TLS used = %v (%q), want %v", got, rep.TLSVersion, tt.wantTLS)
			}
			if len(rep.AuthMechs) != 0 || rep.XOAUTH2 {
				t.Errorf("relay/sink offer no AUTH, got %q", rep.AuthMechs)
			}
		})
	}

	// The relay is no submission endpoint: asking for XOAUTH2 says so, and
	// the report still shows what the server offered.
	rep, err := Probe(testCtx(t), relayServer(sb, StartTLS), true)
	p := wantCode(t, err, diagnose.NoXOAUTH2)
	if rep.TLSVersion == "" || rep.Banner == "" || !strings.Contains(p.Raw, "none") {
		t.Errorf("report not filled on NoXOAUTH2: %+v, raw %q", rep, p.Raw)
	}
}

func TestProbeTLSOld(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{Scenario: "tls-old"})
	rep, err := Probe(testCtx(t), exchangeServer(sb), true)
	wantCode(t, err, diagnose.TLSTooOld)
	last := rep.Stages[len(rep.Stages)-1]
	if last.Name != "starttls" || last.OK {
		t.Errorf("last stage = %+v, want a failed starttls", last)
	}
	if rep.TLSVersion != "" || rep.Banner == "" {
		t.Errorf("report: TLS %q banner %q", rep.TLSVersion, rep.Banner)
	}
}

func TestProbeUntrustedCertificate(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{})
	srv := exchangeServer(sb)
	srv.RootCAs = x509.NewCertPool() // trusts nothing: the sandbox CA is unknown
	_, err := Probe(testCtx(t), srv, true)
	wantCode(t, err, diagnose.TLSCertificate)
}

func TestProbeNoSTARTTLS(t *testing.T) {
	f := startFixture(t, fixtureOptions{tls: NoTLS})
	srv := f.server()
	srv.TLS = StartTLS
	rep, err := Probe(testCtx(t), srv, false)
	wantCode(t, err, diagnose.NoSTARTTLS)
	if rep.StartTLS || len(rep.EHLO) == 0 {
		t.Errorf("report: StartTLS %v EHLO %q", rep.StartTLS, rep.EHLO)
	}
	// Even wanting XOAUTH2 over a "none" server, STARTTLS is required.
	srv.TLS = NoTLS
	_, err = Probe(testCtx(t), srv, true)
	wantCode(t, err, diagnose.NoSTARTTLS)
}

func TestProbeImplicitTLS(t *testing.T) {
	f := startFixture(t, fixtureOptions{tls: ImplicitTLS, mechs: []string{"PLAIN", "LOGIN"}, user: "u", pass: "p4ss"})
	rep, err := Probe(testCtx(t), f.server(), false)
	if err != nil {
		t.Fatalf("Probe: %v", err)
	}
	want := []string{"dns", "connect", "tls", "greeting", "ehlo-tls", "quit"}
	if got := stageNames(t, rep); !slices.Equal(got, want) {
		t.Errorf("stages = %q, want %q", got, want)
	}
	if rep.TLSVersion == "" || rep.CertSubject != "CN=fixture.test" || !slices.Equal(rep.AuthMechs, []string{"PLAIN", "LOGIN"}) {
		t.Errorf("report: %+v", rep)
	}
	if len(rep.EHLOAfterTLS) == 0 || len(rep.EHLO) != 0 {
		t.Errorf("implicit TLS EHLO: before %q after %q", rep.EHLO, rep.EHLOAfterTLS)
	}
	// Implicit TLS against a plain-text port fails as a TLS handshake.
	_, err = Probe(testCtx(t), Server{Host: "127.0.0.1", Port: startFixture(t, fixtureOptions{}).port, TLS: ImplicitTLS, Timeout: 5 * time.Second}, false)
	wantCode(t, err, diagnose.TLSHandshake)
}

func TestProbeNetworkFailures(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		rep, err := Probe(testCtx(t), Server{Host: "127.0.0.1", Port: sandboxtest.ClosedPort(t), Timeout: 5 * time.Second}, true)
		wantCode(t, err, diagnose.NetRefused)
		if last := rep.Stages[len(rep.Stages)-1]; last.Name != "connect" || last.OK {
			t.Errorf("last stage = %+v", last)
		}
	})
	t.Run("silent server: accepted, never greeted", func(t *testing.T) {
		port, _ := sandboxtest.Silent(t)
		rep, err := Probe(testCtx(t), Server{Host: "127.0.0.1", Port: port, Timeout: 200 * time.Millisecond}, true)
		wantCode(t, err, diagnose.SMTPNoGreeting)
		if last := rep.Stages[len(rep.Stages)-1]; last.Name != "greeting" || last.OK {
			t.Errorf("last stage = %+v", last)
		}
	})
	t.Run("cancel closes the connection", func(t *testing.T) {
		port, accepted := sandboxtest.Silent(t)
		ctx, cancel := context.WithCancel(testCtx(t))
		go func() {
			<-accepted
			cancel()
		}()
		// A 30 s timeout: only the cancellation can end this probe in time.
		_, err := Probe(ctx, Server{Host: "127.0.0.1", Port: port, Timeout: 30 * time.Second}, true)
		wantCode(t, err, diagnose.NetCancelled)
	})
	t.Run("name does not resolve", func(t *testing.T) {
		// .onion names are refused by Go's resolver itself (RFC 7686),
		// so no DNS query leaves this machine.
		saved := resolver
		resolver = &net.Resolver{PreferGo: true}
		t.Cleanup(func() { resolver = saved })
		rep, err := Probe(testCtx(t), Server{Host: "smtp.pimmail-test.onion", Port: 587}, true)
		wantCode(t, err, diagnose.NetDNS)
		if len(rep.Stages) != 1 || rep.Stages[0].Name != "dns" || rep.Stages[0].OK {
			t.Errorf("stages = %+v", rep.Stages)
		}
	})
}
