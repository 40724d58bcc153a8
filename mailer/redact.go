package mailer

import (
	"encoding/base64"
	"strings"
)

// Hidden replaces every transcript line, or the part of it, that carries
// credentials: the AUTH exchange, the token, the password, and any base64
// that decodes to one of them.
const Hidden = "<credentials hidden>"

// minSecretLen is the shortest secret matched literally inside other text;
// shorter values would hide half the transcript. They still never show:
// go-mail hides the whole AUTH exchange and so do we.
const minSecretLen = 3

// credentials are the values one conversation must never show, with the
// encodings they travel in on the wire.
type credentials struct {
	values []string
}

// newCredentials derives what to hide for auth: the secret itself, its
// base64 forms, and the SASL payloads (XOAUTH2, PLAIN) it is sent inside.
func newCredentials(auth Auth) credentials {
	var c credentials
	s := auth.Secret.Reveal()
	if len(s) < minSecretLen {
		return c
	}
	c.add(s)
	switch auth.Kind {
	case AuthXOAUTH2:
		c.add(xoauth2Payload(auth.Username, s))
	case AuthPassword:
		c.add("\x00" + auth.Username + "\x00" + s)
	}
	return c
}

// xoauth2Payload is the SASL XOAUTH2 initial response before base64, as
// go-mail's smtp.XOAuth2Auth builds it.
func xoauth2Payload(user, token string) string {
	return "user=" + user + "\x01auth=Bearer " + token + "\x01\x01"
}

// add records v and its four base64 spellings.
func (c *credentials) add(v string) {
	c.values = append(c.values, v)
	for _, enc := range encodings {
		c.values = append(c.values, enc.EncodeToString([]byte(v)))
	}
}

var encodings = []*base64.Encoding{
	base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
}

// redactLine returns line, or, when it carries credentials, its direction
// prefix ("C: ", "S: ") followed by Hidden. The whole line goes, not just the
// match, so that no re-assembly of fragments can show a secret.
func redactLine(line string, c credentials) string {
	prefix := ""
	if len(line) >= 3 && (line[:3] == "C: " || line[:3] == "S: ") {
		prefix = line[:3]
	}
	if c.contained(line) || bearerInside(line) {
		return prefix + Hidden
	}
	// A client AUTH line with an initial response: keep the mechanism
	// ("AUTH PLAIN"), hide the response whatever it is.
	body := line[len(prefix):]
	if prefix == "C: " && len(body) > 5 && strings.EqualFold(body[:5], "AUTH ") {
		f := strings.Fields(body)
		if len(f) > 2 {
			return prefix + "AUTH " + f[1] + " " + Hidden
		}
	}
	return line
}

// redactText applies redactLine to every line of a multi-line text, for raw
// error texts handed to diagnose.
func redactText(text string, c credentials) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = redactLine(l, c)
	}
	return strings.Join(lines, "\n")
}

// contained reports whether s holds any credential, literally or inside a
// base64 word.
func (c credentials) contained(s string) bool {
	for _, v := range c.values {
		if strings.Contains(s, v) {
			return true
		}
	}
	if len(c.values) == 0 {
		return false
	}
	for _, w := range base64Words(s) {
		for _, d := range decodings(w) {
			for _, v := range c.values {
				if strings.Contains(d, v) {
					return true
				}
			}
		}
	}
	return false
}

// bearerInside reports whether s holds an XOAUTH2 payload in clear or in
// base64, whoever's token it is: such a line is hidden even when the caller
// did not know the token (e.g. a token for another account).
func bearerInside(s string) bool {
	if strings.Contains(strings.ToLower(s), "auth=bearer") {
		return true
	}
	for _, w := range base64Words(s) {
		for _, d := range decodings(w) {
			if strings.Contains(strings.ToLower(d), "auth=bearer") {
				return true
			}
		}
	}
	return false
}

// base64Words returns the maximal runs of base64 (standard or URL
// alphabet) characters at least 8 long; padding ends a run.
func base64Words(s string) []string {
	var words []string
	start := -1
	for i := 0; i <= len(s); i++ {
		if i < len(s) && isBase64Char(s[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && i-start >= 8 {
			words = append(words, s[start:i])
		}
		start = -1
	}
	return words
}

func isBase64Char(b byte) bool {
	return b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' ||
		b == '+' || b == '/' || b == '-' || b == '_'
}

// decodings returns w decoded by every base64 variant that accepts it, also
// when w starts one to three characters into an encoded block.
func decodings(w string) []string {
	var out []string
	for skip := 0; skip < 4 && skip < len(w); skip++ {
		part := w[skip:]
		for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
			// Drop a dangling last character a raw decoder cannot take.
			p := part
			if len(p)%4 == 1 {
				p = p[:len(p)-1]
			}
			if b, err := enc.DecodeString(p); err == nil {
				out = append(out, string(b))
			}
		}
	}
	return out
}
