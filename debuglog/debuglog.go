// Package debuglog writes pimmail's debug log: only when the environment
// variable PIMMAIL_DEBUG_LOG names a file, and only there, because the
// wizard owns the terminal and anything printed would tear its screen.
// The file is created 0600 and appended to. Callers log codes, hosts and
// durations, never secrets: secret.Secret values mask themselves, and raw
// service texts must not be passed here. As a second line of defence every
// line goes through diagnose.Redact, which masks tokens, SASL AUTH lines
// and credential fields whoever forgot them.
package debuglog

import (
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/pimmail/pimmail/diagnose"
)

// EnvVar names the environment variable holding the log file's path.
const EnvVar = "PIMMAIL_DEBUG_LOG"

var (
	mu   sync.Mutex
	once sync.Once
	file *os.File
)

// open opens the log file once; a file that cannot be opened disables the
// log silently (a debug aid must not break the program).
//
// The log is refused, not followed, when the path is a symbolic link (the
// classic trap of a log in /tmp: someone else's link pointing at a file of
// ours) or anything but a regular file (a terminal would tear the wizard's
// screen), and when the file belongs to another user (they could read it
// whatever its mode). An existing file of ours that others can read is made
// private first.
func open() {
	path := os.Getenv(EnvVar)
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND|noFollow, 0o600)
	if err != nil {
		return
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || !ownedByUs(st) {
		_ = f.Close()
		return
	}
	if st.Mode().Perm()&0o077 != 0 {
		if err := f.Chmod(0o600); err != nil {
			_ = f.Close()
			return
		}
	}
	file = f
}

// Enabled reports whether debug logging is on.
func Enabled() bool {
	once.Do(open)
	return file != nil
}

// Printf appends one line, prefixed with the time, when logging is on.
func Printf(format string, args ...any) {
	if !Enabled() {
		return
	}
	line := time.Now().Format("2006-01-02T15:04:05.000Z07:00") + " " + diagnose.Redact(fmt.Sprintf(format, args...))
	if len(line) == 0 || line[len(line)-1] != '\n' {
		line += "\n"
	}
	mu.Lock()
	defer mu.Unlock()
	_, _ = file.WriteString(line)
}
