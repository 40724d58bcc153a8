package tui

import (
	"strings"
	"time"

	"github.com/pimmail/pimmail/hostport"
	"github.com/pimmail/pimmail/steps"
)

// probeView shows what a server probe saw: the banner, TLS, the AUTH
// mechanisms (and, for Entra, whether XOAUTH2 is among them) and the timed
// stages, compactly, for the admin and for a support engineer on a call.
// Only what the probe reached is shown: a probe that failed at STARTTLS
// never saw the AUTH mechanisms, and must not claim there were none.
func probeView(r steps.ProbeResult, entra bool, width int) string {
	var lines []string
	row := func(label, v string) {
		if v == "" {
			return
		}
		text := wrap(printable(v), max(20, width-10))
		lines = append(lines, "  "+theme.faint.Render(padRight(label, 8))+strings.ReplaceAll(text, "\n", "\n"+strings.Repeat(" ", 10)))
	}
	row("Banner", r.Banner)
	row("TLS", tlsRow(r))
	if authReached(r) {
		auth := "none offered"
		if len(r.AuthMechs) > 0 {
			auth = strings.Join(r.AuthMechs, " ")
		}
		if entra {
			if r.XOAUTH2 {
				auth += " (XOAUTH2 offered ✓)"
			} else {
				auth += " (XOAUTH2 not offered ✗)"
			}
		}
		row("AUTH", auth)
	}
	if len(r.Stages) > 0 {
		var st []string
		for _, s := range r.Stages {
			mark := "✓"
			if !s.OK {
				mark = "✗"
			}
			item := mark + " " + s.Name + " " + duration(s.Duration)
			switch {
			case s.Silent && !s.OK:
				// "✗ greeting: nothing within 30s": the time is the detail.
				item = mark + " " + s.Name + ": " + s.Detail
			case s.Detail != "" && !s.OK:
				item += " (" + s.Detail + ")"
			}
			st = append(st, item)
		}
		row("Stages", strings.Join(st, " · "))
	}
	return strings.Join(lines, "\n")
}

// stage returns the probe's stage named name, if it got there.
func stage(r steps.ProbeResult, name string) (steps.Stage, bool) {
	for _, s := range r.Stages {
		if strings.EqualFold(s.Name, name) {
			return s, true
		}
	}
	return steps.Stage{}, false
}

// tlsRow says what became of TLS, as far as the probe got ("" when it
// never got that far).
func tlsRow(r steps.ProbeResult) string {
	if r.TLSVersion != "" {
		v := r.TLSVersion
		if r.StartTLS {
			v += " after STARTTLS"
		}
		if r.CertSubject != "" {
			v += ", certificate " + r.CertSubject
		}
		return v
	}
	for _, name := range []string{"starttls", "tls"} {
		if s, ok := stage(r, name); ok && !s.OK {
			if name == "starttls" && !r.StartTLS {
				return "not offered by the server ✗"
			}
			return "not established ✗"
		}
	}
	if len(r.Stages) == 0 {
		// A result without stages (older callers): say only what it holds.
		return "none (plain text)"
	}
	if authReached(r) {
		return "none (plain text)"
	}
	return ""
}

// authReached reports whether the probe got to the EHLO whose answer lists
// the AUTH mechanisms it reports: the one after TLS when TLS was
// attempted, the plain one otherwise.
func authReached(r steps.ProbeResult) bool {
	if len(r.Stages) == 0 {
		return len(r.AuthMechs) > 0 || r.XOAUTH2
	}
	if s, ok := stage(r, "ehlo-tls"); ok {
		return s.OK
	}
	_, tried := stage(r, "starttls")
	_, implicit := stage(r, "tls")
	if tried || implicit {
		return false
	}
	s, ok := stage(r, "ehlo")
	return ok && s.OK
}

// hostPort formats host and port for display and for the host[:port]
// field: an IPv6 address goes in brackets, as ValidateHostPort reads it.
func hostPort(host string, port int) string { return hostport.Join(host, port) }

// duration is a stage's time, to the millisecond ("<1ms" below one: a
// loopback stage takes microseconds, and "0s" would read as skipped).
func duration(d time.Duration) string {
	if d < time.Millisecond {
		return "<1ms"
	}
	return d.Round(time.Millisecond).String()
}
