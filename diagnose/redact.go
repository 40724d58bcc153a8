package diagnose

import (
	"regexp"

	"github.com/pimmail/pimmail/secret"
)

// redactions mask anything in a raw text that looks like a credential. They
// are a second line of defence: callers already pass known secrets through
// secret.Redact, but a raw text can carry a value the caller did not know
// (an echoed request, a token in an error from a library).
var redactions = []struct {
	re   *regexp.Regexp
	repl string
}{
	// SASL lines: AUTH XOAUTH2 <base64>, AUTH PLAIN <base64>, ...
	{regexp.MustCompile(`(?i)(\bAUTH\s+(?:XOAUTH2|PLAIN|LOGIN|CRAM-MD5|SCRAM-SHA-\S+)\s+)\S+`), "${1}" + secret.Mask},
	// The decoded XOAUTH2 payload and any bearer token or Basic credential.
	{regexp.MustCompile(`(?i)(auth=Bearer\s+)[^\x01\s"']+`), "${1}" + secret.Mask},
	{regexp.MustCompile(`(\b[Bb]earer\s+)[A-Za-z0-9\-._~+/]{16,}=*`), "${1}" + secret.Mask},
	{regexp.MustCompile(`(?i)(\bAuthorization:\s*\w+\s+)\S+`), "${1}" + secret.Mask},
	// The base64 XOAUTH2 payload on its own: "user=..." encodes to "dXNlcj"
	// followed by a character that depends on the next byte.
	{regexp.MustCompile(`dXNlcj[A-Za-z0-9+/]{8,}=*`), secret.Mask},
	// JWTs (access and ID tokens).
	{regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`), secret.Mask},
	// JSON fields and form fields that hold credentials.
	{regexp.MustCompile(`(?i)("(?:client_secret|access_token|refresh_token|id_token|client_assertion|assertion|password|device_code)"\s*:\s*")(?:[^"\\]|\\.)*"`), "${1}" + secret.Mask + `"`},
	{regexp.MustCompile(`(?i)\b((?:client_secret|access_token|refresh_token|id_token|client_assertion|password|device_code)=)[^&\s"']+`), "${1}" + secret.Mask},
}

// Redact masks token-like and secret-like parts of a raw text: SASL AUTH
// lines, bearer tokens, JWTs, and client_secret/password/token fields in
// JSON or form encoding. It cannot know arbitrary secret values; use
// secret.Redact for those before calling New.
func Redact(raw string) string {
	for _, r := range redactions {
		raw = r.re.ReplaceAllString(raw, r.repl)
	}
	return raw
}
