package auth

import (
	"net"
	"net/url"
	"strings"

	"github.com/pimmail/pimmail/diagnose"
)

// Redirect is what the browser's address after an authorization-code
// sign-in holds.
type Redirect struct {
	// Host and Port of the pasted address; empty when only the query was
	// pasted.
	Host, Port string
	Code       string
	State      string
	// Error and ErrorDescription are Entra's answer when the sign-in ended
	// without a code (error=...&error_description=...).
	Error, ErrorDescription string
}

// maxPaste bounds what ParseRedirect reads: a redirect address is a few KB.
const maxPaste = 32 << 10

// ParseRedirect reads the address the browser landed on after signing in,
// as an admin pastes it: the whole URL, a URL a terminal wrapped (newlines
// and spaces inside), only its query (with or without "?"), or a fragment.
// It fails with an AuthCodeBadPaste problem when neither a code nor an
// error is in it. It never checks state; Redeem does.
func ParseRedirect(pasted string) (Redirect, error) {
	if len(pasted) > maxPaste {
		return Redirect{}, badPaste("the pasted text is longer than any sign-in address")
	}
	// Terminals wrap long addresses; an address holds no white space.
	s := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u00a0' {
			return -1
		}
		return r
	}, pasted)
	s = strings.Trim(s, `"'<>`)
	var r Redirect
	query := s
	if i := strings.Index(s, "://"); i > 0 {
		u, err := url.Parse(s)
		if err != nil {
			return Redirect{}, badPaste("the pasted address cannot be read as a URL")
		}
		r.Host, r.Port = u.Hostname(), u.Port()
		query = u.RawQuery
		if u.Fragment != "" && !strings.Contains(query, "code=") && !strings.Contains(query, "error=") {
			query = u.Fragment
		}
	} else {
		if i := strings.IndexAny(query, "?#"); i >= 0 {
			query = query[i+1:]
		}
	}
	v, err := url.ParseQuery(query)
	if err != nil {
		return Redirect{}, badPaste("the pasted address's query cannot be read")
	}
	r.Code, r.State = v.Get("code"), v.Get("state")
	r.Error, r.ErrorDescription = v.Get("error"), v.Get("error_description")
	if r.Code == "" && r.Error == "" {
		return Redirect{}, badPaste("the pasted text holds neither code= nor error=")
	}
	return r, nil
}

// badPaste is the AuthCodeBadPaste problem, raw saying what was wrong.
// The pasted text itself is never quoted: it may hold a code.
func badPaste(raw string) error {
	return diagnose.New(diagnose.AuthCodeBadPaste, diagnose.Facts{}, raw, nil)
}

// isLoopbackName reports whether host names this machine's loopback: the
// only place a sign-in may send its code to.
func isLoopbackName(host string) bool {
	h := strings.ToLower(strings.Trim(host, "[]"))
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
