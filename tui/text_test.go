package tui

import (
	"strings"
	"testing"
	"unicode"

	"github.com/charmbracelet/x/ansi"
)

func TestWrapKeepsIdentifiersWhole(t *testing.T) {
	tests := []struct {
		text  string
		width int
		want  string
	}{
		{"app 3f2e1d0c-9b8a-4765-8432-10fedcba9876 (AADSTS7000215)", 38, "app\n3f2e1d0c-9b8a-4765-8432-10fedcba9876\n(AADSTS7000215)"},
		{"as pim-notifications@contoso-sandbox.onmicrosoft.com now", 60, "as pim-notifications@contoso-sandbox.onmicrosoft.com now"},
		{"as pim-notifications@contoso-sandbox.onmicrosoft.com now", 50, "as\npim-notifications@contoso-sandbox.onmicrosoft.com\nnow"},
		{"a word longer than the line: abcdefghij", 6, "a word\nlonger\nthan\nthe\nline:\nabcdef\nghij"},
		{"  Mailbox   x@y", 40, "  Mailbox   x@y"},
		{"  indented text that wraps", 12, "  indented\n  text that\n  wraps"},
		{"one\ntwo three", 5, "one\ntwo\nthree"},
	}
	for _, tc := range tests {
		if got := wrap(tc.text, tc.width); got != tc.want {
			t.Errorf("wrap(%q, %d) =\n%q\nwant\n%q", tc.text, tc.width, got, tc.want)
		}
	}
}

func FuzzWrap(f *testing.F) {
	for _, s := range []string{"", "a b c", "Fix: Entra admin center > App registrations", "  x\ny  z", "https://login.microsoftonline.com/7c1f3b2a-5d4e-4f60-9a8b-2c3d4e5f6a7b/v2.0", "é中文 wide"} {
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, s string, width int) {
		if width < 2 || width > 200 || strings.ContainsFunc(s, unicode.IsControl) && !strings.Contains(s, "\n") {
			return
		}
		s = printable(s)
		got := wrap(s, width)
		for _, l := range strings.Split(got, "\n") {
			if w := ansi.StringWidth(l); w > width && w > 2 {
				// A single wide grapheme may exceed a tiny width; anything else may not.
				if len([]rune(strings.TrimSpace(l))) > 1 {
					t.Fatalf("line %q is %d wide, limit %d", l, w, width)
				}
			}
		}
		if strings.Join(strings.Fields(got), "") != strings.Join(strings.Fields(s), "") {
			t.Fatalf("wrap lost or changed text:\n%q\n%q", s, got)
		}
	})
}

func FuzzPrintable(f *testing.F) {
	for _, s := range []string{"250 OK", "\x1b]52;c;ZXZpbA==\a", "a\r\nb\tc", "\x9b31m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, r := range printable(s) {
			if r != '\n' && unicode.IsControl(r) {
				t.Fatalf("printable(%q) keeps control character %U", s, r)
			}
		}
	})
}

func FuzzRichText(f *testing.F) {
	for _, s := range []string{
		"Fix: In Exchange Online PowerShell: `Set-CASMailbox -Identity a@b.com -SmtpClientAuthenticationDisabled $false` (`$null` instead), or not.",
		"run `pimmail setup`.", "`a b` and `c d`, then go", "an odd ` backtick", "``", "` `", "`x`y`z`",
	} {
		f.Add(s, 40)
	}
	f.Fuzz(func(t *testing.T, s string, width int) {
		if width < 12 || width > 200 {
			return
		}
		s = printable(s)
		got := richText(s, width)
		// No letter or digit is lost or changed; only backticks (markup)
		// and punctuation at a command's end may go.
		alnum := func(x string) string {
			return strings.Map(func(r rune) rune {
				if unicode.IsLetter(r) || unicode.IsDigit(r) {
					return r
				}
				return -1
			}, x)
		}
		if alnum(got) != alnum(s) {
			t.Fatalf("richText lost text:\n%q\n%q", s, got)
		}
		for _, l := range strings.Split(got, "\n") {
			if w := ansi.StringWidth(l); w > width && len(strings.Fields(l)) > 1 {
				t.Fatalf("line %q is %d wide, limit %d", l, w, width)
			}
		}
		for _, c := range commandsIn(s) {
			if strings.Contains(c, "`") {
				t.Fatalf("command %q holds a backtick", c)
			}
		}
	})
}
