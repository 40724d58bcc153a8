//go:build unix

package secfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestCreateAndMkdirArePrivate: what the queue creates through secfile is
// 0600/0700 even under umask 000, and Create never opens an existing file.
func TestCreateAndMkdirArePrivate(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	root := t.TempDir()
	dir := filepath.Join(root, "a", "b")
	if err := MkdirAll(dir); err != nil {
		t.Fatal(err)
	}
	wantMode(t, filepath.Join(root, "a"), DirMode)
	wantMode(t, dir, DirMode)
	if err := Mkdir(dir); !errors.Is(err, fs.ErrExist) {
		t.Errorf("Mkdir of an existing directory = %v, want ErrExist", err)
	}
	p := filepath.Join(dir, "msg")
	f, err := Create(p)
	if err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	wantMode(t, p, FileMode)
	if _, err := Create(p); !errors.Is(err, fs.ErrExist) {
		t.Errorf("Create of an existing file = %v, want ErrExist", err)
	}
	if err := Rename(p, filepath.Join(dir, "moved")); err != nil {
		t.Fatal(err)
	}
	wantMode(t, filepath.Join(dir, "moved"), FileMode)
}

// TestCheckDirModes: a directory others may read passes CheckDir (its files
// are private) but not CheckDirPrivate; one others may write passes neither,
// and the fix is chmod 700.
func TestCheckDirModes(t *testing.T) {
	tests := []struct {
		mode               fs.FileMode
		writeOK, privateOK bool
	}{
		{0o700, true, true},
		{0o755, true, false},
		{0o750, true, false},
		{0o770, false, false},
		{0o707, false, false},
	}
	for _, tt := range tests {
		dir := filepath.Join(t.TempDir(), "d")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, tt.mode); err != nil {
			t.Fatal(err)
		}
		werr, perr := CheckDir(dir), CheckDirPrivate(dir)
		if (werr == nil) != tt.writeOK || (perr == nil) != tt.privateOK {
			t.Errorf("%04o: CheckDir = %v, CheckDirPrivate = %v", tt.mode, werr, perr)
		}
		var me *ModeError
		if errors.As(perr, &me) && werr == nil {
			if got, want := me.Fix(), "Run:\n  chmod 700 "+dir+"\n"; got != want {
				t.Errorf("%04o: Fix() = %q, want %q", tt.mode, got, want)
			}
		}
	}
}
