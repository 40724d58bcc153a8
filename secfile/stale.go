package secfile

import (
	"os"
	"path/filepath"
	"strings"
)

// tempPrefix is how the temporary files for base start; os.CreateTemp
// appends random digits.
func tempPrefix(base string) string { return "." + base + ".tmp-" }

// IsTemp reports whether name (a base name) is one of WriteFile's
// temporary files for base, e.g. ".config.json.tmp-1234567" for
// "config.json". Tools that list a directory can use it to skip them.
func IsTemp(name, base string) bool {
	digits, ok := strings.CutPrefix(name, tempPrefix(base))
	if !ok || digits == "" {
		return false
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// removeStale removes base's temporary files in dir whose writer is gone:
// each WriteFile holds a lock on its temp file until it has renamed it, and
// the kernel drops the lock when the process dies, so a temp file whose lock
// can be taken belongs to nobody. It is removed while the lock is held,
// which is what createTemp's check relies on. Best effort: a file that
// cannot be inspected is left alone, and where the platform has no such
// locks nothing is removed (tempLocks is false).
//
// Only WriteFile calls that replace an existing file sweep, so that writing
// many new files in one directory (the sandbox's received mail) does not
// list that directory each time; a crash leaves a temp file when replacing,
// and the next save of the same file cleans it.
func removeStale(dir, base string) {
	if !tempLocks {
		return
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !IsTemp(e.Name(), base) {
			continue
		}
		name := filepath.Join(dir, e.Name())
		f, err := os.Open(name)
		if err != nil {
			continue
		}
		if ok, _ := tryLockFile(f); ok && stillNamed(f) {
			_ = os.Remove(name)
		}
		_ = f.Close()
	}
}
