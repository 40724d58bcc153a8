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
