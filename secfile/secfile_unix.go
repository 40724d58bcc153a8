//go:build !windows

package secfile

import (
	"fmt"
	"io/fs"
	"os"
)

// createPrivate creates a new 0600 file, whatever the umask.
func createPrivate(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, FileMode)
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(FileMode); err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return nil, fmt.Errorf("chmod %s: %w", path, err)
	}
	return f, nil
}

// replaceFile is rename(2), atomic on every Unix file system.
func replaceFile(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }

// mkdirPrivate creates a 0700 directory, whatever the umask.
func mkdirPrivate(dir string) error {
	if err := os.Mkdir(dir, DirMode); err != nil {
		return err
	}
	return os.Chmod(dir, DirMode)
}

// checkPath is CheckPrivate's test on Unix: the mode bits.
func checkPath(path string, st fs.FileInfo) error { return checkMode(path, st) }

// checkOpen is ReadFile's test of the opened file.
func checkOpen(path string, _ *os.File, st fs.FileInfo) error { return checkMode(path, st) }

// checkDirAccess refuses a directory group or others may write to (writeOnly)
// or use at all.
func checkDirAccess(dir string, st fs.FileInfo, writeOnly bool) error {
	bits := fs.FileMode(0o077)
	if writeOnly {
		bits = 0o022
	}
	if st.Mode().Perm()&bits != 0 {
		return &ModeError{Path: dir, Mode: st.Mode(), Want: DirMode}
	}
	return nil
}
