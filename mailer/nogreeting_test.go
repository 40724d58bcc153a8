package mailer

import (
	"bufio"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/sandbox/sandboxtest"
)

// A server that accepts the connection and never greets is not a firewall
// dropping packets: the diagnosis must not send the admin to `nc -vz`
// (which would succeed) but to the port, the TLS mode and what listens
// there. Both ways the wait can end count: the per-read timeout and the
// check's own deadline (the wizard's 30 s), which closes the connection.
func TestSilentServerIsNoGreeting(t *testing.T) {
	type run func(ctx context.Context, srv Server) error
	probe := func(ctx context.Context, srv Server) error { _, err := Probe(ctx, srv, false); return err }
	send := func(ctx context.Context, srv Server) error {
		_, err := Send(ctx, srv, Auth{}, testMessage("x"))
		return err
	}
	for _, r := range []struct {
		name string
		run  run
	}{{"Probe", probe}, {"Send", send}} {
		for _, mode := range []TLSMode{StartTLS, NoTLS, ImplicitTLS} {
			for _, by := range []string{"read timeout", "check deadline"} {
				t.Run(r.name+"/"+string(mode)+"/"+by, func(t *testing.T) {
					port, _ := sandboxtest.Silent(t)
					srv := Server{Host: "127.0.0.1", Port: port, TLS: mode, Timeout: 200 * time.Millisecond}
					ctx := testCtx(t)
					if by == "check deadline" {
						srv.Timeout = time.Minute
						var cancel context.CancelFunc
						ctx, cancel = context.WithTimeout(ctx, 200*time.Millisecond)
						defer cancel()
					}
					p := wantCode(t, r.run(ctx, srv), diagnose.SMTPNoGreeting)
					all := p.Title + "\n" + p.Explanation + "\n" + p.Fix
					for _, w := range []string{"accepted the TCP connection", "465", "587", "nc 127.0.0.1"} {
						if !strings.Contains(all, w) {
							t.Errorf("lacks %q:\n%s", w, all)
						}
					}
					if strings.Contains(all, "nc -vz") || strings.Contains(all, "silently dropping") {
						t.Errorf("blames a firewall for an accepted connection:\n%s", all)
					}
					if !strings.Contains(p.Raw, "connected to 127.0.0.1:") {
						t.Errorf("raw = %q", p.Raw)
					}
				})
			}
		}
	}
}

// A server that greets and then stops answering is a timeout in the
// conversation, not a missing greeting.
func TestSilentAfterGreetingIsTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = c.Write([]byte("220 mail.contoso.example ESMTP\r\n"))
				_, _ = bufio.NewReader(c).ReadString('\n') // EHLO, never answered
				<-done
			}()
		}
	}()
	srv := Server{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, TLS: NoTLS, Timeout: 200 * time.Millisecond}
	_, err = Probe(testCtx(t), srv, false)
	wantCode(t, err, diagnose.NetTimeout)
	_, err = Send(testCtx(t), srv, Auth{}, testMessage("x"))
	wantCode(t, err, diagnose.NetTimeout)
}

// The probe's failed stage says what happened (silence, and for how long),
// not the read error the timeout or the closed connection left behind
// ("read tcp ...: use of closed network connection").
func TestSilentServerStage(t *testing.T) {
	for _, by := range []string{"read timeout", "check deadline"} {
		t.Run(by, func(t *testing.T) {
			port, _ := sandboxtest.Silent(t)
			srv := Server{Host: "127.0.0.1", Port: port, TLS: StartTLS, Timeout: 200 * time.Millisecond}
			ctx := testCtx(t)
			if by == "check deadline" {
				srv.Timeout = time.Minute
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, 200*time.Millisecond)
				defer cancel()
			}
			rep, err := Probe(ctx, srv, false)
			p := wantCode(t, err, diagnose.SMTPNoGreeting)
			last := rep.Stages[len(rep.Stages)-1]
			// The wait reported is the one that happened, the same in the
			// stage and the details (its exact length depends on the
			// machine's load, so only its presence is asserted).
			waited, ok := strings.CutPrefix(last.Detail, "nothing within ")
			d, perr := time.ParseDuration(waited)
			if last.Name != "greeting" || last.OK || !last.Silent || !ok || perr != nil || d <= 0 {
				t.Errorf("last stage %+v, want greeting, failed, silent, \"nothing within <duration>\"", last)
			}
			if !strings.Contains(p.Raw, "no SMTP greeting within "+waited+":") {
				t.Errorf("raw names another wait than the stage's %q: %q", waited, p.Raw)
			}
		})
	}
}
