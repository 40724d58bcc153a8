package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The secrets in sample(), and 8-character pieces of them that must not
// show either.
var sampleSecrets = []string{"Abc8Q~secret.Value_0123456789", "local-password"}

// leaks returns the first piece of a sample secret that text shows.
func leaks(text string) string {
	for _, s := range sampleSecrets {
		for i := 0; i+8 <= len(s); i++ {
			if strings.Contains(text, s[i:i+8]) {
				return s[i : i+8]
			}
		}
	}
	return ""
}

func TestConfigPrintsMasked(t *testing.T) {
	c := sample()
	c.Relay.Password = "relay-password-42"
	args := map[string]any{"Config": c, "*Config": &c, "Entra": c.Entra, "SMTP": c.Local, "*SMTP": &c.Relay}
	for name, arg := range args {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
			out := fmt.Sprintf(verb, arg)
			if l := leaks(out); l != "" || strings.Contains(out, "relay-pas") {
				t.Errorf("fmt.Sprintf(%q, %s) shows a secret: %s", verb, name, out)
			}
		}
	}
	// What is shown says that a secret is set, without showing it.
	if out := fmt.Sprintf("%+v", c.Entra); !strings.Contains(out, "ClientSecret:********") {
		t.Errorf("%%+v of Entra = %s, want ClientSecret:********", out)
	}
	// The file, and only the file, holds the value.
	b, err := Marshal(c)
	if err != nil || !strings.Contains(string(b), `"clientSecret": "Abc8Q~secret.Value_0123456789"`) {
		t.Errorf("Marshal does not store the secret's value: %s (%v)", b, err)
	}
}

// TestErrorsNeverQuoteSecrets breaks a config file around its secrets: the
// error, which is printed and logged, must point at the place without
// quoting the value.
func TestErrorsNeverQuoteSecrets(t *testing.T) {
	good, err := Marshal(sample())
	if err != nil {
		t.Fatal(err)
	}
	text := string(good)
	tests := []struct {
		name string
		text string
	}{
		{"syntax error after the secret", strings.Replace(text, `"mailbox"`, `mailbox`, 1)},
		{"bad escape inside the secret", strings.Replace(text, "secret.Value", `secret\q.Value`, 1)},
		{"control character inside the secret", strings.Replace(text, "secret.Value", "secret\n.Value", 1)},
		{"file cut inside the secret", text[:strings.Index(text, "secret.Value")+6]},
		{"file cut inside the local SMTP secret", text[:strings.Index(text, "local-password")+8]},
		{"unknown field next to the secret", strings.Replace(text, `"clientSecret"`, `"clientSecretValue"`, 1)},
		{"secret of the wrong type", strings.Replace(text, `"Abc8Q~secret.Value_0123456789"`, `["Abc8Q~secret.Value_0123456789"]`, 1)},
		{"bad value after the local secret", strings.Replace(text, `"tls": "none"`, `"tls": "local-password"`, 1)},
		{"trailing text", text + "Abc8Q~secret.Value_0123456789"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeRaw(t, privateDir(t), tt.text)
			c, err := Load(path)
			if err != nil && strings.Contains(path, "password") {
				t.Fatalf("the test's path %s would hide a leak", path)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Load = %v, want *ParseError", err)
			}
			if tt.name == "bad value after the local secret" {
				// A value in the wrong place is quoted (it is what to fix),
				// but it is not the password setting's value.
				return
			}
			if l := leaks(err.Error()); l != "" {
				t.Errorf("error shows %q: %v", l, err)
			}
			if !c.Entra.ClientSecret.IsZero() {
				t.Error("a refused file still gave its secret")
			}
		})
	}
}

// TestLoadIgnoresTempFiles: a crash in the middle of Save can leave
// secfile's temporary file beside the config; Load reads only the config.
func TestLoadIgnoresTempFiles(t *testing.T) {
	dir := privateDir(t)
	path := filepath.Join(dir, "config.json")
	if err := Save(path, sample()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".config.json.tmp-12345"), []byte(`{"version": 1, "enabled": "smtp-re`), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil || c.Enabled != ProviderEntra {
		t.Fatalf("Load beside a stale temp file = %v, %v", c.Enabled, err)
	}
	// The next Save replaces the config and removes the stale temp file.
	if err := Save(path, c); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "config.json" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("after Save the directory holds %q", names)
	}
}
