//go:build unix

package secfile

import (
	"io/fs"
	"syscall"
)

// noFollow makes opening a symbolic link fail (ELOOP).
const noFollow = syscall.O_NOFOLLOW

// ownerOf returns the user ID that owns the file, when the platform says.
func ownerOf(st fs.FileInfo) (int, bool) {
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(sys.Uid), true
}
