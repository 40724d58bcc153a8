// Package secfile writes and checks files that hold secrets: 0600 files (a
// directory it creates gets 0700), replaced atomically (temp file, fsync, rename, fsync of
// the directory) so that a crash or Ctrl+C at any moment leaves either the
// old file or the new one, never a torn or half-written one.
//
// A process killed in the middle of WriteFile can leave its temporary file
// (".<name>.tmp-<digits>", 0600, beside the file) behind. Readers never look
// at those names, so they change nothing; the next WriteFile that replaces
// the same file removes the ones whose writer is gone (see stale.go).
package secfile

import (
	"errors"
	"fmt"
	"io"
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
	// The command ends the message on a line of its own, so copying it
	// from a terminal never picks up the next sentence.
	return e.Explain() + " " + e.Fix()
}

// WriteFile replaces path with data atomically, creating the parent
// directory with mode 0700 when missing. The file ends up 0600, whatever
// the umask and whatever the mode of the file it replaces. On any error the
// file at path is left as it was and the temporary file is removed.
//
// A path that is a symbolic link, a directory or another user's file is
// refused (see CheckReplaceable) and left alone.
func WriteFile(path string, data []byte) (err error) {
	if err := CheckReplaceable(path); err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, DirMode); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	tmp, err := createTemp(dir, filepath.Base(path))
	if err != nil {
		return fmt.Errorf("create temporary file in %s: %w", dir, err)
	}
	tmpName := tmp.Name()
	renamed := false
	defer func() {
		// Closing also releases the temp file's lock. After the rename the
		// data is already synced, so a failing close changes nothing.
		_ = tmp.Close()
		if err != nil && !renamed {
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
	_, statErr := os.Lstat(path)
	replacing := statErr == nil
	if !renameWhileOpen {
		if err = tmp.Close(); err != nil {
			return fmt.Errorf("close %s: %w", tmpName, err)
		}
	}
	// Renamed while still open (and locked) where the platform allows it, so
	// that no other WriteFile can take the finished temp file for a stale one.
	if err = os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	renamed = true
	// Sync the directory so the rename itself survives a power loss.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	if replacing {
		removeStale(dir, filepath.Base(path))
	}
	return nil
}

// createTemp creates and locks the temporary file for base in dir. A
// concurrent WriteFile may take a new temp file for a stale one in the
// instant between its creation and its lock, and remove it; createTemp
// notices (the lock is taken, or the name is gone) and starts again with a
// new one. It never waits for a lock. On a file system without flock the
// file is used unlocked, and no sweep there can lock and remove it either.
func createTemp(dir, base string) (*os.File, error) {
	for range 5 {
		f, err := os.CreateTemp(dir, tempPrefix(base)+"*")
		if err != nil {
			return nil, err
		}
		locked, err := tryLockFile(f)
		if err != nil {
			return f, nil
		}
		if locked && stillNamed(f) {
			return f, nil
		}
		_ = f.Close()
	}
	return nil, errors.New("temporary files keep disappearing")
}

// stillNamed reports whether f's name still refers to f.
func stillNamed(f *os.File) bool {
	byName, err := os.Lstat(f.Name())
	if err != nil {
		return false
	}
	open, err := f.Stat()
	return err == nil && os.SameFile(byName, open)
}

// CheckPrivate returns a *ModeError when path exists and is readable or
// writable by group or others, nil when it is private, and the os error
// (test with errors.Is(err, fs.ErrNotExist)) when it cannot be inspected.
// It looks at path itself, not at what a link points to.
func CheckPrivate(path string) error {
	st, err := os.Lstat(path)
	if err != nil {
		return err
	}
	return checkMode(path, st)
}

// checkMode is CheckPrivate for a file already looked at.
func checkMode(path string, st fs.FileInfo) error {
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
// and the admin should know; and a symbolic link (*LinkError), a directory
// (*NotFileError) or another user's file (*OwnerError), which others could
// change. The checks are made on the opened file (opened without following
// a link), so the file cannot be swapped between the check and the read.
func ReadFile(path string) ([]byte, error) {
	if noFollow == 0 {
		// No O_NOFOLLOW here: look at the path itself first.
		if st, err := os.Lstat(path); err == nil && st.Mode()&fs.ModeSymlink != 0 {
			return nil, checkKind(path, st)
		}
	}
	f, err := os.OpenFile(path, os.O_RDONLY|noFollow, 0)
	if err != nil {
		// O_NOFOLLOW on a link fails (ELOOP): say it is a link.
		if st, lerr := os.Lstat(path); lerr == nil && st.Mode()&fs.ModeSymlink != 0 {
			return nil, checkKind(path, st)
		}
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := checkKind(path, st); err != nil {
		return nil, err
	}
	if err := checkMode(path, st); err != nil {
		return nil, err
	}
	return io.ReadAll(f)
}

// LockDir takes an exclusive lock on dir (created 0700 when missing) that
// other pimmail processes wait for, and returns its release: a read,
// compare and write of a file in dir under it cannot interleave with
// another's. Where the platform has no flock it locks nothing.
func LockDir(dir string) (unlock func(), err error) {
	if err := os.MkdirAll(dir, DirMode); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	if err := lockDir(d); err != nil {
		_ = d.Close()
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	// Closing the descriptor releases the flock.
	return func() { _ = d.Close() }, nil
}
