// Package secfile writes and checks files that hold secrets: 0600 files in
// a 0700 directory, replaced atomically (temp file, fsync, rename, fsync of
// the directory) so that a crash or Ctrl+C at any moment leaves either the
// old file or the new one, never a torn or half-written one.
package secfile

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// FileMode is the mode of every file this package writes.
const FileMode fs.FileMode = 0o600

// DirMode is the mode of the directories this package creates.
const DirMode fs.FileMode = 0o700

// ModeError reports a file or directory that others than its owner can read or write.
type ModeError struct {
	Path string
	Mode fs.FileMode
	Want fs.FileMode
}

// Error says which file is too open and how to fix it.
func (e *ModeError) Error() string {
	return fmt.Sprintf("%s is accessible to other users (mode %04o, want %04o); run: chmod %o %s",
		e.Path, e.Mode.Perm(), e.Want, e.Want, e.Path)
}

// WriteFile replaces path with data atomically, creating the parent
// directory with mode 0700 when missing. The file ends up 0600.
func WriteFile(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, DirMode); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create temporary file in %s: %w", dir, err)
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmpName)
		}
	}()
	// CreateTemp already uses 0600; Chmod makes that independent of umask games.
	if err = tmp.Chmod(FileMode); err != nil {
		return fmt.Errorf("chmod %s: %w", tmpName, err)
	}
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", tmpName, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", tmpName, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmpName, err)
	}
	if err = os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	// Sync the directory so the rename itself survives a power loss.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// CheckPrivate returns a *ModeError when path exists and is readable or
// writable by group or others, nil when it is private, and the os error
// (test with errors.Is(err, fs.ErrNotExist)) when it cannot be inspected.
func CheckPrivate(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	want := FileMode
	if st.IsDir() {
		want = DirMode
	}
	if st.Mode().Perm()&0o077 != 0 {
		return &ModeError{Path: path, Mode: st.Mode(), Want: want}
	}
	return nil
}

// ReadFile reads a private file: it refuses (with *ModeError) a file that is
// group- or world-accessible, because a secret there may already have leaked
// and the admin should know.
func ReadFile(path string) ([]byte, error) {
	if err := CheckPrivate(path); err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}
