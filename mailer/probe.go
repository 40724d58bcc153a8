package mailer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"time"

	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/hostport"
)

// resolver looks host names up for Probe; the system's by default.
var resolver = net.DefaultResolver

// Probe connects to srv and reports what the server offers without sending
// mail or authenticating. It refuses TLS below 1.2. When wantXOAUTH2 is set a
// server without AUTH XOAUTH2 is a NoXOAUTH2 problem, and STARTTLS is
// required even if srv.TLS is none (XOAUTH2 is only ever sent over TLS). The
// report is filled as far as the probe got, also on error.
//
// Stages, in order: "dns", "connect", "tls" (implicit TLS only),
// "greeting", "ehlo", "starttls", "ehlo-tls", "quit". With implicit TLS the
// only EHLO is "ehlo-tls" and fills EHLOAfterTLS. A failed stage is the last
// one, with OK false.
//
// Probe speaks SMTP itself over net/textproto rather than through go-mail:
// it sends no credentials and no mail, and it must see the greeting, which
// go-mail's client reads without exposing it.
func Probe(ctx context.Context, srv Server, wantXOAUTH2 bool) (ProbeReport, error) {
	p := &prober{
		srv:   srv,
		mode:  srv.mode(),
		facts: diagnose.Facts{Host: srv.Host, Port: srv.port()},
		tr:    &transcript{},
	}
	if wantXOAUTH2 && p.mode == NoTLS {
		p.mode = StartTLS
	}
	p.facts.TLS = string(p.mode)
	err := p.run(ctx, wantXOAUTH2)
	p.rep.Transcript = p.tr.snapshot()
	if err != nil {
		// problem may reword the failed stage: diagnose before returning.
		prob := p.problem(ctx, err)
		return p.rep, prob
	}
	return p.rep, nil
}

// prober is one probe in progress.
type prober struct {
	srv   Server
	mode  TLSMode
	facts diagnose.Facts
	rep   ProbeReport
	tr    *transcript

	raw net.Conn // the TCP connection, with per-operation deadlines
	tp  *textproto.Conn
}

// localProblem is a failure the probe itself diagnoses (no STARTTLS, no
// XOAUTH2): it carries the code and the evidence for Problem.Raw.
type localProblem struct {
	code diagnose.Code
	raw  string
}

func (e *localProblem) Error() string { return e.raw }

func (p *prober) run(ctx context.Context, wantXOAUTH2 bool) error {
	timeout := p.srv.timeout()

	var addrs []string
	err := p.stage("dns", func() (string, error) {
		if p.srv.Host == "" {
			return "", &net.DNSError{Err: "no host name given", IsNotFound: true}
		}
		if net.ParseIP(p.srv.Host) != nil {
			addrs = []string{p.srv.Host}
			return "IP address, no lookup needed", nil
		}
		lctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		var err error
		addrs, err = resolver.LookupHost(lctx, p.srv.Host)
		if err == nil && len(addrs) == 0 {
			// Go's resolver answers names it refuses to look up (.onion)
			// with no addresses and no error.
			err = &net.DNSError{Err: "no addresses found", Name: p.srv.Host, IsNotFound: true}
		}
		return strings.Join(addrs, ", "), err
	})
	if err != nil {
		return err
	}

	err = p.stage("connect", func() (string, error) {
		d := net.Dialer{Timeout: timeout}
		var err error
		for _, a := range addrs {
			var c net.Conn
			c, err = d.DialContext(ctx, "tcp", hostport.Join(a, p.srv.port()))
			if err == nil {
				p.raw = &deadlineConn{Conn: c, timeout: timeout}
				return fmt.Sprintf("connected to %s from %s", c.RemoteAddr(), c.LocalAddr()), nil
			}
		}
		return "", err
	})
	if err != nil {
		return err
	}
	defer p.raw.Close()
	defer closeOnCancel(ctx, p.raw)()

	conn := p.raw
	if p.mode == ImplicitTLS {
		var tc *tls.Conn
		err = p.stage("tls", func() (string, error) {
			var herr error
			tc, herr = p.handshake(ctx)
			if herr != nil {
				return "", herr
			}
			return describeTLS(tc.ConnectionState()), nil
		})
		if err != nil {
			return err
		}
		conn = tc
	}
	p.tp = textproto.NewConn(conn)

	err = p.stage("greeting", func() (string, error) {
		code, msg, err := p.tp.ReadResponse(220)
		if code != 0 {
			p.tr.server(code, msg)
			p.rep.Banner = strings.Join(replyLines(wireReply(code, msg)), "\n")
		}
		return p.rep.Banner, err
	})
	if err != nil {
		return err
	}

	ehloStage := "ehlo"
	if p.mode == ImplicitTLS {
		ehloStage = "ehlo-tls"
	}
	caps, err := p.ehlo(ehloStage)
	if err != nil {
		return err
	}
	if p.mode == ImplicitTLS {
		p.rep.EHLOAfterTLS = caps
	} else {
		p.rep.EHLO = caps
		p.rep.StartTLS = hasCap(caps, "STARTTLS")
	}

	if p.mode == StartTLS {
		if !p.rep.StartTLS {
			p.rep.Stages = append(p.rep.Stages, Stage{Name: "starttls", Detail: "the server does not offer STARTTLS"})
			p.quit()
			return &localProblem{code: diagnose.NoSTARTTLS, raw: "EHLO capabilities: " + strings.Join(caps, ", ")}
		}
		err = p.stage("starttls", func() (string, error) {
			if _, _, err := p.cmd(220, "STARTTLS"); err != nil {
				return "", err
			}
			tc, err := p.handshake(ctx)
			if err != nil {
				return "", err
			}
			p.tp = textproto.NewConn(tc)
			return describeTLS(tc.ConnectionState()), nil
		})
		if err != nil {
			return err
		}
		caps, err = p.ehlo("ehlo-tls")
		if err != nil {
			return err
		}
		p.rep.EHLOAfterTLS = caps
	}

	p.rep.AuthMechs = authMechs(caps)
	for _, m := range p.rep.AuthMechs {
		if strings.EqualFold(m, "XOAUTH2") {
			p.rep.XOAUTH2 = true
		}
	}
	p.quit()
	if wantXOAUTH2 && !p.rep.XOAUTH2 {
		raw := "AUTH mechanisms offered: none"
		if len(p.rep.AuthMechs) > 0 {
			raw = "AUTH mechanisms offered: " + strings.Join(p.rep.AuthMechs, " ")
		}
		return &localProblem{code: diagnose.NoXOAUTH2, raw: raw}
	}
	return nil
}

