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

// A server that greets and then stops answering at EHLO is named as such:
// not a missing greeting, and not a firewall (the connection was made and
// the server spoke).
func TestSilentAfterGreetingIsStalled(t *testing.T) {
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
	rep, err := Probe(testCtx(t), srv, false)
	p := wantCode(t, err, diagnose.SMTPStalled)
	if !strings.Contains(p.Raw, "no answer to EHLO") || strings.Contains(p.Explanation, "dropping") {
		t.Errorf("probe: raw %q, explanation %q: want EHLO named, no firewall blamed", p.Raw, p.Explanation)
	}
	if n := len(rep.Stages); n == 0 || rep.Stages[n-1].Name != "ehlo" || !rep.Stages[n-1].Silent ||
		!strings.HasPrefix(rep.Stages[n-1].Detail, "no answer within ") {
		t.Errorf("probe stages %+v: want a silent ehlo stage last", rep.Stages)
	}
	_, err = Send(testCtx(t), srv, Auth{}, testMessage("x"))
	p = wantCode(t, err, diagnose.SMTPStalled)
	if !strings.Contains(p.Raw, "no answer to EHLO") {
		t.Errorf("send: raw %q does not name EHLO", p.Raw)
	}
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
