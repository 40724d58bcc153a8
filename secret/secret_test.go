package secret_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/pimmail/pimmail/secret"
)

// value is a realistic client secret Value (the shape Entra issues).
const value = "Abc8Q~xY.z0-Secret_Value~9876wxyz"

// holder is a struct as callers write them: exported fields holding secrets.
type holder struct {
	Name     string
	Password secret.Secret
	Tokens   []secret.Secret
	ByHost   map[string]secret.Secret
	Ptr      *secret.Secret
	Nested   struct{ Token secret.Secret }
}

func TestFormattingNeverShowsTheValue(t *testing.T) {
	s := secret.New(value)
	h := holder{Name: "relay", Password: s, Tokens: []secret.Secret{s}, ByHost: map[string]secret.Secret{"smtp": s}, Ptr: &s}
	h.Nested.Token = s
	// Also the verbs that make no sense for a string: fmt reports those with
	// the argument's value, which must be masked too.
	verbs := []string{"%s", "%v", "%+v", "%#v", "%q", "%x", "%X", "% x", "%#q", "%d", "%t", "%c", "%U", "%e", "%b", "%o", "%10.3s", "%-40v", "%T"}
	args := []struct {
		name string
		arg  any
	}{
		{"Secret", s},
		{"*Secret", &s},
		{"struct", h},
		{"*struct", &h},
		{"slice", []secret.Secret{s, s}},
		{"map value", map[string]secret.Secret{"k": s}},
		{"interface slice", []any{s}},
		{"wrapped error", fmt.Errorf("login as pim: %v", s)},
	}
	for _, a := range args {
		for _, verb := range verbs {
			t.Run(a.name+" "+verb, func(t *testing.T) {
				out := fmt.Sprintf(verb, a.arg)
				// The whole value, and any 8-character run of it, must stay out
				// (%x would spell it in hex: check that too).
				hex := fmt.Sprintf("%x", value)
				for i := 0; i+8 <= len(value); i++ {
					if strings.Contains(out, value[i:i+8]) || strings.Contains(out, hex[2*i:2*i+16]) {
						t.Fatalf("fmt.Sprintf(%q) = %q: shows part of the secret", verb, out)
					}
				}
			})
		}
	}
	// The mask itself is what %s/%v/%q show, so a reader sees a secret is set.
	for verb, want := range map[string]string{"%s": secret.Mask, "%v": secret.Mask, "%#v": secret.Mask, "%q": `"` + secret.Mask + `"`} {
		if got := fmt.Sprintf(verb, s); got != want {
			t.Errorf("fmt.Sprintf(%q, secret) = %q, want %q", verb, got, want)
		}
	}
	// Width, precision and '-' still work, so masked secrets line up in tables.
	for verb, want := range map[string]string{"[%-10v]": "[" + secret.Mask + "  ]", "[%10s]": "[  " + secret.Mask + "]", "[%.3s]": "[***]", "[%d]": "[" + secret.Mask + "]"} {
		if got := fmt.Sprintf(verb, s); got != want {
			t.Errorf("fmt.Sprintf(%q, secret) = %q, want %q", verb, got, want)
		}
	}
	if got, want := fmt.Sprintf("%+v", h.Nested), "{Token:"+secret.Mask+"}"; got != want {
		t.Errorf("%%+v of a struct holding a secret = %q, want %q", got, want)
	}
}

func TestEmptySecretPrintsEmpty(t *testing.T) {
	var s secret.Secret
	if !s.IsZero() || s.String() != "" || fmt.Sprintf("%v|%#v|%q", s, s, s) != `||""` {
		t.Errorf("empty secret: IsZero %v, %%v|%%#v|%%q = %q", s.IsZero(), fmt.Sprintf("%v|%#v|%q", s, s, s))
	}
	if secret.New("x").IsZero() {
		t.Error("a one-character secret reports IsZero")
	}
}

func TestPanicValueIsMasked(t *testing.T) {
	// runtime prints a panicking Stringer with String(); recover sees the value.
	defer func() {
		r := recover()
		if got := fmt.Sprint(r); got != secret.Mask {
			t.Errorf("recovered panic prints %q", got)
		}
	}()
	panic(secret.New(value))
}

