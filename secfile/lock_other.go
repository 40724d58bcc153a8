//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package secfile

import (
	"errors"
	"os"
)

// tempLocks is false: without flock a stale temp file cannot be told from
// one being written, so none is removed (readers ignore them anyway).
const tempLocks = false

// renameWhileOpen is false: some systems (Windows) refuse to rename an open file.
const renameWhileOpen = false

// tryLockFile reports "cannot lock here": temp files are used unlocked.
func tryLockFile(*os.File) (bool, error) { return false, errNoLocks }

var errNoLocks = errors.New("no file locks on this system")

// lockDir cannot lock here: saves are not serialised between processes.
func lockDir(*os.File) error { return nil }