// stage runs f as the named stage and records it with its duration.
func (p *prober) stage(name string, f func() (string, error)) error {
	start := time.Now()
	detail, err := f()
	st := Stage{Name: name, Duration: time.Since(start), Detail: detail, OK: err == nil}
	if err != nil && st.Detail == "" {
		st.Detail = err.Error()
	}
	p.rep.Stages = append(p.rep.Stages, st)
	return err
}

// handshake runs the TLS client handshake on the raw connection.
func (p *prober) handshake(ctx context.Context) (*tls.Conn, error) {
	tc := tls.Client(p.raw, tlsConfig(p.srv, nil))
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, err
	}
	cs := tc.ConnectionState()
	p.rep.TLSVersion = tls.VersionName(cs.Version)
	p.rep.CertSubject = certSubject(cs)
	p.tr.note("TLS established: %s", describeTLS(cs))
	return tc, nil
}

// ehlo sends EHLO and returns the capabilities (the reply's lines after the
// first).
func (p *prober) ehlo(stage string) ([]string, error) {
	var caps []string
	err := p.stage(stage, func() (string, error) {
		_, msg, err := p.cmd(250, "EHLO %s", heloName())
		if err != nil {
			return "", err
		}
		lines := strings.Split(msg, "\n")
		caps = lines[1:]
		return strings.Join(caps, ", "), nil
	})
	return caps, err
}

// quit ends the conversation politely; its failure does not fail the probe.
func (p *prober) quit() {
	_ = p.stage("quit", func() (string, error) {
		_, msg, err := p.cmd(221, "QUIT")
		return msg, err
	})
}

// cmd sends one command and reads its reply, recording both.
func (p *prober) cmd(expect int, format string, args ...any) (int, string, error) {
	p.tr.client(fmt.Sprintf(format, args...))
	id, err := p.tp.Cmd(format, args...)
	if err != nil {
		return 0, "", err
	}
	p.tp.StartResponse(id)
	defer p.tp.EndResponse(id)
	code, msg, err := p.tp.ReadResponse(expect)
	if code != 0 {
		p.tr.server(code, msg)
	}
	return code, msg, err
}

// problem turns a probe failure into a diagnosis.
func (p *prober) problem(ctx context.Context, err error) *diagnose.Problem {
	if pr, ok := diagnose.As(err); ok {
		return pr
	}
	var lp *localProblem
	if errors.As(err, &lp) {
		return diagnose.New(lp.code, p.facts, lp.raw, nil)
	}
	if n := len(p.rep.Stages); n > 0 && p.raw != nil && silentAfterConnect(ctx, err) {
		// Connected, then silence: not a firewall (the connection was made).
		// The error is the read the timeout (or the check's deadline,
		// closing the connection) cut short; what happened is silence.
		st := &p.rep.Stages[n-1]
		waited := st.Duration.Round(time.Millisecond)
		if waited >= time.Second {
			waited = st.Duration.Round(time.Second)
		}
		switch st.Name {
		case "greeting", "tls":
			st.Detail, st.Silent = "nothing within "+waited.String(), true
			return noGreeting(p.facts, st.Name, waited, err)
		case "ehlo", "starttls", "ehlo-tls":
			// Greeted, then silence at a command: not a firewall either.
			p.facts.Stage = strings.ToUpper(strings.TrimSuffix(st.Name, "-tls"))
			st.Detail, st.Silent = "no answer within "+waited.String(), true
			return stalled(p.facts, waited, err)
		}
	}
	return classify(ctx, err, p.facts, "")
}
