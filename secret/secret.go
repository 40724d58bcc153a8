// Package secret holds a string type for credentials (client secrets,
// passwords, access tokens) that refuses to print itself: fmt's %s, %v and
// %#v all see a mask. Code that truly needs the value calls Reveal. Text
// marshalling (JSON) gives the plain value, for the 0600 config file only.
package secret

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Secret is a credential. Its zero value is the empty secret.
//
// fmt masks a Secret wherever it can call its methods: as an argument, in a
// slice or map, in an exported struct field. It cannot in an unexported
// struct field (reflection may not call methods there), so a struct that
// keeps a Secret in an unexported field must never be printed with %v, or
// must have a String method of its own.
type Secret string

// Mask is what a Secret prints as.
const Mask = "********"

// New wraps s.
func New(s string) Secret { return Secret(s) }

// Reveal returns the plain value. Call it only where the value leaves for
// the service that needs it (MSAL, the SMTP AUTH command, the config file).
func (s Secret) Reveal() string { return string(s) }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s == "" }

// String masks the value so that a Secret never reaches a screen or log by accident.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return Mask
}

// GoString masks the value for %#v.
func (s Secret) GoString() string { return s.String() }

// Format masks the value for every fmt verb, not only those that use String
// (%s %v %q %x %X): without it a wrong verb such as %d prints
// "%!d(secret.Secret=<the value>)", because fmt reports a bad verb with the
// raw value. Width, precision and the '-' flag still apply (aligned
// tables); any verb other than %q %x %X prints the mask as %s would.
// The one hole is %p, which fmt handles before asking Format; go vet
// reports %p with a non-pointer argument only for types without Format, so
// never use %p with a Secret.
func (s Secret) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		fmt.Fprint(f, s.GoString())
	case verb == 'q' || verb == 'x' || verb == 'X':
		fmt.Fprintf(f, fmt.FormatString(f, verb), s.String())
	default:
		fmt.Fprintf(f, fmt.FormatString(f, 's'), s.String())
	}
}

// last4Min is the shortest secret (in characters) whose end Last4 shows:
// four characters of a shorter one would give away too much of it.
const last4Min = 12

// Last4 returns the mask followed by the last four characters, for the
// "show the end of the secret" key in the wizard; short secrets show only the mask.
// Characters, not bytes: a byte cut would show a broken rune (and a secret
// that is not valid UTF-8 shows only the mask, as there is no sure "character").
func (s Secret) Last4() string {
	if !utf8.ValidString(string(s)) || utf8.RuneCountInString(string(s)) < last4Min {
		return s.String()
	}
	end := len(s)
	for range 4 {
		_, size := utf8.DecodeLastRuneInString(string(s[:end]))
		end -= size
	}
	return Mask + string(s[end:])
}

// redactMin is the shortest secret Redact masks: masking every "ab" in a
// text would make it unreadable while protecting nothing worth protecting.
const redactMin = 4

// Redact replaces every occurrence of each secret of at least 4 bytes in
// text with Mask. Longer secrets are replaced first, so that a secret that
// contains another (a password and the same password with a suffix) never
// leaves a tail of itself behind.
func Redact(text string, secrets ...Secret) string {
	if len(secrets) > 1 {
		secrets = slices.Clone(secrets)
		slices.SortStableFunc(secrets, func(a, b Secret) int { return cmp.Compare(len(b), len(a)) })
	}
	for _, s := range secrets {
		if len(s) >= redactMin {
			text = strings.ReplaceAll(text, string(s), Mask)
		}
	}
	return text
}

// MarshalText returns the plain value: a Secret is only ever marshalled
// into the 0600 config file, never into logs (which use String).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s), nil }

// UnmarshalText reads the plain value from the config file.
func (s *Secret) UnmarshalText(b []byte) error { *s = Secret(b); return nil }
