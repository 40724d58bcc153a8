package secfile

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// The functions here are what other packages (the queue) use to create and
// check private files and directories themselves, with the same protection
// WriteFile gives: mode 0600/0700 on Unix, an owner-only DACL on Windows
// (secfile_unix.go, secfile_windows.go).

// Create creates a new private file at path for reading and writing; it
// fails with an error matching fs.ErrExist when path exists. On Windows the
// file is created with its owner-only DACL, so there is no moment at which
// another user could open it.
func Create(path string) (*os.File, error) { return createPrivate(path) }

// Rename moves oldpath to newpath atomically, replacing newpath if it
// exists (on Windows MoveFileEx with MOVEFILE_REPLACE_EXISTING and
// MOVEFILE_WRITE_THROUGH, which returns once the move is on disk). The
// file keeps its own permissions.
func Rename(oldpath, newpath string) error { return replaceFile(oldpath, newpath) }

// Mkdir creates one private directory (0700, or owner-only with entries
// that files created in it inherit); an existing one gives an error
// matching fs.ErrExist and is left as it is.
func Mkdir(dir string) error { return mkdirPrivate(dir) }

// MkdirAll creates dir and any missing parents as private directories.
// Existing ones are left as they are (CheckDir says whether they are
// fit for secrets).
func MkdirAll(dir string) error {
	dir = filepath.Clean(dir)
	if st, err := os.Stat(dir); err == nil {
		if st.IsDir() {
			return nil
		}
		return &fs.PathError{Op: "mkdir", Path: dir, Err: errors.New("not a directory")}
	}
	if parent := filepath.Dir(dir); parent != dir {
		if err := MkdirAll(parent); err != nil {
			return err
		}
	}
	if err := mkdirPrivate(dir); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return nil
}

// CheckDirPrivate returns a *ModeError when others than the owner may use
// directory dir at all (read, enter or change it), as for the spool.
func CheckDirPrivate(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return err
	}
	return checkDirAccess(dir, st, false)
}

// randomDigits is the random part of a temporary file's name (digits, as
// IsTemp expects).
func randomDigits() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // never fails on supported systems
	}
	return strconv.FormatUint(binary.LittleEndian.Uint64(b[:])%1e18, 10)
}
