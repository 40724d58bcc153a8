package diagnose

import (
	"regexp"
	"strings"

	"github.com/pimmail/pimmail/secret"
)

// redactions mask anything in a raw text that looks like a credential. They
// are a second line of defence: callers already pass known secrets through
// secret.Redact, but a raw text can carry a value the caller did not know
// (an echoed request, a token in an error from a library).
var redactions = []struct {
	// hints: the pattern can only match when raw (case-sensitive) or its
	// lower-case copy (hints starting with "i:") contains one of them;
	// checking is far cheaper than running the pattern on every text.
	hints []string
	re    *regexp.Regexp
	repl  string
}{
	// SASL lines: AUTH XOAUTH2 <base64>, AUTH PLAIN <base64>, ...
	{[]string{"i:auth"}, regexp.MustCompile(`(?i)(\bAUTH\s+(?:XOAUTH2|PLAIN|LOGIN|CRAM-MD5|SCRAM-SHA-\S+)\s+)\S+`), "${1}" + secret.Mask},
	// The decoded XOAUTH2 payload and any bearer token or Basic credential.
	{[]string{"i:auth="}, regexp.MustCompile(`(?i)(auth=Bearer\s+)[^\x01\s"']+`), "${1}" + secret.Mask},
	{[]string{"earer"}, regexp.MustCompile(`(\b[Bb]earer\s+)[A-Za-z0-9\-._~+/]{16,}=*`), "${1}" + secret.Mask},
	{[]string{"i:authorization"}, regexp.MustCompile(`(?i)(\bAuthorization:\s*\w+\s+)\S+`), "${1}" + secret.Mask},
	// The base64 XOAUTH2 payload on its own: "user=..." encodes to "dXNlcj"
	// followed by a character that depends on the next byte.
	{[]string{"dXNlcj"}, regexp.MustCompile(`dXNlcj[A-Za-z0-9+/]{8,}=*`), secret.Mask},
	// JWTs (access and ID tokens).
	{[]string{"eyJ"}, regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`), secret.Mask},
	// JSON fields and form fields that hold credentials.
	{credentialHints, regexp.MustCompile(`(?i)("(?:client_secret|access_token|refresh_token|id_token|client_assertion|assertion|password|device_code)"\s*:\s*")(?:[^"\\]|\\.)*"?`), "${1}" + secret.Mask + `"`},
	{credentialHints, regexp.MustCompile(`(?i)\b((?:client_secret|access_token|refresh_token|id_token|client_assertion|password|device_code)=)[^&\s"']+`), "${1}" + secret.Mask},
}

var credentialHints = []string{"i:secret", "i:token", "i:assertion", "i:password", "i:device_code"}

// Redact masks token-like and secret-like parts of a raw text: SASL AUTH
// lines, bearer tokens, JWTs, and client_secret/password/token fields in
// JSON or form encoding. It cannot know arbitrary secret values; use
// secret.Redact for those before calling New.
func Redact(raw string) string {
	for _, r := range redactions {
		if mayMatch(raw, r.hints) {
			raw = r.re.ReplaceAllString(raw, r.repl)
		}
	}
	return raw
}

// mayMatch reports whether raw contains one of the hints.
func mayMatch(raw string, hints []string) bool {
	lower := ""
	for _, h := range hints {
		if l, ok := strings.CutPrefix(h, "i:"); ok {
			if lower == "" {
				lower = strings.ToLower(raw)
			}
			if strings.Contains(lower, l) {
				return true
			}
		} else if strings.Contains(raw, h) {
			return true
		}
	}
	return false
}
