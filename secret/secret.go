// Package secret holds a string type for credentials (client secrets,
// passwords, access tokens) that refuses to print itself: fmt's %s, %v and
// %#v all see a mask. Code that truly needs the value calls Reveal. Text
// marshalling (JSON) gives the plain value, for the 0600 config file only.
package secret

import "strings"

// Secret is a credential. Its zero value is the empty secret.
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

// Last4 returns the mask followed by the last four characters, for the
// "show the end of the secret" key in the wizard; short secrets show only the mask.
func (s Secret) Last4() string {
	if len(s) < 12 {
		return s.String()
	}
	return Mask + string(s[len(s)-4:])
}

// Redact replaces every occurrence of each non-empty secret in text with Mask.
func Redact(text string, secrets ...Secret) string {
	for _, s := range secrets {
		if len(s) >= 4 {
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
