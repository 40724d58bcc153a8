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
	mu      sync.Mutex
	once    sync.Once
	file    *os.File
	refused error // why the file named was not used
)

// open opens the log file once; a file that cannot be opened disables the
// log (a debug aid must not break the program), and Refused says why.
//
// The log is refused, not followed, when the path is a symbolic link (the
// classic trap of a log in /tmp: someone else's link pointing at a file of
// ours) or anything but a regular file (a terminal would tear the wizard's
// screen), and when the file belongs to another user (they could read it
// whatever its mode). An existing file of ours that others can read is made
// private first.
func open() {
	refused = nil
	path := os.Getenv(EnvVar)
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND|noFollow, 0o600)
	if err != nil {
		if st, lerr := os.Lstat(path); lerr == nil && st.Mode()&os.ModeSymlink != 0 {
			refused = fmt.Errorf("%s is a symbolic link; the debug log is never written through a link (choose a path of a plain file)", path)
			return
		}
		refused = fmt.Errorf("cannot open %s: %w", path, err)
		return
	}
	st, err := f.Stat()
	switch {
	case err != nil:
		refused = err
	case !st.Mode().IsRegular():
		refused = fmt.Errorf("%s is not a plain file (%s); the debug log needs one", path, st.Mode().Type())
	case !ownedByUs(st):
		refused = fmt.Errorf("%s belongs to another user, who could read the log; choose a path of your own", path)
	}
	if refused != nil {
		_ = f.Close()
		return
	}
	if st.Mode().Perm()&0o077 != 0 {
		if err := f.Chmod(0o600); err != nil {
			_ = f.Close()
			refused = fmt.Errorf("cannot make %s private: %w", path, err)
			return
		}
	}
	file = f
}

// Refused opens the log (when PIMMAIL_DEBUG_LOG names one) and says why
// the file named is not used, or nil. Commands print it on stderr before
// anything draws, so a refused log is never a silent one.
func Refused() error {
	once.Do(open)
	return refused
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
