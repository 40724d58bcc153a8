package steps_test

import (
	"strings"
	"testing"

	"github.com/pimmail/pimmail/steps"
)

func TestLeftoversAreRefusedByEveryValidator(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want string // part of the message; "" = accepted
	}{
		{"contoso.com", ""},
		{"\u200Econtoso.com", ""}, // a left-to-right mark from a web page: cleaned
		{"moc.osotnoc\u202E", "text-direction control (U+202E)"},
		{"[31mcontoso.com", `terminal control code ("[31m")`},
		{"contoso.com[0m", `("[0m")`},
		{"]52;c;Y29udG9zbw==", `("]52;")`},
		{"contoso\x1b.com", "escape character"},
		{"contoso\x07.com", "control character (U+0007)"},
	} {
		checks := map[string]error{}
		_, checks["tenant"] = steps.ValidateTenant(tt.in)
		_, checks["secret"] = steps.ValidateSecret(tt.in + "Abcdefghijklmnopqrstuvwxyz0123456789~")
		_, _, checks["host"] = steps.ValidateHostPort(tt.in, 25)
		_, checks["email"] = steps.ValidateEmail("pim@" + tt.in)
		_, checks["username"] = steps.ValidateUsername("pim@" + tt.in)
		for name, err := range checks {
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("%s(%q) refused: %v", name, tt.in, err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "copy the value again")):
				t.Errorf("%s(%q) = %v, want the leftover message with %q", name, tt.in, err, tt.want)
			}
		}
	}
	if _, err := steps.ValidateUsername("pim\r\nMAIL FROM:<x@evil.example>"); err == nil || !strings.Contains(err.Error(), "line break") {
		t.Errorf("a username with CR/LF: %v", err)
	}
	if got, n := steps.StripControls("a\u202Eb\x1b[31mc\x1b]52;c;QQ==\x07d"); got != "abcd" || n != 18 {
		t.Errorf("StripControls = %q, %d", got, n)
	}
}
