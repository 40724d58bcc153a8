package steps

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// What a copy from a terminal, a chat or a web page brings along that is
// part of no ID, secret, host, address or username: control characters,
// text-direction controls (which make a value read differently from what
// it is), and the remains of terminal escape sequences whose ESC was lost
// on the way ("[31m" of a colour code, "]52;c;..." of a clipboard
// request). The wizard strips the characters as they arrive; the
// validators refuse what is left, all with one message.

// bidiControls reorder text on screen: U+202E shows "moc.osotnoc" as
// "contoso.com". They belong in no value here.
func isBidiControl(r rune) bool {
	return r >= '\u202A' && r <= '\u202E' || r >= '\u2066' && r <= '\u2069' || r == '\u061C' || r == '\u200E' || r == '\u200F'
}

// isControl reports a character that is stripped from typed or pasted
// input: C0 and C1 controls (tab, CR and LF included; CleanPaste and the
// validators decide about those in the value), DEL, direction controls
// and the zero-width characters.
func isControl(r rune) bool {
	return r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || isBidiControl(r) || zeroWidth[r]
}

// escSeq matches a complete terminal escape sequence: CSI (ESC [ ... final
// byte) or OSC (ESC ] ... BEL or ESC \).
var escSeq = regexp.MustCompile("\x1b\\[[0-?]*[ -/]*[@-~]|\x1b\\][^\x07\x1b]*(\x07|\x1b\\\\)?")

// leftoverSeq matches what such a sequence leaves when its ESC is gone: a
// colour code ("[31m", "[0m") or the start of an OSC ("]52;", "]0;").
var leftoverSeq = regexp.MustCompile(`\[[0-9;]*m|\][0-9]{1,3};`)

// StripControls removes complete escape sequences and control characters
// from typed or pasted input, and says how many characters it removed.
// Line breaks and tabs go too: the wizard's fields hold one line.
func StripControls(s string) (string, int) {
	out := escSeq.ReplaceAllString(s, "")
	out = strings.Map(func(r rune) rune {
		if isControl(r) {
			return -1
		}
		return r
	}, out)
	return out, len([]rune(s)) - len([]rune(out))
}

// Leftovers names what s holds that a paste brought along and no value
// has (see above), or "" when it holds none. Line breaks, tabs and
// zero-width characters are not counted: CleanPaste removes them where
// that is safe (a value wrapped by a terminal), and the username refuses
// line breaks itself.
func Leftovers(s string) string {
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t' || zeroWidth[r]:
			// Left and right marks (U+200E, U+200F) come with copies from
			// web pages and change nothing in a value: cleaned, not refused.
		case r == 0x1b:
			return "terminal control codes (an escape character)"
		case isBidiControl(r):
			return fmt.Sprintf("a text-direction control (U+%04X), which makes text show differently from what it is", r)
		case isControl(r) || unicode.Is(unicode.Cc, r):
			return fmt.Sprintf("a control character (U+%04X)", r)
		}
	}
	if m := leftoverSeq.FindString(s); m != "" {
		return fmt.Sprintf("the remains of a terminal control code (%q)", m)
	}
	return ""
}

// leftoverError is the one message for a value with leftovers.
func leftoverError(field, hint, what string) error {
	return &FieldError{Field: field, Hint: hint,
		Message: "contains " + what + ", brought along by the copy; copy the value again from where it is shown"}
}

// ValidateUsername accepts a relay username (cleaned of surrounding
// spaces): anything printable, as relays differ (user, DOMAIN\user,
// user@domain), but no line break (it would end the SMTP command early)
// and no leftovers of a paste. Empty is allowed: most relays need none.
func ValidateUsername(s string) (string, error) {
	const hint = "The username the relay expects, e.g. pim@contoso.com or CONTOSO\\pim; leave it empty when the relay trusts this server by IP."
	if strings.ContainsAny(s, "\r\n") {
		return "", leftoverError("Username", hint, "a line break")
	}
	if what := Leftovers(s); what != "" {
		return "", leftoverError("Username", hint, what)
	}
	return strings.TrimSpace(s), nil
}
