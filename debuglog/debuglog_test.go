package debuglog

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pimmail/pimmail/secret"
)

// reset forgets the opened file, so a test can point EnvVar elsewhere.
func reset() {
	if file != nil {
		_ = file.Close()
	}
	once, file = sync.Once{}, nil
}

func TestOffWithoutEnv(t *testing.T) {
	t.Setenv(EnvVar, "")
	reset()
	defer reset()
	if Enabled() {
		t.Fatal("logging is on without " + EnvVar)
	}
	Printf("nothing %d", 1) // must not panic or write anywhere
}

func TestWritesPrivateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "debug.log")
	t.Setenv(EnvVar, path)
	reset()
	defer reset()
	Printf("probe %s:%d", "smtp.office365.com", 587)
	Printf("secret %v", secret.New("Sbx8Q~sandbox.Secret-Value"))
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("log mode %04o, want 0600", st.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 || !strings.HasSuffix(lines[0], "probe smtp.office365.com:587") {
		t.Errorf("log = %q", b)
	}
	if strings.Contains(string(b), "sandbox.Secret") {
		t.Errorf("a secret reached the log: %q", b)
	}
}

func TestUnwritablePathDisables(t *testing.T) {
	t.Setenv(EnvVar, filepath.Join(t.TempDir(), "missing", "dir", "debug.log"))
	reset()
	defer reset()
	if Enabled() {
		t.Error("logging is on although the file cannot be created")
	}
	Printf("dropped")
}

// logged returns the log file's contents after running log with logging
// pointed at a fresh file (or at path when set up by prepare).
func logged(t *testing.T, path string, log func()) string {
	t.Helper()
	t.Setenv(EnvVar, path)
	reset()
	defer reset()
	log()
	b, _ := os.ReadFile(path)
	return string(b)
}

func TestRedactsWhatCallersForget(t *testing.T) {
	const (
		jwt     = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL291dGxvb2sub2ZmaWNlLmNvbSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
		refresh = "0.AAAAtokenRefreshValue-xyz"
		xoauth2 = "dXNlcj1waW1AY29udG9zby5jb20BYXV0aD1CZWFyZXIgdG9rZW4BAQ=="
		value   = "Sbx8Q~sandbox.Secret-Value"
	)
	tests := []struct {
		name   string
		log    func()
		secret string
	}{
		{"access token", func() { Printf("token %s", jwt) }, jwt[40:70]},
		{"bearer header", func() { Printf("Authorization: Bearer %s", refresh) }, refresh},
		{"token JSON", func() { Printf(`reply {"access_token":"%s","refresh_token":"%s"}`, jwt, refresh) }, refresh},
		// MSAL puts a success reply it cannot decode into its error text;
		// cut short, the JSON has no closing quote after the token.
		{"truncated token JSON", func() { Printf(`raw message was: {"token_type":"Bearer","refresh_token":"%s`, refresh) }, refresh},
		{"token form", func() { Printf("body grant_type=refresh_token&refresh_token=%s&client_id=x", refresh) }, refresh},
		{"client secret form", func() { Printf("body client_secret=%s&scope=x", value) }, value},
		{"XOAUTH2 line", func() { Printf("C: AUTH XOAUTH2 %s", xoauth2) }, xoauth2},
		{"XOAUTH2 payload", func() { Printf("user=pim@contoso.com\x01auth=Bearer %s\x01\x01", refresh) }, refresh},
		{"secret with a wrong verb", func() { Printf("secret %d %x", secret.New(value), secret.New(value)) }, value},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := logged(t, filepath.Join(t.TempDir(), "debug.log"), tt.log)
			if out == "" {
				t.Fatal("nothing was logged")
			}
			if strings.Contains(out, tt.secret) {
				t.Errorf("the log shows the credential: %q", out)
			}
		})
	}
	// Ordinary lines stay as they are.
	out := logged(t, filepath.Join(t.TempDir(), "debug.log"), func() {
		Printf("steps: probe %s:%d tls=%s: %v", "smtp.office365.com", 587, "starttls", "<nil>")
	})
	if !strings.HasSuffix(out, " steps: probe smtp.office365.com:587 tls=starttls: <nil>\n") {
		t.Errorf("plain line changed: %q", out)
	}
}

func TestExistingOpenFileIsMadePrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "debug.log")
	if err := os.WriteFile(path, []byte("earlier line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	out := logged(t, path, func() { Printf("appended") })
	if !strings.HasPrefix(out, "earlier line\n") || !strings.HasSuffix(out, " appended\n") {
		t.Errorf("log = %q, want the old line kept and the new one appended", out)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("log mode %04o after opening, want 0600", st.Mode().Perm())
	}
}

func TestRefusesLinksAndNonFiles(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("keep me\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "debug.log")
	if err := os.Symlink(victim, link); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	for _, path := range []string{link, dir, os.DevNull} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Setenv(EnvVar, path)
			reset()
			defer reset()
			if Enabled() {
				t.Errorf("logging is on for %s", path)
			}
			Printf("must go nowhere")
		})
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep me\n" {
		t.Errorf("the link's target was written: %q", b)
	}
}

func TestRefusesSomeoneElsesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "debug.log")
	if err := os.WriteFile(path, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(path, 65534, 65534); err != nil {
		t.Skipf("cannot give the file to another user (needs root): %v", err)
	}
	t.Setenv(EnvVar, path)
	reset()
	defer reset()
	if Enabled() {
		t.Error("logging is on into a file another user owns")
	}
	Printf("must go nowhere")
	if b, _ := os.ReadFile(path); len(b) != 0 {
		t.Errorf("another user's file was written: %q", b)
	}
}
