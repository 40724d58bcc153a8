package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pimmail/pimmail/secfile"
	"github.com/pimmail/pimmail/secret"
)

// sample is a complete configuration as the wizard would save it.
func sample() Config {
	c := Default()
	c.Enabled = ProviderEntra
	c.Email = Email{From: "pim-notifications@contoso.com", DisplayName: "PIM <Notifications> & Alerts"}
	c.Entra.TenantID = "7c1f3b2a-5d4e-4f60-9a8b-2c3d4e5f6a7b"
	c.Entra.ClientID = "3f2e1d0c-9b8a-4765-8432-10fedcba9876"
	c.Entra.ClientSecret = secret.New("Abc8Q~secret.Value_0123456789")
	c.Entra.Mailbox = "pim-notifications@contoso.com"
	c.Relay = SMTP{Host: "contoso-com.mail.protection.outlook.com", Port: 25, TLS: TLSStartTLS}
	c.Local = SMTP{Host: "localhost", Port: 25, TLS: TLSNone, Username: "pim", Password: secret.New("local-password")}
	return c
}

// privateDir returns a fresh 0700 directory.
func privateDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "pimmail")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

// writeRaw writes a config file by hand, as an admin editing it would.
func writeRaw(t *testing.T, dir, text string) string {
	t.Helper()
	path := filepath.Join(dir, "config.json")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPaths(t *testing.T) {
	xdg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", xdg)
	got, err := DefaultPath()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(xdg, "pimmail", "config.json"); got != want {
		t.Errorf("DefaultPath = %q, want %q", got, want)
	}
	if got, want := CachePath("/etc/pim/mail.json"), "/etc/pim/tokencache.json"; got != want {
		t.Errorf("CachePath = %q, want %q", got, want)
	}
	// The sandbox's configuration lives apart from the real one, in the
	// sandbox's state directory, whose keys and mail sit beside it.
	sb, err := DefaultSandboxPath()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(xdg, "pimmail", "sandbox", "config.json"); sb != want {
		t.Errorf("DefaultSandboxPath = %q, want %q", sb, want)
	}
	if got, want := SandboxDir(sb), filepath.Join(xdg, "pimmail", "sandbox"); got != want {
		t.Errorf("SandboxDir = %q, want %q", got, want)
	}
	if CachePath(sb) == CachePath(got) {
		t.Errorf("the sandbox's sign-in and the real one share %s", CachePath(sb))
	}
}

func TestSaveThenLoad(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "pimmail") // does not exist yet
	path := filepath.Join(dir, "config.json")
	want := sample()
	if err := Save(path, want); err != nil {
		t.Fatalf("Save: %v", err)
	}
	for p, mode := range map[string]fs.FileMode{path: 0o600, dir: 0o700} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != mode {
			t.Errorf("%s has mode %04o, want %04o", p, st.Mode().Perm(), mode)
		}
	}
	got, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load after Save:\n got %#v\nwant %#v", got, want)
	}
	if got.Entra.ClientSecret.Reveal() != "Abc8Q~secret.Value_0123456789" {
		t.Errorf("client secret did not survive the round trip")
	}
	// No temporary files are left behind by the atomic write.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries after Save, want only config.json", len(entries))
	}
}

func TestSaveIsHumanReadableAndStable(t *testing.T) {
	dir := privateDir(t)
	path := filepath.Join(dir, "config.json")
	c := sample()
	if err := Save(path, c); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(path)
	text := string(first)
	// One setting per line, indented, keys in the Config struct's order.
	order := []string{`"version": 1`, `"enabled": "entra-smtp-client"`, `"email": {`, `"from": "pim-notifications@contoso.com"`,
		`"displayName": "PIM <Notifications> & Alerts"`, `"entra": {`, `"cloud": "global"`, `"tenantId"`, `"clientId"`,
		`"clientSecret"`, `"mailbox"`, `"smartHost": "smtp.office365.com"`, `"port": 587`, `"smtpRelay": {`, `"localSmtp": {`}
	at := 0
	for _, s := range order {
		i := strings.Index(text[at:], s)
		if i < 0 {
			t.Fatalf("saved file lacks %s after offset %d:\n%s", s, at, text)
		}
		at += i
	}
	if !strings.HasSuffix(text, "}\n") || !strings.Contains(text, "\n  \"entra\": {\n    \"cloud\"") {
		t.Errorf("saved file is not indented JSON ending in a newline:\n%s", text)
	}
	if err := Save(path, c); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(path)
	if string(first) != string(second) {
		t.Errorf("saving the same config twice gave different files")
	}
}

