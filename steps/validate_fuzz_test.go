package steps

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// pasteSeeds are inputs as admins paste them, good and bad.
var pasteSeeds = []string{
	"7c1f3b2a-5d4e-4f60-9a8b-2c3d4e5f6a7b",
	" {7C1F3B2A-5D4E-4F60-9A8B-2C3D4E5F6A7B}\r\n",
	"\u201Ccontoso.onmicrosoft.com\u201D.",
	"Sbx8Q~sandbox.Secret-Value_0123456789abcdEF",
	"5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d",
	"smtp://smtp.office365.com:587",
	"[::1]:25",
	"::ffff:127.0.0.1",
	"PIM <pim@contoso.com>",
	"\u200B\uFEFF\u00A0\t",
	"a\xffb",
	"'\"{<>}\"'",
	"...",
	"x@y.z.",
	"smtp.office365.com:99999",
}

// fieldError fails unless err is a *FieldError with a hint.
func fieldError(t *testing.T, err error) {
	t.Helper()
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field == "" || fe.Message == "" || fe.Hint == "" {
		t.Fatalf("error %v (%T) is not a complete *FieldError", err, err)
	}
}

func FuzzCleanPaste(f *testing.F) {
	for _, s := range pasteSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := CleanPaste(s)
		if again := CleanPaste(c); again != c {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, c, again)
		}
		if !utf8.ValidString(c) {
			t.Fatalf("CleanPaste(%q) = %q is not valid UTF-8", s, c)
		}
		if strings.ContainsAny(c, "\r\n\u200B\uFEFF") {
			t.Fatalf("CleanPaste(%q) = %q kept a line break or zero-width character", s, c)
		}
		if c != strings.TrimSpace(c) || strings.HasSuffix(c, ".") {
			t.Fatalf("CleanPaste(%q) = %q kept surrounding space or a trailing period", s, c)
		}
	})
}

// fuzzValidator checks the properties every string validator has: it never
// panics, fails only with a complete *FieldError, and what it accepts
// validates again to itself.
func fuzzValidator(f *testing.F, validate func(string) (string, error)) {
	for _, s := range pasteSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := validate(s)
		if err != nil {
			fieldError(t, err)
			if v != "" {
				t.Fatalf("returned %q with an error", v)
			}
			return
		}
		again, err := validate(v)
		if err != nil || again != v {
			t.Fatalf("%q -> %q re-validates to %q, %v", s, v, again, err)
		}
	})
}

// noSecretEcho fails validate's result when s looks like a client secret
// and the error repeats it.
func noSecretEcho(s string, err error) error {
	if err != nil && LooksLikeSecret(s) {
		if c := cleanPaste(s, false); strings.Contains(err.Error(), c) {
			return errors.New("the error repeats a secret-shaped value")
		}
	}
	return nil
}

func FuzzValidateTenant(f *testing.F) {
	fuzzValidator(f, func(s string) (string, error) {
		v, err := ValidateTenant(s)
		if e := noSecretEcho(s, err); e != nil {
			return "", e
		}
		if err == nil && !isGUID(v) && !strings.Contains(v, ".") {
			return "", errors.New("accepted a tenant that is neither a GUID nor a dotted domain")
		}
		return v, err
	})
}

func FuzzValidateClientID(f *testing.F) {
	fuzzValidator(f, func(s string) (string, error) {
		v, err := ValidateClientID(s)
		if e := noSecretEcho(s, err); e != nil {
			return "", e
		}
		if err == nil && (!isGUID(v) || v != strings.ToLower(v)) {
			return "", errors.New("accepted a client ID that is not a lower-case GUID")
		}
		return v, err
	})
}

func FuzzValidateSecret(f *testing.F) {
	fuzzValidator(f, func(s string) (string, error) {
		v, err := ValidateSecret(s)
		if err != nil && s != "" && len(CleanPaste(s)) >= 4 && strings.Contains(err.Error(), CleanPaste(s)) {
			return "", errors.New("the error repeats the secret")
		}
		if err == nil && (isGUID(v) || hasInnerSpace(v) || utf8.RuneCountInString(v) < MinSecretLength) {
			return "", errors.New("accepted a GUID, a spaced or a short secret")
		}
		return v, err
	})
}

func FuzzValidateEmail(f *testing.F) {
	fuzzValidator(f, func(s string) (string, error) {
		v, err := ValidateEmail(s)
		if err == nil && strings.Count(v, "@") < 1 {
			return "", errors.New("accepted an address without @")
		}
		return v, err
	})
}

func FuzzValidatePort(f *testing.F) {
	for _, s := range []string{"25", "587", "0", "65536", "-1", " 465 ", "1e3", "０"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ValidatePort(s)
		if err != nil {
			fieldError(t, err)
			return
		}
		if p < 1 || p > 65535 {
			t.Fatalf("accepted port %d", p)
		}
		if again, err := ValidatePort(strconv.Itoa(p)); err != nil || again != p {
			t.Fatalf("port %d re-validates to %d, %v", p, again, err)
		}
	})
}

func FuzzValidateHostPort(f *testing.F) {
	for _, s := range pasteSeeds {
		f.Add(s, 587)
	}
	f.Add("mailhub", 0)
	f.Add("relay:25", -4)
	f.Fuzz(func(t *testing.T, s string, def int) {
		h, p, err := ValidateHostPort(s, def)
		if err != nil {
			fieldError(t, err)
			return
		}
		if h == "" || p < 1 || p > 65535 {
			t.Fatalf("accepted host %q port %d", h, p)
		}
		h2, p2, err := ValidateHostPort(net.JoinHostPort(h, strconv.Itoa(p)), 0)
		if err != nil || h2 != h || p2 != p {
			t.Fatalf("%q -> %q:%d re-validates to %q:%d, %v", s, h, p, h2, p2, err)
		}
	})
}
