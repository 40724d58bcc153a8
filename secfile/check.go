package secfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// The checks a file holding secrets, and its directory, must pass, and
// what each refusal says. Every fix these errors suggest is safe to run as
// root: none follows a symbolic link, and none changes a directory other
// programs share (chmod 700 /tmp would break the machine).

// Fixable is an error that explains what is wrong and, separately, what to
// do: the wizard shows the two apart. Fix ends with the command, if any,
// on a line of its own and a newline, so a copy takes nothing else.
type Fixable interface {
	error
	Explain() string
	Fix() string
}

// LinkError reports a file holding secrets that is a symbolic link: whoever
// can change the link chooses what pimmail reads and writes (as root: any
// file), so, as OpenSSH does with key files, pimmail refuses it.
type LinkError struct {
	Path   string
	Target string // where the link points, as read; may be empty
}

// Explain says what is wrong.
func (e *LinkError) Explain() string {
	to := ""
	if e.Target != "" {
		to = " to " + e.Target
	}
	return fmt.Sprintf("%s is a symbolic link%s. pimmail does not follow links for files that hold secrets "+
		"(as OpenSSH refuses linked key files): whoever can change the link chooses which file is read and written.", e.Path, to)
}

// Fix says how to replace the link with a file of its own. rm on a link
// removes the link only, never its target.
func (e *LinkError) Fix() string {
	return fmt.Sprintf("Point --config at the real file, or remove the link (this removes only the link, not the file it points to) "+
		"and save the configuration again with pimmail:\n  rm %s\n", Quote(e.Path))
}

func (e *LinkError) Error() string { return e.Explain() + " " + e.Fix() }

// OwnerError reports a file or directory that belongs to another user
// than the one pimmail runs as: that user can change it whatever its mode.
type OwnerError struct {
	Path  string
	Owner int // the owner's user ID
	Us    int // the user ID pimmail runs as
	Dir   bool
}

// Explain says what is wrong.
func (e *OwnerError) Explain() string {
	what := "file"
	if e.Dir {
		what = "directory"
	}
	return fmt.Sprintf("The %s %s belongs to another user (uid %d), not to the user pimmail runs as (uid %d): "+
		"that user can change it, so pimmail does not trust it with secrets (as OpenSSH refuses key files owned by others).",
		what, e.Path, e.Owner, e.Us)
}

// Fix says to use a file of one's own; changing another user's file is
// not pimmail's call.
func (e *OwnerError) Fix() string {
	return "Run pimmail as the user who owns it, or keep the configuration in a directory of your own " +
		"(pimmail --config PATH saves a new one there).\n"
}

func (e *OwnerError) Error() string { return e.Explain() + " " + e.Fix() }

// NotFileError reports a path that must be a regular file but is a
// directory (or a device, a socket...).
type NotFileError struct {
	Path string
	Mode fs.FileMode
}

// Explain says what is wrong.
func (e *NotFileError) Explain() string {
	if e.Mode.IsDir() {
		return fmt.Sprintf("%s is a directory, not a configuration file.", e.Path)
	}
	return fmt.Sprintf("%s is not a regular file (%s).", e.Path, e.Mode.Type())
}

// Fix names a file path to use instead.
func (e *NotFileError) Fix() string {
	if e.Mode.IsDir() {
		return fmt.Sprintf("Pass the file's path to --config, e.g.\n  --config %s\n", Quote(strings.TrimRight(e.Path, "/")+"/config.json"))
	}
	return "Pass the path of a regular file to --config.\n"
}

func (e *NotFileError) Error() string { return e.Explain() + " " + e.Fix() }

// Explain says what is wrong.
func (e *ModeError) Explain() string {
	if e.writableDir() {
		if e.shared() {
			return fmt.Sprintf("%s is a shared directory (mode %04o: everyone may create files in it, like /tmp), "+
				"so others could put their own file in place of pimmail's.", e.Path, e.Mode.Perm()|stickyBits(e.Mode))
		}
		return fmt.Sprintf("Other users may create and replace files in %s (mode %04o), so they could swap pimmail's files for their own.",
			e.Path, e.Mode.Perm())
	}
	return fmt.Sprintf("%s is accessible to other users (mode %04o, want %04o).", e.Path, e.Mode.Perm(), e.Want)
}

// writableDir reports a directory others may create files in.
func (e *ModeError) writableDir() bool { return e.Mode.IsDir() && e.Mode.Perm()&0o022 != 0 }

// shared reports a sticky directory everyone may write to (/tmp, /var/tmp):
// other programs rely on its mode, so it must never be changed.
func (e *ModeError) shared() bool {
	return e.Mode.IsDir() && e.Mode&fs.ModeSticky != 0 && e.Mode.Perm()&0o002 != 0
}

// stickyBits is the sticky bit as it appears in an octal mode (01000).
func stickyBits(m fs.FileMode) fs.FileMode {
	if m&fs.ModeSticky != 0 {
		return 0o1000
	}
	return 0
}

// Fix is a command that is safe as root: chmod 600 of a regular file (the
// checks refuse links before modes), chmod go-w of a directory that is not
// a shared one, and for a shared directory: another directory.
func (e *ModeError) Fix() string {
	if !e.writableDir() {
		return fmt.Sprintf("Run:\n  chmod %o %s\n", e.Want, Quote(e.Path))
	}
	if e.shared() {
		return "Keep the configuration in a directory of its own instead (never chmod a shared directory: " +
			"other programs need it as it is), e.g. the default, or:\n  --config /etc/pimmail/config.json\n"
	}
	return fmt.Sprintf("If only pimmail's files are in it, run the command below; if other programs use it, keep the configuration "+
		"in a directory of its own instead (--config PATH). Run:\n  chmod go-w %s\n", Quote(e.Path))
}

// CheckDir returns an error when others than the owner may create or
// replace files in dir (*ModeError) or dir belongs to another user
// (*OwnerError; root's directories are trusted, as OpenSSH trusts them).
// A directory others may only read or enter (0755, as home directories and
// /etc often are) passes: the 0600 files in it are private themselves. A
// missing dir returns the os error (errors.Is(err, fs.ErrNotExist)).
func CheckDir(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return &NotFileError{Path: dir, Mode: st.Mode()}
	}
	if st.Mode().Perm()&0o022 != 0 {
		return &ModeError{Path: dir, Mode: st.Mode(), Want: DirMode}
	}
	if uid, ok := ownerOf(st); ok && uid != 0 && uid != os.Geteuid() {
		return &OwnerError{Path: dir, Owner: uid, Us: os.Geteuid(), Dir: true}
	}
	return nil
}

// CheckReplaceable returns an error when the file at path must not be
// replaced by one holding secrets: a symbolic link (*LinkError), a
// directory or other non-file (*NotFileError), another user's file
// (*OwnerError). A missing path returns nil; a too-open file is
// replaceable (the new file is 0600).
func CheckReplaceable(path string) error {
	st, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return checkKind(path, st)
}

// checkKind refuses links, non-files and files of other users.
func checkKind(path string, st fs.FileInfo) error {
	switch {
	case st.Mode()&fs.ModeSymlink != 0:
		target, _ := os.Readlink(path)
		return &LinkError{Path: path, Target: target}
	case !st.Mode().IsRegular():
		return &NotFileError{Path: path, Mode: st.Mode()}
	}
	if uid, ok := ownerOf(st); ok && uid != os.Geteuid() {
		return &OwnerError{Path: path, Owner: uid, Us: os.Geteuid()}
	}
	return nil
}

// Quote quotes s for a POSIX shell when it needs it, so a suggested
// command is copied and run as one word per path.
func Quote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+=:@,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
