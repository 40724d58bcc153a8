//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || windows)

package queue

import (
	"errors"
	"os"
)

// lockFile: this platform has no advisory lock pimmail knows; refuse rather
// than risk two workers.
func lockFile(*os.File) (bool, error) {
	return false, errors.New("no file locks on this system")
}