func TestErrorsCarryTheMask(t *testing.T) {
	s := secret.New(value)
	err := fmt.Errorf("AUTH failed for %s: %w", s, errors.New("535 5.7.3"))
	if strings.Contains(err.Error(), value) || !strings.Contains(err.Error(), secret.Mask) {
		t.Errorf("error text %q", err)
	}
}

func TestRevealAndText(t *testing.T) {
	s := secret.New(value)
	if s.Reveal() != value {
		t.Errorf("Reveal = %q", s.Reveal())
	}
	b, err := s.MarshalText()
	if err != nil || string(b) != value {
		t.Errorf("MarshalText = %q, %v", b, err)
	}
	var back secret.Secret
	if err := back.UnmarshalText(b); err != nil || back != s {
		t.Errorf("UnmarshalText round trip = %q, %v", back.Reveal(), err)
	}
}

func TestLast4(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", ""},
		{"short", "abc", secret.Mask},
		{"11 characters", "abcdefghijk", secret.Mask},
		{"12 characters", "abcdefghijkl", secret.Mask + "ijkl"},
		{"client secret value", value, secret.Mask + "wxyz"},
		// Characters, not bytes: a multibyte end is shown whole.
		{"multibyte end", "passwörd-ÄÖÜé", secret.Mask + "ÄÖÜé"},
		// 12 bytes but only 6 characters: too short to show any of it.
		{"few multibyte characters", "ÄÖÜäöü", secret.Mask},
		{"invalid UTF-8", "abcdefghijk\xff\xfe", secret.Mask},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := secret.New(tt.in).Last4(); got != tt.want {
				t.Errorf("Last4(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	pw := secret.New("hunter22")
	tests := []struct {
		name    string
		text    string
		secrets []secret.Secret
		want    string
	}{
		{"no secrets", "535 5.7.3 Authentication unsuccessful", nil, "535 5.7.3 Authentication unsuccessful"},
		{"one occurrence", "secret=" + value + " refused", []secret.Secret{secret.New(value)}, "secret=" + secret.Mask + " refused"},
		{"every occurrence", value + " and " + value, []secret.Secret{secret.New(value)}, secret.Mask + " and " + secret.Mask},
		{"several secrets", "pw hunter22 token " + value, []secret.Secret{pw, secret.New(value)}, "pw " + secret.Mask + " token " + secret.Mask},
		{"empty secret is ignored", "nothing to hide", []secret.Secret{"", pw}, "nothing to hide"},
		// Secrets under 4 bytes would mask half of every text and protect nothing.
		{"too short to redact", "abc def", []secret.Secret{"abc"}, "abc def"},
		{"4 bytes are redacted", "abcd def", []secret.Secret{"abcd"}, secret.Mask + " def"},
		// A secret containing another must not leave its tail behind,
		// whichever order the caller lists them in.
		{"shorter listed first", "pw=hunter22!x", []secret.Secret{pw, "hunter22!x"}, "pw=" + secret.Mask},
		{"longer listed first", "pw=hunter22!x", []secret.Secret{"hunter22!x", pw}, "pw=" + secret.Mask},
		{"trimmed and untrimmed paste", "sent ' " + value + " '", []secret.Secret{secret.New(value), secret.New(" " + value + " ")}, "sent '" + secret.Mask + "'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]secret.Secret(nil), tt.secrets...)
			if got := secret.Redact(tt.text, tt.secrets...); got != tt.want {
				t.Errorf("Redact(%q) = %q, want %q", tt.text, got, tt.want)
			}
			for i := range args {
				if args[i] != tt.secrets[i] {
					t.Errorf("Redact reordered the caller's slice")
				}
			}
		})
	}
}

func FuzzRedact(f *testing.F) {
	f.Add("user=pim\x01auth=Bearer "+value+"\x01\x01", value, "hunter22")
	f.Add("hunter22hunter22", "hunter22", "hunter2")
	f.Add("", "", "")
	f.Fuzz(func(t *testing.T, text, a, b string) {
		out := secret.Redact(text, secret.New(a), secret.New(b))
		for _, s := range []string{a, b} {
			// A secret long enough to redact never survives (unless the mask
			// itself spells it, which no real secret does).
			if len(s) >= 4 && strings.Contains(out, s) && !strings.Contains(secret.Mask, s) &&
				!strings.Contains(s, secret.Mask) && !strings.ContainsRune(s, '*') {
				t.Fatalf("Redact(%q, %q, %q) = %q still holds %q", text, a, b, out, s)
			}
		}
	})
}
