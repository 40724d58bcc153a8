//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package secfile

import (
	"errors"
	"os"
	"syscall"
)

// tempLocks is true where temp files are locked (flock), so stale ones can
// be told from ones being written.
const tempLocks = true

// renameWhileOpen is true where a file can be renamed while open: the temp
// file then stays locked until it has its final name.
const renameWhileOpen = true

// tryLockFile takes an exclusive flock on f if nobody holds one.
func tryLockFile(f *os.File) (bool, error) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, syscall.EWOULDBLOCK):
		return false, nil
	case errors.Is(err, syscall.EINTR):
		return tryLockFile(f)
	}
	return false, err
}

// lockDir takes an exclusive flock on the open directory d, waiting for it.
func lockDir(d *os.File) error {
	for {
		err := syscall.Flock(int(d.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}