func TestSaveRefuses(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"unknown provider", func(c *Config) { c.Enabled = "sendgrid" }, `"enabled"`},
		{"unknown cloud", func(c *Config) { c.Entra.Cloud = "mars" }, `"entra.cloud"`},
		{"unknown TLS mode", func(c *Config) { c.Relay.TLS = "ssl" }, `"smtpRelay.tls"`},
		{"port out of range", func(c *Config) { c.Local.Port = 70000 }, `"localSmtp.port"`},
		{"newer version", func(c *Config) { c.Version = 2 }, `"version"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := privateDir(t)
			path := filepath.Join(dir, "config.json")
			c := sample()
			tt.mutate(&c)
			err := Save(path, c)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Save = %v, want an error naming %s", err, tt.want)
			}
			if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a refused Save wrote the file")
			}
		})
	}
}

func TestSaveRefusesOpenDirectory(t *testing.T) {
	dir := privateDir(t)
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	err := Save(filepath.Join(dir, "config.json"), sample())
	var me *secfile.ModeError
	if !errors.As(err, &me) {
		t.Fatalf("Save into a 0777 directory = %v, want *secfile.ModeError", err)
	}
}

func TestLoadMissing(t *testing.T) {
	path := filepath.Join(privateDir(t), "config.json")
	c, err := Load(path)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Load of a missing file = %v, want fs.ErrNotExist", err)
	}
	if !reflect.DeepEqual(c, Default()) {
		t.Errorf("Load of a missing file did not return Default()")
	}
}

func TestLoadTooOpen(t *testing.T) {
	t.Run("file", func(t *testing.T) {
		dir := privateDir(t)
		path := filepath.Join(dir, "config.json")
		if err := Save(path, sample()); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := Load(path)
		var me *secfile.ModeError
		if !errors.As(err, &me) || me.Path != path {
			t.Fatalf("Load of a 0644 file = %v, want *secfile.ModeError for it", err)
		}
		if c.Entra.ClientSecret != "" {
			t.Errorf("Load returned the secret of a file it refused")
		}
		if !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("error does not say how to fix it: %v", err)
		}
	})
	for _, m := range []fs.FileMode{0o770, 0o777, 0o720} {
		t.Run(fmt.Sprintf("directory %04o", m), func(t *testing.T) {
			dir := privateDir(t)
			path := filepath.Join(dir, "config.json")
			if err := Save(path, sample()); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, m); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			var me *secfile.ModeError
			if !errors.As(err, &me) || me.Path != dir || !strings.Contains(err.Error(), "\n  chmod go-w "+dir+"\n") {
				t.Fatalf("Load from a %04o directory = %v, want *secfile.ModeError for the directory", m, err)
			}
		})
	}
	t.Run("readable directory is fine", func(t *testing.T) {
		// Home directories and /etc/pimmail are often 0755: the 0600 file
		// in them is still private, and nobody else can replace it.
		dir := privateDir(t)
		path := filepath.Join(dir, "config.json")
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := Save(path, sample()); err != nil {
			t.Fatalf("Save into a 0755 directory: %v", err)
		}
		if _, err := Load(path); err != nil {
			t.Fatalf("Load from a 0755 directory: %v", err)
		}
	})
}

func TestLoadMalformed(t *testing.T) {
	tests := []struct {
		name       string
		text       string
		line, col  int
		msgContain string
	}{
		{"empty", "", 1, 1, "empty"},
		{"only spaces", "  \n ", 1, 1, "empty"},
		{"not JSON", "enabled = entra\n", 1, 1, "not valid JSON"},
		{"missing comma", "{\n  \"version\": 1\n  \"enabled\": \"local-smtp\"\n}\n", 3, 3, "not valid JSON"},
		{"truncated", "{\n  \"version\": 1,\n  \"entra\": {\n", 4, 1, "ends too early"},
		{"wrong type", "{\n  \"entra\": {\n    \"port\": \"587\"\n  }\n}\n", 3, 13, `"entra.port" must be a number`},
		{"not an object", "[1, 2]\n", 1, 1, "must be a JSON object"},
		{"unknown field", "{\n  \"version\": 1,\n  \"entra\": {\"smartHots\": \"x\"}\n}\n", 3, 13, `"smartHots" is not a setting`},
		{"unknown provider", "{\n  \"enabled\": \"sendgrid\"\n}\n", 2, 14, `"enabled" is "sendgrid"`},
		{"unknown cloud", "{\"entra\": {\n  \"cloud\": \"mars\"}}", 2, 12, `"entra.cloud" is "mars"`},
		{"unknown relay TLS", "{\n\"smtpRelay\": {\"tls\": \"ssl\"}}", 2, 22, `"smtpRelay.tls" is "ssl"`},
		{"unknown local TLS", "{\"localSmtp\": {\"tls\": \"\"}}", 1, 23, `"localSmtp.tls"`},
		{"port out of range", "{\"localSmtp\": {\"port\": 99999}}", 1, 24, `"localSmtp.port" is 99999`},
		{"newer version", "{\"version\": 7}", 1, 13, "reads version 1"},
		{"trailing data", "{}\n}\n", 2, 1, "after the end"},
		{"two objects", "{} {}", 1, 4, "after the end"},
		{"non-ASCII before the error", "{\"email\": {\"displayName\": \"Zoë\", \"from\": 5}}", 1, 42, `"email.from" must be a string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeRaw(t, privateDir(t), tt.text)
			c, err := Load(path)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Load = %v, want *ParseError", err)
			}
			if pe.Line != tt.line || pe.Column != tt.col {
				t.Errorf("position = line %d column %d, want line %d column %d (%v)", pe.Line, pe.Column, tt.line, tt.col, err)
			}
			if !strings.Contains(err.Error(), tt.msgContain) || !strings.Contains(err.Error(), path) {
				t.Errorf("error %q lacks %q or the path", err, tt.msgContain)
			}
			if !reflect.DeepEqual(c, Default()) {
				t.Errorf("a malformed file did not give Default()")
			}
		})
	}
}

func TestLoadPartialAndNormalised(t *testing.T) {
	// A hand-written file with only what differs from the defaults.
	path := writeRaw(t, privateDir(t), `{
  "enabled": "smtp-relay",
  "entra": {"cloud": "USGov"},
  "smtpRelay": {"host": "relay.contoso.com"}
}`)
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.Enabled = ProviderRelay
	want.Entra.Cloud = "usgov"
	want.Relay.Host = "relay.contoso.com"
	if !reflect.DeepEqual(c, want) {
		t.Errorf("got %#v\nwant %#v", c, want)
	}
}
