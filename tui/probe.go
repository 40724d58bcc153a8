package tui

import (
	"strconv"
	"strings"
	"time"

	"github.com/pimmail/pimmail/steps"
)

// probeView shows what a server probe saw: the banner, TLS, the AUTH
// mechanisms (and, for Entra, whether XOAUTH2 is among them) and the timed
// stages, compactly, for the admin and for a support engineer on a call.
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
	tlsLine := "none (plain text)"
	if r.TLSVersion != "" {
		tlsLine = r.TLSVersion
		if r.StartTLS {
			tlsLine += " after STARTTLS"
		}
		if r.CertSubject != "" {
			tlsLine += ", certificate " + r.CertSubject
		}
	}
	row("TLS", tlsLine)
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
	if len(r.Stages) > 0 {
		var st []string
		for _, s := range r.Stages {
			mark := "✓"
			if !s.OK {
				mark = "✗"
			}
			item := mark + " " + s.Name + " " + duration(s.Duration)
			if s.Detail != "" && !s.OK {
				item += " (" + s.Detail + ")"
			}
			st = append(st, item)
		}
		row("Stages", strings.Join(st, " · "))
	}
	return strings.Join(lines, "\n")
}

// hostPort formats host and port for display and for the host[:port]
// field: an IPv6 address goes in brackets, as ValidateHostPort reads it.
func hostPort(host string, port int) string {
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return host + ":" + strconv.Itoa(port)
}

// duration is a stage's time, to the millisecond ("<1ms" below one: a
// loopback stage takes microseconds, and "0s" would read as skipped).
func duration(d time.Duration) string {
	if d < time.Millisecond {
		return "<1ms"
	}
	return d.Round(time.Millisecond).String()
}
