package steps

import (
	"errors"
	"strings"
	"testing"
)

func TestCleanPaste(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  7c1f3b2a-5d4e-4f60-9a8b-2c3d4e5f6a7b\n", "7c1f3b2a-5d4e-4f60-9a8b-2c3d4e5f6a7b"},
		{"\t\"contoso.com\"\r\n", "contoso.com"},
		{"{7C1F3B2A-5D4E-4F60-9A8B-2C3D4E5F6A7B}", "7C1F3B2A-5D4E-4F60-9A8B-2C3D4E5F6A7B"},
		{"\u201Ccontoso.onmicrosoft.com\u201D", "contoso.onmicrosoft.com"},
		{"\u2018abc\u2019", "abc"},
		{"'single'", "single"},
		{"`backticks`", "backticks"},
		{"<pim@contoso.com>", "pim@contoso.com"},
		{"\u200Bpim@contoso.com\u200D", "pim@contoso.com"},
		{"\uFEFFsmtp.office365.com", "smtp.office365.com"},
		{"\u00A0smtp.office365.com\u00A0", "smtp.office365.com"},
		{"smtp.office365.com.", "smtp.office365.com"},
		{"contoso.com...", "contoso.com"},
		{"\" {\u201Cnested\u201D} \".", "nested"},
		{"3f2e1d0c-9b8a-\n4765-8432-10fedcba9876", "3f2e1d0c-9b8a-4765-8432-10fedcba9876"}, // wrapped by a terminal
		{"two words", "two words"},                                                         // inner spaces are left for the validators to refuse
		{"[::1]:25", "[::1]:25"},                                                           // square brackets belong to IPv6
		{"", ""},
		{" \t\r\n\"'{}<>.", ""},
		{"bad\xffutf8", "badutf8"},
	}
	for _, tt := range tests {
		if got := CleanPaste(tt.in); got != tt.want {
			t.Errorf("CleanPaste(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// fieldErr asserts err is a *FieldError for field whose text contains want.
func fieldErr(t *testing.T, input string, err error, field, want string) {
	t.Helper()
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Errorf("%q: error %v is not a *FieldError", input, err)
		return
	}
	if fe.Field != field {
		t.Errorf("%q: field %q, want %q", input, fe.Field, field)
	}
	if !strings.Contains(fe.Error(), want) {
		t.Errorf("%q: error %q does not say %q", input, fe.Error(), want)
	}
	if fe.Hint == "" {
		t.Errorf("%q: error has no hint saying what to do", input)
	}
}

func TestValidateTenant(t *testing.T) {
	ok := []struct{ in, want string }{
		{"7c1f3b2a-5d4e-4f60-9a8b-2c3d4e5f6a7b", "7c1f3b2a-5d4e-4f60-9a8b-2c3d4e5f6a7b"},
		{" {7C1F3B2A-5D4E-4F60-9A8B-2C3D4E5F6A7B}\n", "7c1f3b2a-5d4e-4f60-9a8b-2c3d4e5f6a7b"},
		{"contoso.onmicrosoft.com", "contoso.onmicrosoft.com"},
		{"\"Contoso.COM\"", "contoso.com"},
		{"xn--bcher-kva.example", "xn--bcher-kva.example"},
		{"my-company.co.uk.", "my-company.co.uk"},
	}
	for _, tt := range ok {
		got, err := ValidateTenant(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ValidateTenant(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	bad := []struct{ in, want string }{
		{"", "is empty"},
		{"  \n", "is empty"},
		{"contoso", "not a GUID or a domain name"},
		{"7c1f3b2a-5d4e-4f60-9a8b-2c3d4e5f6a7", "not a complete one"},
		{"7c1f3b2a5d4e4f609a8b2c3d4e5f6a7b", "not a GUID or a domain name"},
		{"https://contoso.com/v2.0", "is a URL"}, // a sign-in URL gives its tenant (idurl_test.go)
		{"admin@contoso.com", "email address"},
		{"contoso .com", "contains spaces"},
		{"organizations", "your own tenant"},
		{"common", "your own tenant"},
		{"-contoso.com", "hyphen"},
		{"contoso..com", "empty part"},
		{"contoso_it.com", "contains '_'"},
		{"münchen.de", "punycode"},
		{"10.0.0.1", "IP address"},
		{strings.Repeat("a", 64) + ".com", "longer than 63"},
	}
	for _, tt := range bad {
		got, err := ValidateTenant(tt.in)
		if got != "" {
			t.Errorf("ValidateTenant(%q) returned %q with an error", tt.in, got)
		}
		fieldErr(t, tt.in, err, FieldTenant, tt.want)
	}
}

func TestValidateClientID(t *testing.T) {
	got, err := ValidateClientID("'3F2E1D0C-9B8A-4765-8432-10FEDCBA9876'\r\n")
	if err != nil || got != "3f2e1d0c-9b8a-4765-8432-10fedcba9876" {
		t.Errorf("ValidateClientID = %q, %v", got, err)
	}
	bad := []struct{ in, want string }{
		{"", "is empty"},
		{"contoso.onmicrosoft.com", "Directory (tenant) ID field"},
		{"PIM Mail", "is not a GUID"},
		{"3f2e1d0c-9b8a-4765-8432-10fedcba987g", "is not a GUID"},
	}
	for _, tt := range bad {
		_, err := ValidateClientID(tt.in)
		fieldErr(t, tt.in, err, FieldClientID, tt.want)
	}
}

// A client secret Value pasted into an ID field is recognised and refused
// with where it belongs, and the error never repeats it.
func TestSecretInIDField(t *testing.T) {
	secrets := []string{
		"Sbx8Q~sandbox.Secret-Value_0123456789abcdEF", // today's Entra format: "~" at 4 or 5
		" 'abc8Q~Xy7.Zz_kL-mN0pQrS1tUv2wXyZ3aB4cD5e'\n",
		"Jk3l+7/AbCdEfGhIjKlMnOpQrStUvWxYz0123=", // older base64-style Values
		"xYz8q~short",
	}
	for _, v := range secrets {
		if !LooksLikeSecret(v) {
			t.Errorf("LooksLikeSecret(%q) = false", v)
		}
		for _, f := range []struct {
			name     string
			validate func(string) (string, error)
		}{{FieldTenant, ValidateTenant}, {FieldClientID, ValidateClientID}} {
			got, err := f.validate(v)
			fieldErr(t, v, err, f.name, "looks like a client secret Value")
			// Where the secret goes is said once, in the hint.
			if fe := (*FieldError)(nil); errors.As(err, &fe) {
				if n := strings.Count(fe.Message+" "+fe.Hint, "Client secret step"); n != 1 {
					t.Errorf("%s error names the Client secret step %d times: %q %q", f.name, n, fe.Message, fe.Hint)
				}
			}
			if !IsSecretInIDField(err) {
				t.Errorf("IsSecretInIDField(%s error for a secret) = false", f.name)
			}
			var fe *FieldError
			if errors.As(err, &fe) {
				clean := cleanPaste(v, false)
				for _, text := range []string{fe.Error(), fe.Message, fe.Hint} {
					if strings.Contains(text, clean) || strings.Contains(text, clean[:8]) {
						t.Errorf("%s error repeats the secret: %q", f.name, text)
					}
				}
			}
			if got != "" {
				t.Errorf("%s accepted a secret", f.name)
			}
		}
	}
	notSecrets := []string{
		"7c1f3b2a-5d4e-4f60-9a8b-2c3d4e5f6a7b",
		"7c1f3b2a5d4e4f609a8b2c3d4e5f6a7b", // a GUID without hyphens
		"contoso.onmicrosoft.com",
		"Contoso-Production-Tenant.onmicrosoft.com",
		"pim-notifications@contoso.com",
		"https://login.microsoftonline.com/contoso.com/v2.0",
		"PIM Mail",
		"organizations",
		"",
	}
	for _, v := range notSecrets {
		if LooksLikeSecret(v) {
			t.Errorf("LooksLikeSecret(%q) = true", v)
		}
		for _, validate := range []func(string) (string, error){ValidateTenant, ValidateClientID} {
			if _, err := validate(v); IsSecretInIDField(err) {
				t.Errorf("IsSecretInIDField(error for %q) = true: %v", v, err)
			}
		}
	}
}

func TestValidateSecret(t *testing.T) {
	ok := []struct{ in, want string }{
		{"Sbx8Q~sandbox.Secret-Value_0123456789abcdEF", "Sbx8Q~sandbox.Secret-Value_0123456789abcdEF"},
		{"  \"Sbx8Q~sandbox.Secret-Value_0123456789abcdEF\"\n", "Sbx8Q~sandbox.Secret-Value_0123456789abcdEF"},
		// A Value may end with a period: it must not be cut off.
		{"abc8Q~0123456789abcdef.", "abc8Q~0123456789abcdef."},
		{"\u200Babc8Q~0123456789abcdef..\u200B", "abc8Q~0123456789abcdef.."},
		// The boundary: exactly MinSecretLength characters (runes, not bytes).
		{strings.Repeat("s", MinSecretLength), strings.Repeat("s", MinSecretLength)},
		{strings.Repeat("é", MinSecretLength), strings.Repeat("é", MinSecretLength)},
	}
	for _, tt := range ok {
		got, err := ValidateSecret(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ValidateSecret(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	bad := []struct{ in, want string }{
		{"", "is empty"},
		{"5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d", "looks like the Secret ID, not its Value"},
		{"{5A4B3C2D-1E0F-4A9B-8C7D-6E5F4A3B2C1D}", "looks like the Secret ID, not its Value"},
		{"abc8Q~01234 56789abcdef", "contains spaces"},
		{"abc8Q~0", "too short"},
		// The boundary: one short of MinSecretLength.
		{strings.Repeat("s", MinSecretLength-1), "too short"},
	}
	for _, tt := range bad {
		got, err := ValidateSecret(tt.in)
		if got != "" {
			t.Errorf("ValidateSecret(%q) returned a value with an error", tt.in)
		}
		fieldErr(t, tt.in, err, FieldSecret, tt.want)
		if tt.in != "" && strings.Contains(err.Error(), CleanPaste(tt.in)) {
			t.Errorf("error %q repeats the secret", err)
		}
	}
	// The Secret ID error says where the Value is.
	_, err := ValidateSecret("5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d")
	var fe *FieldError
	if errors.As(err, &fe) && !strings.Contains(fe.Hint, "Certificates & secrets") {
		t.Errorf("hint %q does not say where to copy the Value", fe.Hint)
	}
}

func TestValidateHostPort(t *testing.T) {
	ok := []struct {
		in   string
		def  int
		host string
		port int
	}{
		{"smtp.office365.com", 587, "smtp.office365.com", 587},
		{"SMTP.Office365.com:587", 25, "smtp.office365.com", 587},
		{" smtp.office365.com:25 \n", 587, "smtp.office365.com", 25},
		{"contoso-com.mail.protection.outlook.com", 25, "contoso-com.mail.protection.outlook.com", 25},
		{"localhost", 25, "localhost", 25},
		{"mailhub:2525", 25, "mailhub", 2525},
		{"127.0.0.1:1025", 25, "127.0.0.1", 1025},
		{"[::1]:25", 587, "::1", 25},
		{"[2001:DB8::1]", 587, "2001:db8::1", 587},
		{"::1", 25, "::1", 25},
		{"smtp.office365.com.", 587, "smtp.office365.com", 587},
	}
	for _, tt := range ok {
		h, p, err := ValidateHostPort(tt.in, tt.def)
		if err != nil || h != tt.host || p != tt.port {
			t.Errorf("ValidateHostPort(%q, %d) = %q, %d, %v; want %q, %d", tt.in, tt.def, h, p, err, tt.host, tt.port)
		}
	}
	bad := []struct {
		in   string
		def  int
		want string
	}{
		{"", 587, "is empty"},
		{"smtp://smtp.office365.com:587", 587, "is a URL (smtp://...)"},
		{"https://smtp.office365.com", 587, "is a URL"},
		{"smtp.office365.com 587", 587, "contains spaces"},
		{"smtp.office365.com:0", 587, "between 1 and 65535"},
		{"smtp.office365.com:65536", 587, "between 1 and 65535"},
		{"smtp.office365.com:587x", 587, "not a number"},
		{"smtp.office365.com:", 587, "no port"},
		{":587", 587, "no host name"},
		{"pim@contoso.com", 587, "email address"},
		{"smtp.office365.com/submit", 587, "path"},
		{"[::1", 25, "without a matching"},
		{"[::1]x", 25, "not :port"},
		{"[contoso.com]:25", 25, "not an IPv6 address"},
		{"smtp_relay.contoso.com", 25, "contains '_'"},
		{"mailhub", 0, "needs a port"},
		{"2001:db8::zz", 25, "not a host name or address"},
	}
	for _, tt := range bad {
		h, p, err := ValidateHostPort(tt.in, tt.def)
		if h != "" || p != 0 {
			t.Errorf("ValidateHostPort(%q) returned %q, %d with an error", tt.in, h, p)
		}
		fieldErr(t, tt.in, err, FieldHost, tt.want)
	}
}

func TestValidatePort(t *testing.T) {
	for in, want := range map[string]int{"25": 25, " 587\n": 587, "465": 465, "65535": 65535, "1": 1, "0587": 587} {
		got, err := ValidatePort(in)
		if err != nil || got != want {
			t.Errorf("ValidatePort(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for in, want := range map[string]string{"": "is empty", "0": "between", "65536": "between", "99999999999999999999": "between",
		"-25": "not a number", "25.0": "not a number", "smtp": "not a number", "+25": "not a number"} {
		_, err := ValidatePort(in)
		fieldErr(t, in, err, FieldPort, want)
	}
}

func TestValidateEmail(t *testing.T) {
	ok := []struct{ in, want string }{
		{"pim-notifications@contoso.com", "pim-notifications@contoso.com"},
		{" <PIM@Contoso.COM>\n", "PIM@contoso.com"},
		{"alerts+pim@mail.contoso.co.uk.", "alerts+pim@mail.contoso.co.uk"},
		{"root@localhost", "root@localhost"},
		{"first.last@contoso-sandbox.onmicrosoft.com", "first.last@contoso-sandbox.onmicrosoft.com"},
	}
	for _, tt := range ok {
		got, err := ValidateEmail(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ValidateEmail(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	bad := []struct{ in, want string }{
		{"", "is empty"},
		{"PIM Alerts <pim@contoso.com>", "without a display name"},
		{"\"PIM\" <pim@contoso.com>", "without a display name"},
		{"pim@contoso.com, ops@contoso.com", "one address"},
		{"pim at contoso.com", "contains spaces"},
		{"contoso.com", "has no @"},
		{"pim@contoso", "no dot"},
		{"pim@@contoso.com", "not a valid email address"},
		{"pim@contoso..com", "not a valid"},
		{"pim@[10.0.0.1]", "invalid domain"},
		{"pim(comment)@contoso.com", "not a valid email address"},
		{"@contoso.com", "not a valid email address"},
	}
	for _, tt := range bad {
		got, err := ValidateEmail(tt.in)
		if got != "" {
			t.Errorf("ValidateEmail(%q) returned %q with an error", tt.in, got)
		}
		fieldErr(t, tt.in, err, FieldEmail, tt.want)
	}
}
