package config

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// SystemPath returns where the configuration of a relay that runs as a
// service lives: %ProgramData%\pimmail\config.json on Windows (the Windows
// service `pimmail relay install` registers uses it by default), and
// /var/lib/pimmail/config.json elsewhere (the systemd unit's state
// directory in the README). An admin runs the wizard with --config and this
// path so that the service finds what the wizard saved.
func SystemPath() string { return systemPath(runtime.GOOS, os.Getenv) }

// systemPath is SystemPath for a given platform and environment.
func systemPath(goos string, getenv func(string) string) string {
	if goos == "windows" {
		base := strings.TrimSpace(getenv("ProgramData"))
		if base == "" {
			base = `C:\ProgramData`
		}
		// Windows paths are joined with a backslash whatever platform runs
		// this (tests run on Linux).
		return strings.TrimRight(base, `\/`) + `\pimmail\` + FileName
	}
	return filepath.Join("/var/lib/pimmail", FileName)
}
