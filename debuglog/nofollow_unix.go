//go:build unix

package debuglog

import (
	"io/fs"
	"os"
	"syscall"
)

// noFollow makes opening a symbolic link fail.
const noFollow = syscall.O_NOFOLLOW

// ownedByUs reports whether this process's user owns the file: a log file
// someone else created (in /tmp, say) stays readable to them whatever its
// mode, even after root chmods it.
func ownedByUs(st fs.FileInfo) bool {
	sys, ok := st.Sys().(*syscall.Stat_t)
	return ok && int(sys.Uid) == os.Geteuid()
}
